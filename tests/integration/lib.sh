# lib.sh: shared by the integration tests.  A real lighttpd on a free
# loopback port in front of the built rivulet, curl as the client.
# Every test runs in its own temp dir and stops what it started.
set -u
: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
CURL=${CURL:-curl}
RIVULET="$top_builddir/framework/runtime/rivulet"
DEMO_SO="$top_builddir/handlers/.libs/demo.so"
export LD_LIBRARY_PATH="$top_builddir/framework/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

for tool in "$LIGHTTPD" "$CURL" python3; do
	command -v "$tool" >/dev/null 2>&1 ||
	    { echo "not ok - $tool is required (packaging/deps.sh installs it)"; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/rivulet-test.XXXXXX")
PASS=0
FAIL=0
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
nok() { FAIL=$((FAIL + 1)); echo "not ok - $1"; }
# check NAME GOT WANT
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (got '$2', want '$3')"; fi
}
# check_re NAME GOT REGEX
check_re() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		nok "$1 (got '$(printf '%s' "$2" | head -c 300)', want /$3/)"; fi
}
finish() {
	# rivulet stops cleanly on SIGTERM; what the sanitizers (a
	# --enable-sanitizers build) say at exit must be nothing.
	if [ -n "${RIV_PID:-}" ] && kill -0 "$RIV_PID" 2>/dev/null; then
		kill -TERM "$RIV_PID"
		wait "$RIV_PID" 2>/dev/null
	fi
	if [ -f "$T/rivulet.log" ] && grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/rivulet.log"; then
		nok "sanitizers: $(grep -Em 3 'Sanitizer|runtime error' "$T/rivulet.log" | tr '\n' ' ')"
	fi
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit $?
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_rivulet [config lines...]: rivulet on $T/riv.sock, log in $T/rivulet.log
start_rivulet() {
	{
		echo "listen = unix:$T/riv.sock"
		echo "module = $DEMO_SO"
		echo "log_level = info"
		for l in "$@"; do echo "$l"; done
	} >"$T/rivulet.conf"
	"$RIVULET" -c "$T/rivulet.conf" 2>"$T/rivulet.log" &
	RIV_PID=$!
	PIDS="$PIDS $RIV_PID"
	for _ in $(seq 1 100); do
		[ -S "$T/riv.sock" ] && return 0
		kill -0 "$RIV_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "not ok - rivulet did not start:"; cat "$T/rivulet.log"; exit 1
}

# start_lighttpd [extra fastcgi options]: lighttpd on 127.0.0.1:$PORT -> $T/riv.sock
start_lighttpd() {
	PORT=$(free_port)
	mkdir -p "$T/www"
	sed -e "s|@PORT@|$PORT|" -e "s|@SOCKET@|$T/riv.sock|" \
	    -e "s|@DOCROOT@|$T/www|" -e "s|@TMPDIR@|$T|" \
	    "$top_srcdir/conf/lighttpd.conf" >"$T/lighttpd.conf"
	"$LIGHTTPD" -D -f "$T/lighttpd.conf" 2>"$T/lighttpd.stderr" &
	LIGHTTPD_PID=$!
	PIDS="$PIDS $LIGHTTPD_PID"
	U="http://127.0.0.1:$PORT"
	for _ in $(seq 1 100); do
		"$CURL" -s -o /dev/null -m 1 "$U/nope" && return 0
		sleep 0.05
	done
	echo "not ok - lighttpd did not start:"; cat "$T/lighttpd.stderr"; exit 1
}

# fetch PATH [curl args...]: the body
fetch() {
	p=$1; shift
	"$CURL" -s -m 20 "$@" "$U$p"
}
# status PATH [curl args...]
status() {
	p=$1; shift
	"$CURL" -s -o /dev/null -w '%{http_code}' -m 20 "$@" "$U$p"
}
# header PATH NAME [curl args...]: one response header's value
header() {
	p=$1; n=$2; shift 2
	"$CURL" -s -D - -o /dev/null -m 20 "$@" "$U$p" |
	    awk -v n="$n" 'BEGIN{IGNORECASE=1} tolower($0) ~ "^"tolower(n)":" {sub(/^[^:]*: */,""); sub(/\r$/,""); print; exit}'
}
