#!/bin/sh
# Every demo URL through a real lighttpd: status, content type and
# content, decoded by independent parsers (decode.py, python's json,
# csv and xml modules).
. "$(dirname "$0")/lib.sh"
start_rivulet
start_lighttpd

# The slow streams run side by side (the longest, /events, ~9 s); each
# writes its body, headers and timing to $T/NAME*.
JOBS=""
bg() { "$@" & JOBS="$JOBS $!"; track $!; }
bg get events /events
bg get dogs /api/json_stream
bg get stream /stream
bg get ticks /ticks
bg get ping "/streaming/ping?to=you"
bg get users /streaming/streamUsers
bg get metrics "/dashboard/metrics?interval_ms=200" -m 1.5
bg get stocks "/stocks/AAPL/stream?interval_ms=200" -m 1.5
bg get errors "/stream-with-errors?interval_ms=100"
bg get data3 "/data-stream?count=3"
# An endless text stream: read 3 lines (at most 5 s), then leave.
("$CURL" -s -N -m 5 -D "$T/text.h" "$U/api/test_stream?start=5" |
    head -n 3 >"$T/text") &
JOBS="$JOBS $!"
track $!

# The quick ones meanwhile.
get csv /export/users.csv
check "/export/users.csv: 200" "$(code csv)" 200
check_re "/export/users.csv: text/csv" "$(hdr csv Content-Type)" '^text/csv(;|$)'
check "/export/users.csv: attachment" "$(hdr csv Content-Disposition)" "attachment; filename=users.csv"
check "/export/users.csv: header row" "$(head -n 1 "$T/csv" | tr -d '\r')" "id,name,email,created_at"
check "/export/users.csv: valid CSV, 10000 rows of 4, ids 1..10000" "$(py '
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    r = list(csv.reader(f, strict=True))
body = r[1:]
print(len(body), sorted(set(len(x) for x in body)),
      [int(x[0]) for x in body] == list(range(1, 10001)))' "$T/csv")" "10000 [4] True"
# id 16 has a comma in its name, id 48 quotes: RFC 4180 quoting.
check "/export/users.csv: quoted fields survive" "$(py '
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    r = {x["id"]: x for x in csv.DictReader(f)}
print(r["16"]["name"] + "|" + r["48"]["name"] + "|" + r["48"]["email"])
' "$T/csv")" "Ada O'Neil, Jr.|Ada \"Maggie\" Hamilton|user48@example.org"

get stocknope /stocks/NOPE/stream
check "/stocks/NOPE/stream: 400" "$(code stocknope)" 400
check "/stocks/NOPE/stream: problem+json" "$(hdr stocknope Content-Type)" "application/problem+json"
check "/stocks/NOPE/stream: the problem says what" "$(py '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["status"], d["title"], "NOPE" in d.get("detail", ""))' "$T/stocknope")" "400 Invalid stock symbol True"

# /feed: one feed in three formats.  Each is parsed by its own standard
# parser, and all three must carry the same five items (the titles hold
# characters that each format must escape or quote).
get feedjson "/feed?format=json"
get feedcsv "/feed?format=csv"
get feedxml "/feed?format=xml"
check "/feed?format=json: 200 application/json" "$(code feedjson) $(hdr feedjson Content-Type)" "200 application/json"
check_re "/feed?format=csv: 200 text/csv" "$(code feedcsv) $(hdr feedcsv Content-Type)" '^200 text/csv(;|$)'
check_re "/feed?format=xml: 200 application/xml" "$(code feedxml) $(hdr feedxml Content-Type)" '^200 application/xml(;|$)'
check "/feed?format=json: {\"feed\":[5 items]}" "$(py '
import json, sys
d = json.load(open(sys.argv[1]))
print(list(d), [x["id"] for x in d["feed"]], sorted(d["feed"][0]),
      all(isinstance(x["timestamp"], int) for x in d["feed"]))' "$T/feedjson")" \
    "['feed'] [1, 2, 3, 4, 5] ['content', 'id', 'timestamp', 'title'] True"
check "/feed?format=csv: valid CSV, header and 5 rows" "$(py '
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    r = list(csv.reader(f, strict=True))
print(r[0], len(r) - 1, sorted(set(len(x) for x in r)))' "$T/feedcsv")" \
    "['id', 'title', 'content', 'timestamp'] 5 [4]"
check "/feed?format=xml: well-formed, <feed> of 5 <item>s" "$(py '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(root.tag, len(root), sorted({c.tag for c in root}), [c.tag for c in root[0]])' "$T/feedxml")" \
    "feed 5 ['item'] ['id', 'title', 'content', 'timestamp']"
check "/feed: json, csv and xml carry the same items" "$(py '
import csv, json, sys, xml.etree.ElementTree as ET
j = [(str(x["id"]), x["title"], x["content"]) for x in json.load(open(sys.argv[1]))["feed"]]
with open(sys.argv[2], newline="", encoding="utf-8") as f:
    c = [(x["id"], x["title"], x["content"]) for x in csv.DictReader(f)]
x = [(i.findtext("id"), i.findtext("title"), i.findtext("content")) for i in ET.parse(sys.argv[3]).getroot()]
print("same" if j == c == x and len(set(t for _, t, _ in j)) == 5 else "json %r csv %r xml %r" % (j, c, x))' \
    "$T/feedjson" "$T/feedcsv" "$T/feedxml")" "same"

get big "/big-data?rows=1000"
check "/big-data?rows=1000: 200 application/json" "$(code big) $(hdr big Content-Type)" "200 application/json"
check "/big-data?rows=1000: {\"results\":[1000 items]}" "$(py '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]
print(list(d), len(r), [x["id"] for x in r] == list(range(1, 1001)), r[999]["name"],
      all(isinstance(x["value"], (int, float)) for x in r))' "$T/big")" \
    "['results'] 1000 True record 1000 True"

wait $JOBS

check "/api/test_stream?start=5: 200 text/plain" "$(hcode text) $(hdr text Content-Type)" \
    "200 text/plain; charset=utf-8"
check "/api/test_stream?start=5: the first three lines" "$(tr '\n' '|' <"$T/text")" \
    "Hello, world! 5|Hello, world! 6|Hello, world! 7|"

check "/api/json_stream: 200 application/x-ndjson" "$(code dogs) $(hdr dogs Content-Type)" "200 application/x-ndjson"
check "/api/json_stream: ten dogs, one a line" "$(py '
import json, sys
raw = open(sys.argv[1], "rb").read()
lines = raw.split(b"\n")
print(raw.endswith(b"\n"), [json.loads(l) for l in lines if l] ==
      [{"name": "Dog %d" % i, "age": i} for i in range(10)], len(lines) - 1)' "$T/dogs")" "True True 10"

check "/stream: 200 text/plain" "$(code stream) $(hdr stream Content-Type)" "200 text/plain; charset=utf-8"
check "/stream: exactly the text" "$(py 'import sys; print(repr(open(sys.argv[1], "rb").read()))' "$T/stream")" \
    "b'Hello streaming world!'"

check "/data-stream?count=3: 200 application/json" "$(code data3) $(hdr data3 Content-Type)" "200 application/json"
check "/data-stream?count=3: {\"items\":[ids 1..3]}, 500 ms apart" "$(py '
import json, sys
d = json.load(open(sys.argv[1]))
it = d["items"]
ts = [x["timestamp"] for x in it]
print(list(d), [x["id"] for x in it], sorted(it[0]), ts == sorted(ts) and ts[2] - ts[0] >= 900)' "$T/data3")" \
    "['items'] [1, 2, 3] ['id', 'timestamp'] True"

check "/events: 200 text/event-stream" "$(code events) $(hdr events Content-Type)" "200 text/event-stream; charset=utf-8"
check "/events: ten counter events msg-1..msg-10, retry 1000" "$(decode sse "$T/events" | py '
import json, sys
e = json.load(sys.stdin)
print(len(e), sorted({x.get("event") for x in e}), [x.get("id") for x in e] == ["msg-%d" % i for i in range(1, 11)],
      [x["data"]["count"] for x in e] == list(range(1, 11)), e[0].get("retry"))')" \
    "10 ['counter'] True True 1000"
check_ge "/events: a second apart (~9 s in all)" "$(took events)" 8.5
check "/events: ended cleanly" "$(rc events)" 0

check "/dashboard/metrics: 200 text/event-stream" "$(code metrics) $(hdr metrics Content-Type)" "200 text/event-stream; charset=utf-8"
check "/dashboard/metrics: metrics events with numbers from /proc" "$(decode sse "$T/metrics" | py '
import json, sys
e = [x for x in json.load(sys.stdin) if x.get("event") == "metrics"]
mem = [int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal:")][0]
num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
ok = all(0 <= x["data"]["cpuPercent"] <= 100 and x["data"]["memTotalKiB"] == mem and
         0 <= x["data"]["memAvailableKiB"] <= mem and x["data"]["uptimeSeconds"] > 0 and
         len(x["data"]["load"]) == 3 and all(num(v) and v >= 0 for v in x["data"]["load"]) and
         num(x["data"]["timestamp"]) for x in e)
print(len(e) >= 3, ok)')" "True True"

check "/stocks/AAPL/stream: 200 text/event-stream" "$(code stocks) $(hdr stocks Content-Type)" "200 text/event-stream; charset=utf-8"
check "/stocks/AAPL/stream: price-update events" "$(decode sse "$T/stocks" | py '
import json, sys
e = [x for x in json.load(sys.stdin) if "data" in x]
d = [x["data"] for x in e]
print(len(e) >= 1, sorted({x.get("event") for x in e}), sorted({x["symbol"] for x in d}),
      all(100 < x["price"] < 300 for x in d), all(x.get("id", "").startswith("AAPL-") for x in e))')" \
    "True ['price-update'] ['AAPL'] True True"

check "/stream-with-errors: 200 text/event-stream" "$(code errors) $(hdr errors Content-Type)" "200 text/event-stream; charset=utf-8"
check "/stream-with-errors: data, data, then an error event" "$(decode sse "$T/errors" | py '
import json, sys
e = [x for x in json.load(sys.stdin) if "data" in x]
print([x.get("event") for x in e], [x["data"].get("attempt") for x in e[:2]], e[-1]["data"].get("status"),
      e[-1]["data"].get("title"))')" "['data', 'data', 'error'] [1, 2] 502 Data processing failed"
check "/stream-with-errors: then the stream ends" "$(rc errors) $(awk -v t="$(took errors)" 'BEGIN { print (t < 3) }')" "0 1"

check "/ticks: 200 text/event-stream" "$(code ticks) $(hdr ticks Content-Type)" "200 text/event-stream; charset=utf-8"
check "/ticks: tick 1..3" "$(decode sse "$T/ticks" | py '
import json, sys
print([x["data"] for x in json.load(sys.stdin) if "data" in x])')" "['tick 1', 'tick 2', 'tick 3']"

check "/streaming/ping?to=you: 200 application/x-ndjson" "$(code ping) $(hdr ping Content-Type)" "200 application/x-ndjson"
check "/streaming/ping?to=you: five pings" "$(decode ndjson "$T/ping")" \
    '["Sending ping to you", "Sending ping to you", "Sending ping to you", "Sending ping to you", "Sending ping to you"]'
check "/streaming/streamUsers: about five users" "$(decode ndjson "$T/users" | py '
import json, re, sys
d = json.load(sys.stdin)
print(4 <= len(d) <= 6, all(re.fullmatch(r"0\.[0-9]{9}", x["id"]) for x in d))')" "True True"
check "/streaming/*: closed after ~5 s" \
    "$(awk -v a="$(took ping)" -v b="$(took users)" 'BEGIN { print (a >= 4.5 && a < 7 && b >= 4.5 && b < 7) }') $(rc ping) $(rc users)" "1 0 0"
finish
