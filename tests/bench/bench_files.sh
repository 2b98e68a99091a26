#!/bin/sh
# bench_files.sh: one 1 GiB file (in the page cache) downloaded through
# one lighttpd (server.stream-response-body = 2) from
#   static     lighttpd serving it as a file
#   delegated  rivulet /download/big.bin, file_delegation = x-sendfile
#   streamed   rivulet /download/big.bin, read and sent by rivulet
#   raw        raw_fcgi -f: a libfcgi program writing 64 KiB chunks
# curl -o /dev/null, ROUNDS rounds interleaved over the targets, median
# MiB/s and ratios; rivulet's VmRSS sampled every 50 ms during its
# downloads (the largest seen).  Run by `make bench-files`.
set -u
: "${top_builddir:?run through make bench-files}"
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
ROUNDS=${ROUNDS:-3}
SIZE_MB=${SIZE_MB:-1024}
RIVULET=$top_builddir/framework/runtime/rivulet
RAW=$top_builddir/tests/bench/raw_fcgi
DEMO=$top_builddir/handlers/.libs/demo.so

die() { echo "bench_files: $*" >&2; exit 1; }
for x in "$LIGHTTPD" "$RIVULET" "$RAW"; do
	[ -x "$x" ] || die "$x is missing"
done
[ -f "$DEMO" ] || die "$DEMO is missing"
command -v curl >/dev/null 2>&1 || die "curl is required"

. "$(dirname "$0")/benchlib.sh"

mkdir -p "$T/www"
head -c $((SIZE_MB * 1048576)) /dev/zero >"$T/www/big.bin" ||
    die "cannot write $SIZE_MB MiB in $T"

# rivulet twice: one delegating, one streaming (delegation is per server)
for mode in x-sendfile off; do
	cat >"$T/riv-$mode.conf" <<CONF
listen = unix:$T/riv-$mode.sock
workers = 1
module = $DEMO
log_level = warn
download_dir = $T/www
file_delegation = $mode
CONF
	"$RIVULET" -c "$T/riv-$mode.conf" 2>"$T/riv-$mode.log" &
	PIDS="$PIDS $!"
	eval "RIV_$(echo $mode | tr -d -)=$!"
	wait_for test -S "$T/riv-$mode.sock" ||
	    { cat "$T/riv-$mode.log" >&2; die "rivulet ($mode) did not start"; }
done
"$RAW" -t 1 -s "$T/raw.sock" -f "$T/www/big.bin" &
PIDS="$PIDS $!"
wait_for test -S "$T/raw.sock" || die "raw_fcgi did not start"

cat >"$T/lighttpd.conf" <<CONF
server.modules += ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $PORT
server.document-root = "$T/www"
server.upload-dirs = ( "$T" )
server.errorlog = "$T/lighttpd.log"
server.stream-response-body = 2
fastcgi.server = (
	"/d" => (( "socket" => "$T/riv-x-sendfile.sock", "check-local" => "disable",
	    "x-sendfile" => "enable", "x-sendfile-docroot" => ( "$T/www/" ) )),
	"/s" => (( "socket" => "$T/riv-off.sock", "check-local" => "disable" )),
	"/raw" => (( "socket" => "$T/raw.sock", "check-local" => "disable" )),
)
CONF
"$LIGHTTPD" -D -f "$T/lighttpd.conf" 2>"$T/lighttpd.err" &
PIDS="$PIDS $!"
wait_for curl -s -o /dev/null "$U/" ||
    { cat "$T/lighttpd.err" "$T/lighttpd.log" >&2; die "lighttpd did not start"; }

BYTES=$((SIZE_MB * 1048576))
TARGETS="static:/big.bin delegated:/d/download/big.bin streamed:/s/download/big.bin raw:/raw"
for t in $TARGETS; do
	got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$U${t#*:}")
	[ "$got" = "200 $BYTES" ] || die "${t%%:*} answered '$got', want '200 $BYTES'"
done

# rss PID: VmRSS in KiB
rss() { sed -n 's/^VmRSS:[ \t]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }

# one NAME URL PID: MiB/s of one download; the peak RSS of PID during it
one() {
	curl -s -o /dev/null -m 300 -w '%{speed_download}\n' "$U$2" >"$T/speed" &
	cpid=$!
	peak=$(rss "$3")
	while kill -0 "$cpid" 2>/dev/null; do
		r=$(rss "$3")
		[ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
		sleep 0.05
	done
	wait "$cpid"
	echo "$1 $(awk '{ printf "%.0f", $1 / 1048576 }' "$T/speed") $peak" >>"$T/results"
}

echo "# rivulet pids: delegating $RIV_xsendfile ($(rss $RIV_xsendfile) KiB), streaming $RIV_off ($(rss $RIV_off) KiB)"
echo "bench_files: a $SIZE_MB MiB file through lighttpd $("$LIGHTTPD" -v 2>/dev/null | sed -n 's/^lighttpd\/\([^ ]*\).*/\1/p'), $ROUNDS rounds interleaved"
round=1
while [ $round -le "$ROUNDS" ]; do
	one static /big.bin "$RIV_off"
	one delegated /d/download/big.bin "$RIV_xsendfile"
	one streamed /s/download/big.bin "$RIV_off"
	one raw /raw "$RIV_off"
	round=$((round + 1))
done

awk '
	{ n[$1]++; v[$1, n[$1]] = $2; if ($3 > peak[$1]) peak[$1] = $3 }
	function median(k,    i, j, t, c) {
		c = n[k]
		for (i = 1; i <= c; i++) a[i] = v[k, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	END {
		s = median("static"); d = median("delegated")
		st = median("streamed"); raw = median("raw")
		printf "%-10s %10s  %s\n", "target", "MiB/s", "runs"
		split("static delegated streamed raw", ks, " ")
		for (i = 1; i <= 4; i++) {
			k = ks[i]; line = ""
			for (j = 1; j <= n[k]; j++) line = line " " v[k, j]
			printf "%-10s %10d  %s\n", k, median(k), line
		}
		printf "delegated / static   %.2f (goal >= 0.9)\n", d / s
		printf "streamed / raw       %.2f (goal >= 1.0)\n", st / raw
		printf "rivulet VmRSS peak   %.1f MiB delegating, %.1f MiB streaming (goal < 16)\n",
		    peak["delegated"] / 1024, peak["streamed"] / 1024
	}' "$T/results"
