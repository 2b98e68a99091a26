#!/bin/sh
# Streams stream: items reach the client as they are sent, SSE carries
# the no-buffering headers, a client that leaves ends the handler's
# loop, a slow stream holds up nobody, idle streams send heartbeats.
. "$(dirname "$0")/lib.sh"
start_rivulet "heartbeat = 300ms"
start_lighttpd

# arrivals URL MAXTIME [PREFIX]: curl -N, each line (that starts with
# PREFIX; else each non-empty one) timestamped with time.monotonic() as
# it arrives; prints "COUNT FIRST LAST SPACED" where SPACED counts gaps
# of >= 0.3 s between consecutive lines.
arrivals() {
	python3 - "$CURL" "$1" "$2" "${3:-}" <<'PY'
import subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen([sys.argv[1], "-s", "-N", "-m", sys.argv[3], sys.argv[2]],
                     stdout=subprocess.PIPE)
pre = sys.argv[4].encode()
times = [time.monotonic() - t0 for line in p.stdout
         if line.strip() and line.startswith(pre)]
p.wait()
if not times:
    print("0 - - 0")
else:
    spaced = sum(1 for a, b in zip(times, times[1:]) if b - a >= 0.3)
    print("%d %.2f %.2f %d" % (len(times), times[0], times[-1], spaced))
PY
}

# /api/json_stream: ten dogs 500 ms apart must arrive 500 ms apart (as
# NDJSON and, side by side, as SSE).
arrivals "$U/api/json_stream?format=sse" 15 "data:" >"$T/sse.arrivals" &
SSEJOB=$!
track $SSEJOB
set -- $(arrivals "$U/api/json_stream" 15)
check "json_stream: ten items" "$1" 10
check_lt "json_stream: the first item arrives at once" "$2" 1.0
check_ge "json_stream: the last only after the handler's 4.5 s" "$3" 4.0
check_ge "json_stream: items arrive one by one, not in bursts (gaps >= 0.3 s)" "$4" 7
wait $SSEJOB
set -- $(cat "$T/sse.arrivals")
check "json_stream as SSE: ten events, the first at once, the last after 4 s, one by one" \
    "$1 $(awk -v a="$2" -v b="$3" -v n="$4" 'BEGIN { print (a < 1 && b >= 4 && n >= 7) }')" "10 1"
set -- $(arrivals "$U/api/test_stream" 1.8)
check "test_stream (endless): a line at once, then every 500 ms" \
    "$(awk -v n="$1" -v a="$2" 'BEGIN { print (n >= 3 && n <= 5 && a < 1) }') $1 lines" "1 $1 lines"

# SSE headers, read while the stream is still open.
get ticks /ticks -m 1.5
check "SSE: Content-Type" "$(hdr ticks Content-Type)" "text/event-stream; charset=utf-8"
check "SSE: Cache-Control: no-cache" "$(hdr ticks Cache-Control)" "no-cache"
check "SSE: X-Accel-Buffering: no" "$(hdr ticks X-Accel-Buffering)" "no"
check_not_re "SSE: no Content-Length on a stream" "$(cat "$T/ticks.h")" '^[Cc]ontent-[Ll]ength:'
get dogsse "/api/json_stream?format=sse" -m 1
check "SSE by negotiation: the same headers" \
    "$(hdr dogsse Cache-Control) $(hdr dogsse X-Accel-Buffering)" "no-cache no"

# A client that leaves: the handler's loop ends and the runtime logs the
# request with "(client gone)", within ~3 s of the client going.
: >"$T/left"
"$CURL" -s -N -m 30 "$U/api/test_stream?start=100" >"$T/left" &
CPID=$!
track $CPID
i=0
while [ "$(wc -l <"$T/left")" -lt 2 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "client left: it had read two lines" "$(head -n 2 "$T/left" | tr '\n' '|')" \
    "Hello, world! 100|Hello, world! 101|"
t0=$(now)
kill "$CPID"
wait "$CPID" 2>/dev/null
gone=$(wait_log 'GET /api/test_stream 200 .*\(client gone\)' 3)
t1=$(now)
check_re "client left: the request ended, logged as client gone" "$gone" \
    'GET /api/test_stream 200 .*\(client gone\)'
check_lt "client left: noticed within 3 s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" 3.1

# Twenty endless streams do not hold up a short request, nor each other.
JOBS=""
for i in $(seq 1 20); do
	"$CURL" -s -N -m 10 -o "$T/s$i" "$U/api/test_stream" &
	JOBS="$JOBS $!"
	track $!
done
i=0
while [ $i -lt 50 ]; do
	n=0
	for j in $(seq 1 20); do [ -s "$T/s$j" ] && n=$((n + 1)); done
	[ $n -eq 20 ] && break
	sleep 0.1
	i=$((i + 1))
done
check "20 streams: all of them answered" "$n" 20
get short "/data-stream?count=1" -m 5
check "short request beside 20 streams: 200" "$(code short)" 200
check_lt "short request beside 20 streams: within 2 s" "$(took short)" 2.0
check_re "short request beside 20 streams: its body" "$(cat "$T/short")" \
    '^\{"items":\[\{"id":1,"timestamp":[0-9]+\}\]\}$'
get second "/api/json_stream" -m 1.2
check_re "a 21st stream starts at once" "$(head -n 1 "$T/second")" '^\{"name":"Dog 0","age":0\}$'
sleep 1
short=0
for j in $(seq 1 20); do
	[ "$(wc -l <"$T/s$j")" -ge 4 ] || short=$((short + 1))
done
check "20 streams: every one kept flowing (>= 4 lines each)" "$short" 0
before=$(grep -c '(client gone)' "$T/rivulet.log")
for p in $JOBS; do kill "$p" 2>/dev/null; done
wait $JOBS 2>/dev/null
i=0
while [ $((after = $(grep -c '(client gone)' "$T/rivulet.log") - before)) -lt 20 ] && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "20 streams: all 20 handlers ended when their clients left" "$after" 20

# An idle stream sends heartbeats (SSE comments) between events.
get hb "/stocks/AAPL/stream?interval_ms=2000" -m 1.8
check "heartbeat: one event so far" "$(grep -c '^event: price-update' "$T/hb")" 1
check_re "heartbeat: comments while idle (every 300 ms)" "$(grep -c '^:' "$T/hb")" '^[3-9]$'
finish
