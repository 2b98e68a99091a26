#!/bin/sh
# The demo streams through a real Apache 2.4 (mod_proxy_fcgi with
# flushpackets=on, as conf/apache.conf): SSE and NDJSON items arrive one
# by one, not buffered to the end; a channel reaches Apache's clients;
# downloads keep their ranges and confinement; the bearer guard answers.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/files"
printf 'hello, range\n' >"$T/files/r.txt"
start_rivulet "socket_mode = 0666" "download_dir = $T/files" \
    "bearer_tokens = t0ken" "guard = bearer /protected*"

# Apache keeps Authorization from FastCGI backends unless told.
start_apache '<Location "/">' 'CGIPassAuth On' '</Location>'

# arrivals URL PREFIX [Accept]: "COUNT FIRST LAST" (seconds) of the lines
# starting with PREFIX, timed as they arrive.
arrivals() {
	python3 - "$1" "$2" "${3:-*/*}" <<'PY'
import sys, time, urllib.request
t0 = time.monotonic()
req = urllib.request.Request(sys.argv[1], headers={"Accept": sys.argv[3]})
r = urllib.request.urlopen(req, timeout=30)
times = []
while True:
    line = r.readline()
    if not line:
        break
    if line.startswith(sys.argv[2].encode()):
        times.append(time.monotonic() - t0)
print(len(times), "%.2f" % times[0] if times else "-", "%.2f" % times[-1] if times else "-")
PY
}
set -- $(arrivals "$U/api/json_stream" '{')
check "Apache, NDJSON: ten items" "$1" 10
check_lt "Apache, NDJSON: the first arrives at once (not buffered)" "$2" 1.0
check_ge "Apache, NDJSON: the last only after the handler's 4.5 s" "$3" 4.0
set -- $(arrivals "$U/events?interval_ms=300" 'data:' text/event-stream)
check "Apache, SSE: ten events" "$1" 10
check_lt "Apache, SSE: the first at once" "$2" 1.0
check_ge "Apache, SSE: the last after about 2.7 s" "$3" 2.4

# A channel to a client behind Apache.
"$CURL" -s -N -m 4 -o "$T/chat" "$U/chat/events?room=ap" &
CPID=$!
track $CPID
sleep 1
check "Apache: POST /chat/send: 200" "$("$CURL" -s -o /dev/null -w '%{http_code}' -X POST \
    -d '{"room":"ap","username":"a","message":"via apache"}' "$U/chat/send")" 200
wait $CPID
check_re "Apache: the subscriber got it" "$(cat "$T/chat")" '"message":"via apache"'

# Files and guards through Apache.
get range /download/r.txt -r 0-4
check "Apache, download with Range: 206 and the bytes" "$(code range) $(cat "$T/range")" "206 hello"
get trav "/download/..%2f..%2fetc%2fpasswd"
check_re "Apache, traversal: 404 (or Apache's own 4xx), nothing leaked" \
    "$(code trav) $(grep -c root: "$T/trav")" '^4[0-9][0-9] 0$'
get noauth /protected/stream
check "Apache, guarded route without a token: 401" "$(code noauth)" 401
get auth "/protected/stream?count=1" -H "Authorization: Bearer t0ken"
check "Apache, guarded route with the token: 200" "$(code auth)" 200
finish
