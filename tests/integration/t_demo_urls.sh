#!/bin/sh
# Every demo URL through a real lighttpd: status, type and content.
. "$(dirname "$0")/lib.sh"
D="python3 $top_srcdir/tests/integration/decode.py"
start_rivulet
start_lighttpd
JOBS=""

# The slow streams run side by side; each writes its body to a file.
fetch /events -D "$T/events.h" >"$T/events" &
JOBS="$JOBS $!"
fetch /api/json_stream >"$T/dogs" &
JOBS="$JOBS $!"
fetch /stream >"$T/stream" &
JOBS="$JOBS $!"
fetch /ticks >"$T/ticks" &
JOBS="$JOBS $!"
fetch "/streaming/ping?to=you" >"$T/ping" &
JOBS="$JOBS $!"
fetch /streaming/streamUsers >"$T/users" &
JOBS="$JOBS $!"
fetch "/dashboard/metrics?interval_ms=200" -m 1 >"$T/metrics" &
JOBS="$JOBS $!"
fetch "/stocks/AAPL/stream?interval_ms=100" -m 1 >"$T/stocks" &
JOBS="$JOBS $!"
fetch "/stream-with-errors?interval_ms=100" >"$T/errors" &
JOBS="$JOBS $!"
"$CURL" -s -N -m 3 "$U/api/test_stream?start=5" | head -n 3 >"$T/text" &
JOBS="$JOBS $!"

check "/data-stream?count=3: ids" \
    "$(fetch '/data-stream?count=3' | $D json | python3 -c 'import json,sys; print([i["id"] for i in json.load(sys.stdin)])')" "[1, 2, 3]"
check_re "/data-stream: enveloped" "$(fetch '/data-stream?count=1')" '^\{"items":\[\{"id":1,"timestamp":[0-9]+\}\]\}$'
fetch /export/users.csv -D "$T/csv.h" >"$T/csv"
check "/export/users.csv: header" "$(head -n 1 "$T/csv" | tr -d '\r')" "id,name,email,created_at"
check "/export/users.csv: 10000 rows of 4 fields" "$(python3 -c '
import csv,sys; r=list(csv.reader(open(sys.argv[1],newline="")))
print(len(r)-1, set(len(x) for x in r))' "$T/csv")" "10000 {4}"
check_re "/export/users.csv: attachment" "$(cat "$T/csv.h")" "Content-Disposition: attachment; filename=users.csv"
check_re "/export/users.csv: text/csv" "$(cat "$T/csv.h")" "Content-Type: text/csv"
check "/stocks/NOPE/stream: 400" "$(status /stocks/NOPE/stream)" 400
check "/stocks/NOPE/stream: problem+json" "$(header /stocks/NOPE/stream Content-Type)" "application/problem+json"
check "/feed?format=json" "$(fetch '/feed?format=json' | $D json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 5
check_re "/feed?format=json: envelope" "$(fetch '/feed?format=json')" '^\{"feed":\['
check "/feed?format=csv" "$(fetch '/feed?format=csv' | $D csv | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)[0]))')" "['content', 'id', 'timestamp', 'title']"
check "/feed?format=xml: well-formed, 5 items" "$(fetch '/feed?format=xml' | $D xml | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["content"])')" "5 All about Rivers & more"
check "/big-data?rows=1000" "$(fetch '/big-data?rows=1000' | $D json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[-1]["id"])')" "1000 1000"

wait $JOBS
check "/api/test_stream?start=5: first lines" "$(cat "$T/text" | tr '\n' '|')" "Hello, world! 5|Hello, world! 6|Hello, world! 7|"
check "/api/json_stream: ten dogs" "$($D ndjson <"$T/dogs")" "$(python3 -c 'import json; print(json.dumps([{"age":i,"name":"Dog %d"%i} for i in range(10)], sort_keys=True))')"
check "/stream" "$(cat "$T/stream")" "Hello streaming world!"
check "/events: ten counter events" "$($D sse <"$T/events" | python3 -c '
import json,sys; e=json.load(sys.stdin)
print(len(e), {x["event"] for x in e}, [x["id"] for x in e][::9], e[0]["retry"], e[9]["data"]["count"])')" \
    "10 {'counter'} ['msg-1', 'msg-10'] 1000 10"
check_re "/events: text/event-stream" "$(cat "$T/events.h")" "Content-Type: text/event-stream"
check "/ticks" "$($D sse <"$T/ticks" | python3 -c 'import json,sys; print([x["data"] for x in json.load(sys.stdin)])')" "['tick 1', 'tick 2', 'tick 3']"
check "/streaming/ping?to=you" "$($D ndjson <"$T/ping" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0])')" "5 Sending ping to you"
check "/streaming/streamUsers" "$($D ndjson <"$T/users" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), all("id" in x for x in d))')" "5 True"
check "/dashboard/metrics: live numbers" "$($D sse <"$T/metrics" | python3 -c '
import json,sys; e=[x for x in json.load(sys.stdin) if x.get("event")=="metrics"]
print(len(e) >= 2, all(x["data"]["memTotalKiB"] > 0 and 0 <= x["data"]["cpuPercent"] <= 100 for x in e))')" "True True"
check "/stocks/AAPL/stream: price updates" "$($D sse <"$T/stocks" | python3 -c '
import json,sys; e=json.load(sys.stdin)
print(len(e) >= 1, {x["event"] for x in e}, {x["data"]["symbol"] for x in e})')" "True {'price-update'} {'AAPL'}"
check "/stream-with-errors: data, data, error 502" "$($D sse <"$T/errors" | python3 -c '
import json,sys; e=json.load(sys.stdin)
print([x.get("event") for x in e], e[-1]["data"]["status"])')" "['data', 'data', 'error'] 502"
finish
