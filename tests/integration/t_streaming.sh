#!/bin/sh
# Streams stream: items arrive as they are sent, a client that leaves
# ends the handler's loop, a slow stream holds up nobody, idle streams
# send heartbeats.
. "$(dirname "$0")/lib.sh"
start_rivulet "heartbeat = 300ms"
start_lighttpd

# Arrival time of each line, measured by the client.
arrivals() {
	python3 - "$@" <<'PY'
import subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(["curl", "-s", "-N", "-m", sys.argv[2] if len(sys.argv) > 2 else "20", sys.argv[1]], stdout=subprocess.PIPE)
times = [time.monotonic() - t0 for line in p.stdout if line.strip()]
print("%d %.2f %.2f" % (len(times), times[0], times[-1]))
PY
}

set -- $(arrivals "$U/api/json_stream")
check "ten items" "$1" 10
check "first item at once (< 1 s)" "$(python3 -c "print($2 < 1.0)")" True
check "last item after the handler's 4.5 s" "$(python3 -c "print($3 >= 4.0)")" True
set -- $(arrivals "$U/events" 2)
check "SSE counter: first event at once" "$(python3 -c "print($2 < 1.0)")" True

check "SSE: Cache-Control" "$(header /ticks Cache-Control)" "no-cache"
check "SSE: X-Accel-Buffering" "$(header /ticks X-Accel-Buffering)" "no"

# A client that leaves: the handler's loop ends, the runtime says so.
"$CURL" -s -N -m 30 "$U/api/test_stream?start=100" >"$T/left" &
CPID=$!
sleep 1.2
kill "$CPID"
wait "$CPID" 2>/dev/null
gone=""
for _ in $(seq 1 40); do
	gone=$(grep 'GET /api/test_stream 200' "$T/rivulet.log" | grep '(client gone)')
	[ -n "$gone" ] && break
	sleep 0.1
done
check_re "client left: handler ended and logged" "$gone" "\(client gone\)"
check_re "client left: it had received lines" "$(head -n 1 "$T/left")" "Hello, world! 100"

# Twenty endless streams do not hold up a short request.
JOBS=""
for i in $(seq 1 20); do
	"$CURL" -s -N -m 6 -o /dev/null "$U/api/test_stream" &
	JOBS="$JOBS $!"
done
sleep 0.5
t=$("$CURL" -s -o /dev/null -w '%{time_total}' -m 5 "$U/data-stream?count=1")
check "short request beside 20 streams answers < 2 s" "$(python3 -c "print($t < 2.0)") $t" "True $t"
check "each of the 20 streams has its handler thread" \
    "$(python3 -c "import os; print(len(os.listdir('/proc/$RIV_PID/task')) >= 21)")" True

# Idle stream: heartbeats (SSE comments) between events.
"$CURL" -s -N -m 2.5 "$U/stocks/AAPL/stream?interval_ms=2000" >"$T/hb"
check_re "heartbeat comments while idle" "$(grep -c '^:' "$T/hb")" "^[2-9]$"
for p in $JOBS; do kill "$p" 2>/dev/null; done
wait $JOBS 2>/dev/null
finish
