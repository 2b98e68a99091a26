#!/bin/sh
# Uploads through Apache (mod_proxy_fcgi), which streams request bodies
# to the backend as they come, and sends a chunked one with no
# CONTENT_LENGTH at all: rivulet must stream both to the handler, keep
# every byte (sha256), and cut a chunked body at max_upload with 413.
. "$(dirname "$0")/lib.sh"
command -v sha256sum >/dev/null 2>&1 || bail "sha256sum is required: not found"
# Apache's workers (www-data when started as root) reach the socket.
mkdir -p "$T/up"
chmod 777 "$T/up"
start_rivulet "upload_dir = $T/up" "max_body = 64K" "max_upload = 150M" \
    "socket_mode = 0666" "params_timeout = 10s"

start_apache "LimitRequestBody 0"

sum() { sha256sum <"$1" | cut -d' ' -f1; }
up() {
	_n=$1 _f=$2
	shift 2
	get "$_n" /api/upload_as_file_stream -m 120 -X POST \
	    -H 'Content-Type: application/octet-stream' \
	    --data-binary "@$_f" "$@"
}

head -c $((100 * 1024 * 1024)) /dev/urandom >"$T/in_big"
up big "$T/in_big" -H 'Content-Disposition: attachment; filename="big.bin"'
check "Apache, 100 MiB with Content-Length: 201" "$(code big)" 201
check "Apache, 100 MiB with Content-Length: same sha256" "$(sum "$T/up/big.bin" 2>&1)" "$(sum "$T/in_big")"
rm -f "$T/up/big.bin"

up bigc "$T/in_big" -H 'Content-Disposition: attachment; filename="bigc.bin"' \
    -H 'Transfer-Encoding: chunked' -H "X-Content-Size: $((100 * 1024 * 1024))"
check "Apache, 100 MiB chunked (no CONTENT_LENGTH): 201" "$(code bigc)" 201
check "Apache, 100 MiB chunked: same sha256" "$(sum "$T/up/bigc.bin" 2>&1)" "$(sum "$T/in_big")"
rm -f "$T/up/bigc.bin"

get bs /api/upload_as_bytestream -m 60 -X POST -H 'Transfer-Encoding: chunked' \
    --data-binary "@$T/in_big"
check_re "Apache, chunked byte stream: every byte counted" "$(code bs) $(cat "$T/bs")" \
    '^200 \{"bytes":104857600,'

# Chunked past max_upload (150M): the read fails, 413, no file left.
cat "$T/in_big" "$T/in_big" >"$T/in_200"
up over "$T/in_200" -H 'Content-Disposition: attachment; filename="over.bin"' \
    -H 'Transfer-Encoding: chunked'
check "Apache, 200 MiB chunked over max_upload: 413" "$(code over)" 413
check "Apache, over max_upload: no file, no partial file" \
    "$(ls -A "$T/up" | grep -c -e over -e '^\.rivulet')" 0
finish
