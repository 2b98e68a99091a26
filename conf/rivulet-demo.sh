#!/bin/sh
# rivulet-demo.sh: lighttpd on 127.0.0.1:$PORT in front of rivulet with
# the demo handlers, in the foreground.  Ctrl-C stops both.
# Used by `make demo`; the Makefile passes RIVULET, DEMO_MODULE,
# LIGHTTPD and RIVULET_CONF_DIR.
set -eu
PORT=${PORT:-8080}
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rivulet-demo.XXXXXX")
rpid=""
lpid=""

stop() {
	trap - INT TERM EXIT
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$tmp"
	echo "demo stopped"
}
trap stop EXIT
trap 'exit 0' INT TERM

mkdir -p "$tmp/www"
cat >"$tmp/rivulet.conf" <<CONF
listen = unix:$tmp/rivulet.sock
module = $DEMO_MODULE
log_level = info
CONF
sed -e "s|@PORT@|$PORT|" -e "s|@SOCKET@|$tmp/rivulet.sock|" \
    -e "s|@DOCROOT@|$tmp/www|" -e "s|@TMPDIR@|$tmp|" \
    "$RIVULET_CONF_DIR/lighttpd.conf" >"$tmp/lighttpd.conf"

"$RIVULET" -c "$tmp/rivulet.conf" &
rpid=$!
i=0
while [ ! -S "$tmp/rivulet.sock" ]; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 "$rpid" 2>/dev/null; then
		echo "rivulet did not start" >&2
		exit 1
	fi
	sleep 0.1
done
"$LIGHTTPD" -D -f "$tmp/lighttpd.conf" &
lpid=$!
sleep 0.3
kill -0 "$lpid" 2>/dev/null || { echo "lighttpd did not start (port $PORT taken?)" >&2; exit 1; }

u="http://127.0.0.1:$PORT"
cat <<URLS

rivulet demo: lighttpd on $u, rivulet behind it.  Try:

  curl -N '$u/api/test_stream?start=5'                       text, every 500 ms
  curl -N  $u/api/json_stream                                ten dogs as NDJSON
  curl -N -H 'Accept: text/event-stream' $u/api/json_stream  ... as SSE
  curl -N '$u/api/json_stream?format=array'                  ... as a JSON array
  curl -N '$u/api/json_stream?format=msgpack' | xxd          ... as MessagePack
  curl -N  $u/stream                                         Hello streaming world!
  curl -N '$u/data-stream?count=3'
  curl     $u/export/users.csv | head
  curl -N  $u/events                                         SSE counter
  curl -N  $u/dashboard/metrics                              live /proc metrics
  curl -N  $u/stocks/AAPL/stream?interval_ms=1000            prices (try NOPE: 400)
  curl     '$u/feed?format=xml'                              also csv, json
  curl -N  $u/stream-with-errors
  curl     '$u/big-data?rows=1000'
  curl -N  $u/ticks
  curl -N '$u/streaming/ping?to=you'
  curl -N  $u/streaming/streamUsers

Ctrl-C stops the demo.
URLS
wait "$lpid"
