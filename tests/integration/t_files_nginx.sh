#!/bin/sh
# File delegation to nginx with X-Accel-Redirect: rivulet confines and
# answers 404 itself, nginx sends the bytes (and serves ranges) from an
# "internal" location, and neither the redirect nor the file's path
# reaches the client.  (lib.sh's lighttpd is not used here.)
. "$(dirname "$0")/lib.sh"

NGINX=${NGINX:-/usr/sbin/nginx}
command -v "$NGINX" >/dev/null 2>&1 ||
    bail "$NGINX is required (packaging/deps.sh installs nginx-light): not found"

DL="$T/dl"
mkdir -p "$DL" "$T/nginx" || bail "mkdir"
printf 'top secret\n' >"$T/secret.txt"
printf 'hello, nginx\n' >"$DL/small.txt"
printf 'caf\303\251\n' >"$DL/caf$(printf '\303\251') au lait.txt"
head -c 5242880 /dev/urandom >"$DL/mid.bin" || bail "cannot make mid.bin"
ln -s ../secret.txt "$DL/out"
sum() { sha256sum <"$T/$1" | cut -d' ' -f1; }

start_rivulet "download_dir = $DL" "file_delegation = x-accel" \
    "file_delegation_prefix = /dl-internal/"

# nginx in the foreground on a free port; "user root" only matters when
# run as root (the temp dir is 0700), and is ignored otherwise.
start_nginx() {
	for _try in 1 2 3; do
		PORT=$(free_port)
		cat >"$T/nginx.conf" <<CONF
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 1;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/nginx/body;
	fastcgi_temp_path $T/nginx/fastcgi;
	proxy_temp_path $T/nginx/proxy;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$PORT;
		location / {
			include /etc/nginx/fastcgi_params;
			fastcgi_pass unix:$T/riv.sock;
		}
		location /dl-internal/ {
			internal;
			alias $DL/;
		}
	}
}
CONF
		"$NGINX" -c "$T/nginx.conf" -e "$T/nginx/stderr.log" 2>"$T/nginx.stderr" &
		NGINX_PID=$!
		track "$NGINX_PID"
		U="http://127.0.0.1:$PORT"
		wait_http "$U/" "$NGINX_PID" && return 0
		stop_pid "$NGINX_PID"
	done
	bail "nginx did not start: $(cat "$T/nginx.stderr" "$T/nginx/error.log" 2>/dev/null | tr '\n' ' ')"
}
start_nginx

get small /download/small.txt
check "x-accel small: 200" "$(code small)" 200
check "x-accel small: the bytes" "$(cat "$T/small")" "hello, nginx"
check "x-accel: Content-Disposition kept" "$(hdr small Content-Disposition)" 'attachment; filename="small.txt"'
check_not_re "x-accel: no X-Accel-Redirect reaches the client" "$(cat "$T/small.h")" '^[Xx]-[Aa]ccel'
check_not_re "x-accel: the path is in no header" "$(cat "$T/small.h")" "$DL|dl-internal"

get mid /download/mid.bin
check "x-accel 5 MiB: checksum" "$(code mid) $(sum mid)" "200 $(sha256sum <"$DL/mid.bin" | cut -d' ' -f1)"
get r /download/mid.bin -r 100-199
check "x-accel range: 206 from nginx, 100 bytes" "$(code r) $(wc -c <"$T/r" | tr -d ' ')" "206 100"
check "x-accel range: the very bytes" "$(sum r)" "$(tail -c +101 "$DL/mid.bin" | head -c 100 | sha256sum | cut -d' ' -f1)"

get cafe "/download/caf%C3%A9%20au%20lait.txt"
check "x-accel non-ASCII name with spaces: 200" "$(code cafe) $(cat "$T/cafe")" "200 café"

for p in '/download/..%2fsecret.txt' '/download/out' '/download/nope.txt' \
    '/download/%2e%2e%2fsecret.txt'; do
	check "x-accel, $p: 404" "$(status "$p" --path-as-is)" 404
done
check "the internal location is not reachable directly" "$(status /dl-internal/small.txt)" 404

finish
