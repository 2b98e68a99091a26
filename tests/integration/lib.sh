# lib.sh: shared by the integration tests (sourced; POSIX sh).
#
# A real lighttpd on a free loopback port in front of the built rivulet,
# curl (and python3 for raw sockets and decoding) as the clients.  Each
# test runs in its own temp dir, bounds every wait, and stops what it
# started.  Output: one "ok - ..." / "not ok - ..." line per check, then
# "N passed, M failed"; exit 0 if nothing failed, else 1.
#
# Environment (tests/Makefile.inc sets it): top_builddir, top_srcdir,
# LIGHTTPD, CURL.  RIVULET_TEST_KEEP=1 keeps the temp dir for a look.
set -u
: "${top_builddir:?run through make check, or set top_builddir}"
: "${top_srcdir:?run through make check, or set top_srcdir}"
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
CURL=${CURL:-curl}
RIVULET="$top_builddir/framework/runtime/rivulet"
DEMO_SO="$top_builddir/handlers/.libs/demo.so"
TI="$top_srcdir/tests/integration"
DECODE="python3 $TI/decode.py"
export LD_LIBRARY_PATH="$top_builddir/framework/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

PASS=0
FAIL=0
PIDS=""		# our children: stopped and reaped at exit
RIV_PID=""
U=""

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
nok() { FAIL=$((FAIL + 1)); echo "not ok - $1"; }
summary() { echo "$PASS passed, $FAIL failed"; }
# bail MSG: a failure the rest of the script cannot go on from.
bail() {
	nok "$1"
	summary
	exit 1
}

# Required tools: a missing one is a failure, never a skip.
for tool in "$LIGHTTPD" "$CURL" python3; do
	command -v "$tool" >/dev/null 2>&1 ||
	    bail "$tool is required (packaging/ installs it): not found"
done
[ -x "$RIVULET" ] || bail "$RIVULET not built (run make first)"
[ -f "$DEMO_SO" ] || bail "$DEMO_SO not built (run make first)"

T=$(mktemp -d "${TMPDIR:-/tmp}/rivulet-test.XXXXXX") ||
    bail "cannot make a temp dir"

# alive PID: running (a zombie is not).
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z*|X*|"") return 1;;
	esac
	return 0
}

# stop_pid PID [SIGNAL]: signal it, wait up to 3 s, then SIGKILL.
stop_pid() {
	alive "$1" || return 0
	kill -"${2:-TERM}" "$1" 2>/dev/null
	_i=0
	while alive "$1" && [ $_i -lt 30 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	alive "$1" && kill -KILL "$1" 2>/dev/null
	return 0
}

# track PID: a background child to stop at exit.
track() { PIDS="$PIDS $1"; }

cleanup() {
	trap - EXIT INT TERM
	for p in $PIDS; do stop_pid "$p"; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if [ "${RIVULET_TEST_KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# check NAME GOT WANT
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		nok "$1 (got '$(printf '%s' "$2" | head -c 400)', expected '$3')"; fi
}
# check_re NAME GOT EXTENDED-REGEX
check_re() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		nok "$1 (got '$(printf '%s' "$2" | head -c 400)', expected to match /$3/)"; fi
}
# check_not_re NAME GOT EXTENDED-REGEX
check_not_re() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		nok "$1 (got '$(printf '%s' "$2" | head -c 400)', expected no match for /$3/)"
	else ok "$1"; fi
}
# check_lt NAME NUMBER LIMIT: NUMBER < LIMIT (decimals allowed)
check_lt() {
	if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a != "" && a + 0 < b + 0) }'; then
		ok "$1"; else nok "$1 (got $2, expected < $3)"; fi
}
# check_ge NAME NUMBER LIMIT: NUMBER >= LIMIT
check_ge() {
	if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; then
		ok "$1"; else nok "$1 (got $2, expected >= $3)"; fi
}

# finish: stop rivulet (it must stop cleanly), scan its log for
# sanitizer reports, print the tally, exit.
finish() {
	if [ -n "$RIV_PID" ] && alive "$RIV_PID"; then
		kill -TERM "$RIV_PID"
		_i=0
		while alive "$RIV_PID" && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		if alive "$RIV_PID"; then
			nok "rivulet did not stop within 5 s of SIGTERM"
		else
			wait "$RIV_PID"
			_rc=$?
			[ $_rc -eq 0 ] || nok "rivulet exited $_rc after SIGTERM (expected 0)"
		fi
	fi
	if [ -f "$T/rivulet.log" ] &&
	    grep -Eq 'ERROR: [A-Za-z]*Sanitizer|runtime error:' "$T/rivulet.log"; then
		nok "sanitizers: $(grep -Em 3 'Sanitizer|runtime error' "$T/rivulet.log" | tr '\n' ' ')"
	fi
	summary
	[ "$FAIL" -eq 0 ] && exit 0
	exit 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_socket PATH PID: until PATH is a socket (5 s), while PID lives.
wait_socket() {
	_i=0
	while [ $_i -lt 100 ]; do
		[ -S "$1" ] && return 0
		alive "$2" || return 1
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# build_module NAME: $T/NAME.c, a test module, into $T/NAME.so.
build_module() {
	cc -shared -fPIC -I"$top_srcdir/framework" -o "$T/$1.so" "$T/$1.c" \
	    2>"$T/cc.log" || bail "cannot build the test module: $(cat "$T/cc.log")"
}

# start_rivulet [config lines...]: rivulet with the demo module on
# unix:$T/riv.sock, its stderr in $T/rivulet.log; sets RIV_PID.
start_rivulet() {
	{
		echo "listen = unix:$T/riv.sock"
		echo "module = $DEMO_SO"
		echo "log_level = info"
		# One process unless the test asks for workers (the default
		# is one a CPU): most tests watch one server's state.
		case " $* " in
		*" workers = "*) ;;
		*) echo "workers = 1" ;;
		esac
		for l in "$@"; do echo "$l"; done
	} >"$T/rivulet.conf"
	"$RIVULET" -c "$T/rivulet.conf" 2>"$T/rivulet.log" &
	RIV_PID=$!
	track "$RIV_PID"
	wait_socket "$T/riv.sock" "$RIV_PID" ||
	    bail "rivulet did not start: $(tr '\n' ' ' <"$T/rivulet.log")"
}

# lighttpd_conf PORT SOCKET DOCROOT: conf/lighttpd.conf filled in, the
# same file `make demo` uses.
lighttpd_conf() {
	sed -e "s|@PORT@|$1|" -e "s|@SOCKET@|$2|" \
	    -e "s|@DOCROOT@|$3|" -e "s|@TMPDIR@|$T|" \
	    "$top_srcdir/conf/lighttpd.conf"
}

# wait_http URL PID: until lighttpd answers (5 s), while PID lives.
wait_http() {
	_i=0
	while [ $_i -lt 50 ]; do
		alive "$2" || return 1
		"$CURL" -s -o /dev/null -m 1 "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# start_lighttpd: lighttpd on 127.0.0.1:$PORT in front of $T/riv.sock
# (conf/lighttpd.conf: stream-response-body 2, mod_fastcgi on "/",
# check-local off, fix-root-scriptname on); sets PORT, U, LIGHTTPD_PID.
# A port taken between choosing and binding is retried.
start_lighttpd() {
	mkdir -p "$T/www"
	for _try in 1 2 3; do
		PORT=$(free_port)
		lighttpd_conf "$PORT" "$T/riv.sock" "$T/www" >"$T/lighttpd.conf"
		"$LIGHTTPD" -D -f "$T/lighttpd.conf" 2>"$T/lighttpd.stderr" &
		LIGHTTPD_PID=$!
		track "$LIGHTTPD_PID"
		U="http://127.0.0.1:$PORT"
		wait_http "$U/" "$LIGHTTPD_PID" && return 0
		stop_pid "$LIGHTTPD_PID"
	done
	bail "lighttpd did not start: $(cat "$T/lighttpd.stderr" "$T/lighttpd-error.log" 2>/dev/null | tr '\n' ' ')"
}

# get NAME PATH [curl args...]: one request through lighttpd.  Writes
# $T/NAME (body), $T/NAME.h (headers), $T/NAME.w ("code seconds") and
# $T/NAME.rc (curl's exit status).  20 s at most unless -m is given.
get() {
	_n=$1 _p=$2
	shift 2
	"$CURL" -s -N -m 20 -D "$T/$_n.h" -o "$T/$_n" \
	    -w '%{http_code} %{time_total}\n' "$@" "$U$_p" >"$T/$_n.w"
	echo $? >"$T/$_n.rc"
}
# code NAME / took NAME / rc NAME: of a get
code() { cut -d' ' -f1 "$T/$1.w" 2>/dev/null; }
took() { cut -d' ' -f2 "$T/$1.w" 2>/dev/null; }
rc() { cat "$T/$1.rc" 2>/dev/null; }
# hdr NAME HEADER: a response header's value (the last of the name)
hdr() {
	awk -v n="$2" '
	    { sub(/\r$/, "") }
	    tolower(substr($0, 1, length(n) + 1)) == tolower(n) ":" {
		v = substr($0, length(n) + 2); sub(/^[ \t]*/, "", v) }
	    END { print v }' "$T/$1.h" 2>/dev/null
}

# hcode NAME: the status in $T/NAME.h (for curls run without get)
hcode() {
	sed -n 's/^HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$T/$1.h" 2>/dev/null |
	    tail -n 1
}

# fetch PATH [curl args...]: the body
fetch() {
	_p=$1
	shift
	"$CURL" -s -m 20 "$@" "$U$_p"
}
# status PATH [curl args...]
status() {
	_p=$1
	shift
	"$CURL" -s -o /dev/null -w '%{http_code}' -m 20 "$@" "$U$_p"
}

# decode FRAMING FILE: the items of a body as one JSON array (decode.py)
decode() { $DECODE "$1" <"$2" 2>&1; }

# py CODE [args...]: run python3 code, print what it prints
py() {
	_c=$1
	shift
	python3 -c "$_c" "$@" 2>&1
}

# wait_log EXTENDED-REGEX SECONDS: until rivulet's log has a match;
# prints the matching lines (nothing if none came in time).
wait_log() {
	_i=0
	_max=$(awk -v s="$2" 'BEGIN { print int(s * 10) }')
	while [ $_i -le "$_max" ]; do
		if grep -Eq -- "$1" "$T/rivulet.log" 2>/dev/null; then
			grep -E -- "$1" "$T/rivulet.log"
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# sockets PID: the sockets a process holds (its listener, and one per
# front server connection: compare with a count taken before).
sockets() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:'; }

# start_apache [CONF-LINES...]: a real Apache 2.4 (mpm_event) on a free
# loopback port, mod_proxy_fcgi passing "/" to $T/riv.sock with
# flushpackets=on as conf/apache.conf does, plus CONF-LINES; sets PORT,
# U and APACHE_PID.  The socket must be reachable by Apache's user
# (www-data when we are root: socket_mode = 0666).
start_apache() {
	APACHE=${APACHE:-/usr/sbin/apache2}
	MODS=/usr/lib/apache2/modules
	command -v "$APACHE" >/dev/null 2>&1 ||
	    bail "$APACHE is required (packaging/deps.sh installs apache2): not found"
	[ -f "$MODS/mod_proxy_fcgi.so" ] || bail "mod_proxy_fcgi not found in $MODS"
	chmod 755 "$T"
	mkdir -p "$T/apache" "$T/www"
	for _try in 1 2 3; do
		PORT=$(free_port)
		{
			echo "ServerRoot \"$T/apache\""
			echo "DefaultRuntimeDir \"$T/apache\""
			echo "PidFile \"$T/apache/httpd.pid\""
			echo "Mutex file:$T/apache default"
			echo "ErrorLog \"$T/apache-error.log\""
			echo "Listen 127.0.0.1:$PORT"
			echo "ServerName 127.0.0.1"
			[ "$(id -u)" -eq 0 ] && echo "User www-data" && echo "Group www-data"
			echo "LoadModule mpm_event_module $MODS/mod_mpm_event.so"
			echo "LoadModule authz_core_module $MODS/mod_authz_core.so"
			echo "LoadModule proxy_module $MODS/mod_proxy.so"
			echo "LoadModule proxy_fcgi_module $MODS/mod_proxy_fcgi.so"
			echo "DocumentRoot \"$T/www\""
			echo "ProxyPass \"/\" \"unix:$T/riv.sock|fcgi://rivulet/\" flushpackets=on timeout=300"
			for _l in "$@"; do echo "$_l"; done
		} >"$T/apache.conf"
		"$APACHE" -DFOREGROUND -f "$T/apache.conf" 2>"$T/apache.stderr" &
		APACHE_PID=$!
		track "$APACHE_PID"
		U="http://127.0.0.1:$PORT"
		wait_http "$U/" "$APACHE_PID" && return 0
		stop_pid "$APACHE_PID"
	done
	bail "apache did not start: $(cat "$T/apache.stderr" "$T/apache-error.log" 2>/dev/null | tr '\n' ' ')"
}

# now: a monotonic clock in seconds with decimals
now() { cut -d' ' -f1 /proc/uptime; }
