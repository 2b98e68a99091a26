#!/bin/sh
# rivulet-cat: the demo routes in every framing, straight to rivulet's
# socket over FastCGI (unix and tcp) and through lighttpd over HTTP,
# each item printed as one JSON line as soon as it arrives; then what
# it says of bad input (no server, a server that is not FastCGI or
# HTTP, bodies that are not of their framing) by its exit status.
. "$(dirname "$0")/lib.sh"
CAT="$top_builddir/framework/tools/rivulet-cat"
[ -x "$CAT" ] || bail "$CAT not built (run make first)"
start_rivulet
start_lighttpd
S="unix:$T/riv.sock"

# cat NAME ARGS...: rivulet-cat's stdout in $T/NAME.out, stderr in
# $T/NAME.err, exit status in $T/NAME.x; 30 s at most.
cat_() {
	_n=$1
	shift
	timeout 30 "$CAT" "$@" >"$T/$_n.out" 2>"$T/$_n.err"
	echo $? >"$T/$_n.x"
}
out() { cat "$T/$1.out"; }
x() { cat "$T/$1.x"; }

DOGS=$(py 'import json
for i in range(10): print(json.dumps({"name": "Dog %d" % i, "age": i}, separators=(",", ":")))')
SSE_DOGS=$(echo "$DOGS" | sed 's/.*/{"data":&}/')

# One handler, every framing, both ways in.
JOBS=""
for f in ndjson sse msgpack json json-seq array; do
	cat_ "fcgi-$f" -F "$f" "$S" /api/json_stream &
	JOBS="$JOBS $!"
	cat_ "http-$f" -F "$f" "$U/api/json_stream" &
	JOBS="$JOBS $!"
done
wait $JOBS
for f in ndjson sse msgpack json json-seq array; do
	want=$DOGS
	[ "$f" = sse ] && want=$SSE_DOGS
	for via in fcgi http; do
		check "$via $f: exit 0" "$(x "$via-$f")" 0
		check "$via $f: the ten dogs, one line each" "$(out "$via-$f")" "$want"
	done
done

# Accept by -A and by -H; a framing forced with -t.
cat_ accept-mp -A application/msgpack "$S" /api/json_stream
check "-A application/msgpack: decoded" "$(out accept-mp)" "$DOGS"
cat_ hdr-sse -H "Accept: text/event-stream" "$U/api/json_stream"
check "-H 'Accept: text/event-stream': SSE events" "$(out hdr-sse)" "$SSE_DOGS"
cat_ forced -t text -F ndjson "$S" /api/json_stream
check "-t text: NDJSON lines as strings" "$(head -n 1 "$T/forced.out")" \
    '"{\"name\":\"Dog 0\",\"age\":0}"'

# Items come out as they arrive: ten dogs 500 ms apart.
stamp() {
	"$CAT" "$@" 2>/dev/null | while IFS= read -r _l; do
		echo "$(now) $_l"
	done
}
t0=$(now)
stamp -F sse "$U/api/json_stream" >"$T/stamped"
first=$(awk -v t="$t0" 'NR == 1 { print $1 - t }' "$T/stamped")
last=$(awk -v t="$t0" 'END { print $1 - t }' "$T/stamped")
check "streaming: ten lines" "$(wc -l <"$T/stamped" | tr -d ' ')" 10
check_lt "streaming: the first item within 2 s" "$first" 2
check_ge "streaming: the last item 4 s or more after the start" "$last" 4

# SSE fields; text lines; CSV rows; an envelope's array; XML lines.
cat_ events -n 2 "$S" /events
check_re "SSE: event, id, retry and data" "$(head -n 1 "$T/events.out")" \
    '^\{"event":"counter","id":"msg-1","retry":1000,"data":\{"count":1,"timestamp":[0-9]+\}\}$'
check_re "SSE: the second event" "$(sed -n 2p "$T/events.out")" \
    '^\{"event":"counter","id":"msg-2","data":\{"count":2,'
check "-n 2: exit 0 after two items" "$(x events) $(wc -l <"$T/events.out" | tr -d ' ')" "0 2"
cat_ text -n 3 "$U/api/test_stream?start=5"
check "text: a string per line" "$(out text)" '"Hello, world! 5"
"Hello, world! 6"
"Hello, world! 7"'
cat_ csv "$S" "/export/users.csv?rows=2"
check_re "CSV: rows as arrays" "$(out csv)" \
    '^\["id","name","email","created_at"\]
\["1","[^"]*","user1@example.org","[^"]*"\]
\["2","[^"]*","user2@example.org","[^"]*"\]$'
cat_ env "$U/data-stream?count=3"
check_re "{\"items\":[...]}: each element" "$(out env)" \
    '^\{"id":1,"timestamp":[0-9]+\}
\{"id":2,"timestamp":[0-9]+\}
\{"id":3,"timestamp":[0-9]+\}$'
cat_ big -F msgpack "$S" "/big-data?rows=2500"
check "msgpack: 2500 records" "$(x big) $(wc -l <"$T/big.out" | tr -d ' ')" "0 2500"
check "msgpack: a record" "$(sed -n 2500p "$T/big.out")" \
    '{"id":2500,"name":"record 2500","value":63.25}'
cat_ bigjson "$U/big-data?rows=2500"
check "a big JSON envelope over HTTP: the same records" "$(out bigjson)" "$(out big)"
cat_ xml "$S" "/feed?format=xml"
check_re "XML: lines as strings" "$(head -n 1 "$T/xml.out")" '^"<\?xml'

# -i: the head first.
cat_ head -i -n 1 -F ndjson "$U/api/json_stream"
check_re "-i over HTTP: status and headers" "$(head -n 1 "$T/head.out")" \
    '^\{"status":200,"headers":\{.*"Content-Type":"application/x-ndjson"'
cat_ headf -i -n 1 -F ndjson "$S" /api/json_stream
check_re "-i over FastCGI: status and headers" "$(head -n 1 "$T/headf.out")" \
    '^\{"status":200,"headers":\{.*"Content-Type":"application/x-ndjson"'

# /events resumes after a Last-Event-ID; 204 when there is nothing more.
ids() { py 'import json, sys
print(" ".join(str(json.loads(l).get("id")) for l in open(sys.argv[1])))' "$T/$1.out"; }
cat_ resume -H "Last-Event-ID: msg-7" "$S" "/events?interval_ms=10"
check "Last-Event-ID: msg-7: msg-8 on" "$(x resume) $(ids resume)" "0 msg-8 msg-9 msg-10"
cat_ resumed -i -H "Last-Event-ID: msg-10" "$U/events"
check "Last-Event-ID: msg-10: 204, no items" "$(x resumed) $(wc -l <"$T/resumed.out" | tr -d ' ') $(py '
import json, sys; print(json.loads(open(sys.argv[1]).readline())["status"])' "$T/resumed.out")" "0 1 204"
cat_ cut "$S" "/events?interval_ms=10&cut_after=3"
check "cut_after=3: three events" "$(ids cut)" "msg-1 msg-2 msg-3"
cat_ cut2 -H "Last-Event-ID: msg-3" "$U/events?interval_ms=10&cut_after=3"
check "cut_after=3 after msg-3: the next three" "$(ids cut2)" "msg-4 msg-5 msg-6"

# Statuses and error items.
cat_ nope -i "$S" /stocks/NOPE/stream
check "HTTP 400: exit 3" "$(x nope)" 3
check_re "HTTP 400: the problem printed" "$(sed -n 2p "$T/nope.out")" \
    '^\{"type":"about:blank","title":"Invalid stock symbol","status":400,'
cat_ missing "$U/no/such/route"
check "HTTP 404 through lighttpd: exit 3" "$(x missing)" 3
cat_ post -d 'a=1' "$S" /api/json_stream
check "POST with a body to a GET route: 405, exit 3" "$(x post) $(py '
import json, sys; print(json.loads(open(sys.argv[1]).readline())["status"])' "$T/post.out")" "3 405"
printf 'x=%s' "$(head -c 3000 /dev/zero | tr '\0' y)" >"$T/body"
cat_ postfile -i -d "@$T/body" "$U/api/json_stream"
check_re "a body from @FILE through lighttpd: 405" "$(head -n 1 "$T/postfile.out")" '"status":405'
cat_ erritem "$S" "/stream-with-errors?interval_ms=100&fail_at=3"
check "an error event: exit 7" "$(x erritem)" 7
check_re "an error event: printed last" "$(tail -n 1 "$T/erritem.out")" '^\{"event":"error",'

# FastCGI over TCP: a second rivulet on a loopback port.
TP=$(free_port)
"$RIVULET" -c "$T/rivulet.conf" -l "tcp:127.0.0.1:$TP" 2>"$T/rivulet-tcp.log" &
TPID=$!
track "$TPID"
i=0
while [ $i -lt 50 ] && ! "$CAT" -n 1 "tcp:127.0.0.1:$TP" /ticks >/dev/null 2>&1; do
	sleep 0.1
	i=$((i + 1))
done
cat_ tcp -F msgpack "tcp:127.0.0.1:$TP" "/big-data?rows=2500"
check "tcp:HOST:PORT: the same 2500 records" "$(x tcp) $(out tcp)" "0 $(out big)"
stop_pid "$TPID"

# --- bad input -----------------------------------------------------
FREE=$(free_port)
cat_ refused-http "http://127.0.0.1:$FREE/"
check "refused (http): exit 2" "$(x refused-http)" 2
check_re "refused (http): says so" "$(cat "$T/refused-http.err")" 'refused'
cat_ refused-tcp "tcp:127.0.0.1:$FREE" /
check "refused (tcp FastCGI): exit 2" "$(x refused-tcp)" 2
cat_ nosock "unix:$T/no.sock" /
check "no such socket: exit 2" "$(x nosock)" 2
cat_ usage
check "no target: exit 1" "$(x usage)" 1
cat_ badtarget ftp://x/
check "ftp://: exit 1" "$(x badtarget)" 1
cat_ help --help
check "--help: exit 0 and the exit codes" "$(x help) $(grep -c '^  [0-7]  ' "$T/help.out")" "0 8"
# rivulet-cat(1) has every option --help has, and every exit status.
MAN="$top_srcdir/framework/man/rivulet-cat.1"
missing=""
for o in $(grep -o -- '--[a-z-]*' "$T/help.out" | sort -u); do
	grep -q -- "Fl -${o#--}" "$MAN" || missing="$missing $o"
done
check "rivulet-cat(1): every long option of --help" "$missing" ""
check "rivulet-cat(1): exit statuses 0 to 7" \
    "$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/p' "$MAN" | grep -c '^\.It [0-7]$')" 8
cat_ slow -m 1 "$S" "/dashboard/metrics?interval_ms=5000"
check "--max-time on an endless stream: exit 6 after one item" \
    "$(x slow) $(wc -l <"$T/slow.out" | tr -d ' ')" "6 1"

# A server that answers one connection with canned bytes: SERVE MODE
# writes its address to $T/MODE.addr, and lives 20 s at most.
cat >"$T/canned.py" <<'PY'
import socket, sys, time
mode, where = sys.argv[1], sys.argv[2]
if mode.startswith("unix-"):
    s = socket.socket(socket.AF_UNIX); s.bind(where); addr = "unix:" + where
else:
    s = socket.socket(); s.bind(("127.0.0.1", 0))
    addr = "http://127.0.0.1:%d/" % s.getsockname()[1]
s.listen(1); s.settimeout(20)
open(sys.argv[3], "w").write(addr)
c, _ = s.accept(); c.settimeout(5)
try:
    c.recv(65536)
except OSError:
    pass
def http(ctype, body, extra=b""):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype +
            b"\r\nConnection: close\r\n" + extra + b"\r\n" + body)
replies = {
    "ndjson": http(b"application/x-ndjson", b'{"ok":1}\n{bad json\n'),
    "msgpack": http(b"application/msgpack", b"\x81\xa2ok\x01\x82\xa4na"),
    "msgpack-bad": http(b"application/msgpack", b"\x01\xc1\x02"),
    "sse": http(b"text/event-stream", b"data: 1\n\ndata: \xff\xfe\n\n"),
    "array": http(b"application/json", b"[1, 2, {\"a\": 3}"),
    "array-junk": http(b"application/json", b"[1, 2} 3]"),
    "seq": http(b"application/json-seq", b"\x1e1\n\x1e{nope\n"),
    "csv": http(b"text/csv", b"a,b\r\n\"x,y\r\n"),
    "chunked-cut": http(b"application/x-ndjson", b"9\r\n{\"ok\":1}\n\r\n",
                        b"Transfer-Encoding: chunked\r\n"),
    "chunked-bad": http(b"application/x-ndjson", b"zz\r\n{}\r\n",
                        b"Transfer-Encoding: chunked\r\n"),
    "not-http": b"SSH-2.0-OpenSSH\r\n",
    "unix-not-fcgi": b"HTTP/1.1 200 OK\r\n\r\n",
    "unix-cut": b"\x01\x06\x00\x01\x00\x20\x00\x00Status: 200\r\n",
}
c.sendall(replies[mode])
c.close()
PY
serve() {
	rm -f "$T/$1.addr"
	python3 "$T/canned.py" "$1" "$T/$1.sock" "$T/$1.addr" \
	    </dev/null >/dev/null 2>"$T/$1.py.err" &
	track $!
	_i=0
	while [ ! -s "$T/$1.addr" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
# run_bad MODE EXIT WANT: the items printed before the trouble, and
# the exit status it gives.
run_bad() {
	serve "$1"
	addr=$(cat "$T/$1.addr")
	cat_ "bad-$1" "$addr"
	check "$1: exit $2" "$(x "bad-$1")" "$2"
	check "$1: the good items first" "$(out "bad-$1")" "$3"
}
run_bad ndjson 4 '{"ok":1}'
run_bad msgpack 4 '{"ok":1}'
run_bad msgpack-bad 4 '1'
run_bad sse 4 '{"data":1}'
run_bad array 4 '1
2
{"a":3}'
run_bad array-junk 4 '1
2'
run_bad seq 4 '1'
run_bad csv 4 '["a","b"]'
run_bad chunked-cut 5 '{"ok":1}'
run_bad chunked-bad 5 ''
run_bad not-http 5 ''
run_bad unix-not-fcgi 5 ''
run_bad unix-cut 5 ''
finish
