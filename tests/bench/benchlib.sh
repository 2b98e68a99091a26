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
