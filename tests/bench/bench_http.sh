#!/bin/sh
# bench_http.sh: one small JSON response through one lighttpd, from
# rivulet, from a raw libfcgi responder (1 thread without lingering
# close: its best configuration here; and 4 threads) and from a static
# file of the same bytes.  wrk, interleaved rounds, medians, ratios.
set -u
: "${top_builddir:?run through make bench}"
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
WRK=${WRK:-wrk}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
export LD_LIBRARY_PATH="$top_builddir/framework/lib/.libs"
command -v "$WRK" >/dev/null || { echo "bench_http: wrk is required"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/rivulet-bench.XXXXXX")
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listen = unix:%s/riv.sock\nmodule = %s\nlog_level = warn\n' \
    "$T" "$top_builddir/handlers/.libs/demo.so" >"$T/riv.conf"
"$top_builddir/framework/runtime/rivulet" -c "$T/riv.conf" 2>"$T/riv.log" &
PIDS="$PIDS $!"
mkdir -p "$T/www"
cat >"$T/lighttpd.conf" <<CONF
server.modules += ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $PORT
server.document-root = "$T/www"
server.errorlog = "$T/lighttpd.log"
server.stream-response-body = 2
server.max-connections = 1024
mimetype.assign = ( ".json" => "application/json" )
fastcgi.server = (
	"/data-stream" => (( "socket" => "$T/riv.sock", "check-local" => "disable" )),
	"/raw1" => (( "socket" => "$T/raw1.sock", "check-local" => "disable" )),
	"/raw4" => (( "socket" => "$T/raw4.sock", "check-local" => "disable" )),
)
CONF
sleep 0.5
"$LIGHTTPD" -D -f "$T/lighttpd.conf" &
PIDS="$PIDS $!"
sleep 0.5
U="http://127.0.0.1:$PORT"
# The same bytes everywhere: rivulet's answer (its length is fixed).
curl -s "$U/data-stream?count=1" >"$T/www/small.json"
LEN=$(wc -c <"$T/www/small.json")
LIBFCGI_OS_CLOSE_POLL_TIMEOUT=0 "$top_builddir/tests/bench/raw_fcgi" -t 1 \
    -s "$T/raw1.sock" -b "$T/www/small.json" &
PIDS="$PIDS $!"
"$top_builddir/tests/bench/raw_fcgi" -t 4 -s "$T/raw4.sock" -b "$T/www/small.json" &
PIDS="$PIDS $!"
sleep 0.5

TARGETS="static:/small.json raw1:/raw1 raw4:/raw4 rivulet:/data-stream?count=1"
for t in $TARGETS; do
	n=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$U${t#*:}")
	[ "$n" = "200 $LEN" ] || { echo "bench_http: ${t%%:*} answered '$n', want '200 $LEN'"; exit 1; }
done
echo "small JSON response ($LEN bytes) through lighttpd, wrk -t2 -c64 -d$DURATION, $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
	for t in $TARGETS; do
		"$WRK" -t2 -c64 -d1s "$U${t#*:}" >/dev/null 2>&1	# warm-up
		rps=$("$WRK" -t2 -c64 -d"$DURATION" "$U${t#*:}" 2>&1 |
		    awk '/Requests\/sec/ {print $2} /Non-2xx|Socket errors/ {print "ERR " $0 > "/dev/stderr"}')
		echo "${t%%:*} $rps" >>"$T/results"
	done
done
python3 - "$T/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    rows.setdefault(k, []).append(float(v))
med = {k: statistics.median(v) for k, v in rows.items()}
print("\n%-10s %12s %10s   rounds" % ("target", "req/s", "x static"))
for k in ("static", "raw1", "raw4", "rivulet"):
    print("%-10s %12.0f %10.2f   %s" % (k, med[k], med[k] / med["static"],
          " ".join("%.0f" % x for x in rows[k])))
best = max(med["raw1"], med["raw4"])
ratio = med["rivulet"] / best
print("\nrivulet / best raw libfcgi  %.2fx  (goal >= 0.95)  %s" %
      (ratio, "PASS" if ratio >= 0.95 else "MISS"))
PY
