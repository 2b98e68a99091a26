#!/bin/sh
# A supervisor and its workers (workers = 2) behind a real lighttpd:
# channels reach subscribers in every worker, a worker killed with
# SIGSEGV is logged and replaced while the other's streams go on, a
# client resumes after the crash with exactly what it missed, SIGHUP
# reloads under load without a failed request (a bad config is refused
# and the old workers go on), and SIGTERM stops everything.
. "$(dirname "$0")/lib.sh"
# The test kills a worker with SIGSEGV on purpose: in a sanitizer build
# that must stay a plain signal, not an AddressSanitizer report.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
export ASAN_OPTIONS
start_rivulet "workers = 2" "heartbeat = 500ms" "channel_shm = 1M"
start_lighttpd

workers() { pgrep -P "$RIV_PID" | sort | tr '\n' ' '; }
nworkers() { pgrep -P "$RIV_PID" | wc -l | tr -d ' '; }
send() {
	"$CURL" -s -o /dev/null -w '%{http_code}' -X POST \
	    -d "{\"room\":\"$1\",\"username\":\"ann\",\"message\":\"$2\"}" \
	    "$U/chat/send"
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

i=0
while [ "$(nworkers)" != 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "two worker processes" "$(nworkers)" 2
W0=$(workers)

# Cross-worker delivery: publishes handled by both workers reach every
# subscriber, whichever worker holds it.
for n in 1 2 3 4 5 6; do listen sub$n 12 "$U/chat/events?room=w"; done
for n in 1 2 3 4 5 6; do wait_lines "$T/sub$n" welcome 1; done
sleep 0.5
sent=0
i=0
while [ $i -lt 40 ]; do
	i=$((i + 1))
	[ "$(send w "m$i")" = 200 ] && sent=$((sent + 1))
	[ $i -ge 6 ] && [ "$(grep 'POST /chat/send' "$T/rivulet.log" |
	    sed 's/^rivulet\[\([0-9]*\)\].*/\1/' | sort -u | wc -l)" -ge 2 ] && break
done
check "publishes were handled by both workers" "$(grep 'POST /chat/send' "$T/rivulet.log" |
    sed 's/^rivulet\[\([0-9]*\)\].*/\1/' | sort -u | wc -l | tr -d ' ')" 2
for n in 1 2 3 4 5 6; do wait_lines "$T/sub$n" '^id:' "$sent"; done
got=""
for n in 1 2 3 4 5 6; do got="$got $(grep -c '^id:' "$T/sub$n")"; done
check "every subscriber got all $sent, in whichever worker" "$got" \
    "$(for n in 1 2 3 4 5 6; do printf ' %s' "$sent"; done)"
first=$(sed -n 's/^id: //p' "$T/sub1" | head -n 1)

# One producer for every worker (rv_server_lease): the live dashboard
# gets an item a second, not one a second from each worker.
DP=""
for n in 1 2 3 4 5 6; do
	"$CURL" -s -N -m 4 -o "$T/dash$n" "$U/dashboard/metrics" &
	track $!
	DP="$DP $!"
done
for p in $DP; do wait "$p" 2>/dev/null; done
most=0 least=99 dup=0
for n in 1 2 3 4 5 6; do
	c=$(grep -c '^event: metrics' "$T/dash$n")
	[ "$c" -gt "$most" ] && most=$c
	[ "$c" -lt "$least" ] && least=$c
	dup=$((dup + $(sed -n 's/^id: //p' "$T/dash$n" | sort | uniq -d | wc -l)))
done
check_ge "the live dashboard: items came to every client" "$least" 2
check_lt "... at most 5 in 4 s to any (one producer, not one a worker)" "$most" 6
check "... and no id twice" "$dup" 0

# A worker dies (SIGSEGV) mid-stream: logged, replaced; the other
# worker's streams go on to their end.  The subscribers leave first, so
# that each worker's sockets count its streams; the victim is the one
# with fewer, so the other has at least two.
for p in $LP; do kill "$p" 2>/dev/null; done
listened
sleep 1
for w in $W0; do eval "base_$w=$(sockets "$w")"; done
for n in 1 2 3 4; do listen js$n 15 "$U/api/json_stream"; done
sleep 1
victim="" least=99
for w in $W0; do
	eval "n=\$(( \$(sockets $w) - base_$w ))"
	[ "$n" -lt "$least" ] && { least=$n; victim=$w; }
done
kill -SEGV "$victim"
i=0
while [ "$(nworkers)" != 2 ] || workers | grep -qw "$victim"; do
	[ $i -lt 30 ] || break
	sleep 0.1
	i=$((i + 1))
done
check "the dead worker is replaced within 3 s" "$(nworkers) $(workers | grep -cw "$victim")" "2 0"
check_re "the supervisor logs the cause" "$(cat "$T/rivulet.log")" \
    "worker $victim killed by signal 11"
listened
full=0
for n in 1 2 3 4; do
	[ "$(grep -c '"name"' "$T/js$n")" = 10 ] && full=$((full + 1))
done
check "the $((4 - least)) streams on the other worker went on to their end" "$full" "$((4 - least))"
check "after the crash: still answering" "$(fetch /data-stream?count=1 -o /dev/null -w '%{http_code}')" 200

# Resume after the crash, from the log the workers share.
send w late1 >/dev/null
send w late2 >/dev/null
listen resume 2 -H "Last-Event-ID: $(sed -n 's/^id: //p' "$T/sub1" | tail -n 1)" "$U/chat/events?room=w"
listened
check "Last-Event-ID after a worker crash: exactly the missed ones" \
    "$(grep -c '^id:' "$T/resume") $(grep -o 'late[12]' "$T/resume" | tr '\n' ' ')" "2 late1 late2 "
check "from the first id: all the rest (still in the shared log)" \
    "$("$CURL" -s -N -m 2 -H "Last-Event-ID: $first" "$U/chat/events?room=w" | grep -c '^id:')" "$((sent + 1))"

# SIGHUP under load (wrk, 16 connections): no failed request.
command -v wrk >/dev/null 2>&1 || bail "wrk is required (packaging/deps.sh installs it)"
wrk -t2 -c16 -d5s "$U/data-stream?count=1" >"$T/wrk.out" 2>&1 &
LOADER=$!
track $LOADER
sleep 1
kill -HUP "$RIV_PID"
sleep 1.5
kill -HUP "$RIV_PID"
wait $LOADER
reqs=$(awk '/requests in/ {print $1}' "$T/wrk.out")
bad=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
    END {print n + 0}' "$T/wrk.out")
check_ge "SIGHUP twice under wrk: requests served ($reqs)" "${reqs:-0}" 1000
check "... no socket errors, no non-2xx" "$bad" 0
[ "$bad" = 0 ] || sed 's/^/# /' "$T/wrk.out"
check_re "the reload is logged" "$(cat "$T/rivulet.log")" 'reloaded: 2 new workers'
# Resume after the reload: the new workers replay from the same log.
last=$(sed -n 's/^id: //p' "$T/resume" | tail -n 1)
send w after-reload >/dev/null
listen resume2 2 -H "Last-Event-ID: $last" "$U/chat/events?room=w"
listened
check "Last-Event-ID after a SIGHUP reload: exactly the missed one" \
    "$(grep -c '^id:' "$T/resume2") $(grep -o 'after-reload' "$T/resume2")" "1 after-reload"
i=0
while [ "$(nworkers)" != 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "old workers gone after draining" "$(nworkers)" 2

# A config that does not load: refused, the workers go on.
cp "$T/rivulet.conf" "$T/rivulet.conf.good"
echo "no_such_key = 1" >>"$T/rivulet.conf"
before=$(workers)
kill -HUP "$RIV_PID"
sleep 1
check_re "a bad config on SIGHUP: refused with FILE:LINE" "$(cat "$T/rivulet.log")" \
    "rivulet.conf:[0-9]+: unknown key 'no_such_key'"
check "and the same workers go on" "$(workers)" "$before"
check "still answering" "$(fetch /data-stream?count=1 -o /dev/null -w '%{http_code}')" 200
cp "$T/rivulet.conf.good" "$T/rivulet.conf"

finish
