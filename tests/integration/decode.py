#!/usr/bin/env python3
"""decode.py FRAMING < body: print the body's items as one JSON array.

An independent decoder (not rivulet's own) so that the integration
tests check the wire format against what clients would parse.
FRAMING: sse ndjson json-seq json msgpack csv xml."""
import csv
import io
import json
import struct
import sys
import xml.etree.ElementTree as ET


def sse(text):
    # WHATWG: lines end in CRLF, LF or CR; blank line dispatches.
    items, data, ev = [], None, {}
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if data is not None or ev:
                item = dict(ev)
                if data is not None:
                    try:
                        item["data"] = json.loads(data)
                    except ValueError:
                        item["data"] = data
                items.append(item)
            data, ev = None, {}
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data = value if data is None else data + "\n" + value
        elif field in ("event", "id"):
            ev[field] = value
        elif field == "retry" and value.isdigit():
            ev["retry"] = int(value)
    return items


def msgpack(b):
    pos = 0

    def take(n):
        nonlocal pos
        if pos + n > len(b):
            raise ValueError("truncated MessagePack")
        v = b[pos:pos + n]
        pos += n
        return v

    def val():
        t = take(1)[0]
        if t <= 0x7f:
            return t
        if t >= 0xe0:
            return t - 0x100
        if 0x80 <= t <= 0x8f:
            return {key(): val() for _ in range(t & 0xf)}
        if 0x90 <= t <= 0x9f:
            return [val() for _ in range(t & 0xf)]
        if 0xa0 <= t <= 0xbf:
            return take(t & 0x1f).decode()
        fixed = {0xc0: None, 0xc2: False, 0xc3: True}
        if t in fixed:
            return fixed[t]
        ints = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q",
                0xd0: ">b", 0xd1: ">h", 0xd2: ">i", 0xd3: ">q",
                0xca: ">f", 0xcb: ">d"}
        if t in ints:
            fmt = ints[t]
            return struct.unpack(fmt, take(struct.calcsize(fmt)))[0]
        lens = {0xd9: ">B", 0xda: ">H", 0xdb: ">I", 0xc4: ">B", 0xc5: ">H",
                0xc6: ">I", 0xdc: ">H", 0xdd: ">I", 0xde: ">H", 0xdf: ">I"}
        if t in lens:
            n = struct.unpack(lens[t], take(struct.calcsize(lens[t])))[0]
            if t in (0xd9, 0xda, 0xdb):
                return take(n).decode()
            if t in (0xc4, 0xc5, 0xc6):
                return take(n).hex()
            if t in (0xdc, 0xdd):
                return [val() for _ in range(n)]
            return {key(): val() for _ in range(n)}
        raise ValueError("MessagePack type 0x%02x" % t)

    def key():
        k = val()
        return k if isinstance(k, str) else str(k)

    items = []
    while pos < len(b):
        items.append(val())
    return items


def main():
    kind = sys.argv[1]
    raw = sys.stdin.buffer.read()
    if kind == "msgpack":
        items = msgpack(raw)
    else:
        text = raw.decode("utf-8")
        if kind == "sse":
            items = sse(text)
        elif kind == "ndjson":
            items = [json.loads(l) for l in text.split("\n") if l.strip()]
        elif kind == "json-seq":
            items = [json.loads(r) for r in text.split("\x1e") if r.strip()]
        elif kind == "json":
            doc = json.loads(text)
            if isinstance(doc, dict) and len(doc) == 1:
                doc = list(doc.values())[0]
            items = doc
        elif kind == "csv":
            rows = list(csv.reader(io.StringIO(text, newline="")))
            items = [dict(zip(rows[0], r)) for r in rows[1:]]
        elif kind == "xml":
            root = ET.fromstring(raw)
            items = [{c.tag: c.text for c in it} for it in root]
        else:
            raise SystemExit("unknown framing " + kind)
    json.dump(items, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
