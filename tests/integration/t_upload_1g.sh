#!/bin/sh
# A 1 GiB upload through a real lighttpd and then a real Apache (curl
# -T: streamed from the file, not read into memory), with Content-Length and
# chunked: saved whole under upload_dir (sha256 compared), streamed
# through rivulet without holding it (peak RSS), with max_upload = 1G
# exactly; one byte more is refused (413) and nothing stays.
. "$(dirname "$0")/lib.sh"
command -v sha256sum >/dev/null 2>&1 || bail "sha256sum is required: not found"

mkdir -p "$T/up"
start_rivulet "upload_dir = $T/up" "max_body = 64K" "max_upload = 1G" \
    "params_timeout = 30s" "socket_mode = 0666"
start_lighttpd

GIB=1073741824
sum() { sha256sum <"$1" | cut -d' ' -f1; }
# A pattern whose period (37 bytes) is no power of two: a chunk lost,
# doubled or shifted anywhere changes the sum.
yes 'rivulet 1 GiB upload, line by line.' | head -c $GIB >"$T/in_1g"
check "the input is 1 GiB" "$(wc -c <"$T/in_1g" | tr -d ' ')" $GIB
want=$(sum "$T/in_1g")

up() {	# NAME [curl args...]
	_n=$1
	shift
	get "$_n" /api/upload_as_file_stream -m 300 -X POST \
	    -H 'Content-Type: application/octet-stream' \
	    -H "Content-Disposition: attachment; filename=\"$_n.bin\"" \
	    -T "$T/in_1g" "$@"
}

up len -H "X-Content-Size: $GIB"
check "1 GiB with Content-Length: 201" "$(code len)" 201
check_re "... the answer gives its size" "$(cat "$T/len")" "\"size\":$GIB"
check "... saved whole: same sha256" "$(sum "$T/up/len.bin" 2>&1)" "$want"
echo "# 1 GiB with Content-Length: $(took len) s"
rm -f "$T/up/len.bin"

up chunked -H 'Transfer-Encoding: chunked'
check "1 GiB chunked: 201" "$(code chunked)" 201
check "... saved whole: same sha256" "$(sum "$T/up/chunked.bin" 2>&1)" "$want"
echo "# 1 GiB chunked: $(took chunked) s"
rm -f "$T/up/chunked.bin"


# The same through Apache (mod_proxy_fcgi streams bodies as they come,
# a chunked one without CONTENT_LENGTH).
chmod 777 "$T/up"
stop_pid "$LIGHTTPD_PID"
start_apache "LimitRequestBody 0"
up alen -H "X-Content-Size: $GIB"
check "Apache, 1 GiB with Content-Length: 201" "$(code alen)" 201
check "... saved whole: same sha256" "$(sum "$T/up/alen.bin" 2>&1)" "$want"
echo "# Apache, 1 GiB with Content-Length: $(took alen) s"
rm -f "$T/up/alen.bin"
up achunked -H 'Transfer-Encoding: chunked'
check "Apache, 1 GiB chunked (no CONTENT_LENGTH): 201" "$(code achunked)" 201
check "... saved whole: same sha256" "$(sum "$T/up/achunked.bin" 2>&1)" "$want"
echo "# Apache, 1 GiB chunked: $(took achunked) s"
rm -f "$T/up/achunked.bin"

hwm=$(awk '/^VmHWM:/ {print int($2 / 1024)}' "/proc/$RIV_PID/status")
if grep -q libasan "/proc/$RIV_PID/maps" 2>/dev/null; then
	check_lt "peak RSS after 4 GiB of uploads, ASan build: $hwm MiB" "$hwm" 1024
else
	check_lt "peak RSS after 4 GiB of uploads: $hwm MiB (< 16)" "$hwm" 16
fi

# One byte over max_upload, chunked (no length to refuse it by): the
# stream is cut at the limit, the answer is 413, nothing stays.
echo x >>"$T/in_1g"
up over -H 'Transfer-Encoding: chunked'
check "1 GiB + 2 bytes chunked: 413" "$(code over)" 413
check "... nothing saved" "$(ls -A "$T/up" | wc -l | tr -d ' ')" 0
rm -f "$T/in_1g"
finish
