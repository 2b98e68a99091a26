#!/bin/sh
# bench_fanout.sh: SUBS SSE subscribers (default 10000) of one chat room
# through one lighttpd, one broadcast every 1/RATE s for SECS s (60),
# against rivulet (channels: no thread per subscriber, WORKERS of them,
# auto by default), the floor (fanout_floor.c: the same batched sends
# from a bare loop, FLOOR_THREADS 2) and, in the same run and through
# the same kind of lighttpd, the plain Node server of fanout_node.js
# (NODE=0: not).  Reports delivered/lost events, end-to-end latency
# p50/p99, rivulet's threads and RSS per subscriber, the own shares of
# rivulet and the floor (publish to last socket), and the ratios.
# RATES="10 50 100 ..." runs each rate in turn (SECS each) instead, for
# both targets, and gives the highest whose p99 stays under 50 ms.
# Run by `make bench-fanout` (top_builddir comes from it).
set -u
: "${top_builddir:?run through make bench-fanout}"
: "${top_srcdir:=$top_builddir}"
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
SUBS=${SUBS:-10000}
SECS=${SECS:-60}
RATE=${RATE:-1}
RATES=${RATES:-$RATE}
RIVULET=$top_builddir/framework/runtime/rivulet
DEMO=$top_builddir/handlers/.libs/demo.so
CLIENT=$top_builddir/tests/bench/fanout_client
NODEJS=$top_srcdir/tests/bench/fanout_node.js
export LD_LIBRARY_PATH="$top_builddir/framework/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

die() { echo "bench_fanout: $*" >&2; exit 1; }
for x in "$LIGHTTPD" "$RIVULET" "$CLIENT"; do [ -x "$x" ] || die "$x is missing"; done
command -v node >/dev/null 2>&1 || die "node is required (apt-get install nodejs)"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
FDS=$(ulimit -n)
[ "$FDS" -ge $((SUBS + 100)) ] || die "ulimit -n $FDS is too low for $SUBS subscribers"
# A front server holds two fds per subscriber: enough of them for SUBS.
FRONTS=$(( (SUBS * 2 + 200 + FDS - 1) / FDS ))
# lighttpd 1.4.69 drops backend connections past about 8192 fds here.
[ "$FRONTS" -ge $(( (SUBS + 3999) / 4000 )) ] || FRONTS=$(( (SUBS + 3999) / 4000 ))

T=$(mktemp -d "${TMPDIR:-/tmp}/rivulet-fanout.XXXXXX")
PIDS=""
stop() {
	trap - EXIT INT TERM
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ "${KEEP:-0}" = 1 ] || rm -rf "$T"
}
trap stop EXIT
trap 'exit 130' INT TERM
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Only a connection: the floor holds any GET as a stream.
wait_port() {
	python3 -c 'import socket, sys, time
for i in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)' "$1" || die "port $1 did not open"
}
# PID and its children (rivulet's workers), RSS summed, threads the
# most of any one process.
tree() { echo "$1" $(pgrep -P "$1"); }
rss_kib() {
	for p in $(tree "$1"); do cat "/proc/$p/status"; done 2>/dev/null |
	    awk '/^VmRSS/ { s += $2 } END { print s + 0 }'
}
threads() {
	for p in $(tree "$1"); do cat "/proc/$p/status"; done 2>/dev/null |
	    awk '/^Threads/ && $2 > m { m = $2 } END { print m + 0 }'
}

# lighttpd CONF PORT BACKEND-LINES
lighttpd_conf() {
	cat >"$1" <<CONF
server.modules += ( "mod_fastcgi", "mod_proxy" )
server.bind = "127.0.0.1"
server.port = $2
server.document-root = "$T"
server.errorlog = "$T/lighttpd-$2.log"
server.stream-response-body = 2
server.max-fds = $FDS
server.max-connections = $((FDS / 2 - 50))
server.max-keep-alive-requests = 0
$3
CONF
}

# clients NAME PID: the client at each of RATES against NAME's fronts,
# $T/NAME.RATE.out; PID's RSS and threads sampled once every subscriber
# of the first rate is held (the client says so): HELD_RSS, HELD_THR.
clients() {
	HELD_RSS=$(rss_kib "$2") HELD_THR=0
	for r in $RATES; do
		: >"$T/$1.err"
		"$CLIENT" "$PORTS" "$SUBS" "$SECS" "$r" "/chat/events?room=bench" \
		    "/chat/send" >"$T/$1.$r.out" 2>"$T/$1.err" &
		CPID=$!
		while [ "$r" = "${RATES%% *}" ] && kill -0 $CPID 2>/dev/null; do
			if grep -q subscribed "$T/$1.err" 2>/dev/null; then
				HELD_RSS=$(rss_kib "$2")
				HELD_THR=$(threads "$2")
				break
			fi
			sleep 0.1
		done
		wait $CPID
	done
	cp "$T/$1.${RATES%% *}.out" "$T/$1.out"
}

# rivulet behind lighttpd
cat >"$T/rivulet.conf" <<CONF
listen = unix:$T/rivulet.sock
workers = ${WORKERS:-auto}
module = $DEMO
log_level = info
# Each of RATES connects SUBS anew: the previous run's are released
# only at their next write (a heartbeat, or the next broadcast).
max_subscribers = $((SUBS * ($(echo $RATES | wc -w) + 1) + 100))
heartbeat = 15s
CONF
${RIVULET_WRAP:-} "$RIVULET" -c "$T/rivulet.conf" 2>"$T/rivulet.log" &
RPID=$!
PIDS="$PIDS $RPID"
i=0
until [ -S "$T/rivulet.sock" ]; do
	i=$((i + 1)); [ $i -le 100 ] || die "rivulet did not start"; sleep 0.05
done
# fronts NAME BACKEND-LINES: FRONTS lighttpds; their ports in $PORTS
fronts() {
	PORTS="" FRONT_PIDS=""
	for f in $(seq 1 "$FRONTS"); do
		p=$(port)
		lighttpd_conf "$T/$1$f.conf" "$p" "$2"
		"$LIGHTTPD" -D -f "$T/$1$f.conf" &
		PIDS="$PIDS $!" FRONT_PIDS="$FRONT_PIDS $!"
		wait_port "$p"
		PORTS="${PORTS:+$PORTS,}$p"
	done
}
fronts riv "fastcgi.server = ( \"/\" => (( \"socket\" => \"$T/rivulet.sock\", \"check-local\" => \"disable\", \"fix-root-scriptname\" => \"enable\" )) )"
rss0=$(rss_kib "$RPID")
clients riv "$RPID"
rss2=$HELD_RSS thr2=$HELD_THR
thr_end=$(threads "$RPID")
kill -TERM "$RPID"
wait "$RPID" 2>/dev/null
# own_share: each worker's fan-out line; OWN99, the worst p99 bound.
own_share() {
	sed -n 's/.*\(channels: [0-9]* items fanned out\)/\1/p' "$T/rivulet.log"
}
OWN99=$(own_share | sed -n 's/.*last socket p50 <= [0-9]* ms, p99 <= \([0-9]*\) ms.*/\1/p' |
    sort -n | tail -n 1)

# The floor: the same batched sends from a bare FastCGI loop
# (fanout_floor.c), through the same kind of lighttpd.
FLOOR=$top_builddir/tests/bench/fanout_floor
if [ -x "$FLOOR" ]; then
	"$FLOOR" "$T/floor.sock" uring "${FLOOR_THREADS:-2}" \
	    >"$T/floor.report" 2>"$T/floor.err" &
	FPID=$!
	PIDS="$PIDS $FPID"
	i=0
	until [ -S "$T/floor.sock" ]; do
		i=$((i + 1)); [ $i -le 100 ] || die "fanout_floor did not start"
		sleep 0.05
	done
	fronts floor "fastcgi.server = ( \"/\" => (( \"socket\" => \"$T/floor.sock\", \"check-local\" => \"disable\" )) )"
	clients floor "$FPID"
	# Its fronts first, and their logs: the summary is rivulet's.
	for p in $FRONT_PIDS; do kill "$p"; wait "$p" 2>/dev/null; done
	for p in $(echo "$PORTS" | tr , ' '); do rm -f "$T/lighttpd-$p.log"; done
	kill -TERM "$FPID"
	wait "$FPID" 2>/dev/null
fi
# floor_ms KEY: a figure of the floor's report, in ms.
floor_ms() {
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k)
	    printf "%.1f", $(i + 1) / 1000 }' "$T/floor.report" 2>/dev/null
}
floor_lines() {
	echo "floor:   $(cat "$T/floor.out" 2>/dev/null)"
	echo "floor's own share: publish to last socket p50 $(floor_ms p50_us) ms, p99 $(floor_ms p99_us) ms (on a CPU p50 $(floor_ms cpu_p50_us), p99 $(floor_ms cpu_p99_us) ms); $(cat "$T/floor.err" "$T/floor.report" 2>/dev/null | sed -n 's/.*errors \([0-9]*\).*/\1/p') send errors"
	awk -v r="${OWN99:-0}" -v f="$(floor_ms p99_us)" 'BEGIN {
	    if (f > 0) printf "own share p99: rivulet <= %d ms, floor %.1f ms: ratio <= %.2f\n", r, f, r / f }'
}

# NODE=0: rivulet's figures alone, for a quicker look.
if [ "${NODE:-1}" = 0 ]; then
	echo "rivulet: $(cat "$T/riv.out")"
	echo "rivulet: threads $thr2 when all had subscribed, $thr_end at the end"
	own_share | sed "s/^/rivulet's own share: /"
	floor_lines
	exit 0
fi

# Node behind lighttpd
NPORT=$(port)
node "$NODEJS" "$NPORT" &
NPID=$!
PIDS="$PIDS $NPID"
wait_port "$NPORT"
fronts node "proxy.server = ( \"\" => (( \"host\" => \"127.0.0.1\", \"port\" => $NPORT )) )"
nrss0=$(rss_kib "$NPID")
clients node "$NPID"
nrss2=$HELD_RSS

echo "subscribers $SUBS, $SECS s, ${RATES%% *} broadcast/s, through $FRONTS lighttpd (ulimit -n $FDS)"
echo "rivulet: $(cat "$T/riv.out")"
# Per subscriber held: divide by those that connected, not those asked.
held() { awk '{ print ($2 > 0 ? $2 : 1) }' "$1"; }
echo "rivulet: threads (most in one process) $thr2 when all had subscribed, $thr_end at the end; RSS (all processes) ${rss0} KiB idle -> ${rss2} KiB: $(( (rss2 - rss0) * 1024 / $(held "$T/riv.out") )) bytes/subscriber"
own_share | sed "s/^/rivulet's own share: /"
floor_lines
# Subscribers that did not connect: what the front servers said.
for f in "$T"/lighttpd-*.log; do cat "$f"; done 2>/dev/null |
    sed 's/^[0-9: -]*([^)]*) //' | sort | uniq -c | sort -rn | head -n 5 |
    sed 's/^/lighttpd: /'
grep -E 'warn|error' "$T/rivulet.log" | sed 's/^rivulet\[[0-9]*\]: //' |
    sort | uniq -c | sort -rn | head -n 5 | sed 's/^/rivulet log: /'
echo "node:    $(cat "$T/node.out")"
echo "node:    RSS ${nrss0} KiB idle -> ${nrss2} KiB: $(( (nrss2 - nrss0) * 1024 / $(held "$T/node.out") )) bytes/subscriber"
awk -v r="$(cat "$T/riv.out")" -v n="$(cat "$T/node.out")" 'BEGIN {
	split(r, a, " "); split(n, b, " ");
	for (i = 1; i < 20; i += 2) { ra[a[i]] = a[i + 1]; na[b[i]] = b[i + 1] }
	printf "ratio p99 rivulet/node %.2f, p50 %.2f (below 1: rivulet faster)\n",
	    ra["p99_ms"] / (na["p99_ms"] ? na["p99_ms"] : 1),
	    ra["p50_ms"] / (na["p50_ms"] ? na["p50_ms"] : 1) }'
[ "$RATES" = "${RATES%% *}" ] && exit 0
# Each rate: p99 of both, and the highest rate under 50 ms for each.
echo "rate/s  rivulet p50/p99 ms (held, lost)   node p50/p99 ms (held, lost)"
for r in $RATES; do
	awk -v r="$r" -v a="$(cat "$T/riv.$r.out")" -v b="$(cat "$T/node.$r.out")" 'BEGIN {
		split(a, x, " "); split(b, y, " ");
		for (i = 1; i < 20; i += 2) { ra[x[i]] = x[i + 1]; na[y[i]] = y[i + 1] }
		printf "%6d  %8.1f / %-8.1f (%s, %s)   %8.1f / %-8.1f (%s, %s)\n",
		    r, ra["p50_ms"], ra["p99_ms"], ra["connected"], ra["lost"],
		    na["p50_ms"], na["p99_ms"], na["connected"], na["lost"] }'
done
best() {
	b=0
	for r in $RATES; do
		awk -v s="$SUBS" -v a="$(cat "$T/$1.$r.out")" 'BEGIN { split(a, x, " ");
		    for (i = 1; i < 20; i += 2) v[x[i]] = x[i + 1];
		    exit !(v["p99_ms"] < 50 && v["lost"] == 0 && v["delivered"] > 0 &&
		    v["connected"] == s) }' &&
		    b=$r
	done
	echo "$b"
}
echo "highest rate with p99 < 50 ms, all held and nothing lost, to $SUBS subscribers: rivulet $(best riv)/s, node $(best node)/s"

