#!/bin/sh
# Files out and guards through lighttpd: the demo's /download/{filename}
# streamed by rivulet and then delegated with X-Sendfile (checksums
# small and 50 MiB, ranges, 416, 304 by ETag and by date, HEAD), every
# traversal attempt a 404 that shows nothing, the delegated path in no
# header, and the bearer guard (route's own and by config glob).
. "$(dirname "$0")/lib.sh"

DL="$T/dl"
mkdir -p "$DL" || bail "mkdir $DL"
printf 'top secret\n' >"$T/secret.txt"
printf 'hello, files\n' >"$DL/small.txt"
printf 'the FileStream sample\n' >"$DL/sample.txt"
: >"$DL/empty.txt"
printf 'caf\303\251\n' >"$DL/caf$(printf '\303\251').txt"
head -c 52428800 /dev/urandom >"$DL/big.bin" || bail "cannot make big.bin"
ln -s ../secret.txt "$DL/out"
ln -s /etc/passwd "$DL/abs"
ln -s small.txt "$DL/inlink"
mkdir "$DL/sub"
BIGSUM=$(sha256sum <"$DL/big.bin" | cut -d' ' -f1)
SMALLSUM=$(sha256sum <"$DL/small.txt" | cut -d' ' -f1)

sum() { sha256sum <"$T/$1" | cut -d' ' -f1; }
size() { if [ -f "$T/$1" ]; then wc -c <"$T/$1" | tr -d ' '; else echo 0; fi; }
TOKEN="tok-$$-x.y"

# ---------------------------------------------------------------------
# 0. Config mistakes about guards stop rivulet -t with FILE:LINE
cfg_err() {
	printf 'module = %s\n%s\n' "$DEMO_SO" "$1" >"$T/bad.conf"
	"$RIVULET" -t -c "$T/bad.conf" 2>&1 >/dev/null | tr '\n' ' '
	"$RIVULET" -t -c "$T/bad.conf" >/dev/null 2>&1
	echo "rc=$?"
}
check_re "guard on no route: refused" "$(cfg_err 'guard = bearer /nothing-here*')" "bad.conf:2: guard: '/nothing-here\*' matches no route.*rc=1"
check_re "unknown guard: refused" "$(cfg_err 'guard = nope /download/*')" "bad.conf:2: guard: no guard named 'nope'.*rc=1"
check_re "missing token file: refused" "$(cfg_err "bearer_token_file = $T/none")" "bad.conf:2: bearer_token_file: $T/none: cannot open.*rc=1"
check_re "x-accel without a prefix: refused" "$(cfg_err 'file_delegation = x-accel')" "bad.conf:2: file_delegation: x-accel needs.*rc=1"

# ---------------------------------------------------------------------
# 1. rivulet streams the files itself
start_rivulet "download_dir = $DL" "bearer_tokens = other-token $TOKEN" \
    "guard = bearer /api/download_as_filestream"
start_lighttpd

get small /download/small.txt
check "small: 200" "$(code small)" 200
check "small: checksum" "$(sum small)" "$SMALLSUM"
check "small: Content-Length" "$(hdr small Content-Length)" 13
check "small: X-Content-Size" "$(hdr small X-Content-Size)" 13
check "small: Content-Type from the extension" "$(hdr small Content-Type)" "text/plain; charset=utf-8"
check "small: Content-Disposition" "$(hdr small Content-Disposition)" 'attachment; filename="small.txt"'
check_re "small: a strong ETag" "$(hdr small ETag)" '^"[0-9a-f-]+"$'
check_re "small: Last-Modified, IMF-fixdate" "$(hdr small Last-Modified)" '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$'
check "small: Accept-Ranges" "$(hdr small Accept-Ranges)" bytes
ETAG=$(hdr small ETag)
LM=$(hdr small Last-Modified)

get big /download/big.bin -m 120
check "50 MiB streamed: 200" "$(code big)" 200
check "50 MiB streamed: checksum" "$(sum big)" "$BIGSUM"
check "50 MiB streamed: Content-Length" "$(hdr big Content-Length)" 52428800
check "50 MiB streamed: octet-stream" "$(hdr big Content-Type)" application/octet-stream
rm -f "$T/big"

# A client that leaves mid-download: rivulet notices and stops reading.
"$CURL" -s -o /dev/null -m 1 --limit-rate 2M "$U/download/big.bin"
check "leaving mid-download: curl timed out" "$?" 28
check_re "leaving mid-download: access log says client gone" "$(wait_log 'GET /download/big.bin 200 .*client gone' 10)" 'client gone'
check "after it, downloads still work" "$(fetch /download/small.txt)" "hello, files"

get empty /download/empty.txt
check "empty file: 200, 0 bytes" "$(code empty) $(size empty) $(hdr empty Content-Length)" "200 0 0"

get cafe "/download/caf%C3%A9.txt"
check "non-ASCII name: 200" "$(code cafe)" 200
check "non-ASCII name: RFC 6266 filename*" "$(hdr cafe Content-Disposition)" "attachment; filename=\"caf__.txt\"; filename*=UTF-8''caf%C3%A9.txt"

get r1 /download/big.bin -r 1000-1999
check "range: 206" "$(code r1)" 206
check "range: 1000 bytes" "$(size r1)" 1000
check "range: Content-Range" "$(hdr r1 Content-Range)" "bytes 1000-1999/52428800"
check "range: the very bytes" "$(sum r1)" "$(tail -c +1001 "$DL/big.bin" | head -c 1000 | sha256sum | cut -d' ' -f1)"
get r2 /download/big.bin -H 'Range: bytes=-10'
check "suffix range: 206, last 10 bytes" "$(code r2) $(sum r2)" "206 $(tail -c 10 "$DL/big.bin" | sha256sum | cut -d' ' -f1)"
get r3 /download/small.txt -H 'Range: bytes=5-'
check "open range: 206 from byte 5" "$(code r3) $(cat "$T/r3")" "206 , files"
get r416 /download/small.txt -H 'Range: bytes=13-'
check "unsatisfiable range: 416" "$(code r416)" 416
check "416: Content-Range bytes */13" "$(hdr r416 Content-Range)" 'bytes */13'
check "416: problem+json" "$(hdr r416 Content-Type)" application/problem+json
get rmulti /download/small.txt -H 'Range: bytes=0-1,4-5'
check "several ranges: 200, the whole file" "$(code rmulti) $(sum rmulti)" "200 $SMALLSUM"
check "several ranges: Accept-Ranges none (lighttpd leaves it)" "$(hdr rmulti Accept-Ranges)" none
get rbad /download/small.txt -H 'Range: bytes=oops'
check "bad Range: ignored, 200" "$(code rbad) $(size rbad)" "200 13"

get inm /download/small.txt -H "If-None-Match: $ETAG"
check "If-None-Match: 304, no body" "$(code inm) $(size inm)" "304 0"
check "304 keeps the ETag" "$(hdr inm ETag)" "$ETAG"
get inm2 /download/small.txt -H 'If-None-Match: "other"'
check "If-None-Match other: 200" "$(code inm2)" 200
get ims /download/small.txt -H "If-Modified-Since: $LM"
check "If-Modified-Since: 304" "$(code ims) $(size ims)" "304 0"
get ims2 /download/small.txt -H "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT"
check "If-Modified-Since 1970: 200" "$(code ims2)" 200

"$CURL" -s -m 20 -I -o /dev/null -D "$T/head.h" "$U/download/big.bin"
check "HEAD: 200 with Content-Length" "$(hcode head) $(hdr head Content-Length)" "200 52428800"
check "HEAD: no body" "$(fetch /download/small.txt -X HEAD -m 5 | wc -c | tr -d ' ')" 0

check "missing file: 404" "$(status /download/nope.txt)" 404
get nf /download/nope.txt
check "missing file: problem+json" "$(hdr nf Content-Type)" application/problem+json

# Traversal and friends: each a 404 that shows nothing of the target.
n=0
for p in '/download/..%2fsecret.txt' '/download/%2e%2e%2fsecret.txt' \
    '/download/%2E%2E%2Fsecret.txt' '/download/%252e%252e%252fsecret.txt' \
    '/download/..%252fsecret.txt' '/download/..%5csecret.txt' \
    '/download/%2fetc%2fpasswd' '/download//etc/passwd' \
    '/download/out' '/download/abs' '/download/inlink' '/download/sub' \
    '/download/..' '/download/%2e%2e' '/download/.' \
    '/download/../secret.txt' '/download/../../../../etc/passwd' \
    '/download/small.txt/'; do
	n=$((n + 1))
	"$CURL" -s -m 10 --path-as-is -D "$T/tr$n.h" -o "$T/tr$n" "$U$p"
	c=$(hcode "tr$n")
	check "traversal $p: 404" "$c" 404
	if grep -q "top secret\|root:" "$T/tr$n"; then
		nok "traversal $p: the target leaked"
	fi
	check_not_re "traversal $p: no injected header" "$(cat "$T/tr$n.h")" '^X-Evil'
done
# NUL, CR/LF and overlong UTF-8: lighttpd refuses them (400) before
# rivulet sees them (test_files covers rivulet's own 404 for each).
for p in '/download/small.txt%00.png' '/download/small.txt%0d%0aX-Evil:%201' \
    '/download/%0a' '/download/..%c0%afsecret.txt'; do
	n=$((n + 1))
	"$CURL" -s -m 10 -D "$T/tr$n.h" -o "$T/tr$n" "$U$p"
	check_re "$p: refused (4xx)" "$(hcode "tr$n")" '^4[0-9][0-9]$'
	check "$p: nothing of a file" "$(grep -c 'hello\|secret\|root:' "$T/tr$n")" 0
	check_not_re "$p: no injected header" "$(cat "$T/tr$n.h")" '^X-Evil'
done

# ---------------------------------------------------------------------
# 2. Guards
get g0 /protected/stream?count=1
check "guard, no token: 401" "$(code g0)" 401
check "guard, no token: WWW-Authenticate" "$(hdr g0 WWW-Authenticate)" 'Bearer realm="rivulet"'
check "guard, no token: problem+json" "$(hdr g0 Content-Type)" application/problem+json
get g1 /protected/stream?count=1 -H 'Authorization: Bearer wrong'
check "guard, wrong token: 401" "$(code g1)" 401
check "guard, wrong token: invalid_token" "$(hdr g1 WWW-Authenticate)" 'Bearer realm="rivulet", error="invalid_token"'
get g2 /protected/stream?count=1 -H "Authorization: Bearer $TOKEN"
check "guard, right token: 200 SSE" "$(code g2) $(hdr g2 Content-Type)" "200 text/event-stream; charset=utf-8"
check_re "guard, right token: the authenticated event" "$(cat "$T/g2")" '^event: authenticated'
check_re "guard, right token: then data" "$(cat "$T/g2")" 'event: data'
get g3 /protected/stream?count=0 -H "Authorization: Bearer other-token"
check "guard, second token: 200" "$(code g3)" 200
get g4 /api/download_as_filestream
check "guard by config glob: 401" "$(code g4)" 401
get g5 /api/download_as_filestream -H "Authorization: Bearer $TOKEN"
check "guard by config glob, token: 200 inline" "$(code g5) $(hdr g5 Content-Disposition | cut -d';' -f1)" "200 inline"
check "unguarded route stays open" "$(status /download/small.txt)" 200

# ---------------------------------------------------------------------
# 3. Delegated to lighttpd with X-Sendfile
stop_pid "$RIV_PID"
wait "$RIV_PID" 2>/dev/null
mv "$T/rivulet.log" "$T/rivulet-1.log"
start_rivulet "download_dir = $DL" "file_delegation = x-sendfile"

get xs /download/small.txt
check "x-sendfile small: 200" "$(code xs)" 200
check "x-sendfile small: checksum" "$(sum xs)" "$SMALLSUM"
check "x-sendfile: Content-Disposition kept" "$(hdr xs Content-Disposition)" 'attachment; filename="small.txt"'
check "x-sendfile: X-Content-Size kept" "$(hdr xs X-Content-Size)" 13
check_not_re "x-sendfile: no X-Sendfile header reaches the client" "$(cat "$T/xs.h")" '^[Xx]-[Ss]endfile'
check_not_re "x-sendfile: the path is in no header" "$(cat "$T/xs.h")" "$DL"
XETAG=$(hdr xs ETag)
check_re "x-sendfile: lighttpd's ETag" "$XETAG" '^".+"$'
get xinm /download/small.txt -H "If-None-Match: $XETAG"
check "x-sendfile: If-None-Match, 304 by lighttpd" "$(code xinm) $(size xinm)" "304 0"
get xims /download/small.txt -H "If-Modified-Since: $(hdr xs Last-Modified)"
check "x-sendfile: If-Modified-Since, 304" "$(code xims) $(size xims)" "304 0"
get xb /download/big.bin -m 120
check "x-sendfile 50 MiB: checksum" "$(code xb) $(sum xb)" "200 $BIGSUM"
check "x-sendfile 50 MiB: Content-Length" "$(hdr xb Content-Length)" 52428800
rm -f "$T/xb"
get xr /download/big.bin -r 1000-1999
check "x-sendfile range: 206 from lighttpd" "$(code xr) $(size xr)" "206 1000"
check "x-sendfile range: the very bytes" "$(sum xr)" "$(tail -c +1001 "$DL/big.bin" | head -c 1000 | sha256sum | cut -d' ' -f1)"
for p in '/download/..%2fsecret.txt' '/download/out' '/download/abs' \
    '/download/nope.txt'; do
	check "x-sendfile, $p: 404" "$(status "$p" --path-as-is)" 404
done
"$CURL" -s -m 20 -I -o /dev/null -D "$T/xhead.h" "$U/download/big.bin"
check "x-sendfile HEAD: 200" "$(hcode xhead)" 200
check_not_re "x-sendfile HEAD: no path" "$(cat "$T/xhead.h")" "$DL|[Xx]-[Ss]endfile"

# The log has the requests, and rivulet read none of the big file.
check_re "access log: delegated download" "$(grep 'GET /download/big.bin 200' "$T/rivulet.log")" ' 0 bytes'

finish
