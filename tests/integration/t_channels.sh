#!/bin/sh
# Channels through a real lighttpd: one channel seen in two framings,
# resumption with Last-Event-ID (header and ?lastEventId=) giving exactly
# the missed items, the history-gap signal, departed subscribers
# released, the subscriber limit (503), slow subscribers (drop and
# skip), and SIGTERM ending live subscriptions with a retry hint.
. "$(dirname "$0")/lib.sh"
CHAN="python3 $TI/chan_client.py"
start_rivulet "heartbeat = 300ms" "channel_history = 5" "channel_queue = 4K"
start_lighttpd

# send ROOM MESSAGE: POST /chat/send; prints the HTTP status.
send() {
	"$CURL" -s -o /dev/null -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' \
	    -d "{\"room\":\"$1\",\"username\":\"ann\",\"message\":\"$2\"}" \
	    "$U/chat/send"
}
# listen NAME SECONDS [curl args]: a subscriber in the background.
listen() {
	_n=$1 _s=$2
	shift 2
	"$CURL" -s -N -m "$_s" -o "$T/$_n" "$@" >/dev/null 2>&1 &
	track $!
	LP="$LP $!"
}
# The listeners (not rivulet or lighttpd) have all ended.
listened() {
	for _p in $LP; do wait "$_p" 2>/dev/null; done
	LP=""
}
LP=""
# ids FILE: the SSE ids, one line.
ids() { sed -n 's/^id: //p' "$1" | tr '\n' ' '; }
# msgs FILE: the chat messages an SSE or NDJSON stream carried, in order.
msgs() {
	py '
import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if line.startswith("data: "):
        d = json.loads(line[6:])
    elif line.startswith("{"):
        d = json.loads(line).get("data", {})
    else:
        continue
    if "username" in d:
        out.append(d["message"])
print(" ".join(out))' "$1"
}
wait_lines() {	# FILE PATTERN COUNT: up to 5 s
	_i=0
	while :; do
		_c=$(grep -c "$2" "$1" 2>/dev/null)
		[ "${_c:-0}" -lt "$3" ] && [ $_i -lt 50 ] || break
		sleep 0.1
		_i=$((_i + 1))
	done
}

# Two framings, one channel; two subscribers of each (one encoding,
# copied to the second: the same bytes).
listen sse 4 "$U/chat/events?room=a"
listen nd 4 -H 'Accept: application/x-ndjson' "$U/chat/events?room=a"
listen sse2 4 "$U/chat/events?room=a"
listen nd2 4 -H 'Accept: application/x-ndjson' "$U/chat/events?room=a"
for f in sse nd sse2 nd2; do wait_lines "$T/$f" welcome 1; done
check "POST /chat/send: 200" "$(send a one)$(send a two)$(send a three)" 200200200
wait_lines "$T/sse" '^id:' 3
wait_lines "$T/nd" '"id":"' 3
check "SSE subscriber: every message, in order" "$(msgs "$T/sse")" "one two three"
check "NDJSON subscriber of the same channel: the same" "$(msgs "$T/nd")" "one two three"
# items: FILE's broadcast items, whole lines only (not heartbeats).
items() { grep -E '^(event: message|id: |data: .*"username":.*\}$|\{"event":"message")' "$1"; }
for f in sse sse2 nd nd2; do wait_lines "$T/$f" '"message":"three".*}$' 1; done
check "a second SSE subscriber: the same bytes for every item" \
    "$(items "$T/sse2")" "$(items "$T/sse")"
check "a second NDJSON subscriber: the same bytes for every item" \
    "$(items "$T/nd2")" "$(items "$T/nd")"
check "each: the three items" "$(items "$T/sse2" | grep -c '^data: ') $(items "$T/nd2" | wc -l)" "3 3"
check_re "SSE: ids are <ms>-<seq>" "$(ids "$T/sse")" '^[0-9]+-[0-9]+ [0-9]+-[0-9]+ [0-9]+-[0-9]+ $'
check "NDJSON: the same ids" "$(py '
import json, sys
print(" ".join(json.loads(l)["id"] for l in open(sys.argv[1]) if "\"id\":\"" in l) + " ")' "$T/nd")" "$(ids "$T/sse")"
check "another room hears nothing" "$(send b other)" 200
sleep 0.3
check "room a: still three" "$(msgs "$T/sse")" "one two three"

# Resumption: the client has "one"; it missed "two" and "three" and
# gets exactly those, then live ones.
first=$(ids "$T/sse" | cut -d' ' -f1)
listened
listen resume 3 -H "Last-Event-ID: $first" "$U/chat/events?room=a"
wait_lines "$T/resume" '^id:' 2
send a four >/dev/null
wait_lines "$T/resume" '^id:' 3
check "Last-Event-ID: exactly the missed ones, then live" "$(msgs "$T/resume")" "two three four"
listen resumeq 2 "$U/chat/events?room=a&lastEventId=$first"
wait_lines "$T/resumeq" '^id:' 3
check "?lastEventId=: the same" "$(msgs "$T/resumeq")" "two three four"
listened

# History of 5: an id that fell out of it gets the signal, then what is left.
for m in m5 m6 m7 m8; do send a $m >/dev/null; done
listen gap 2 -H "Last-Event-ID: $first" "$U/chat/events?room=a"
listen junk 2 -H "Last-Event-ID: not-an-id" "$U/chat/events?room=a"
listened
check "id out of the history: event reset, reason history" \
    "$(grep -A1 '^event: reset' "$T/gap")" "event: reset
data: {\"reason\":\"history\",\"lastEventId\":\"$first\"}"
check "then the 5 items the history still holds" "$(msgs "$T/gap")" "four m5 m6 m7 m8"
check_re "a malformed Last-Event-ID: the same signal" "$(cat "$T/junk")" '"reason":"history"'

# Departed clients are released: the heartbeat finds them.
listen gone 1 "$U/chat/events?room=g"
listened
i=0
while ! grep -q 'GET /chat/events 200 .*(client gone)' "$T/rivulet.log" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_re "a departed subscriber is released (logged as gone)" \
    "$(grep 'GET /chat/events' "$T/rivulet.log" | tail -n 1)" '\(client gone\)'

# A broadcast right after a subscriber left (before its heartbeat,
# mostly): it is released, and the one beside it still served.
listen stays 4 "$U/chat/events?room=l"
wait_lines "$T/stays" welcome 1
"$CURL" -s -N -m 1 -o /dev/null "$U/chat/events?room=l"
gone0=$(grep -c '(client gone)' "$T/rivulet.log")
check "a broadcast after a subscriber left: 200" "$(send l after)$(send l again)" 200200
i=0
while [ "$(grep -c '(client gone)' "$T/rivulet.log")" -le "$gone0" ] && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_re "the one that left is released (logged as gone)" \
    "$(grep 'GET /chat/events' "$T/rivulet.log" | tail -n 1)" '\(client gone\)'
wait_lines "$T/stays" '"message":"again"' 1
check "the one that stayed got both" "$(msgs "$T/stays")" "after again"
listened

# Bad input.
get nofields "/chat/send" -X POST -d '{"room":"a"}'
check "send without username/message: 400" "$(code nofields)" 400
get notjson "/chat/send" -X POST -d '{"room":'
check "send with a broken JSON body: 400" "$(code notjson)" 400
get badroom "/chat/send?room=%01&username=a&message=b" -X POST -d ''
check "a room name with a control byte: 400" "$(code badroom)" 400

# A subscriber that reads nothing (channel_queue = 4K, drop): ended with
# an error item; the others get everything.
listen bystander 8 "$U/chat/events?room=slow"
wait_lines "$T/bystander" welcome 1
check_re "slow subscriber, drop: an error item, then the end" \
    "$($CHAN slow "$T/riv.sock" "$U" 80 4000)" '^events [0-9]+ errors 1 resets 0 ended yes$'
wait_lines "$T/bystander" '^id:' 80
check "a bystander on that channel got all 80" "$(grep -c '^id:' "$T/bystander")" 80
listened

# The demos' dashboard and ticker (no ?interval_ms=): one producer
# thread, and every client gets the same items with the same ids.
listen dash1 3.5 "$U/dashboard/metrics"
listen dash2 3.5 -H 'Accept: application/x-ndjson' "$U/dashboard/metrics"
listen tick1 3.5 "$U/stocks/AAPL/stream"
listen tick2 3.5 "$U/stocks/AAPL/stream"
listened
check "live dashboard: SSE and NDJSON clients share at least 2 items" "$(py '
import json, sys
a = [l[4:].strip() for l in open(sys.argv[1]) if l.startswith("id: ")]
b = [json.loads(l)["id"] for l in open(sys.argv[2]) if l.startswith("{") and "\"id\"" in l]
print(len(set(a) & set(b)) >= 2 and all(i in b or i == a[0] or i == a[-1] for i in a))' "$T/dash1" "$T/dash2")" True
check_re "live dashboard: metrics events" "$(grep -m1 '^event:' "$T/dash1")" '^event: metrics$'
check "live ticker: two clients, the same items (one may have joined a tick later)" "$(py '
import sys
a, b = (set(l[4:].strip() for l in open(f) if l.startswith("id: ")) for f in sys.argv[1:3])
print(len(a & b) >= 1 and (a <= b or b <= a))' "$T/tick1" "$T/tick2")" True
check_re "live ticker: price-update events for AAPL" "$(grep -m1 '^data:' "$T/tick1")" '"symbol":"AAPL"'

# SIGTERM: live subscribers end cleanly, with a retry hint.
listen term 10 "$U/chat/events?room=t"
wait_lines "$T/term" welcome 1
kill -TERM "$RIV_PID"
wait "$RIV_PID"
check "SIGTERM: rivulet exits 0" "$?" 0
RIV_PID=""
sleep 0.3
check_re "SIGTERM: the subscriber's stream ends with retry:" "$(tail -n 3 "$T/term")" '^retry: [0-9]+'

# Skip policy: the slow one misses items and is told how many.
# This one sends one by one (io_uring = 0), where the first batched.
start_rivulet "channel_queue = 4K" "channel_slow = skip" "max_subscribers = 4" \
    "io_uring = 0"
# lighttpd takes the backend back after its disable-time.
i=0
while [ "$("$CURL" -s -o /dev/null -w '%{http_code}' -X POST -d '{}' "$U/chat/send")" != 400 ] && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
check_re "slow subscriber, skip: told with an event reset, not ended" \
    "$($CHAN slow "$T/riv.sock" "$U" 80 4000)" '^events [0-9]+ errors 0 resets 1 ended no$'
# max_subscribers = 4: the fifth gets 503 with Retry-After.
for n in 1 2 3 4; do listen full$n 3 "$U/chat/events?room=f"; done
for n in 1 2 3 4; do wait_lines "$T/full$n" welcome 1; done
get over "/chat/events?room=f"
check "a fifth subscriber: 503" "$(code over)" 503
check_re "with Retry-After" "$(hdr over Retry-After)" '^[0-9]+$'
check "and a problem+json body" "$(hdr over Content-Type)" "application/problem+json"
check "io_uring = 0: a broadcast to the four" "$(send f hello)" 200
for n in 1 2 3 4; do wait_lines "$T/full$n" '^id:' 1; done
check "io_uring = 0: each of the four got it" \
    "$(for n in 1 2 3 4; do msgs "$T/full$n"; done | tr '\n' ' ')" "hello hello hello hello "
listened

finish
