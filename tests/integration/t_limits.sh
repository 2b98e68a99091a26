#!/bin/sh
# Handlers that crash or hang, idle streams, and who may connect, behind
# a real lighttpd with two workers and a test module built here:
#   - a handler that crashes (SIGSEGV, abort) takes down its worker
#     alone; the supervisor names the signal and the route, and a new
#     worker serves within a second;
#   - a handler that runs past handler_timeout without sending a byte
#     or waiting gets its client a 504 (problem+json), its worker drains
#     and is replaced, and handlers that wait (rv_sleep) or finish in
#     time are left alone;
#   - a stream that sends no item for stream_idle_timeout ends cleanly
#     with an SSE retry hint, in a handler or held by the loop;
#   - a TCP listener lets loopback in by default, and only the `allow`
#     list (or FCGI_WEB_SERVER_ADDRS) when one is given.
. "$(dirname "$0")/lib.sh"
# The crashes are on purpose: in a sanitizer build they must stay plain
# signals, not AddressSanitizer reports.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_abort=0"
export ASAN_OPTIONS

cat >"$T/limits.c" <<'C'
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <rivulet.h>

static void
nap(long ms)	/* not a rivulet wait: the handler looks busy */
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		continue;
}

static int
crash(struct rv_req *rq)
{
	(void)rq;
	raise(SIGSEGV);		/* as a wild pointer would */
	return 0;
}

static int
crash_abort(struct rv_req *rq)
{
	(void)rq;
	abort();
}

static int
hang(struct rv_req *rq)
{
	(void)rq;
	for (;;)
		nap(1000);
}

static int
busy_then_answer(struct rv_req *rq)
{
	struct rv_stream *s = rv_open(rq, RV_TEXT);

	nap(300);
	rv_text(s, "done\n");
	return rv_close(s);
}

static int
wait_then_answer(struct rv_req *rq)
{
	struct rv_stream *s = rv_open(rq, RV_TEXT);

	if (rv_sleep(s, 1500) != RV_OK)
		return rv_close(s);
	rv_text(s, "waited\n");
	return rv_close(s);
}

static int
idle(struct rv_req *rq)
{
	struct rv_stream *s = rv_open(rq, RV_SSE);

	rv_text(s, "first");
	while (rv_sleep(s, 60000) == RV_OK)
		continue;
	return rv_close(s);
}

static const struct rv_route routes[] = {
	RV_GET("/t/crash", crash),
	RV_GET("/t/abort", crash_abort),
	RV_GET("/t/hang", hang),
	RV_GET("/t/busy", busy_then_answer),
	RV_GET("/t/wait", wait_then_answer),
	RV_GET("/t/idle", idle),
	{ 0, 0, 0, 0 }
};
RV_API extern const struct rv_module rivulet_module;
const struct rv_module rivulet_module = {
	RV_MODULE_HEAD, .name = "limits", .routes = routes };
C
build_module limits

start_rivulet "module = $T/limits.so" "workers = 2" "heartbeat = 500ms" \
    "handler_timeout = 1s" "stream_idle_timeout = 2s" "channel_shm = 1M" \
    "status = /status"
start_lighttpd

workers() { pgrep -P "$RIV_PID" | sort | tr '\n' ' '; }
nworkers() { pgrep -P "$RIV_PID" | wc -l | tr -d ' '; }
two_workers() {
	_i=0
	while [ "$(nworkers)" != 2 ] && [ $_i -lt 30 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	nworkers
}
check "two workers" "$(two_workers)" 2

# Crashes: the route is in the supervisor's line.
for how in crash abort; do
	before=$(workers)
	get $how /t/$how
	check_re "/t/$how: the front server answers 5xx" "$(code $how)" '^5[0-9][0-9]$'
	case $how in
	crash) sig='signal 11 \(Segmentation fault\)' ;;
	abort) sig='signal 6 \(Aborted\)' ;;
	esac
	wait_log "killed by $sig in GET /t/$how" 5 >/dev/null
	check_re "/t/$how: the supervisor names the signal and the route" \
	    "$(cat "$T/rivulet.log")" "worker [0-9]+ killed by $sig in GET /t/$how"
	check_re "/t/$how: the worker's own last line" "$(cat "$T/rivulet.log")" \
	    "fatal: $sig in GET /t/$how"
	check "/t/$how: two workers again within 3 s" "$(two_workers)" 2
	check "/t/$how: one of them new" \
	    "$([ "$(workers)" != "$before" ] && echo yes)" yes
done
check "after the crashes: still serving" \
    "$(fetch /data-stream?count=1 -o /dev/null -w '%{http_code}')" 200
# A signal sent from outside is not blamed on a route.
victim=$(workers | cut -d' ' -f1)
kill -SEGV "$victim"
wait_log "worker $victim killed by signal 11" 5 >/dev/null
check_re "kill -SEGV from outside: the sender, not a route" \
    "$(grep "worker $victim killed" "$T/rivulet.log")" \
    "killed by signal 11 \(Segmentation fault\) sent by pid [0-9]+"
check "two workers again" "$(two_workers)" 2

# handler_timeout = 1s: busy 0.3 s and waiting 1.5 s are fine.
get busy /t/busy
check "busy 0.3 s, then an answer: 200" "$(code busy) $(cat "$T/busy")" "200 done"
get wait /t/wait
check "waiting 1.5 s in rv_sleep is not hanging: 200" "$(code wait) $(cat "$T/wait")" "200 waited"
# A hung one: 504 at about 1 s, its worker replaced.  Streams on the
# other worker go on to their end; those on the hung one end cleanly
# with its drain.  Each worker's sockets tell how many it holds.
W0=$(workers)
for w in $W0; do eval "base_$w=$(sockets "$w")"; done
SP=""
for n in 1 2 3 4; do
	"$CURL" -s -N -m 15 -o "$T/during$n" "$U/api/json_stream" &
	track $!
	SP="$SP $!"
done
sleep 1
for w in $W0; do eval "held_$w=\$(( \$(sockets $w) - base_$w ))"; done
get hang /t/hang
check "a hung handler: 504" "$(code hang)" 504
check_lt "... after handler_timeout (1 s), not later than 3 s" "$(took hang)" 3
check_re "... with a problem+json body" "$(cat "$T/hang")" '"status":504.*handler_timeout'
check_re "the access line says 504" "$(cat "$T/rivulet.log")" 'GET /t/hang 504 .*\(hung\)'
check_re "the log names the route" "$(cat "$T/rivulet.log")" \
    'handler_timeout: GET /t/hang ran [0-9]+ ms without answering'
wait_log "recycled after handler_timeout in GET /t/hang" 12 >/dev/null
check_re "the supervisor replaces the worker, and says why" \
    "$(cat "$T/rivulet.log")" \
    'worker [0-9]+ recycled after handler_timeout in GET /t/hang: a new one now'
check "two workers again" "$(two_workers)" 2
check "the status route counts it, whichever worker answers" "$(fetch /status | py '
import json, sys
d = json.load(sys.stdin)
print(d["handler_timeouts"], sorted(set(w["state"] for w in d["workers_detail"])))')" "1 ['serving']"
for p in $SP; do wait "$p"; done
hung=$(sed -n 's/^rivulet\[\([0-9]*\)\].*handler_timeout: GET .*/\1/p' "$T/rivulet.log" | head -n 1)
others=0
for w in $W0; do [ "$w" = "$hung" ] || eval "others=\$((others + held_$w))"; done
full=0 clean=0
for n in 1 2 3 4; do
	[ "$(grep -c '"name"' "$T/during$n")" = 10 ] && full=$((full + 1))
	python3 -c 'import json, sys
b = open(sys.argv[1]).read()
assert b.endswith("\n")
for l in b.splitlines():
    json.loads(l)' "$T/during$n" 2>/dev/null && clean=$((clean + 1))
done
check "the $others streams on the other worker went on to their end" "$full" "$others"
check "every stream, cut by the drain or not, ended on a whole item (NDJSON)" "$clean" 4
check "and then: still serving" \
    "$(fetch /data-stream?count=1 -o /dev/null -w '%{http_code}')" 200

# stream_idle_timeout = 2s: a handler's stream that sends nothing more.
t0=$(now)
"$CURL" -s -N -m 20 -o "$T/idle" "$U/t/idle"
rc=$?
t1=$(now)
check "an idle handler stream ends by itself (curl exit 0)" "$rc" 0
check_lt "... in about 2 s, not 6" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" 6
check_re "... with the item it sent, then a retry hint" \
    "$(tr '\n' ' ' <"$T/idle")" 'data: first .*retry: '
check_re "the access line says why it ended" "$(cat "$T/rivulet.log")" \
    'GET /t/idle 200 .*\(idle: stream_idle_timeout\)'
# A channel subscriber the loop holds: ends the same way.
t0=$(now)
"$CURL" -s -N -m 20 -o "$T/chat" "$U/chat/events?room=quiet"
rc=$?
t1=$(now)
check "an idle channel subscriber ends by itself (curl exit 0)" "$rc" 0
check_lt "... within 6 s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" 6
check_re "... with a retry hint" "$(tr '\n' ' ' <"$T/chat")" 'retry: '
# One that gets items stays.
"$CURL" -s -N -m 5 -o "$T/busychat" "$U/chat/events?room=busy" &
BC=$!
track $BC
i=0
while [ $i -lt 8 ]; do
	sleep 0.5
	"$CURL" -s -o /dev/null -X POST \
	    -d '{"room":"busy","username":"ann","message":"hi"}' "$U/chat/send"
	i=$((i + 1))
done
wait $BC
check "a subscriber that gets an item every 0.5 s is not idle (cut by curl -m 5)" \
    "$?" 28

# Who may connect over TCP.
stop_pid "$LIGHTTPD_PID"
kill -TERM "$RIV_PID"
i=0
while alive "$RIV_PID" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "after all that, the supervisor stops on SIGTERM" "$(alive "$RIV_PID" || echo stopped)" stopped
wait "$RIV_PID"
check "... exit status 0" "$?" 0
F="python3 $TI/fcgi_send.py"
tcp_rivulet() {	# NAME CONFIG-LINES...: a one-process rivulet on TCP
	_n=$1
	shift
	_p=$(free_port)
	{
		echo "listen = tcp:127.0.0.1:$_p"
		echo "module = $DEMO_SO"
		for l in "$@"; do echo "$l"; done
	} >"$T/$_n.conf"
	"$RIVULET" -c "$T/$_n.conf" 2>"$T/$_n.log" &
	TCP_PID=$!
	track $TCP_PID
	_i=0
	until $F "tcp:127.0.0.1:$_p" get /data-stream?count=1 >/dev/null 2>&1 ||
	    grep -q refused "$T/$_n.log" || [ $_i -ge 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	TCP="tcp:127.0.0.1:$_p"
}
tcp_rivulet default
check_re "TCP, no allow: loopback is let in" "$($F "$TCP" get /data-stream?count=1)" '^status 200'
stop_pid "$TCP_PID"
tcp_rivulet only2 "allow = 127.0.0.2, 10.0.0.0/8"
check "allow = 127.0.0.2, 10.0.0.0/8: 127.0.0.1 is turned away" \
    "$($F "$TCP" get /data-stream?count=1 2>&1 | tail -n 1)" closed
check_re "allow: 127.0.0.2 is let in" \
    "$($F "$TCP@127.0.0.2" get /data-stream?count=1)" '^status 200'
check_re "the refusal is logged" "$(cat "$T/only2.log")" \
    'connection from 127.0.0.1 refused: not in allow'
stop_pid "$TCP_PID"
FCGI_WEB_SERVER_ADDRS=127.0.0.3 tcp_rivulet env
check "FCGI_WEB_SERVER_ADDRS=127.0.0.3: 127.0.0.1 is turned away" \
    "$($F "$TCP" get /data-stream?count=1 2>&1 | tail -n 1)" closed
check_re "FCGI_WEB_SERVER_ADDRS=127.0.0.3: 127.0.0.3 is let in" \
    "$($F "$TCP@127.0.0.3" get /data-stream?count=1)" '^status 200'
stop_pid "$TCP_PID"
printf 'listen = tcp:127.0.0.1:1\nallow = 10.0.0.0/33\n' >"$T/bad.conf"
out=$("$RIVULET" -t -c "$T/bad.conf" 2>&1)
check_re "allow = 10.0.0.0/33: refused with FILE:LINE" "$out" 'bad.conf:2: allow = 10.0.0.0/33'
finish
