#!/bin/sh
# The rivulet command: config checks with FILE:LINE, module loading and
# ABI refusal, the route list, SIGTERM with a stream open, and the
# listening socket handed over on fd 0 by lighttpd's bin-path.
. "$(dirname "$0")/lib.sh"
command -v cc >/dev/null 2>&1 || bail "cc is required (to build test modules): not found"

# run_t CONF: "rc output" of rivulet -t -c CONF
run_t() {
	_o=$("$RIVULET" -t -c "$1" 2>&1)
	echo "$? $_o"
}
# nonzero "rc output": "fails" if rc != 0
nonzero() { case $1 in 0\ *|0) echo "exit 0";; *) echo fails;; esac; }

cat >"$T/good.conf" <<CONF
# a good config
listen = unix:$T/good.sock
module = $DEMO_SO
log_level = info
heartbeat = 15s
CONF
out=$(run_t "$T/good.conf")
check "-t on a good config: exit 0" "${out%% *}" 0
check "-t does not serve (no socket made)" "$([ -e "$T/good.sock" ] && echo made || echo none)" none

printf 'listen = unix:%s/x.sock\n# a comment\nlisten_backlog = 5\n' "$T" >"$T/bad.conf"
out=$(run_t "$T/bad.conf")
check "unknown key on line 3: fails" "$(nonzero "$out")" fails
check_re "unknown key on line 3: says FILE:3 and the key" "$out" "$T/bad.conf:3:.*listen_backlog"
printf 'module = %s\nmax_params = lots\n' "$DEMO_SO" >"$T/badval.conf"
out=$(run_t "$T/badval.conf")
check_re "bad value on line 2: fails with FILE:2" "$(nonzero "$out") $out" "^fails .*$T/badval.conf:2:"
printf 'module = %s\nlog_level = info\nlog_level = debug\n' "$DEMO_SO" >"$T/dup.conf"
out=$(run_t "$T/dup.conf")
check_re "key given twice: fails with FILE:3" "$(nonzero "$out") $out" "^fails .*$T/dup.conf:3:"

printf 'module = %s/missing.so\n' "$T" >"$T/missing.conf"
out=$(run_t "$T/missing.conf")
check "missing module file: fails" "$(nonzero "$out")" fails
check_re "missing module file: names the file and the line" "$out" "missing.conf:1:.*$T/missing.so"

# A module built against another ABI: refused before anything in it runs.
cat >"$T/abi.c" <<'C'
#include <stdio.h>
#include <rivulet.h>
static int h(struct rv_req *rq) { (void)rq; return 0; }
static int init(void **d) { (void)d; fputs("ABI-MODULE-INIT-RAN\n", stderr); return 0; }
static const struct rv_route r[] = { RV_GET("/x", h), { 0, 0, 0 } };
RV_API extern const struct rv_module rivulet_module;
const struct rv_module rivulet_module = {
	.abi = RV_ABI_VERSION + 1, .size = sizeof(struct rv_module),
	.name = "future", .routes = r, .init = init };
C
build_module abi
printf 'module = %s/abi.so\n' "$T" >"$T/abi.conf"
out=$(run_t "$T/abi.conf")
check "module of another ABI: refused" "$(nonzero "$out")" fails
check_re "module of another ABI: the message names the ABI" "$out" "abi\.so.*ABI"
check_not_re "module of another ABI: its init never ran" "$out" "ABI-MODULE-INIT-RAN"
printf 'module = %s/abi.so\nlisten = unix:%s/abi.sock\n' "$T" "$T" >"$T/abiserve.conf"
"$RIVULET" -c "$T/abiserve.conf" >"$T/abiserve.out" 2>&1 &
p=$!
track $p
i=0
while alive $p && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
wait $p 2>/dev/null
rc=$?
check "module of another ABI: rivulet will not serve with it" \
    "$(alive $p && echo running || echo "exit $rc") $([ -S "$T/abi.sock" ] && echo listening || echo -)" "exit 1 -"

printf 'int nothing;\n' >"$T/plain.c"
cc -shared -fPIC -o "$T/plain.so" "$T/plain.c"
printf 'module = %s/plain.so\n' "$T" >"$T/plain.conf"
out=$(run_t "$T/plain.conf")
check_re "a .so that is no module: refused, named" "$(nonzero "$out") $out" "^fails .*plain\.so"

# --routes: every demo route.
"$RIVULET" --routes -c "$T/good.conf" >"$T/routes" 2>&1
check "--routes: exit 0" "$?" 0
missing=""
for r in /api/test_stream /api/json_stream /stream /data-stream /export/users.csv \
    /events /dashboard/metrics '/stocks/{symbol}/stream' /feed /stream-with-errors \
    /big-data /ticks /streaming/ping /streaming/streamUsers; do
	grep -Eq "^GET +$r +demo *$" "$T/routes" || missing="$missing $r"
done
check "--routes: lists the 14 demo routes as GET ... demo" "${missing:-none missing}" "none missing"
check_re "-v: the version and ABI" "$("$RIVULET" -v)" '^rivulet [0-9]+\.[0-9]+\.[0-9]+ \(ABI [0-9]+\)$'

# Without listen and without a socket on fd 0: a clear error.
printf 'module = %s\n' "$DEMO_SO" >"$T/nolisten.conf"
out=$("$RIVULET" -c "$T/nolisten.conf" </dev/null 2>&1)
check_re "no listen key, fd 0 no socket: fails, says so" "$? $out" '^[1-9][0-9]* .*(fd 0|listen)'

# SIGTERM with a stream open: the stream ends cleanly, the process exits
# 0 within 2 s, the socket file goes.
start_rivulet
start_lighttpd
: >"$T/open"
"$CURL" -s -N -m 10 "$U/api/test_stream" >"$T/open" &
CPID=$!
track $CPID
i=0
while [ "$(wc -l <"$T/open")" -lt 2 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(now)
kill -TERM "$RIV_PID"
i=0
while alive "$RIV_PID" && [ $i -lt 50 ]; do sleep 0.05; i=$((i + 1)); done
t1=$(now)
if alive "$RIV_PID"; then
	nok "SIGTERM: rivulet still running 2.5 s later"
	stop_pid "$RIV_PID" KILL
fi
wait "$RIV_PID"
rc=$?
RIV_PID=""
check "SIGTERM: exit status 0" "$rc" 0
check_lt "SIGTERM: stopped within 2 s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" 2.0
check "SIGTERM: socket file removed" "$([ -e "$T/riv.sock" ] && echo left || echo gone)" gone
check_re "SIGTERM: the stream was ended by the shutdown" "$(grep 'GET /api/test_stream' "$T/rivulet.log")" "\(shutdown\)"
wait "$CPID"
crc=$?
check "SIGTERM: the client saw a complete response (curl exit 0)" "$crc" 0
check_re "SIGTERM: the client had its lines" "$(head -n 2 "$T/open" | tr '\n' '|')" "^Hello, world! 0\|Hello, world! 1\|$"
stop_pid "$LIGHTTPD_PID"

# lighttpd spawns rivulet itself (bin-path): no listen key, the
# listening socket is fd 0.
printf 'module = %s\nlog_level = info\n' "$DEMO_SO" >"$T/spawn.conf"
for _try in 1 2 3; do
	SPORT=$(free_port)
	cat >"$T/spawn-lighttpd.conf" <<CONF
server.modules += ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $SPORT
server.document-root = "$T/www"
server.errorlog = "$T/spawn-error.log"
server.stream-response-body = 2
fastcgi.server = ( "/" => ((
	"socket" => "$T/spawn.sock",
	"bin-path" => "$RIVULET -c $T/spawn.conf",
	"max-procs" => 1,
	"check-local" => "disable",
	"fix-root-scriptname" => "enable",
)) )
CONF
	"$LIGHTTPD" -D -f "$T/spawn-lighttpd.conf" 2>"$T/spawn.stderr" &
	SPID=$!
	track $SPID
	wait_http "http://127.0.0.1:$SPORT/" "$SPID" && break
	stop_pid "$SPID"
done
SU="http://127.0.0.1:$SPORT"
# rivulet's pid: lighttpd's child
CHILD=$(py '
import os, sys
for p in os.listdir("/proc"):
    try:
        st = open("/proc/%s/stat" % p).read()
    except (OSError, ValueError):
        continue
    if st.rsplit(")", 1)[1].split()[1] == sys.argv[1]:
        print(p)' "$SPID" | head -n 1)
check_re "bin-path: lighttpd started rivulet" "$CHILD" '^[0-9]+$'
check_re "bin-path: rivulet's fd 0 is the listening socket" \
    "$(readlink "/proc/${CHILD:-0}/fd/0" 2>&1)" '^socket:'
"$CURL" -s -m 10 -D "$T/spawn.h" -o "$T/spawn.body" "$SU/api/json_stream"
check "bin-path: /api/json_stream answers 200 application/x-ndjson" \
    "$(hcode spawn) $(hdr spawn Content-Type)" "200 application/x-ndjson"
check "bin-path: the ten dogs" "$(decode ndjson "$T/spawn.body")" \
    "$(py 'import json; print(json.dumps([{"age": i, "name": "Dog %d" % i} for i in range(10)], sort_keys=True))')"
check "bin-path: an unknown path is a 404" "$("$CURL" -s -o /dev/null -w '%{http_code}' -m 5 "$SU/nope")" 404
stop_pid "$SPID"
wait "$SPID" 2>/dev/null
i=0
while [ -n "$CHILD" ] && alive "$CHILD" && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
check "bin-path: lighttpd's SIGTERM stops the spawned rivulet" \
    "$([ -n "$CHILD" ] && alive "$CHILD" && echo running || echo stopped)" stopped
[ -n "$CHILD" ] && alive "$CHILD" && kill -KILL "$CHILD"
finish
