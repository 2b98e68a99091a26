#!/bin/sh
# Request bodies through a real lighttpd: streamed uploads (0 bytes, a
# few, 100 MiB) with and without Content-Length, saved under upload_dir
# and compared by sha256; the size hint checked; 413 for a body over
# max_upload; 400 for a bad multipart body; one 400 listing every bad
# field of a validation.
. "$(dirname "$0")/lib.sh"
command -v sha256sum >/dev/null 2>&1 || bail "sha256sum is required: not found"

mkdir -p "$T/up"
# max_body small so that most bodies stream; max_upload 150M.
start_rivulet "upload_dir = $T/up" "max_body = 64K" "max_upload = 150M" \
    "params_timeout = 10s" "body_limit = /api/echo 200K"
start_lighttpd

sum() { sha256sum <"$1" | cut -d' ' -f1; }

# up NAME FILE [curl args...]: POST FILE as a raw file-stream upload
up() {
	_n=$1 _f=$2
	shift 2
	get "$_n" /api/upload_as_file_stream -m 120 -X POST \
	    -H 'Content-Type: application/octet-stream' \
	    --data-binary "@$_f" "$@"
}

: >"$T/in_empty"
head -c 1000 /dev/urandom >"$T/in_small"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$T/in_big"

up empty "$T/in_empty" -H 'Content-Disposition: attachment; filename="empty.bin"' \
    -H 'X-Content-Size: 0'
check "0 bytes: 201" "$(code empty)" 201
check "0 bytes: saved empty" "$(wc -c <"$T/up/empty.bin" 2>&1)" 0

up small "$T/in_small" -H 'Content-Disposition: attachment; filename="small.bin"'
check "1000 bytes: 201" "$(code small)" 201
check "1000 bytes: same sha256" "$(sum "$T/up/small.bin" 2>&1)" "$(sum "$T/in_small")"
check_re "1000 bytes: the answer names the file and size" "$(cat "$T/small")" \
    '"name":"small.bin","size":1000'

up big "$T/in_big" -H 'Content-Disposition: attachment; filename="big.bin"' \
    -H "X-Content-Size: $((100 * 1024 * 1024))"
check "100 MiB with Content-Length: 201" "$(code big)" 201
check "100 MiB with Content-Length: same sha256" "$(sum "$T/up/big.bin" 2>&1)" "$(sum "$T/in_big")"
rm -f "$T/up/big.bin"

up bigc "$T/in_big" -H 'Content-Disposition: attachment; filename="bigc.bin"' \
    -H 'Transfer-Encoding: chunked'
check "100 MiB chunked: 201" "$(code bigc)" 201
check "100 MiB chunked: same sha256" "$(sum "$T/up/bigc.bin" 2>&1)" "$(sum "$T/in_big")"
rm -f "$T/up/bigc.bin"

# Streamed, never held: rivulet's peak RSS after two 100 MiB uploads.
# (Under ASan the shadow memory alone is more: checked without it.)
hwm=$(awk '/^VmHWM:/ {print int($2 / 1024)}' "/proc/$RIV_PID/status")
if grep -q libasan "/proc/$RIV_PID/maps" 2>/dev/null; then
	check_lt "peak RSS after 100 MiB uploads, ASan build: $hwm MiB" "$hwm" 1024
else
	check_lt "peak RSS after 100 MiB uploads: $hwm MiB (< 32)" "$hwm" 32
fi

# Names are hints: made safe, never a path out of upload_dir.
up trav "$T/in_small" -H 'Content-Disposition: attachment; filename="../../etc/x y.bin"'
check "a name with ../: 201" "$(code trav)" 201
check "a name with ../: saved as its last component, made safe" \
    "$(ls "$T/up" | grep -c '^x_y.bin$')" 1
check "a name with ../: nothing written above upload_dir" "$(ls "$T" | grep -c '^etc$')" 0

# The size hint is checked: a mismatch is an error and nothing stays.
up lie "$T/in_small" -H 'Content-Disposition: attachment; filename="lie.bin"' \
    -H 'X-Content-Size: 999999'
check "X-Content-Size that lies: 400" "$(code lie)" 400
check "X-Content-Size that lies: no file, no partial file" \
    "$(ls -A "$T/up" | grep -c -e '^lie.bin$' -e '^\.rivulet')" 0

# Over max_upload (150M): 413 before any byte is read.
dd if=/dev/zero of="$T/in_huge" bs=1M count=0 seek=160 2>/dev/null
up huge "$T/in_huge" -H 'Content-Disposition: attachment; filename="huge.bin"'
check "160 MiB with Content-Length: 413" "$(code huge)" 413
check "160 MiB: nothing saved" "$(ls -A "$T/up" | grep -c -e huge -e '^\.rivulet')" 0

# The byte stream: read chunk by chunk.
get bs /api/upload_as_bytestream -m 60 -X POST --data-binary "@$T/in_small"
check_re "bytestream: 1000 bytes counted" "$(code bs) $(cat "$T/bs")" '^200 \{"bytes":1000,'

# body_limit = /api/echo 200K: that route's own 413, before its
# handler runs when the length is known, and a chunked body cut at the
# limit; other routes keep max_upload.
json_of() {	# BYTES FILE: a JSON document of about BYTES
	python3 -c 'import sys; sys.stdout.write("{\"a\":\"" + "x" * (int(sys.argv[1]) - 8) + "\"}")' "$1" >"$2"
}
json_of $((300 * 1024)) "$T/in_300k"
get bsbig /api/echo -m 60 -H 'Content-Type: application/json' --data-binary "@$T/in_300k"
check "body_limit: 300K with Content-Length: 413" "$(code bsbig)" 413
check_re "... the problem says why, before the handler" "$(cat "$T/bsbig")" "route's body_limit"
get bsbigc /api/echo -m 60 -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$T/in_300k"
check "body_limit: 300K chunked: 413 (cut at 200K)" "$(code bsbigc)" 413
json_of $((150 * 1024)) "$T/in_150k"
get bsok /api/echo -m 60 -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$T/in_150k"
check "body_limit: 150K chunked, under it: 200, echoed whole" \
    "$(code bsok) $(wc -c <"$T/bsok" | tr -d ' ')" "200 $(wc -c <"$T/in_150k" | tr -d ' ')"
up other "$T/in_300k" -H 'Content-Disposition: attachment; filename="other.bin"'
check "another route keeps max_upload: 300K to the file stream, 201" "$(code other)" 201
printf 'listen = unix:%s/x.sock\nmodule = %s\nbody_limit = /no/such* 1M\n' "$T" "$DEMO_SO" >"$T/bl.conf"
check_re "body_limit matching no route: refused with FILE:LINE" \
    "$("$RIVULET" -t -c "$T/bl.conf" 2>&1)" 'bl.conf:3: body_limit: the pattern matches no route'
printf 'listen = unix:%s/x.sock\nmodule = %s\nbody_limit = /api* lots\n' "$T" "$DEMO_SO" >"$T/bl2.conf"
check_re "body_limit with a bad size: refused with FILE:LINE" \
    "$("$RIVULET" -t -c "$T/bl2.conf" 2>&1)" "bl2.conf:3: body_limit: 'lots' is not a size"

# multipart/form-data, as a browser sends it.
get mp /api/upload_as_file_stream -m 60 -F "note=hello" \
    -F "file=@$T/in_small;filename=form small.bin" -F "file2=@$T/in_empty;filename=e.txt"
check "multipart: 201" "$(code mp)" 201
check "multipart: same sha256" "$(sum "$T/up/form_small.bin" 2>&1)" "$(sum "$T/in_small")"
check "multipart: an empty file part" "$(wc -c <"$T/up/e.txt" 2>&1)" 0
check "multipart: no temp file left" "$(ls -A "$T/up" | grep -c rivulet-part)" 0

printf -- '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end' >"$T/badmp"
get badmp /api/upload_as_file_stream -m 20 -H 'Content-Type: multipart/form-data; boundary=xyz' \
    --data-binary "@$T/badmp"
check "multipart without its closing delimiter: 400" "$(code badmp)" 400
check "bad multipart: problem+json" "$(hdr badmp Content-Type)" application/problem+json
printf -- '--xyz\r\nContent-Disposition: form-data; name="f"; filename="p.bin"\r\n\r\n0123456789' >"$T/cutmp"
get cutmp /api/upload_as_file_stream -m 20 -H 'Content-Type: multipart/form-data; boundary=xyz' \
    --data-binary "@$T/cutmp"
check "a cut file part: 400, no file left" "$(code cutmp) $(ls -A "$T/up" | grep -c -e p.bin -e rivulet-part)" "400 0"

# A body of unknown length (Apache's chunked uploads), straight on
# rivulet's socket: streamed, and cut at max_upload (150M).
F="python3 $TI/fcgi_send.py $T/riv.sock"
check_re "raw: 1 MiB without CONTENT_LENGTH, twice on a kept connection" \
    "$($F chunked 1048576 2 | tr '\n' ' ')" \
    '^(status 200 application/json end 0 \{"bytes":1048576,"chunks":[0-9]+\} ){2}$'
check_re "raw: 160 MiB without CONTENT_LENGTH: 413 once over max_upload" \
    "$($F chunked 167772160)" '^status 413 application/problem\+json end 0 '

# A handler that never reads its (streamed) body, whose peer hangs up
# once the read-ahead is full: the stream ends as a departed client.
check "raw: a body left unread, then a hang-up: sent" "$($F body-hangup)" closed
check_re "raw: ... the stream ends as the client's leaving" \
    "$(wait_log 'GET /api/test_stream 200 .*client gone' 5)" 'client gone'

# JSON and MessagePack bodies, echoed in the framing asked for.
get ej /api/echo -H 'Content-Type: application/json' -d '{"a":[1,{"b":null}],"s":"\u00e9"}'
check "JSON body echoed" "$(code ej) $(cat "$T/ej")" '200 {"a":[1,{"b":null}],"s":"é"}'
deep=$(python3 -c 'print("[" * 40 + "]" * 40)')
get ejd /api/echo -H 'Content-Type: application/json' -d "$deep"
check_re "JSON body nested 40 deep (limit 32): 400, says so" "$(code ejd) $(cat "$T/ejd")" '^400 .*deeper than 32'
get ejb /api/echo -H 'Content-Type: application/json' -d '{"a":'
check_re "malformed JSON body: 400" "$(code ejb) $(cat "$T/ejb")" '^400 .*malformed JSON'
printf '\201\241a\001' >"$T/in_mp"
get emp "/api/echo?format=ndjson" -H 'Content-Type: application/msgpack' --data-binary "@$T/in_mp"
check "MessagePack body as NDJSON" "$(code emp) $(cat "$T/emp")" '200 {"a":1}'
printf '\335\377\377\377\377' >"$T/in_mpbomb"
get empb /api/echo -H 'Content-Type: application/msgpack' --data-binary "@$T/in_mpbomb"
check "MessagePack array claiming 2^32 elements: 400" "$(code empb)" 400

# Validation: one 400 naming each bad field.
get val "/api/validate?q=&page=0&ratio=2&exact=maybe&sort=x&email=a@b&id=1234&since=2023-02-30&tag=A_B"
check "validation: 400 problem+json" "$(code val) $(hdr val Content-Type)" "400 application/problem+json"
check "validation: every bad field listed" \
    "$(py 'import json,sys; print(" ".join(e["field"] for e in json.load(open(sys.argv[1]))["errors"]))' "$T/val")" \
    "q page ratio exact sort email id since tag"
get valok "/api/validate?q=x&page=3&ratio=0.5&exact=true&sort=name&email=a@b.example&id=123e4567-e89b-12d3-a456-426614174000&since=2023-02-28T10:00:00Z&tag=a-1"
check "validation passes: 200" "$(code valok) $(cat "$T/valok")" '200 {"q":"x","page":"3","sort":"name"}'
get valform /api/validate -d "q=x" -d "page=abc" -d "tag=ok"
check_re "validation of a form body: 400 naming page" "$(code valform) $(cat "$T/valform")" \
    '^400 .*"errors":\[\{"field":"page","reason":"must be an integer'

finish
