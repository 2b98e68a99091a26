#!/bin/sh
# One handler, every framing: /api/json_stream chosen by Accept
# (q-values, wildcards) or ?format=, each body decoded independently
# (decode.py: its own SSE, json-seq and MessagePack parsers) and
# checked at the byte level; 406 problem+json when nothing offered is
# acceptable.
. "$(dirname "$0")/lib.sh"
start_rivulet
start_lighttpd

# If python3-msgpack happens to be installed, it cross-checks decode.py.
HAVE_MSGPACK=$(py 'import msgpack; print(1)' 2>/dev/null | grep -x 1 || echo 0)

# name|Accept (or -)|?format= (or -)|expected Content-Type|framing
CASES='accept-ndjson|application/x-ndjson|-|application/x-ndjson|ndjson
accept-sse|text/event-stream|-|text/event-stream; charset=utf-8|sse
accept-msgpack|application/msgpack|-|application/msgpack|msgpack
accept-json|application/json|-|application/json|array
accept-json-seq|application/json-seq|-|application/json-seq|json-seq
no-accept|-|-|application/x-ndjson|ndjson
format-ndjson|-|ndjson|application/x-ndjson|ndjson
format-sse|-|sse|text/event-stream; charset=utf-8|sse
format-msgpack|-|msgpack|application/msgpack|msgpack
format-array|-|array|application/json|array
format-json|-|json|application/json|array
format-json-seq|-|json-seq|application/json-seq|json-seq
format-beats-accept|text/event-stream|msgpack|application/msgpack|msgpack
format-beats-accept-2|application/msgpack|ndjson|application/x-ndjson|ndjson
q-lower-msgpack|application/msgpack;q=0.5, application/x-ndjson|-|application/x-ndjson|ndjson
q-lower-ndjson|application/msgpack, application/x-ndjson;q=0.5|-|application/msgpack|msgpack
q-sse-best|application/x-ndjson;q=0.2, text/event-stream;q=0.9, application/json;q=0.5|-|text/event-stream; charset=utf-8|sse
wildcard|*/*|-|application/x-ndjson|ndjson
type-wildcard|text/*|-|text/event-stream; charset=utf-8|sse
application-wildcard|image/png, application/*;q=0.9|-|application/x-ndjson|ndjson
browser|text/html,application/xhtml+xml,*/*;q=0.8|-|application/x-ndjson|ndjson
eventsource|text/event-stream, */*;q=0.1|-|text/event-stream; charset=utf-8|sse'

JOBS=""
echo "$CASES" >"$T/cases"
while IFS='|' read -r name accept format ctype framing; do
	path=/api/json_stream
	[ "$format" = - ] || path="$path?format=$format"
	if [ "$accept" = - ]; then
		get "$name" "$path" &
	else
		get "$name" "$path" -H "Accept: $accept" &
	fi
	JOBS="$JOBS $!"
	track $!
done <"$T/cases"
wait $JOBS

# check_body NAME FRAMING: the ten dogs, in order, framed exactly so
check_body() {
	py '
import json, struct, sys
name, framing, raw = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
dogs = [{"name": "Dog %d" % i, "age": i} for i in range(10)]
def fail(why):
    print(why); sys.exit()
if framing == "ndjson":
    if not raw.endswith(b"\n"): fail("no final newline")
    items = [json.loads(l) for l in raw.split(b"\n")[:-1]]
elif framing == "json-seq":
    # RFC 7464: each record is RS, JSON text, LF
    recs = raw.split(b"\x1e")
    if recs[0] != b"" or not all(r.endswith(b"\n") for r in recs[1:]): fail("not RS ... LF records")
    items = [json.loads(r) for r in recs[1:]]
elif framing == "array":
    items = json.loads(raw)
    if not isinstance(items, list): fail("not a top-level array")
elif framing == "sse":
    ev = json.loads(sys.stdin.read())
    if any(set(e) - {"data"} for e in ev): fail("unexpected SSE fields %r" % ev[:2])
    if b"\r" in raw or not raw.endswith(b"\n\n"): fail("SSE events not LF-terminated")
    items = [e["data"] for e in ev]
elif framing == "msgpack":
    items = json.loads(sys.stdin.read())
    # first dog byte by byte: fixmap(2) "name" "Dog 0" "age" 0
    want = bytes.fromhex("82a46e616d65a5446f672030a361676500")
    if not raw.startswith(want): fail("first value is %s" % raw[:17].hex())
    if sys.argv[4] == "1":
        import io, msgpack
        if list(msgpack.Unpacker(io.BytesIO(raw), raw=False)) != items:
            fail("python3-msgpack disagrees with decode.py")
print("ten dogs" if items == dogs else "items: %r" % (items,)[:300])
' "$1" "$2" "$T/$1" "$HAVE_MSGPACK"
}

while IFS='|' read -r name accept format ctype framing; do
	check "$name: 200 $ctype" "$(code "$name") $(hdr "$name" Content-Type)" "200 $ctype"
	case $framing in
	sse) check "$name: the ten dogs" "$(decode sse "$T/$name" | check_body "$name" sse)" "ten dogs";;
	msgpack) check "$name: the ten dogs" "$(decode msgpack "$T/$name" | check_body "$name" msgpack)" "ten dogs";;
	*) check "$name: the ten dogs" "$(check_body "$name" "$framing" </dev/null)" "ten dogs";;
	esac
done <"$T/cases"

# Nothing acceptable: 406 with a problem that says what there is.
get png /api/json_stream -H "Accept: image/png"
check "Accept: image/png: 406 problem+json" "$(code png) $(hdr png Content-Type)" "406 application/problem+json"
check "Accept: image/png: the problem lists the framings" "$(py '
import json, sys
d = json.load(open(sys.argv[1]))
print(d.get("status"), d.get("title"), all(t in d.get("detail", "") for t in
      ("application/x-ndjson", "text/event-stream", "application/msgpack", "application/json", "application/json-seq")))' "$T/png")" \
    "406 Not Acceptable True"
get nope "/api/json_stream?format=nope"
check "?format=nope: 406 problem+json" "$(code nope) $(hdr nope Content-Type)" "406 application/problem+json"
check "?format=nope: status in the body" "$(py 'import json, sys; print(json.load(open(sys.argv[1])).get("status"))' "$T/nope")" 406
get nopeaccept "/api/json_stream?format=nope" -H "Accept: */*"
check "?format=nope beats a willing Accept: 406" "$(code nopeaccept)" 406
get csvoff "/api/json_stream?format=csv"
check "?format=csv (a real encoder, not offered here): 406" "$(code csvoff)" 406
get q0 /api/json_stream -H "Accept: application/x-ndjson;q=0, text/event-stream;q=0"
check "Accept with q=0 only: 406" "$(code q0)" 406
finish
