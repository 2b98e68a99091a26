#!/bin/sh
# bench_http.sh: one small JSON document through one lighttpd
# (server.stream-response-body = 2, as conf/lighttpd.conf), from
#   static    lighttpd serving the same bytes as a file
#   raw1      raw_fcgi, 1 thread, LIBFCGI_OS_CLOSE_POLL_TIMEOUT=0
#             (its best configuration in /work/shared/notes/baselines.md)
#   raw4      raw_fcgi, 4 threads, libfcgi defaults
#   rivulet   the runtime with the demo module: /data-stream?count=1
# Every target answers the same number of body bytes (the static file
# and raw_fcgi's body are rivulet's answer fetched once; its timestamp
# varies, its length does not).  wrk -t2 -c64 -d$DURATION after a 1 s
# warm-up, rounds interleaved over the targets, medians and ratios.
# Run by `make bench` (top_builddir, LIGHTTPD, WRK come from it).
set -u
: "${top_builddir:?run through make bench}"
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
WRK=${WRK:-wrk}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
RIVULET=$top_builddir/framework/runtime/rivulet
RAW=$top_builddir/tests/bench/raw_fcgi
DEMO=$top_builddir/handlers/.libs/demo.so

die() { echo "bench_http: $*" >&2; exit 1; }
for x in "$LIGHTTPD" "$RIVULET" "$RAW"; do
	[ -x "$x" ] || die "$x is missing"
done
[ -f "$DEMO" ] || die "$DEMO is missing"
command -v "$WRK" >/dev/null 2>&1 || die "wrk is required (WRK=$WRK)"
command -v curl >/dev/null 2>&1 || die "curl is required"

. "$(dirname "$0")/benchlib.sh"

cat >"$T/rivulet.conf" <<CONF
listen = unix:$T/rivulet.sock
workers = 1
module = $DEMO
log_level = warn
CONF
"$RIVULET" -c "$T/rivulet.conf" 2>"$T/rivulet.log" &
RIVPID=$!
PIDS="$PIDS $RIVPID"
wait_for test -S "$T/rivulet.sock" || { cat "$T/rivulet.log" >&2; die "rivulet did not start"; }

bench_lighttpd "mimetype.assign = ( \".json\" => \"application/json\" )
fastcgi.server = (
	\"/data-stream\" => (( \"socket\" => \"$T/rivulet.sock\", \"check-local\" => \"disable\" )),
	\"/raw1\" => (( \"socket\" => \"$T/raw1.sock\", \"check-local\" => \"disable\" )),
	\"/raw4\" => (( \"socket\" => \"$T/raw4.sock\", \"check-local\" => \"disable\" )),
)"

# The body every target sends: rivulet's, once.
curl -sf -o "$T/www/small.json" "$U/data-stream?count=1" || die "rivulet /data-stream?count=1 failed"
LEN=$(wc -c <"$T/www/small.json" | tr -d ' ')
LIBFCGI_OS_CLOSE_POLL_TIMEOUT=0 "$RAW" -t 1 -s "$T/raw1.sock" -b "$T/www/small.json" &
PIDS="$PIDS $!"
"$RAW" -t 4 -s "$T/raw4.sock" -b "$T/www/small.json" &
PIDS="$PIDS $!"
wait_for test -S "$T/raw1.sock" && wait_for test -S "$T/raw4.sock" || die "raw_fcgi did not start"

TARGETS="static:/small.json raw1:/raw1 raw4:/raw4 rivulet:/data-stream?count=1"
for t in $TARGETS; do
	got=$(curl -s -o "$T/check" -w '%{http_code} %{size_download} %{content_type}' "$U${t#*:}")
	case "$got" in
	"200 $LEN application/json"*) ;;
	*) die "${t%%:*} (${t#*:}) answered '$got', want '200 $LEN application/json'" ;;
	esac
done

echo "bench_http: one $LEN-byte JSON document through lighttpd $("$LIGHTTPD" -v 2>/dev/null | sed -n 's/^lighttpd\/\([^ ]*\).*/\1/p'),"
echo "wrk -t2 -c$CONNS -d$DURATION after a 1 s warm-up, $ROUNDS rounds interleaved over the targets"
echo "body: $(cat "$T/www/small.json")"
: >"$T/results"
for r in $(seq 1 "$ROUNDS"); do
	for t in $TARGETS; do
		"$WRK" -t2 -c"$CONNS" -d1s "$U${t#*:}" >/dev/null 2>&1
		"$WRK" -t2 -c"$CONNS" -d"$DURATION" "$U${t#*:}" >"$T/wrk.out" 2>&1
		rps=$(awk '/^Requests\/sec/ {print $2}' "$T/wrk.out")
		bad=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$T/wrk.out")
		[ -n "$rps" ] || { cat "$T/wrk.out" >&2; die "wrk failed on ${t%%:*}"; }
		echo "${t%%:*} $rps $bad" >>"$T/results"
		printf '  round %d %-8s %10.0f req/s  errors %s\n' "$r" "${t%%:*}" "$rps" "$bad"
	done
done
kill -0 "$RIVPID" 2>/dev/null || echo "bench_http: WARNING: rivulet died during the run" >&2
# log_level = warn: anything but the start-up line is worth seeing.
if grep -qv ': serving ' "$T/rivulet.log"; then
	echo "rivulet stderr:"
	grep -v ': serving ' "$T/rivulet.log" | head -20
fi

awk '
function median(k,   a, n, i, j, x) {
	n = split(vals[k], a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			x = a[j]; a[j] = a[j - 1]; a[j - 1] = x
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ vals[$1] = vals[$1] " " $2; shown[$1] = shown[$1] sprintf(" %.0f", $2); errs[$1] += $3 }
END {
	split("static raw1 raw4 rivulet", order, " ")
	names["static"] = "lighttpd static file"
	names["raw1"] = "raw libfcgi, 1 thread, no linger"
	names["raw4"] = "raw libfcgi, 4 threads"
	names["rivulet"] = "rivulet /data-stream?count=1"
	for (i = 1; i <= 4; i++) med[order[i]] = median(order[i])
	printf "\n%-34s %10s %9s %7s   %s\n", "target", "req/s", "x static", "errors", "rounds"
	for (i = 1; i <= 4; i++) {
		k = order[i]
		printf "%-34s %10.0f %9.2f %7d  %s\n", names[k], med[k], med[k] / med["static"], errs[k], shown[k]
	}
	best = med["raw1"] > med["raw4"] ? "raw1" : "raw4"
	ratio = med["rivulet"] / med[best]
	printf "\nrivulet / best raw libfcgi (%s)   %.2f  goal >= 0.95  %s\n", best, ratio, (ratio >= 0.95 ? "PASS" : "MISS")
	printf "rivulet / raw libfcgi 4 threads    %.2f\n", med["rivulet"] / med["raw4"]
}' "$T/results"
