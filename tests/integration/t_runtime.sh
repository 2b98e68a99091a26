#!/bin/sh
# The rivulet command: config checks with FILE:LINE, module ABI
# refusal, routes, SIGTERM with a stream open, and the socket handed
# over on fd 0 by lighttpd's bin-path.
. "$(dirname "$0")/lib.sh"

cat >"$T/good.conf" <<CONF
listen = unix:$T/good.sock
module = $DEMO_SO
CONF
out=$("$RIVULET" -t -c "$T/good.conf" 2>&1); rc=$?
check "-t on a good config" "$rc $out" "0 $T/good.conf: ok (1 modules)"

printf 'listen = unix:%s/x.sock\n# a comment\nlisten_backlog = 5\n' "$T" >"$T/bad.conf"
out=$("$RIVULET" -t -c "$T/bad.conf" 2>&1); rc=$?
check "-t on a bad key: fails" "$rc" 1
check_re "-t on a bad key: FILE:LINE" "$out" "$T/bad.conf:3: unknown key 'listen_backlog'"

printf 'module = %s/missing.so\n' "$T" >"$T/missing.conf"
out=$("$RIVULET" -t -c "$T/missing.conf" 2>&1); rc=$?
check "missing module: fails" "$rc" 1
check_re "missing module: says which" "$out" "missing.conf:1: $T/missing.so: cannot load"

cat >"$T/abi.c" <<'C'
#include <rivulet.h>
static int h(struct rv_req *rq) { (void)rq; return 0; }
static const struct rv_route r[] = { RV_GET("/x", h), { 0, 0, 0 } };
RV_API extern const struct rv_module rivulet_module;
const struct rv_module rivulet_module = {
	.abi = RV_ABI_VERSION + 1, .size = sizeof(struct rv_module),
	.name = "future", .routes = r };
C
cc -shared -fPIC -I"$top_srcdir/framework" -o "$T/abi.so" "$T/abi.c"
printf 'module = %s/abi.so\n' "$T" >"$T/abi.conf"
out=$("$RIVULET" -t -c "$T/abi.conf" 2>&1); rc=$?
check "module of another ABI: refused" "$rc" 1
check_re "module of another ABI: says so" "$out" "built for rivulet ABI 2; this rivulet speaks ABI 1"

printf 'int nothing;\n' >"$T/plain.c"
cc -shared -fPIC -o "$T/plain.so" "$T/plain.c"
printf 'module = %s/plain.so\n' "$T" >"$T/plain.conf"
check_re "a .so that is no module" "$("$RIVULET" -t -c "$T/plain.conf" 2>&1)" "not a rivulet module"

check_re "--routes" "$("$RIVULET" --routes -c "$T/good.conf")" "GET +/api/json_stream +demo"
check_re "-v" "$("$RIVULET" -v)" "^rivulet [0-9]+\.[0-9]+\.[0-9]+ \(ABI 1\)$"

# SIGTERM with a stream open: the stream ends, the process exits 0,
# the socket file goes.
start_rivulet
start_lighttpd
"$CURL" -s -N -m 10 "$U/api/test_stream" >"$T/open" &
CPID=$!
sleep 1
t0=$(date +%s%N)
kill -TERM "$RIV_PID"
wait "$RIV_PID"; rc=$?
t1=$(date +%s%N)
check "SIGTERM: exit status" "$rc" 0
check "SIGTERM: stopped within 2 s" "$(( (t1 - t0) / 1000000 < 2000 ))" 1
check "SIGTERM: socket removed" "$([ -e "$T/riv.sock" ] && echo left || echo gone)" gone
check_re "SIGTERM: the stream was ended, not cut" "$(grep 'GET /api/test_stream' "$T/rivulet.log")" "\(shutdown\)"
wait "$CPID"
check_re "SIGTERM: the client got its lines" "$(head -n 1 "$T/open")" "Hello, world! 0"

# lighttpd spawns rivulet itself; the listening socket is fd 0.
printf 'module = %s\nlog_level = warn\n' "$DEMO_SO" >"$T/spawn.conf"
SPORT=$(free_port)
cat >"$T/spawn-lighttpd.conf" <<CONF
server.modules += ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $SPORT
server.document-root = "$T"
server.errorlog = "$T/spawn-error.log"
server.stream-response-body = 2
fastcgi.server = ( "/" => ((
	"socket" => "$T/spawn.sock",
	"bin-path" => "$RIVULET -c $T/spawn.conf",
	"bin-environment" => ( "LD_LIBRARY_PATH" => "$LD_LIBRARY_PATH" ),
	"max-procs" => 1,
	"check-local" => "disable",
	"fix-root-scriptname" => "enable",
)) )
CONF
"$LIGHTTPD" -D -f "$T/spawn-lighttpd.conf" 2>"$T/spawn.stderr" &
SPID=$!
PIDS="$PIDS $SPID"
for _ in $(seq 1 50); do
	"$CURL" -s -o /dev/null -m 1 "http://127.0.0.1:$SPORT/nope" && break
	sleep 0.1
done
check "bin-path spawning (fd 0): ten dogs" \
    "$("$CURL" -s -m 10 "http://127.0.0.1:$SPORT/api/json_stream?format=ndjson" | grep -c '"name":"Dog')" 10
kill "$SPID"; wait "$SPID" 2>/dev/null
sleep 0.3
check "lighttpd's SIGTERM stops the spawned rivulet" \
    "$(pgrep -f "rivulet -c $T/spawn.conf" >/dev/null && echo running || echo stopped)" stopped
finish
