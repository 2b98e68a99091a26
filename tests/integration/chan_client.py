#!/usr/bin/env python3
"""chan_client.py: channel subscribers for t_channels.sh (stdlib only).

  slow SOCKET URL N SIZE
      Subscribes to /chat/events?room=slow straight on rivulet's FastCGI
      SOCKET with a tiny receive buffer and reads nothing while N
      messages of SIZE bytes are POSTed through URL (the front server).
      Then it reads what it got, 3 more messages are posted, it reads
      again, and prints one line:
      "events E errors R resets S ended X" (X: END_REQUEST seen).
"""
import socket
import struct
import sys
import time
import urllib.request

BEGIN, PARAMS, STDIN, STDOUT, END = 1, 4, 5, 6, 3


def rec(t, content=b""):
    return struct.pack(">BBHHBB", 1, t, 1, len(content), 0, 0) + content


def pair(k, v):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(k)) + ln(len(v)) + k + v


def subscribe(path, uri):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(path)
    p, q = (uri.split("?", 1) + [""])[:2]
    env = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": p,
           "QUERY_STRING": q, "REQUEST_URI": uri, "SERVER_PROTOCOL":
           "HTTP/1.1", "HTTP_ACCEPT": "text/event-stream"}
    body = b"".join(pair(k.encode(), v.encode()) for k, v in env.items())
    s.sendall(rec(BEGIN, struct.pack(">HB5x", 1, 0)) + rec(PARAMS, body) +
              rec(PARAMS) + rec(STDIN))
    return s


def read_records(s, limit):
    s.settimeout(0.5)
    data, out, ended, t0 = b"", b"", False, time.monotonic()
    while time.monotonic() - t0 < limit and not ended:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
        while len(data) >= 8:
            _, t, _, n, pad, _ = struct.unpack(">BBHHBB", data[:8])
            if len(data) < 8 + n + pad:
                break
            if t == STDOUT:
                out += data[8:8 + n]
            elif t == END:
                ended = True
            data = data[8 + n + pad:]
    return out, ended


def post(url, room, i, text):
    q = "room=%s&username=u&message=%d-%s" % (room, i, text)
    urllib.request.urlopen(urllib.request.Request(
        url + "/chat/send?" + q, data=b"", method="POST"), timeout=10)


def slow(path, url, n, size):
    """Read nothing while n messages go out, then read; then 3 more."""
    s = subscribe(path, "/chat/events?room=slow")
    time.sleep(0.5)
    for i in range(n):
        post(url, "slow", i, "x" * size)
    out, ended = read_records(s, 1.5)
    if not ended:
        for i in range(3):
            post(url, "slow", n + i, "late")
            time.sleep(0.1)
        more, ended = read_records(s, 1.5)
        out += more
    text = out.decode("utf-8", "replace")
    print("events %d errors %d resets %d ended %s" % (
        text.count("event: message"), text.count("event: error"),
        text.count("event: reset"), "yes" if ended else "no"))


if __name__ == "__main__":
    if sys.argv[1] == "slow":
        slow(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit("unknown case " + sys.argv[1])
