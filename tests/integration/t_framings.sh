#!/bin/sh
# One handler, every framing: /api/json_stream chosen by Accept
# (q-values, wildcards) or ?format=, decoded independently; 406 when
# nothing offered is acceptable.
. "$(dirname "$0")/lib.sh"
D="python3 $top_srcdir/tests/integration/decode.py"
start_rivulet
start_lighttpd
DOGS=$(python3 -c 'import json; print(json.dumps([{"age":i,"name":"Dog %d"%i} for i in range(10)], sort_keys=True))')
JOBS=""

# name|accept-or-format|expected content type|decoder
CASES='accept-ndjson|A:application/x-ndjson|application/x-ndjson|ndjson
accept-sse|A:text/event-stream|text/event-stream; charset=utf-8|sse
accept-msgpack|A:application/msgpack|application/msgpack|msgpack
accept-json|A:application/json|application/json|json
accept-json-seq|A:application/json-seq|application/json-seq|json-seq
format-ndjson|F:ndjson|application/x-ndjson|ndjson
format-sse|F:sse|text/event-stream; charset=utf-8|sse
format-msgpack|F:msgpack|application/msgpack|msgpack
format-array|F:array|application/json|json
format-json|F:json|application/json|json
format-json-seq|F:json-seq|application/json-seq|json-seq
format-beats-accept|F:msgpack;A:text/event-stream|application/msgpack|msgpack
q-ndjson|A:application/msgpack;q=0.5, application/x-ndjson|application/x-ndjson|ndjson
q-msgpack|A:application/msgpack, application/x-ndjson;q=0.5|application/msgpack|msgpack
wildcard|A:*/*|application/x-ndjson|ndjson
type-wildcard|A:text/*|text/event-stream; charset=utf-8|sse
browser|A:text/html,application/xhtml+xml,*/*;q=0.8|application/x-ndjson|ndjson'

run_case() {
	name=$1 spec=$2
	path=/api/json_stream
	set --
	case $spec in F:*) f=${spec#F:}; path="$path?format=${f%%;*}";; esac
	case $spec in *A:*) set -- -H "Accept: ${spec#*A:}";; esac
	"$CURL" -s -m 20 -D "$T/$name.h" -o "$T/$name" "$@" "$U$path"
}

echo "$CASES" >"$T/cases"
while IFS='|' read -r name spec ctype dec; do
	run_case "$name" "$spec" &
	JOBS="$JOBS $!"
done <"$T/cases"
wait $JOBS

while IFS='|' read -r name spec ctype dec; do
	got=$(awk 'tolower($0) ~ /^content-type:/ {sub(/^[^:]*: */,""); sub(/\r$/,""); print}' "$T/$name.h")
	check "$name: Content-Type" "$got" "$ctype"
	if [ "$dec" = sse ]; then
		items=$($D sse <"$T/$name" | python3 -c 'import json,sys; print(json.dumps([e["data"] for e in json.load(sys.stdin)], sort_keys=True))')
	else
		items=$($D "$dec" <"$T/$name" 2>&1)
	fi
	check "$name: the ten dogs" "$items" "$DOGS"
done <"$T/cases"

check "Accept: image/png -> 406" "$(status /api/json_stream -H 'Accept: image/png')" 406
check "406 is problem+json" "$(header /api/json_stream Content-Type -H 'Accept: image/png')" "application/problem+json"
check_re "406 names what is available" "$(fetch /api/json_stream -H 'Accept: image/png')" '"detail":"this resource is available as: application/x-ndjson text/event-stream'
check "?format=nope -> 406" "$(status '/api/json_stream?format=nope')" 406
check "Accept q=0 only -> 406" "$(status /api/test_stream -H 'Accept: text/plain;q=0')" 406
finish
