#!/bin/sh
# bench_soak.sh: REQUESTS (1,000,000) requests through one lighttpd to
# rivulet (a supervisor and WORKERS workers, the demo module), and the
# private resident memory (RssAnon) of every rivulet process sampled
# along the way: flat, or it leaks.  The mix, rotated by a wrk script: an SSE answer, a
# JSON feed, a CSV export of 20 rows, a validation error (400), a
# 404, a channel publish (POST /chat/send) and a query with a bad value.
# RSS is taken after a warm-up of WARMUP requests (arenas, thread
# stacks, channel history filled), then after each wrk slice; the
# figure is the growth from the warm-up to the end, per process and in
# all.  The same worker PIDs must serve from start to end (a restart
# would reset its RSS and hide a leak) and no request may fail.
# Run by `make bench-soak` (top_builddir, LIGHTTPD, WRK come from it).
set -u
: "${top_builddir:?run through make bench-soak}"
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
WRK=${WRK:-wrk}
REQUESTS=${REQUESTS:-1000000}
WARMUP=${WARMUP:-50000}
WORKERS=${WORKERS:-2}
CONNS=${CONNS:-32}
SLICE=${SLICE:-10s}
RIVULET=$top_builddir/framework/runtime/rivulet
DEMO=$top_builddir/handlers/.libs/demo.so

die() { echo "bench_soak: $*" >&2; exit 1; }
[ -x "$RIVULET" ] || die "$RIVULET is missing"
[ -x "$LIGHTTPD" ] || die "$LIGHTTPD is missing"
[ -f "$DEMO" ] || die "$DEMO is missing"
command -v "$WRK" >/dev/null 2>&1 || die "wrk is required (WRK=$WRK)"

. "$(dirname "$0")/benchlib.sh"

cat >"$T/rivulet.conf" <<CONF
listen = unix:$T/rivulet.sock
module = $DEMO
log_level = warn
workers = $WORKERS
channel_shm = 4M
CONF
"$RIVULET" -c "$T/rivulet.conf" 2>"$T/rivulet.log" &
RIVPID=$!
PIDS="$PIDS $RIVPID"
wait_for test -S "$T/rivulet.sock" || { cat "$T/rivulet.log" >&2; die "rivulet did not start"; }

bench_lighttpd "fastcgi.server = ( \"/\" => (( \"socket\" => \"$T/rivulet.sock\",
	\"check-local\" => \"disable\", \"fix-root-scriptname\" => \"enable\" )) )"

# The mix.  Expected statuses: 200, 400 (validation, bad value), 404.
cat >"$T/mix.lua" <<'LUA'
local reqs = {
	{ "GET", "/data-stream?count=1" },
	{ "GET", "/feed" },
	{ "GET", "/export/users.csv?rows=20" },
	{ "GET", "/api/validate?name=&age=-3" },
	{ "GET", "/no/such/route" },
	{ "POST", "/chat/send", '{"room":"soak","username":"wrk","message":"hello"}' },
	{ "GET", "/data-stream?count=x" },
}
local i = 0
request = function()
	i = i % #reqs + 1
	local r = reqs[i]
	if r[1] == "POST" then
		return wrk.format("POST", r[2],
		    { ["Content-Type"] = "application/json" }, r[3])
	end
	return wrk.format("GET", r[2])
end
bad = 0
local threads = {}
setup = function(thread)
	table.insert(threads, thread)
end
response = function(status, headers, body)
	if status >= 500 then
		bad = bad + 1
	end
end
done = function(summary, latency, requests)
	local n = 0
	for _, t in ipairs(threads) do
		n = n + (t:get("bad") or 0)
	end
	io.write(string.format("server errors %d\n", n))
end
LUA
for p in "/feed" "/export/users.csv?rows=20" \
    "/api/validate?name=&age=-3" "/no/such/route" "/data-stream?count=x"; do
	printf '# %s -> %s\n' "$p" "$(curl -s -o /dev/null -w '%{http_code}' "$U$p")"
done
printf '# POST /chat/send -> %s\n' "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' \
    -d '{"room":"soak","username":"wrk","message":"hello"}' "$U/chat/send")"

procs() { echo "$RIVPID $(pgrep -P "$RIVPID" | sort -n | tr '\n' ' ')"; }
# RssAnon: the private memory, where a leak shows.  The channels' shared
# log (channel_shm) is mapped by every process and fills as it is
# written: RssShmem, apart.
rss() { awk '/^RssAnon/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
shm() { awk '/^RssShmem/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
sample() {	# LABEL: a line of RssAnon in KiB, master first
	_line="$1"
	_sum=0
	for p in $(procs); do
		_r=$(rss "$p")
		_line="$_line $p=${_r}K"
		_sum=$((_sum + _r))
	done
	echo "$_line total=${_sum}K (shared log: $(shm "$RIVPID")K)"
	LAST_TOTAL=$_sum
}
# Requests wrk made, and socket errors and 5xx it saw, in one slice.
slice() {
	"$WRK" -t2 -c"$CONNS" -d"$1" -s "$T/mix.lua" "$U/" >"$T/wrk.out" 2>&1 ||
	    { cat "$T/wrk.out" >&2; die "wrk failed"; }
	n=$(awk '/requests in/ {print $1}' "$T/wrk.out")
	e=$(awk '/Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
	    /^server errors/ {n += $3} END {print n + 0}' "$T/wrk.out")
	[ -n "$n" ] || { cat "$T/wrk.out" >&2; die "wrk said nothing"; }
	DONE=$((DONE + n))
	ERRS=$((ERRS + ${e:-0}))
}

DONE=0
ERRS=0
echo "# warm-up: $WARMUP requests"
while [ "$DONE" -lt "$WARMUP" ]; do slice 5s; done
W0=$(procs)
sample "RssAnon after warm-up ($DONE requests):"
BASE=$LAST_TOTAL
for p in $W0; do eval "base_$p=\$(rss $p)"; done
DONE=0
t0=$(date +%s)
HALF=""
while [ "$DONE" -lt "$REQUESTS" ]; do
	slice "$SLICE"
	sample "RssAnon after $DONE:"
	# Threads and malloc arenas come as concurrency peaks: the second
	# half, once they are there, is where a leak would still grow.
	[ -z "$HALF" ] && [ "$DONE" -ge $((REQUESTS / 2)) ] &&
	    { HALF=$LAST_TOTAL; HALF_AT=$DONE; }
done
t1=$(date +%s)
W1=$(procs)
echo "requests: $DONE in $((t1 - t0)) s ($((DONE / (t1 - t0 + 1)))/s); socket errors and 5xx: $ERRS"
[ "$W0" = "$W1" ] && echo "processes: the same from warm-up to end ($W1)" ||
    echo "processes: CHANGED ($W0 -> $W1): a worker restarted"
for p in $W1; do
	eval "b=\${base_$p:-0}"
	a=$(rss "$p")
	awk -v p="$p" -v a="$a" -v b="$b" 'BEGIN {
	    printf "RssAnon %s: %d KiB -> %d KiB (%+d KiB, %+.1f%%)\n", p, b, a,
	    a - b, (b > 0 ? 100 * (a - b) / b : 0) }'
done
sample "RssAnon at the end:"
awk -v a="$LAST_TOTAL" -v b="$BASE" -v n="$DONE" 'BEGIN {
    printf "all rivulet processes: %d KiB -> %d KiB: %+.1f%%, %+.2f bytes a request\n",
    b, a, 100 * (a - b) / b, (a - b) * 1024 / n }'
awk -v a="$LAST_TOTAL" -v b="$HALF" -v n="$((DONE - HALF_AT))" 'BEGIN {
    if (n <= 0) { print "second half: too few slices to tell"; exit }
    printf "second half (%d requests): %d KiB -> %d KiB: %+.3f bytes a request\n",
    n, b, a, (a - b) * 1024 / n }'
if grep -Eq 'killed|exited|fatal' "$T/rivulet.log"; then
	echo "rivulet's log:"; cat "$T/rivulet.log"
fi
