#!/bin/sh
# bench_fanout.sh: SUBS SSE subscribers (default 10000) of one chat room
# through one lighttpd, one broadcast every 1/RATE s for SECS s (60),
# against rivulet (channels: no thread per subscriber) and, in the same
# run and through the same kind of lighttpd, the plain Node server of
# fanout_node.js.  Reports delivered/lost events, end-to-end latency
# p50/p99, rivulet's threads and RSS per subscriber, and the ratios.
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
wait_port() {
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$1/"; do
		i=$((i + 1)); [ $i -le 100 ] || die "port $1 did not open"; sleep 0.05
	done
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
threads() { awk '/^Threads/ { print $2 }' "/proc/$1/status"; }

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
workers = 1
module = $DEMO
log_level = info
# Each of RATES connects SUBS anew: the previous run's are released
# only at their next write (a heartbeat, or the next broadcast).
max_subscribers = $((SUBS * ($(echo $RATES | wc -w) + 1) + 100))
heartbeat = 15s
CONF
"$RIVULET" -c "$T/rivulet.conf" 2>"$T/rivulet.log" &
RPID=$!
PIDS="$PIDS $RPID"
i=0
until [ -S "$T/rivulet.sock" ]; do
	i=$((i + 1)); [ $i -le 100 ] || die "rivulet did not start"; sleep 0.05
done
# fronts NAME BACKEND-LINES: FRONTS lighttpds; their ports in $PORTS
fronts() {
	PORTS=""
	for f in $(seq 1 "$FRONTS"); do
		p=$(port)
		lighttpd_conf "$T/$1$f.conf" "$p" "$2"
		"$LIGHTTPD" -D -f "$T/$1$f.conf" &
		PIDS="$PIDS $!"
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
echo "rivulet: threads $thr2 when all had subscribed, $thr_end at the end; RSS ${rss0} KiB idle -> ${rss2} KiB: $(( (rss2 - rss0) * 1024 / $(held "$T/riv.out") )) bytes/subscriber"
echo "rivulet's own share: $(sed -n 's/.*channels: //p' "$T/rivulet.log" | tail -n 1)"
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

