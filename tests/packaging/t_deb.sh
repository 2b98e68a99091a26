#!/bin/sh
# The Debian packages, end to end: build rivulet, librivulet0 and
# librivulet-dev with packaging/build-deb.sh, check them with lintian
# (no errors; warnings are listed), install them with dpkg, check what
# they put where, build the SDK template against librivulet-dev, serve
# the installed demo module with the installed runtime behind lighttpd
# and read an SSE stream from it, then purge the packages and check
# that nothing is left.
#
# Not part of `make check`: it builds the whole tree again and needs
# root (or sudo) for dpkg.  .ci/run runs it after make check, from the
# top of a built tree (lib.sh wants the built tree's tools):
#   tests/packaging/t_deb.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"
# Everything below runs what the packages installed, not the build tree.
unset LD_LIBRARY_PATH
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
for tool in dpkg-buildpackage lintian dpkg apt-get cc pkg-config; do
	command -v $tool >/dev/null 2>&1 ||
	    bail "$tool is required (packaging/deps.sh installs it): not found"
done
PKGS="rivulet librivulet-dev librivulet0"

purge() {
	# shellcheck disable=SC2086
	$SUDO dpkg --purge $PKGS >"$T/purge.log" 2>&1
}
# Purge on any exit, then lib.sh's cleanup (stops what we started).
trap 'stop_all; purge; cleanup' EXIT
stop_all() { for p in $PIDS; do stop_pid "$p"; done; }

# Build and lint.
"$top_srcdir/packaging/build-deb.sh" "$T/debs" >"$T/build.log" 2>&1 ||
    bail "build-deb.sh failed: $(tail -n 30 "$T/build.log" | tr '\n' ' ')"
for p in $PKGS; do
	ls "$T/debs/${p}_"*.deb >/dev/null 2>&1 || bail "no $p package built"
done
lintian --fail-on error "$T/debs"/*.changes >"$T/lintian.log" 2>&1
check "lintian: no errors ($(grep -c '^E:' "$T/lintian.log") E:)" "$?" 0
grep -E '^[EW]:' "$T/lintian.log" | sed 's/^/# lintian: /'
echo "# lintian: $(grep -c '^W:' "$T/lintian.log") warnings, $(grep -c '^I:' "$T/lintian.log") infos"

# Install, with apt-get pulling in what dpkg could not.
debs=$(for p in $PKGS; do ls "$T/debs/${p}_"*.deb; done)
# shellcheck disable=SC2086
if ! $SUDO dpkg -i $debs >"$T/dpkg.log" 2>&1; then
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq \
	    >>"$T/dpkg.log" 2>&1
fi
for p in $PKGS; do
	check "$p is installed" "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" \
	    "install ok installed"
done

# What went where.
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
missing=""
for f in /usr/sbin/rivulet /etc/rivulet/rivulet.conf \
    /usr/lib/$MA/librivulet.so.0 /usr/lib/$MA/rivulet/demo.so \
    /usr/include/rivulet.h /usr/lib/$MA/pkgconfig/rivulet.pc \
    /usr/share/man/man8/rivulet.8.gz /usr/share/man/man5/rivulet.conf.5.gz \
    /usr/share/man/man3/rv_open.3.gz /usr/share/doc/rivulet/front-servers/lighttpd.conf \
    /usr/share/doc/librivulet-dev/sdk/hello.c \
    /lib/systemd/system/rivulet.service /lib/systemd/system/rivulet.socket; do
	[ -e "$f" ] || missing="$missing $f"
done
check "the packages install runtime, library, module, header, .pc, man pages, units" "$missing" ""
check "no .la files installed" "$(dpkg -L $PKGS | grep '\.la$')" ""
check "the conffile is registered" \
    "$(dpkg-query -W -f='${Conffiles}' rivulet | awk '{ print $1 }' | tr -d '\n')" \
    "/etc/rivulet/rivulet.conf"
check_re "rivulet runs against the packaged library" \
    "$(ldd /usr/sbin/rivulet | grep librivulet)" "=> (/usr)?/lib/$MA/librivulet\.so\.0 "
check_re "rivulet -v" "$(/usr/sbin/rivulet -v)" "^rivulet [0-9]"
check_re "the packaged config loads the packaged demo module" \
    "$(/usr/sbin/rivulet -t 2>&1)" "^/etc/rivulet/rivulet.conf: ok$"
check "ExecStart names the packaged paths" \
    "$(sed -n 's/^ExecStart=//p' /lib/systemd/system/rivulet.service)" \
    "/usr/sbin/rivulet -c /etc/rivulet/rivulet.conf -l fd:3"

# The SDK template against librivulet-dev, as a handler author would.
mkdir -p "$T/sdk"
cp /usr/share/doc/librivulet-dev/sdk/hello.c /usr/share/doc/librivulet-dev/sdk/Makefile "$T/sdk/"
(cd "$T/sdk" && env -u PKG_CONFIG_PATH make -s --no-print-directory) >"$T/sdk.log" 2>&1
check "the SDK template builds against librivulet-dev ($(tr '\n' ' ' <"$T/sdk.log"))" "$?" 0

# Served: the packaged runtime (no build-tree library), the packaged
# demo module by its relative name, and the template, behind lighttpd.
RIVULET=/usr/sbin/rivulet
DEMO_SO=demo.so
start_rivulet "module = $T/sdk/hello.so"
start_lighttpd
get sse "/api/json_stream" -H 'Accept: text/event-stream'
check "SSE from the installed demo module: 200" "$(code sse)" 200
check "SSE: text/event-stream" "$(hdr sse Content-Type)" "text/event-stream; charset=utf-8"
check "SSE: ten dogs, in order" "$(decode sse "$T/sse" | py '
import json, sys
e = json.load(sys.stdin)
print(len(e), [x["data"]["name"] for x in e] == ["Dog %d" % i for i in range(10)])')" "10 True"
check_ge "SSE: streamed, 500 ms apart (~4.5 s)" "$(took sse)" 4
check "the SDK template, served by the packaged runtime" \
    "$(fetch '/hello?n=2' | tr -d '\n')" '{"hello":"world","i":0}{"hello":"world","i":1}'
kill -TERM "$RIV_PID"
wait "$RIV_PID"
check "the packaged rivulet stops cleanly on SIGTERM" "$?" 0
RIV_PID=""
stop_all

# Purge: nothing of the packages is left.
purge
check "dpkg --purge: exit 0" "$?" 0
left=""
for f in /usr/sbin/rivulet /etc/rivulet /usr/lib/$MA/librivulet.so.0 \
    /usr/lib/$MA/rivulet /usr/include/rivulet.h /lib/systemd/system/rivulet.service; do
	[ -e "$f" ] && left="$left $f"
done
check "purged: nothing left" "$left" ""
for p in $PKGS; do
	check_not_re "$p is gone" "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" \
	    "ok installed|config-files"
done
finish
