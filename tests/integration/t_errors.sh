#!/bin/sh
# Bad input gets a clear answer and costs nothing else: HTTP errors as
# problem+json, and hostile FastCGI peers straight on the socket.
. "$(dirname "$0")/lib.sh"
F="python3 $top_srcdir/tests/integration/fcgi_send.py $T/riv.sock"
start_rivulet "params_timeout = 1s" "max_params = 2K" "max_body = 1M"
start_lighttpd

check "404" "$(status /nope)" 404
check "404: problem+json" "$(header /nope Content-Type)" "application/problem+json"
check_re "404: body" "$(fetch /nope)" '^\{"type":"about:blank","title":"Not Found","status":404'
check "405" "$(status /events -X DELETE)" 405
check "405: Allow" "$(header /events Allow -X DELETE)" "GET, HEAD"
check_re "405: body" "$(fetch /events -X DELETE)" '"status":405'
check "400: count=abc" "$(status '/data-stream?count=abc')" 400
check_re "400: names the parameter" "$(fetch '/data-stream?count=abc')" "invalid query parameter 'count'"
check "400: count out of range" "$(status '/data-stream?count=999999999')" 400
check "400: bad escape" "$(status '/data-stream?count=%zz')" 400
check "400: unknown stock before the stream" "$(status /stocks/XX/stream)" 400
check "HEAD: 200" "$(status '/api/json_stream?format=ndjson' -I)" 200
check "HEAD: no body" "$(fetch '/feed?format=json' -I | grep -c feed)" 0
check_re "encoded path segment is decoded" "$(fetch '/stocks/AA%50L/stream?interval_ms=100' -m 1)" "\"symbol\":\"AAPL\""

# Raw FastCGI peers on rivulet's own socket.
check "raw: a plain request" "$($F get /api/json_stream)" "status 200 end 0"
check_re "raw: PARAMS lengths near 2^31" "$($F huge-params)" "^(status 400 end 0|closed)$"
check "raw: bad version byte closes" "$($F bad-version)" "closed"
check "raw: PARAMS before BEGIN ignored" "$($F params-before-begin)" "ignored"
check "raw: params over max_params" "$($F big-params 4)" "status 431 end 0"
check "raw: a second BEGIN on one connection" "$($F two-begins)" "second end 1"
check "raw: body over max_body" "$($F body-too-big)" "status 413 end 0"
check "raw: two requests on a kept connection" "$($F keep)" "Status: 200 OK/0 Status: 200 OK/0"

# A peer that sends part of a header and waits: closed at the deadline,
# and nobody else waits meanwhile.
$F stall 4 >"$T/stall" &
STALL=$!
t=$("$CURL" -s -o /dev/null -w '%{time_total}' -m 5 "$U/data-stream?count=1")
check "a request beside a stalled peer answers < 1 s" "$(python3 -c "print($t < 1.0)")" True
wait $STALL
check_re "the stalled peer is closed at params_timeout" "$(cat "$T/stall")" "^closed after [12]\.[0-9]"

# 200 peers each holding half a record.
$F half 200 3 >"$T/half" &
HALF=$!
sleep 1
t=$("$CURL" -s -o /dev/null -w '%{time_total}' -m 5 "$U/data-stream?count=1")
check "a request beside 200 half-open peers answers < 2 s" "$(python3 -c "print($t < 2.0)")" True
wait $HALF
check "the half-open peers were held" "$(head -n 1 "$T/half")" "holding 200"

check "rivulet still running" "$(kill -0 "$RIV_PID" && echo yes)" yes
check "and answering" "$($F get /api/json_stream)" "status 200 end 0"
finish
