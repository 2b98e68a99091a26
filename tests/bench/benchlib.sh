# benchlib.sh: sourced by the bench scripts after their checks: a temp
# dir T, background PIDS stopped (and T removed) at exit, wait_for, and a
# free loopback PORT with its URL U.
T=$(mktemp -d "${TMPDIR:-/tmp}/rivulet-bench.XXXXXX")
PIDS=""
stop() {
	trap - EXIT INT TERM
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap stop EXIT
trap 'exit 130' INT TERM

# wait_for TEST...: up to 5 s
wait_for() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -le 100 ] || return 1
		sleep 0.05
	done
}

# A free loopback port: bind 0 and read it back.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null) ||
    PORT=$((20000 + $$ % 30000))
U="http://127.0.0.1:$PORT"

# bench_lighttpd LINES: lighttpd on PORT serving $T/www, with what every
# bench wants (responses streamed as they come, server.stream-response-
# body = 2, as conf/lighttpd.conf) and LINES (its fastcgi.server, say);
# waits until it answers; its PID is in PIDS.
bench_lighttpd() {
	mkdir -p "$T/www"
	cat >"$T/lighttpd.conf" <<CONF
server.modules += ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $PORT
server.document-root = "$T/www"
server.upload-dirs = ( "$T" )
server.errorlog = "$T/lighttpd.log"
server.stream-response-body = 2
server.max-connections = 1024
$1
CONF
	"$LIGHTTPD" -D -f "$T/lighttpd.conf" 2>"$T/lighttpd.err" &
	PIDS="$PIDS $!"
	wait_for curl -s -o /dev/null "$U/" ||
	    { cat "$T/lighttpd.err" "$T/lighttpd.log" >&2; echo "lighttpd did not start on $PORT" >&2; exit 1; }
}
