#!/bin/sh
# Started as root with user/group: rivulet binds, gives its socket to
# socket_group, then runs as that user, master and workers alike, and
# still serves.  Not root: the keys are said to be ignored.
. "$(dirname "$0")/lib.sh"
chmod 755 "$T"
if [ "$(id -u)" -ne 0 ]; then
	start_rivulet "user = nobody"
	start_lighttpd
	check_re "not root: user ignored, said" "$(cat "$T/rivulet.log")" 'not started as root'
	check "not root: still serving" "$(fetch /data-stream?count=1 -o /dev/null -w '%{http_code}')" 200
	finish
fi
getent passwd nobody >/dev/null || bail "no user nobody"
G=$(id -gn nobody)
start_rivulet "user = nobody" "socket_group = $G" "socket_mode = 0660" "workers = 2"
i=0
while [ "$(pgrep -P "$RIV_PID" | wc -l)" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the socket belongs to group $G" "$(stat -c %G "$T/riv.sock")" "$G"
check "the master runs as nobody" "$(ps -o user= -p "$RIV_PID" | tr -d ' ')" nobody
check "the workers run as nobody" "$(for p in $(pgrep -P "$RIV_PID"); do ps -o user= -p "$p"; done | sort -u | tr -d ' ')" nobody
start_lighttpd
check "and serve (lighttpd as root reaches the socket)" \
    "$(fetch /data-stream?count=1 -o /dev/null -w '%{http_code}')" 200
stop_pid "$RIV_PID"
wait "$RIV_PID" 2>/dev/null
RIV_PID=""
printf 'listen = unix:%s/bad.sock\nmodule = %s\nuser = no-such-user-here\n' "$T" "$DEMO_SO" >"$T/bad.conf"
out=$("$RIVULET" -c "$T/bad.conf" 2>&1)
check "an unknown user: refused, and says so" "$? $(echo "$out" | grep -c "no user 'no-such-user-here'")" "1 1"
check "and leaves no socket behind" "$([ -e "$T/bad.sock" ] && echo left || echo none)" none
finish
