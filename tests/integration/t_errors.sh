#!/bin/sh
# Bad input gets a clear answer and costs nobody else anything: HTTP
# errors as problem+json through lighttpd, then hostile FastCGI peers
# straight on rivulet's socket (fcgi_send.py); rivulet survives it all.
. "$(dirname "$0")/lib.sh"
F="python3 $TI/fcgi_send.py $T/riv.sock"
start_rivulet "params_timeout = 1s" "max_params = 2K" "max_body = 1M" "max_upload = 32M"
start_lighttpd

# problem NAME: "status title" from a problem+json body (or the error)
problem() {
	py '
import json, sys
d = json.load(open(sys.argv[1]))
print(d.get("status"), d.get("title"))' "$T/$1"
}

get nf /nope
check "unknown path: 404 problem+json" "$(code nf) $(hdr nf Content-Type)" "404 application/problem+json"
check "unknown path: status and title in the body" "$(problem nf)" "404 Not Found"
get nf2 /api/json_stream/more
check "a known path with more after it: 404" "$(code nf2)" 404

get del /events -X DELETE
check "wrong method: 405 problem+json" "$(code del) $(hdr del Content-Type)" "405 application/problem+json"
check "wrong method: status and title in the body" "$(problem del)" "405 Method Not Allowed"
check_re "wrong method: Allow names GET and HEAD" "$(hdr del Allow)" '^GET, HEAD$|^HEAD, GET$'
get post /api/json_stream -X POST -d x=1
check "POST on a GET route: 405 with Allow" "$(code post) $(hdr post Allow)" "405 GET, HEAD"

get abc "/data-stream?count=abc"
check "count=abc: 400 problem+json" "$(code abc) $(hdr abc Content-Type)" "400 application/problem+json"
check "count=abc: status and title in the body" "$(problem abc)" "400 Bad Request"
check_re "count=abc: the problem names the parameter" "$(cat "$T/abc")" "count"
get big "/data-stream?count=999999999"
check "count=999999999 (out of range): 400 problem+json" "$(code big) $(hdr big Content-Type)" "400 application/problem+json"
check "count=999999999: status in the body" "$(problem big)" "400 Bad Request"
check "count=%zz (bad escape): 400" "$(status '/data-stream?count=%zz')" 400

# Percent-encoded paths are decoded once, then routed.
get enc "/stocks/AA%50L/stream?interval_ms=100" -m 1
check_re "percent-encoded route parameter: AA%50L is AAPL" "$(code enc) $(grep -m 1 '^data:' "$T/enc")" \
    '^200 data: .*"symbol":"AAPL"'
get enc2 "/data%2Dstream?count=1"
check_re "percent-encoded path: /data%2Dstream" "$(code enc2) $(cat "$T/enc2")" '^200 \{"items":\[\{"id":1,'
get enc3 "/stocks/NO%20PE/stream"
check_re "percent-encoded space in a parameter: 400, named" "$(code enc3) $(cat "$T/enc3")" '^400 .*NO PE'

# HEAD: the GET route's status and headers, no body.
get head "/feed?format=json" -I
check "HEAD through lighttpd: 200 application/json" "$(code head) $(hdr head Content-Type)" "200 application/json"
check "HEAD from rivulet itself: headers only" "$($F head '/feed?format=json')" "status 200 application/json body 0 end 0"
# A HEAD has no body to stream: even an endless stream's HEAD ends.  (A
# front server that keeps reading, unlike lighttpd, would otherwise hold
# a handler thread for good.)
check "HEAD of an endless stream, from rivulet itself: ends within 3 s" \
    "$($F head /api/test_stream 3)" "status 200 text/plain; charset=utf-8 body 0 end 0"

# Raw FastCGI peers on rivulet's own socket.
check "raw: a plain request" "$($F get '/data-stream?count=1')" "status 200 application/json end 0"
check "raw: an unknown path" "$($F get /nope)" "status 404 application/problem+json end 0"
check_re "raw: PARAMS lengths near 0x7FFFFFFF: 400 or closed" "$($F huge-params)" \
    '^(status 400 application/problem\+json end 0|closed)$'
check "raw: bad version byte: closed" "$($F bad-version)" "closed"
check "raw: HTTP on the FastCGI socket: closed" "$($F http)" "closed"
check_re "raw: PARAMS before BEGIN: no answer" "$($F params-before-begin)" '^(ignored|closed)$'
check_re "raw: a truncated record header, then EOF: closed" "$($F truncated-header 3)" '^closed after'
check_re "raw: a truncated record, then EOF: closed" "$($F truncated-record 3)" '^closed after'
check "raw: params over max_params: 431 on STDOUT" "$($F big-params 4)" "status 431 application/problem+json end 0"
check "raw: body over max_upload: 413" "$($F body-too-big)" "status 413 application/problem+json end 0"
# A peer that sends 120 KB past the end of its request: its 648 KB
# answer comes whole, and the close is clean (the leftovers are read
# first: a close over unread bytes is a reset).
check "raw: 120 KB past the request's end: the whole export, a clean close" \
    "$($F trailing /export/users.csv)" "status 200 text/csv; charset=utf-8 body 647777 end 0 clean"
# A streamed body that stops coming: the handler's read gives up after
# params_timeout (1 s here) and it answers 408.
check_re "raw: a streamed body that stalls: 408 after params_timeout" \
    "$($F body-stall 10)" '^status 408 application/problem\+json end 0 after [1-4]$'
check "raw: a second BEGIN while one runs: FCGI_CANT_MPX_CONN" "$($F two-begins)" "second end 1"
check "raw: two requests on a kept connection" "$($F keep)" "200/0 200/0"
check_re "raw: FCGI_GET_VALUES answered, no multiplexing" "$($F values)" 'FCGI_MPXS_CONNS=0'
check "rivulet still running after the raw peers" "$(alive "$RIV_PID" && echo yes)" yes

# A peer that sends 4 bytes and waits: the others are served meanwhile,
# and it is closed at params_timeout (1 s here).
$F stall 4 >"$T/stall" &
STALL=$!
track $STALL
sleep 0.2
get beside "/data-stream?count=1" -m 5
check "beside a stalled peer: a request answers 200" "$(code beside)" 200
check_lt "beside a stalled peer: within 1 s" "$(took beside)" 1.0
wait $STALL
check_re "the stalled peer is closed at params_timeout (1 s)" "$(cat "$T/stall")" '^closed after (0\.9|1\.[0-9]|2\.[0-4])$'

# 200 peers each holding half a record: nobody else waits, and all of
# them are closed at params_timeout.
$F half 200 3 >"$T/half" &
HALF=$!
track $HALF
i=0
while ! grep -q holding "$T/half" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "200 half-open peers connected" "$(head -n 1 "$T/half")" "holding 200"
get beside2 "/data-stream?count=1" -m 5
check "beside 200 half-open peers: a request answers 200" "$(code beside2)" 200
check_lt "beside 200 half-open peers: within 2 s" "$(took beside2)" 2.0
check "beside 200 half-open peers: raw request too" "$($F get '/data-stream?count=1')" "status 200 application/json end 0"
wait $HALF
check "the 200 half-open peers were closed at params_timeout" "$(sed -n 2p "$T/half")" "closed 200 of 200"

# A malformed request runs no handler: 400 before routing, so the chat
# message in its query is not published (a subscriber would see it).
: >"$T/nomethod.sub"
"$CURL" -s -N -m 3 -o "$T/nomethod.sub" "$U/chat/events?room=nomethod" &
NMSUB=$!
sleep 0.5
check_re "no REQUEST_METHOD: 400 before any handler" \
    "$($F no-method '/chat/send?room=nomethod&username=a&message=leak')" '^status 400 application/problem\+json'
wait $NMSUB
check "and the handler did not run (nothing published)" "$(grep -c leak "$T/nomethod.sub")" 0
check "after all of it: rivulet still running" "$(alive "$RIV_PID" && echo yes)" yes
get last "/data-stream?count=2"
check_re "after all of it: still answering through lighttpd" "$(code last) $(cat "$T/last")" \
    '^200 \{"items":\[\{"id":1,"timestamp":[0-9]+\},\{"id":2,"timestamp":[0-9]+\}\]\}$'
check "the log says why the slow peers were closed" \
    "$(grep -c 'params_timeout' "$T/rivulet.log" | awk '{ print ($1 >= 1) }')" 1
finish
