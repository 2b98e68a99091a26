#!/bin/sh
# The status route through lighttpd: JSON and Prometheus text with the
# counters of every worker (workers = 2), per-route counts and latency
# buckets, worker restarts; refused off loopback and without the token;
# and the slow-request log.
. "$(dirname "$0")/lib.sh"
# The test kills a worker with SIGSEGV on purpose: in a sanitizer build
# that must stay a plain signal, not an AddressSanitizer report.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
export ASAN_OPTIONS
F="python3 $TI/fcgi_send.py $T/riv.sock"
start_rivulet "workers = 2" "status = /status" "status_token = s3cret" \
    "slow_request = 500ms"
start_lighttpd
i=0
while [ "$(pgrep -P "$RIV_PID" | wc -l)" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

for n in 1 2 3 4 5 6 7 8; do fetch /data-stream?count=1 -o /dev/null; done
fetch /nope -o /dev/null
A="Authorization: Bearer s3cret"
get st /status -H "$A"
check "GET /status with the token: 200 application/json" "$(code st) $(hdr st Content-Type)" \
    "200 application/json"
check "JSON: two workers, all requests counted across them" "$(py '
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["routes"] if x["pattern"] == "/data-stream"][0]
print(d["workers"], d["requests"] >= 9, len(d["workers_detail"]), r["method"],
      [w["state"] for w in d["workers_detail"]] == ["serving"] * 2,
      all("active_handlers" in w for w in d["workers_detail"]),
      d["handler_timeouts"] == 0,
      sum(r["latency_ms"].values()) == r["requests"], d["uptime_seconds"] >= 0,
      "subscribers" in d["channels"], d["answers"]["4xx"] >= 0)' "$T/st")" "2 True 2 GET True True True True True True True"
# Per-route figures are summed over the workers, whichever answers, and
# outlive a worker's restart.
route_count() {
	fetch /status -H "$A" -o "$T/st2"
	py 'import json, sys
d = json.load(open(sys.argv[1]))
print([x["requests"] for x in d["routes"] if x["pattern"] == sys.argv[2]][0],
      d["answers"]["2xx"] >= 8, d["answers"]["4xx"] >= 1)' "$T/st2" "$1"
}
same=yes
for n in 1 2 3 4 5 6; do [ "$(route_count /data-stream)" = "8 True True" ] || same="no: $(route_count /data-stream)"; done
check "six status requests, whichever worker: /data-stream counted 8 (every worker's)" "$same" yes
kill -KILL "$(pgrep -P "$RIV_PID" | head -n 1)"
i=0
sleep 0.3
while [ "$(pgrep -P "$RIV_PID" | wc -l)" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "after a worker was killed and replaced: still 8" "$(route_count /data-stream)" "8 True True"
get prom "/status?format=prometheus" -H "$A"
check "?format=prometheus: 200 text/plain" "$(code prom) $(hdr prom Content-Type)" \
    "200 text/plain; charset=utf-8"
check_re "Prometheus: requests and a latency histogram per route" "$(cat "$T/prom")" \
    'rivulet_requests_total [0-9]+'
check_re "Prometheus: +Inf bucket for /data-stream" "$(cat "$T/prom")" \
    'rivulet_route_latency_ms_bucket\{method="GET",route="/data-stream",le="\+Inf"\} [0-9]+'
get noauth /status
check "without the token: 401 with WWW-Authenticate" "$(code noauth) $(hdr noauth WWW-Authenticate)" \
    '401 Bearer realm="rivulet status"'
check_re "from off loopback: 403" "$($F get-from 10.1.2.3 /status)" '^status 403 '

# A worker replaced: counted (the second: one was killed above).
kill -SEGV "$(pgrep -P "$RIV_PID" | head -n 1)"
sleep 1.5
get st2 /status -H "$A"
check "worker_restarts counts each replaced worker" "$(py '
import json, sys; print(json.load(open(sys.argv[1]))["worker_restarts"])' "$T/st2")" 2

# The slow-request log: /ticks sends its head with its first tick, 1 s in.
fetch "/ticks" -o /dev/null
check_re "a request answered after slow_request is logged" "$(cat "$T/rivulet.log")" \
    'slow request: GET /ticks answered after [0-9]{4} ms'
check_not_re "a fast one is not" "$(cat "$T/rivulet.log")" 'slow request: GET /data-stream'
finish
