#!/bin/sh
# bench_upload.sh: one upload of SIZE_MB MiB (default 1024) into
# /api/upload_as_bytestream, three ways:
#   lighttpd  conf/lighttpd.conf (spools the body, then sends it with
#             its Content-Length: rivulet streams it to the handler)
#   apache    mod_proxy_fcgi, chunked: no CONTENT_LENGTH, streamed as
#             it comes
#   raw       straight on rivulet's socket, 32 KiB STDIN records
# with curl's upload speed and rivulet's peak RSS (VmHWM) after each.
# The goal (issue 5): RSS under 16 MiB during a 1 GiB upload.
# Run by `make bench-upload`.
. "$(dirname "$0")/../integration/lib.sh"
SIZE_MB=${SIZE_MB:-1024}

start_rivulet "max_body = 64K" "max_upload = 4G" "socket_mode = 0666" \
    "params_timeout = 30s"
hwm() { awk '/^VmHWM:/ {print $2 " kB"}' "/proc/$RIV_PID/status"; }
echo "# rivulet at start: VmHWM $(hwm)"
dd if=/dev/zero of="$T/in" bs=1M count="$SIZE_MB" 2>/dev/null

start_lighttpd
speed=$("$CURL" -s -o /dev/null -m 600 -w '%{speed_upload}' \
    -X POST -T "$T/in" "$U/api/upload_as_bytestream")
echo "lighttpd: $(awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1048576 }') MiB/s, rivulet VmHWM $(hwm)"
stop_pid "$LIGHTTPD_PID"

start_apache "LimitRequestBody 0"
speed=$("$CURL" -s -o /dev/null -m 600 -w '%{speed_upload}' \
    -H "Transfer-Encoding: chunked" -X POST -T "$T/in" \
    "$U/api/upload_as_bytestream")
echo "apache chunked: $(awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1048576 }') MiB/s, rivulet VmHWM $(hwm)"

t0=$(now)
out=$(python3 "$TI/fcgi_send.py" "$T/riv.sock" chunked $((SIZE_MB * 1048576)))
t1=$(now)
echo "raw: $(awk -v a="$t0" -v b="$t1" -v m="$SIZE_MB" 'BEGIN { printf "%.0f", m / (b - a) }') MiB/s, rivulet VmHWM $(hwm) ($out)"
rm -f "$T/in"
finish
