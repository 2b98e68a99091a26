#!/bin/sh
# Channels on Redis: two rivulet instances, each behind its own lighttpd,
# share a real redis-server started here.  An item published on one
# reaches subscribers of both, in their own framings; a client resumes
# on the other instance with Last-Event-ID; a Redis restart mid-stream
# is told to subscribers and to publishers, and streams go on after it.
. "$(dirname "$0")/lib.sh"
REDIS_SERVER=${REDIS_SERVER:-redis-server}
command -v "$REDIS_SERVER" >/dev/null 2>&1 ||
    bail "redis-server is required (packaging/deps.sh installs it): not found"

RPORT=$(free_port)
start_redis() {
	"$REDIS_SERVER" --port "$RPORT" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$T" >"$T/redis.log" 2>&1 &
	REDIS_PID=$!
	track "$REDIS_PID"
	_i=0
	until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$RPORT" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || bail "redis-server did not start: $(cat "$T/redis.log")"
		sleep 0.05
	done
}
start_redis

# Instance A through lib.sh; instance B by hand, on its own socket.
start_rivulet "channels = redis://127.0.0.1:$RPORT/" "heartbeat = 500ms"
start_lighttpd
UA=$U
sed -e "s|$T/riv.sock|$T/rivB.sock|" "$T/rivulet.conf" >"$T/rivB.conf"
"$RIVULET" -c "$T/rivB.conf" 2>"$T/rivB.log" &
RIVB_PID=$!
track "$RIVB_PID"
wait_socket "$T/rivB.sock" "$RIVB_PID" || bail "rivulet B did not start: $(cat "$T/rivB.log")"
PORTB=$(free_port)
lighttpd_conf "$PORTB" "$T/rivB.sock" "$T/www" | sed "s|lighttpd-error.log|lighttpdB-error.log|" >"$T/lighttpdB.conf"
"$LIGHTTPD" -D -f "$T/lighttpdB.conf" 2>"$T/lighttpdB.stderr" &
track $!
UB="http://127.0.0.1:$PORTB"
wait_http "$UB/" $! || bail "lighttpd B did not start"

# send BASE ROOM MESSAGE: the HTTP status
send() {
	"$CURL" -s -o "$T/sent" -w '%{http_code}' -X POST \
	    -d "{\"room\":\"$2\",\"username\":\"ann\",\"message\":\"$3\"}" "$1/chat/send"
}
LP=""
listen() {
	_n=$1 _s=$2
	shift 2
	"$CURL" -s -N -m "$_s" -o "$T/$_n" "$@" >/dev/null 2>&1 &
	track $!
	LP="$LP $!"
}
listened() {
	for _p in $LP; do wait "$_p" 2>/dev/null; done
	LP=""
}
wait_lines() {
	_i=0
	while :; do
		_c=$(grep -c "$2" "$1" 2>/dev/null)
		[ "${_c:-0}" -lt "$3" ] && [ $_i -lt 50 ] || break
		sleep 0.1
		_i=$((_i + 1))
	done
}
msgs() {
	py '
import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    d = None
    if line.startswith("data: "):
        d = json.loads(line[6:])
    elif line.startswith("{"):
        d = json.loads(line).get("data", {})
    if d and "username" in d:
        out.append(d["message"])
print(" ".join(out))' "$1"
}

# Across instances and framings.
listen a 6 "$UA/chat/events?room=x"
listen b 6 -H 'Accept: application/x-ndjson' "$UB/chat/events?room=x"
wait_lines "$T/a" welcome 1
wait_lines "$T/b" welcome 1
sleep 0.3	# the readers pick up the new channel
check "publish on A: 200" "$(send "$UA" x one)" 200
check "publish on B: 200" "$(send "$UB" x two)" 200
check "publish on A again: 200" "$(send "$UA" x three)" 200
wait_lines "$T/a" '^id:' 3
wait_lines "$T/b" '"id":"' 3
check "subscriber on A (SSE) got A's and B's items, in order" "$(msgs "$T/a")" "one two three"
check "subscriber on B (NDJSON) got the same" "$(msgs "$T/b")" "one two three"
check_re "ids are Redis stream ids" "$(sed -n 's/^id: //p' "$T/a" | head -n 1)" '^[0-9]+-[0-9]+$'
first=$(sed -n 's/^id: //p' "$T/a" | head -n 1)
listened

# Resume on B from an id A handed out.
send "$UA" x four >/dev/null
listen r 2 -H "Last-Event-ID: $first" "$UB/chat/events?room=x"
listened
check "Last-Event-ID from A, resumed on B: exactly the missed ones" "$(msgs "$T/r")" "two three four"
listen rj 2 -H "Last-Event-ID: bogus" "$UB/chat/events?room=x"
listened
check_re "a malformed id: event reset (history), then the history" "$(cat "$T/rj")" '"reason":"history"'

# Redis goes away mid-stream and comes back.
listen live 12 "$UA/chat/events?room=y"
wait_lines "$T/live" welcome 1
sleep 0.3
send "$UB" y before >/dev/null
wait_lines "$T/live" '^id:' 1
stop_pid "$REDIS_PID"
check "publishing while Redis is down: 503" "$(send "$UB" y lost)" 503
check "with a problem+json body" "$(py 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$T/sent")" 503
wait_lines "$T/live" 'backend-down' 1
check_re "subscribers are told: reset backend-down" "$(cat "$T/live")" '"reason":"backend-down"'
start_redis
wait_lines "$T/live" 'backend-up' 1
check_re "and told when it is back" "$(cat "$T/live")" '"reason":"backend-up"'
i=0
until [ "$(send "$UB" y after)" = 200 ] || [ $i -ge 20 ]; do sleep 0.25; i=$((i + 1)); done
wait_lines "$T/live" '"after"' 1
check "the stream goes on after the restart" "$(msgs "$T/live")" "before after"
check "both instances still run" "$(alive "$RIV_PID" && alive "$RIVB_PID" && echo yes)" yes
listened
stop_pid "$RIVB_PID" TERM
finish
