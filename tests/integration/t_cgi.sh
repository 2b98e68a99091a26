#!/bin/sh
# rivulet as a plain CGI program behind a real lighttpd (mod_cgi): the
# same binary and demo module answer one request per process, streams
# arrive as they are sent, bodies are read from stdin, and bad requests
# get their problem+json answers.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/www"
printf 'module = %s\nlog_level = info\n' "$DEMO_SO" >"$T/cgi.conf"
cat >"$T/www/riv.cgi" <<CGI
#!/bin/sh
RIVULET_CONFIG='$T/cgi.conf'
LD_LIBRARY_PATH='$LD_LIBRARY_PATH'
export RIVULET_CONFIG LD_LIBRARY_PATH
exec '$RIVULET' 2>>'$T/cgi.log'
CGI
chmod +x "$T/www/riv.cgi"
PORT=$(free_port)
cat >"$T/lighttpd-cgi.conf" <<CONF
server.modules += ( "mod_cgi" )
server.bind = "127.0.0.1"
server.port = $PORT
server.document-root = "$T/www"
server.errorlog = "$T/lighttpd-error.log"
server.stream-response-body = 2
cgi.assign = ( ".cgi" => "" )
CONF
"$LIGHTTPD" -D -f "$T/lighttpd-cgi.conf" 2>"$T/lighttpd.stderr" &
LPID=$!
track $LPID
U="http://127.0.0.1:$PORT"
wait_http "$U/" "$LPID" || bail "lighttpd did not start: $(cat "$T/lighttpd.stderr")"

# A stream: ten items 500 ms apart arrive one by one, not at the end.
python3 - "$U/riv.cgi/api/json_stream" >"$T/arrivals" <<'PY'
import sys, time, urllib.request
t0 = time.monotonic()
r = urllib.request.urlopen(sys.argv[1], timeout=20)
times = [time.monotonic() - t0 for line in r if line.strip()]
print(r.status, r.headers.get("Content-Type"), len(times),
      "%.1f" % times[0], "%.1f" % times[-1])
PY
set -- $(cat "$T/arrivals")
check "CGI: GET /api/json_stream: 200 NDJSON" "$1 $2" "200 application/x-ndjson"
check "CGI: ten items" "$3" 10
check_lt "CGI: the first arrives at once" "$4" 1.5
check_ge "CGI: the last after the handler's 4.5 s" "$5" 4.0

get sse "/riv.cgi/events" -H 'Accept: text/event-stream'
check "CGI: SSE counter: 200 text/event-stream" "$(code sse) $(hdr sse Content-Type)" \
    "200 text/event-stream; charset=utf-8"
check "CGI: SSE counter: ten events msg-1..msg-10" "$(grep -c '^event: counter' "$T/sse") $(grep '^id:' "$T/sse" | tail -n 1)" "10 id: msg-10"

get post "/riv.cgi/chat/send" -X POST -H 'Content-Type: application/json' \
    -d '{"room":"a","username":"ann","message":"hi"}'
check_re "CGI: POST with a JSON body read from stdin: 200" "$(code post) $(cat "$T/post")" \
    '^200 \{"success":true,"messageId":"[0-9a-f-]{36}"\}$'
get badjson "/riv.cgi/chat/send" -X POST -d '{"room":'
check "CGI: a broken body: 400 problem+json" "$(code badjson) $(hdr badjson Content-Type)" \
    "400 application/problem+json"
get nope "/riv.cgi/no/such/route"
check "CGI: no route: 404 problem+json" "$(code nope) $(hdr nope Content-Type)" \
    "404 application/problem+json"
get method "/riv.cgi/chat/send"
check "CGI: wrong method: 405 with Allow" "$(code method) $(hdr method Allow)" "405 POST"
check_re "CGI: an access line per request on stderr" "$(cat "$T/cgi.log")" \
    'info: POST /chat/send 200 '
check "CGI: no rivulet process left" "$(pgrep -f "$T/cgi.conf" | wc -l | tr -d ' ')" 0

# A config that does not load: a 500 the client can read.
echo "no_such_key = 1" >>"$T/cgi.conf"
get broken "/riv.cgi/api/json_stream"
check "CGI: a bad config: 500 problem+json" "$(code broken) $(hdr broken Content-Type)" \
    "500 application/problem+json"
check_re "CGI: and the error log says where" "$(cat "$T/cgi.log")" "cgi.conf:3: unknown key"
finish
