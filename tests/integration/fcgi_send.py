#!/usr/bin/env python3
"""fcgi_send.py SOCKET CASE: speak raw FastCGI to rivulet's socket.

A hostile (or just plain) FastCGI peer for the integration tests; it
prints one line saying what came back.  Cases:
  get PATH            a well-formed GET; prints "status N end P" or "closed"
  huge-params         a PARAMS pair declaring lengths near 2^31
  bad-version         a record with version 2
  stall SECONDS       4 bytes of a header, then wait; prints "closed after S"
  half N SECONDS      N connections with half a record each, held open
  big-params N        N KiB of params in one request
  two-begins          a second BEGIN_REQUEST while one is active
  body-too-big        CONTENT_LENGTH over max_body
  params-before-begin PARAMS for a request that never began
"""
import socket
import struct
import sys
import time

BEGIN, ABORT, END, PARAMS, STDIN, STDOUT = 1, 2, 3, 4, 5, 6


def rec(t, rid, content=b"", version=1):
    return struct.pack(">BBHHBB", version, t, rid, len(content), 0, 0) + content


def pair(k, v):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(k)) + ln(len(v)) + k + v


def params(env):
    return b"".join(pair(k.encode(), v.encode()) for k, v in env.items())


def begin(rid=1, keep=0):
    return rec(BEGIN, rid, struct.pack(">HB5x", 1, keep))


def conn(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    return s


def read_all(s):
    """Records until END_REQUEST or EOF: (stdout bytes, end status)."""
    buf, out, end = b"", b"", None
    while True:
        try:
            d = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            d = b""
        if not d:
            return out, end
        buf += d
        while len(buf) >= 8:
            _, t, _, n, pad = struct.unpack(">BBHHB", buf[:7])
            if len(buf) < 8 + n + pad:
                break
            body, buf = buf[8:8 + n], buf[8 + n + pad:]
            if t == STDOUT:
                out += body
            elif t == END:
                end = body[4]
                return out, end


def report(out, end):
    if not out and end is None:
        print("closed")
        return
    status = "none"
    for line in out.split(b"\r\n"):
        if line.startswith(b"Status: "):
            status = line[8:11].decode()
            break
    print("status %s end %s" % (status, end))


def env(path, **extra):
    e = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path,
         "QUERY_STRING": "format=ndjson" if path == "/api/json_stream" else "",
         "SERVER_PROTOCOL": "HTTP/1.1"}
    e.update(extra)
    return e


def request(s, e, body=b""):
    s.sendall(begin() + rec(PARAMS, 1, params(e)) + rec(PARAMS, 1) +
              (rec(STDIN, 1, body) if body else b"") + rec(STDIN, 1))


def main():
    sock, case, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    s = conn(sock)
    if case == "get":
        request(s, env(args[0]))
        report(*read_all(s))
    elif case == "huge-params":
        bad = struct.pack(">II", 0xFFFFFFFE, 0xFFFFFFFE) + b"ab"
        s.sendall(begin() + rec(PARAMS, 1, bad) + rec(PARAMS, 1) + rec(STDIN, 1))
        report(*read_all(s))
    elif case == "bad-version":
        s.sendall(rec(BEGIN, 1, struct.pack(">HB5x", 1, 0), version=2))
        report(*read_all(s))
    elif case == "stall":
        t0 = time.monotonic()
        s.sendall(b"\x01\x01\x00\x01")
        s.settimeout(float(args[0]))
        try:
            got = s.recv(1)
        except socket.timeout:
            print("still open after %s" % args[0])
            return
        print("closed after %.1f" % (time.monotonic() - t0) if not got else "data")
    elif case == "half":
        held = []
        for _ in range(int(args[0])):
            c = conn(sock)
            c.sendall(begin() + b"\x01\x04\x00\x01\x00")
            held.append(c)
        print("holding %d" % len(held), flush=True)
        time.sleep(float(args[1]))
    elif case == "big-params":
        request(s, env("/api/json_stream", HTTP_X_BIG="x" * (int(args[0]) * 1024)))
        report(*read_all(s))
    elif case == "two-begins":
        s.sendall(begin() + rec(PARAMS, 1, params(env("/ticks"))) +
                  rec(PARAMS, 1) + rec(STDIN, 1))
        time.sleep(0.2)
        s.sendall(begin(rid=2))
        buf = b""
        s.settimeout(3)
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            if not d:
                break
            buf += d
        # find END_REQUEST for id 2
        i, found = 0, None
        while i + 8 <= len(buf):
            _, t, rid, n, pad = struct.unpack(">BBHHB", buf[i:i + 7])
            if t == END and rid == 2:
                found = buf[i + 12]
            i += 8 + n + pad
        print("second end %s" % found)
    elif case == "body-too-big":
        request(s, env("/data-stream", CONTENT_LENGTH=str(64 << 20),
                       REQUEST_METHOD="POST"))
        report(*read_all(s))
    elif case == "keep":
        # FCGI_KEEP_CONN: two requests, one connection (nginx, Apache).
        got = []
        for rid in (1, 2):
            s.sendall(begin(rid, keep=1) +
                      rec(PARAMS, rid, params(env("/data-stream"))) +
                      rec(PARAMS, rid) + rec(STDIN, rid))
            out, end = read_all(s)
            got.append("%s/%s" % (out.split(b"\r\n", 1)[0].decode(), end))
        print(" ".join(got))
    elif case == "params-before-begin":
        s.sendall(rec(PARAMS, 1, params(env("/ticks"))) + rec(PARAMS, 1))
        s.settimeout(0.4)  # well inside the server's params deadline
        try:
            print("data" if s.recv(1) else "closed")
        except socket.timeout:
            print("ignored")
    else:
        raise SystemExit("unknown case " + case)


if __name__ == "__main__":
    main()
