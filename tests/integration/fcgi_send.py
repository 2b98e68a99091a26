#!/usr/bin/env python3
"""fcgi_send.py SOCKET CASE [ARGS]: speak raw FastCGI to rivulet's socket.

SOCKET is a unix socket's path, or tcp:HOST:PORT, or tcp:HOST:PORT@SRC
to connect from the local address SRC.

A plain or hostile FastCGI peer for the integration tests (python3
standard library only).  It prints one line saying what came back:

  get URI                 a well-formed GET of URI (path?query):
                          "status N TYPE end P" or "closed"
  head URI [S]            the same with REQUEST_METHOD=HEAD, waiting
                          S seconds at most (10):
                          "status N TYPE body B end P" (B: body bytes)
  get-from ADDR URI       a GET of URI from REMOTE_ADDR ADDR
  no-method URI           a GET of URI without REQUEST_METHOD
  huge-params             a PARAMS pair whose name and value lengths
                          are declared near 0x7FFFFFFF
  bad-version             a BEGIN_REQUEST record with version 2
  http                    an HTTP request on the FastCGI socket
  params-before-begin     PARAMS for a request that never began:
                          "ignored" (no answer), "closed" or "data"
  truncated-header S      5 bytes of a record header, then our side
                          shut: "closed after T" or "open after S"
  truncated-record S      a PARAMS record declaring 1000 bytes and
                          sending 10, then our side shut
  stall S                 4 bytes of a header, then wait up to S
                          seconds: "closed after T" or "open after S"
  half N S                N connections each with BEGIN_REQUEST and
                          half a PARAMS record; prints "holding N",
                          waits S seconds, then "closed K of N"
  trailing URI            a GET of URI and, in the same write, 120 KB
                          of STDIN records past the end of its body:
                          "status N TYPE body B end P" and "clean" or
                          "reset" for how the connection closed
  big-params KIB          a GET with KIB KiB of params
  body-too-big            CONTENT_LENGTH of 64 MiB
  body-hangup             GET /api/test_stream with a chunked body it
                          never reads: send until blocked, read the
                          head, close: "closed" once sent
  body-stall S            a chunked upload that stops after 1000 bytes:
                          "status N TYPE end P after T" (T: seconds)
  chunked N [K]           POST N bytes to /api/upload_as_bytestream
                          without CONTENT_LENGTH (Transfer-Encoding:
                          chunked, as Apache sends it) in 32 KiB
                          records, K times on one kept connection:
                          "status N TYPE end P BODY" a request
  two-begins              a second BEGIN_REQUEST while one runs:
                          "second end P" (P: protocolStatus)
  keep                    two requests on one FCGI_KEEP_CONN connection
  values                  FCGI_GET_VALUES: "NAME=VALUE ..." sorted
"""
import socket
import struct
import sys
import time

(BEGIN, ABORT, END, PARAMS, STDIN, STDOUT, STDERR, DATA, GET_VALUES,
 GET_VALUES_RESULT, UNKNOWN_TYPE) = range(1, 12)


def rec(t, rid, content=b"", version=1):
    return struct.pack(">BBHHBB", version, t, rid, len(content), 0, 0) + content


def ln(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pair(k, v):
    return ln(len(k)) + ln(len(v)) + k + v


def params(env):
    return b"".join(pair(k.encode(), v.encode()) for k, v in env.items())


def begin(rid=1, keep=0):
    return rec(BEGIN, rid, struct.pack(">HB5x", 1, keep))


def conn(path, timeout=10):
    """A unix socket path, or tcp:HOST:PORT[@SOURCE] (bound to SOURCE)."""
    if path.startswith("tcp:"):
        addr, _, src = path[4:].partition("@")
        host, _, port = addr.rpartition(":")
        s = socket.socket(socket.AF_INET)
        s.settimeout(timeout)
        if src:
            s.bind((src, 0))
        s.connect((host, int(port)))
        return s
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
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


def split_response(out):
    """(status, content type, body) of a CGI response."""
    head, _, body = out.partition(b"\r\n\r\n")
    status, ctype = "none", "-"
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"status":
            status = value.strip()[:3].decode()
        elif name.lower() == b"content-type":
            ctype = value.strip().decode()
    return status, ctype, body


def report(out, end):
    if not out and end is None:
        print("closed")
        return
    status, ctype, _ = split_response(out)
    print("status %s %s end %s" % (status, ctype, end))


def env(uri, **extra):
    path, _, query = uri.partition("?")
    e = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path,
         "QUERY_STRING": query, "REQUEST_URI": uri,
         "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_LENGTH": "0",
         "REMOTE_ADDR": "127.0.0.1"}
    e.update(extra)
    return e


def request(s, e, body=b"", rid=1, keep=0):
    s.sendall(begin(rid, keep) + rec(PARAMS, rid, params(e)) +
              rec(PARAMS, rid) + (rec(STDIN, rid, body) if body else b"") +
              rec(STDIN, rid))


def wait_closed(s, limit):
    """Seconds until the peer closes s, None if it stays open, -1 on data."""
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        got = s.recv(65536)
    except socket.timeout:
        return None
    except ConnectionResetError:
        got = b""
    if got:
        # Records (an END_REQUEST, say) before the close are fine.
        try:
            while s.recv(65536):
                pass
        except (socket.timeout, ConnectionResetError):
            pass
    return time.monotonic() - t0


def print_closed(t, limit):
    print("open after %s" % limit if t is None else "closed after %.1f" % t)


def main():
    sock, case, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    s = conn(sock)
    if case == "get":
        request(s, env(args[0]))
        report(*read_all(s))
    elif case == "head":
        s.settimeout(float(args[1]) if len(args) > 1 else 10)
        request(s, env(args[0], REQUEST_METHOD="HEAD"))
        out, end = read_all(s)
        status, ctype, body = split_response(out)
        print("status %s %s body %d end %s" % (status, ctype, len(body), end))
    elif case == "trailing":
        e = env(args[0])
        s.sendall(begin() + rec(PARAMS, 1, params(e)) + rec(PARAMS, 1) +
                  rec(STDIN, 1) + rec(STDIN, 1, b"x" * 60000) * 2)
        out, end = read_all(s)
        status, ctype, body = split_response(out)
        try:
            closed = "clean" if s.recv(1) == b"" else "data"
        except ConnectionResetError:
            closed = "reset"
        print("status %s %s body %d end %s %s" % (status, ctype, len(body),
                                                 end, closed))
    elif case == "get-from":
        request(s, env(args[1], REMOTE_ADDR=args[0]))
        report(*read_all(s))
    elif case == "no-method":
        e = env(args[0])
        del e["REQUEST_METHOD"]
        request(s, e)
        report(*read_all(s))
    elif case == "huge-params":
        bad = (struct.pack(">II", 0xFFFFFFFE, 0xFFFFFFFF) + b"ab" +
               struct.pack(">BI", 3, 0xFFFFFFF0) + b"abc")
        s.sendall(begin() + rec(PARAMS, 1, bad) + rec(PARAMS, 1) + rec(STDIN, 1))
        report(*read_all(s))
    elif case == "bad-version":
        s.sendall(rec(BEGIN, 1, struct.pack(">HB5x", 1, 0), version=2))
        report(*read_all(s))
    elif case == "http":
        s.sendall(b"GET /api/json_stream HTTP/1.1\r\nHost: x\r\n\r\n")
        report(*read_all(s))
    elif case == "params-before-begin":
        s.sendall(rec(PARAMS, 1, params(env("/ticks"))) + rec(PARAMS, 1) +
                  rec(STDIN, 1))
        s.settimeout(0.4)  # well inside the server's params deadline
        try:
            print("data" if s.recv(1) else "closed")
        except socket.timeout:
            print("ignored")
        except ConnectionResetError:
            print("closed")
    elif case == "truncated-header":
        s.sendall(begin() + b"\x01\x04\x00\x01\x00")
        s.shutdown(socket.SHUT_WR)
        print_closed(wait_closed(s, float(args[0])), args[0])
    elif case == "truncated-record":
        s.sendall(begin() + struct.pack(">BBHHBB", 1, PARAMS, 1, 1000, 0, 0) +
                  b"\x0b\x02REQUEST_MET")
        s.shutdown(socket.SHUT_WR)
        print_closed(wait_closed(s, float(args[0])), args[0])
    elif case == "stall":
        s.sendall(b"\x01\x01\x00\x01")
        print_closed(wait_closed(s, float(args[0])), args[0])
    elif case == "half":
        held = []
        r = rec(PARAMS, 1, params(env("/ticks")))
        for _ in range(int(args[0])):
            c = conn(sock)
            c.sendall(begin() + r[:len(r) // 2])
            held.append(c)
        print("holding %d" % len(held), flush=True)
        time.sleep(float(args[1]))
        closed = 0
        for c in held:
            c.setblocking(False)
            try:
                if c.recv(65536) == b"":
                    closed += 1
            except BlockingIOError:
                pass
            except ConnectionResetError:
                closed += 1
        print("closed %d of %d" % (closed, len(held)))
    elif case == "big-params":
        request(s, env("/data-stream?count=1",
                       HTTP_X_BIG="x" * (int(args[0]) * 1024)))
        report(*read_all(s))
    elif case == "chunked":
        n, times = int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1
        e = env("/api/upload_as_bytestream", REQUEST_METHOD="POST",
                HTTP_TRANSFER_ENCODING="chunked")
        del e["CONTENT_LENGTH"]
        for _ in range(times):
            s.sendall(begin(1, 1 if times > 1 else 0) +
                      rec(PARAMS, 1, params(e)) + rec(PARAMS, 1))
            chunk = bytes(range(256)) * 128
            try:
                for off in range(0, n, len(chunk)):
                    s.sendall(rec(STDIN, 1, chunk[:min(len(chunk), n - off)]))
                s.sendall(rec(STDIN, 1))
            except (BrokenPipeError, ConnectionResetError):
                pass
            out, end = read_all(s)
            status, ctype, body = split_response(out)
            print("status %s %s end %s %s" % (status, ctype, end,
                                              body.decode().strip()))
    elif case == "body-hangup":
        e = env("/api/test_stream", HTTP_TRANSFER_ENCODING="chunked")
        del e["CONTENT_LENGTH"]
        s.sendall(begin() + rec(PARAMS, 1, params(e)) + rec(PARAMS, 1))
        s.settimeout(0.5)
        try:
            for _ in range(200):
                s.sendall(rec(STDIN, 1, b"x" * 32768))
        except socket.timeout:
            pass
        s.settimeout(5)
        s.recv(100)
        s.close()
        print("closed")
    elif case == "body-stall":
        e = env("/api/upload_as_bytestream", REQUEST_METHOD="POST",
                HTTP_TRANSFER_ENCODING="chunked")
        del e["CONTENT_LENGTH"]
        s.settimeout(float(sys.argv[3]))
        t0 = time.monotonic()
        s.sendall(begin() + rec(PARAMS, 1, params(e)) + rec(PARAMS, 1) +
                  rec(STDIN, 1, b"x" * 1000))
        out, end = read_all(s)
        status, ctype, _ = split_response(out)
        print("status %s %s end %s after %.0f" % (status, ctype, end,
                                                  time.monotonic() - t0))
    elif case == "body-too-big":
        request(s, env("/data-stream", CONTENT_LENGTH=str(64 << 20),
                       REQUEST_METHOD="POST"))
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
        i, found = 0, None
        while i + 8 <= len(buf):
            _, t, rid, n, pad = struct.unpack(">BBHHB", buf[i:i + 7])
            if t == END and rid == 2:
                found = buf[i + 12]
            i += 8 + n + pad
        print("second end %s" % found)
    elif case == "keep":
        # FCGI_KEEP_CONN: two requests, one connection (nginx, Apache).
        got = []
        for rid in (1, 2):
            request(s, env("/data-stream?count=1"), rid=rid, keep=1)
            out, end = read_all(s)
            got.append("%s/%s" % (split_response(out)[0], end))
        print(" ".join(got))
    elif case == "values":
        q = b"".join(pair(k, b"") for k in
                     (b"FCGI_MAX_CONNS", b"FCGI_MAX_REQS", b"FCGI_MPXS_CONNS"))
        s.sendall(rec(GET_VALUES, 0, q))
        s.settimeout(3)
        hdr = b""
        while len(hdr) < 8:
            d = s.recv(8 - len(hdr))
            if not d:
                print("closed")
                return
            hdr += d
        _, t, _, n, pad = struct.unpack(">BBHHB", hdr[:7])
        body = b""
        while len(body) < n + pad:
            body += s.recv(n + pad - len(body))
        body, pos, out = body[:n], 0, []
        while pos < len(body):
            lens = []
            for _ in range(2):
                if body[pos] < 128:
                    lens.append(body[pos])
                    pos += 1
                else:
                    lens.append(struct.unpack(">I", body[pos:pos + 4])[0] & 0x7FFFFFFF)
                    pos += 4
            k = body[pos:pos + lens[0]].decode()
            v = body[pos + lens[0]:pos + lens[0] + lens[1]].decode()
            pos += lens[0] + lens[1]
            out.append("%s=%s" % (k, v))
        print(("type %d " % t if t != GET_VALUES_RESULT else "") + " ".join(sorted(out)))
    else:
        raise SystemExit("unknown case " + case)


if __name__ == "__main__":
    main()
