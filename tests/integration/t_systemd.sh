#!/bin/sh
# systemd's service protocol without systemd: a launcher that does what
# a socket unit and Type=notify do (a listening socket on fd 3 with
# LISTEN_FDS/LISTEN_PID, and NOTIFY_SOCKET), then lighttpd in front.
# rivulet serves on the passed socket, says READY=1, RELOADING=1 and
# READY=1 around a SIGHUP (workers = 2), and STOPPING=1 on SIGTERM.
. "$(dirname "$0")/lib.sh"

printf 'module = %s\nworkers = 2\nlog_level = info\n' "$DEMO_SO" >"$T/sd.conf"
python3 - "$RIVULET" "$T" <<'PY' >"$T/launcher.out" 2>&1 &
import os, socket, sys, time
riv, t = sys.argv[1], sys.argv[2]
lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
lst.bind(t + "/riv.sock")
lst.listen(64)
note = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
note.bind(t + "/notify.sock")
pid = os.fork()
if pid == 0:
    if lst.fileno() != 3:
        os.dup2(lst.fileno(), 3)
    os.set_inheritable(3, True)
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.environ["NOTIFY_SOCKET"] = t + "/notify.sock"
    err = os.open(t + "/rivulet.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(err, 2)
    os.execv(riv, [riv, "-c", t + "/sd.conf"])
with open(t + "/pid", "w") as f:
    f.write(str(pid))
note.settimeout(1)
end = time.time() + 40
while time.time() < end:
    try:
        msg = note.recv(4096).decode()
    except socket.timeout:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            break
        continue
    with open(t + "/notes", "a") as f:
        f.write(msg + "\n")
PY
LAUNCHER=$!
track $LAUNCHER
i=0
while ! grep -q READY=1 "$T/notes" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
RIV_PID=$(cat "$T/pid")
check "READY=1 once serving on the passed socket" "$(cat "$T/notes" 2>/dev/null)" "READY=1"
start_lighttpd
check "a request through lighttpd on that socket: 200" \
    "$(fetch /data-stream?count=1 -o /dev/null -w '%{http_code}')" 200
check_re "the log says it serves the inherited socket" "$(cat "$T/rivulet.log")" "2 workers serving"
kill -HUP "$RIV_PID"
i=0
while [ "$(grep -c READY=1 "$T/notes")" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "SIGHUP: RELOADING=1, then READY=1" "$(tr '\n' ' ' <"$T/notes")" "READY=1 RELOADING=1 READY=1 "
check "still serving after the reload" \
    "$(fetch /data-stream?count=1 -o /dev/null -w '%{http_code}')" 200
kill -TERM "$RIV_PID"
wait $LAUNCHER
RIV_PID=""
check "SIGTERM: STOPPING=1" "$(tail -n 1 "$T/notes")" "STOPPING=1"
finish
