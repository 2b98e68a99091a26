#!/bin/sh
# max_requests: a worker that served its share drains and is replaced,
# not counted as a crash, and no request fails across the changes.
. "$(dirname "$0")/lib.sh"
start_rivulet "workers = 2" "max_requests = 5"
start_lighttpd
: >"$T/codes"
i=0
while [ $i -lt 40 ]; do
	fetch /data-stream?count=1 -o /dev/null -w '%{http_code}\n' >>"$T/codes"
	i=$((i + 1))
done
check "40 requests across recycled workers: all 200" \
    "$(wc -l <"$T/codes" | tr -d ' ') $(grep -vc '^200$' "$T/codes")" "40 0"
check_ge "workers were recycled after 5 requests each" \
    "$(grep -c 'recycled: a new one now' "$T/rivulet.log")" 4
check "and none was taken for a crash" "$(grep -c 'killed by signal\|exited with status' "$T/rivulet.log")" 0
i=0
while [ "$(pgrep -P "$RIV_PID" | wc -l)" -lt 2 ] && [ $i -lt 60 ]; do sleep 0.1; i=$((i + 1)); done
n=$(pgrep -P "$RIV_PID" | wc -l | tr -d ' ')
check "two workers again" "$n" 2
[ "$n" = 2 ] || tail -n 30 "$T/rivulet.log" | sed 's/^/# /'
finish
