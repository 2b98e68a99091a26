#!/bin/sh
# rivulet-demo.sh: lighttpd on 127.0.0.1:$PORT in front of rivulet with
# the demo handlers, in the foreground.  Ctrl-C (or SIGTERM) stops both
# and removes the temp dir that holds their configs and the socket.
#
# `make demo [PORT=N]` runs it with the paths of the build tree:
#   RIVULET           the rivulet program
#   DEMO_MODULE       the demo module (handlers/.libs/demo.so)
#   RIVULET_CONF_DIR  where lighttpd.conf, the template, is (conf/)
#   RIVULET_JS        the browser client (framework/js/rivulet.js) and
#   DEMO_PAGE         the demo page (handlers/demo/www/demo.html), both
#                     served at /rivulet/
#   LIGHTTPD          lighttpd (default /usr/sbin/lighttpd)
#   DEMO_FILES        what /download/{filename} serves (handlers/demo/files)
#   PORT              default 8080
# Run by hand from a built source tree, it finds them itself.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${RIVULET:=$top/framework/runtime/rivulet}"
: "${DEMO_MODULE:=$top/handlers/.libs/demo.so}"
: "${RIVULET_CONF_DIR:=$here}"
: "${RIVULET_JS:=$top/framework/js/rivulet.js}"
: "${DEMO_PAGE:=$top/handlers/demo/www/demo.html}"
: "${LIGHTTPD:=/usr/sbin/lighttpd}"
: "${DEMO_FILES:=$top/handlers/demo/files}"
PORT=${PORT:-8080}
tmp=""
rpid=""
lpid=""

die() {
	echo "rivulet-demo: $*" >&2
	exit 1
}

# alive PID: running, and not a zombie
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
	Z*|X*|"") return 1;;
	esac
	return 0
}

# shellcheck disable=SC2317	# (run by the traps)
stop() {
	trap - INT TERM EXIT
	# lighttpd first: its clients go, so rivulet's streams end at once.
	if [ -n "$lpid" ]; then kill "$lpid" 2>/dev/null || :; fi
	if [ -n "$rpid" ]; then kill "$rpid" 2>/dev/null || :; fi
	wait 2>/dev/null || :
	if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
	echo "rivulet-demo: stopped" >&2
}

# $1 made safe as the replacement of a sed s|||
sed_repl() {
	printf '%s\n' "$1" | sed -e 's/[\\|&]/\\&/g'
}

case $PORT in
''|*[!0-9]*) die "PORT must be a number, not '$PORT'";;
esac
if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
	die "PORT must be 1 to 65535"
fi
[ -x "$RIVULET" ] || die "$RIVULET: not built (run make first)"
[ -f "$DEMO_MODULE" ] || die "$DEMO_MODULE: not built (run make first)"
[ -f "$RIVULET_CONF_DIR/lighttpd.conf" ] ||
    die "$RIVULET_CONF_DIR/lighttpd.conf: not found"
command -v "$LIGHTTPD" >/dev/null 2>&1 ||
    die "$LIGHTTPD: not found (Debian: apt-get install lighttpd)"

trap stop EXIT
trap 'exit 0' INT TERM
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rivulet-demo.XXXXXX") ||
    die "cannot make a temp dir"
sock="$tmp/rivulet.sock"
mkdir -p "$tmp/www/rivulet"
cp "$RIVULET_JS" "$DEMO_PAGE" "$tmp/www/rivulet/" ||
    die "cannot copy the browser client and the demo page"

cat >"$tmp/rivulet.conf" <<CONF
# written by rivulet-demo.sh
listen = "unix:$sock"
module = "$DEMO_MODULE"
log_level = info
download_dir = "$DEMO_FILES"
bearer_tokens = demo-token
CONF
sed -e "s|@PORT@|$PORT|g" \
    -e "s|@SOCKET@|$(sed_repl "$sock")|g" \
    -e "s|@DOCROOT@|$(sed_repl "$tmp/www")|g" \
    -e "s|@TMPDIR@|$(sed_repl "$tmp")|g" \
    "$RIVULET_CONF_DIR/lighttpd.conf" >"$tmp/lighttpd.conf"
"$LIGHTTPD" -tt -f "$tmp/lighttpd.conf" >/dev/null ||
    die "lighttpd refused $tmp/lighttpd.conf"

"$RIVULET" -c "$tmp/rivulet.conf" &
rpid=$!
i=0
until [ -S "$sock" ]; do
	alive "$rpid" || die "rivulet did not start (see above)"
	i=$((i + 1))
	[ $i -le 100 ] || die "rivulet did not listen on $sock within 10 s"
	sleep 0.1
done

"$LIGHTTPD" -D -f "$tmp/lighttpd.conf" &
lpid=$!
u="http://127.0.0.1:$PORT"
i=0
while :; do
	if ! alive "$lpid"; then
		cat "$tmp/lighttpd-error.log" >&2 2>/dev/null || :
		die "lighttpd did not start (is port $PORT taken? try" \
		    "make demo PORT=9000)"
	fi
	if command -v curl >/dev/null 2>&1; then
		curl -s -o /dev/null -m 1 "$u/" && break
	elif [ $i -ge 5 ]; then
		break
	fi
	i=$((i + 1))
	[ $i -le 50 ] || die "lighttpd did not answer on $u within 5 s"
	sleep 0.1
done

cat <<URLS

rivulet demo: lighttpd on $u, rivulet behind it on $sock.
In a browser: $u/rivulet/demo.html (the streams live, through rivulet.js)
Try these, each in another terminal (Ctrl-C ends a curl; the stream notices):

  # text, a line every 500 ms until you stop it
  curl -N '$u/api/test_stream?start=5'
  # ten dogs: NDJSON (the default), SSE, a JSON array, by Accept or ?format=
  curl -N '$u/api/json_stream'
  curl -N -H 'Accept: text/event-stream' '$u/api/json_stream'
  curl -N -H 'Accept: application/json' '$u/api/json_stream'
  curl -N '$u/api/json_stream?format=sse'
  curl -N '$u/api/json_stream?format=json-seq'
  curl -N '$u/api/json_stream?format=msgpack' | xxd
  # "Hello streaming world!" in three parts; {"items":[...]} item by item
  curl -N '$u/stream'
  curl -N '$u/data-stream?count=3'
  # a CSV export (default 10000 rows)
  curl -N '$u/export/users.csv?rows=20'
  # Server-Sent Events: a counter; live /proc numbers; prices (NOPE: 400)
  curl -N '$u/events'
  curl -N '$u/dashboard/metrics?interval_ms=1000'
  curl -N '$u/stocks/AAPL/stream?interval_ms=1000'
  # one feed in the module's own XML encoder (also ?format=csv, json)
  curl -N '$u/feed?format=xml'
  # events, then an error in the stream's own framing
  curl -N '$u/stream-with-errors'
  # {"results":[...]} from batches, in bulk mode
  curl -N '$u/big-data?rows=1000'
  # files: a download (404 if missing, ranges, 304), and behind a token
  curl -O '$u/download/numbers.csv'
  curl -r 0-12 '$u/download/numbers.csv'
  curl -N -H 'Authorization: Bearer demo-token' '$u/protected/stream'
  # tick 1..3; Gravity's streams, closed after 5 s
  curl -N '$u/ticks'
  curl -N '$u/streaming/ping?to=you'
  curl -N '$u/streaming/streamUsers'
  # channels: a chat room (join in several terminals, any framing), then
  # send; and the dashboard and a ticker shared by every client
  curl -N '$u/chat/events?room=general'
  curl -N -H 'Accept: application/x-ndjson' '$u/chat/events?room=general'
  curl -X POST -d '{"room":"general","username":"ann","message":"hi"}' '$u/chat/send'
  curl -N '$u/dashboard/metrics'
  curl -N '$u/stocks/AAPL/stream'

rivulet's log follows.  Ctrl-C stops the demo.
URLS

while alive "$rpid" && alive "$lpid"; do
	sleep 1
done
alive "$rpid" || echo "rivulet-demo: rivulet exited" >&2
alive "$lpid" || echo "rivulet-demo: lighttpd exited" >&2
exit 1
