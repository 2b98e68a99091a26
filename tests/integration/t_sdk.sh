#!/bin/sh
# The installed tree and the handler SDK: `make install DESTDIR=$T/root`
# lays out what packagers expect (sbin, a versioned librivulet that
# exports rv_ symbols only, the header, rivulet.pc, modules in
# $libdir/rivulet, the config, front-server snippets, systemd units
# with real paths, man pages); the shipped template module builds
# against that tree with nothing but pkg-config, and the installed
# rivulet serves it, and the installed demo module, behind lighttpd.
. "$(dirname "$0")/lib.sh"
for tool in cc make pkg-config nm readelf; do
	command -v $tool >/dev/null 2>&1 || bail "$tool is required: not found"
done
R="$T/root"

make -s -C "$top_builddir" install DESTDIR="$R" >"$T/install.log" 2>&1 ||
    bail "make install DESTDIR=$R failed: $(tail -n 20 "$T/install.log" | tr '\n' ' ')"
pc=$(find "$R" -name rivulet.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || bail "no rivulet.pc installed"

# pkg-config looks in the DESTDIR tree, and prefixes its paths with it.
PKG_CONFIG_PATH=${pc%/*}
PKG_CONFIG_SYSROOT_DIR=$R
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
libdir=$(pkg-config --variable=libdir rivulet)
incdir=$(pkg-config --variable=includedir rivulet)
moddir=$(pkg-config --variable=moduledir rivulet)
prefix=$(pkg-config --variable=prefix rivulet)
check "rivulet.pc: moduledir is \$libdir/rivulet" "$moddir" "$libdir/rivulet"
check "rivulet.pc: version is the package's" \
    "$(pkg-config --modversion rivulet)" \
    "$(sed -n 's/^#define RV_VERSION_STRING "\(.*\)"/\1/p' "$top_srcdir/framework/rivulet.h")"

# The layout.
sbin=$(find "$R" -path '*/sbin/rivulet' -type f | head -n 1)
etc=$(find "$R" -path '*/rivulet/rivulet.conf' -type f | head -n 1)
doc=$(find "$R" -path '*/doc/rivulet' -type d | head -n 1)
man=$(find "$R" -path '*/man/man8' -type d | head -n 1)
man=${man%/man8}
units=$(find "$R" -path '*/systemd/system' -type d | head -n 1)
missing=""
for f in "$sbin" "$etc" "$incdir/rivulet.h" "$libdir/librivulet.so" \
    "$moddir/demo.so" "$doc/front-servers/lighttpd.conf" \
    "$doc/front-servers/apache.conf" "$doc/front-servers/nginx.conf" \
    "$doc/sdk/hello.c" "$doc/sdk/Makefile" "$man/man8/rivulet.8" \
    "$man/man5/rivulet.conf.5" "$man/man3/rv_open.3" \
    "$man/man3/rv_test_run.3" "$units/rivulet.service" \
    "$units/rivulet.socket"; do
	[ -n "$f" ] && [ -e "$f" ] || missing="$missing ${f:-(not found)}"
done
check "installed: runtime, library, header, modules, config, docs, units, man pages" "$missing" ""
check "man rv_kstr: a .so link to rv_map_open(3)" \
    "$(cat "$man/man3/rv_kstr.3" 2>&1)" ".so man3/rv_map_open.3"
check "the runtime is in sbin" "${sbin%/*}" "$prefix/sbin"
check "the config is in sysconfdir/rivulet" "$etc" "$prefix/etc/rivulet/rivulet.conf"

# librivulet: versioned by libtool, rv_ symbols only.
so=$(readelf -d "$libdir/librivulet.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "librivulet's SONAME is versioned" "$so" "librivulet.so.0"
check "librivulet.so.0 is installed" "$([ -e "$libdir/$so" ] && echo yes)" yes
# (__odr_asan.* are ASan's own, in a sanitizer build: not ours.)
others=$(nm -D --defined-only "$libdir/librivulet.so" | awk '{ print $3 }' |
    grep -v -e '^rv_' -e '^__odr_asan\.' | tr '\n' ' ')
check "librivulet exports rv_ symbols only" "$others" ""
check_ge "librivulet exports the API" \
    "$(nm -D --defined-only "$libdir/librivulet.so" | grep -c ' T rv_')" 80
check "demo.so exports only its descriptor" \
    "$(nm -D --defined-only "$moddir/demo.so" | awk '{ print $3 }' |
    grep -v '^__odr_asan\.' | tr '\n' ' ')" \
    "rivulet_module "

# The units name the installed paths (without the DESTDIR).
out=$(grep -h '@[a-zA-Z_]*@' "$units/rivulet.service" "$units/rivulet.socket")
check "systemd units: every @var@ substituted" "$out" ""
check_re "rivulet.service runs the installed rivulet on the socket unit's fd 3" \
    "$(grep '^ExecStart=' "$units/rivulet.service")" \
    "^ExecStart=${sbin#$R} -c ${etc#$R} -l fd:3\$"
check "rivulet.socket listens where rivulet.conf says" \
    "$(sed -n 's/^ListenStream=//p' "$units/rivulet.socket")" \
    "$(sed -n 's/^listen = unix://p' "$etc")"

# The runtime's own module directory is the installed one.
export LD_LIBRARY_PATH="$libdir"
printf 'module = no-such-module.so\n' >"$T/dir.conf"
check_re "the runtime looks for modules in \$libdir/rivulet" \
    "$("$sbin" -t -c "$T/dir.conf" 2>&1)" "${moddir#$R}/no-such-module\.so"

# The SDK: the shipped template, built out of the tree as the README
# says, first by hand, then with its Makefile.
mkdir -p "$T/sdk"
cp "$doc/sdk/hello.c" "$doc/sdk/Makefile" "$T/sdk/"
(cd "$T/sdk" &&
    cc -shared -fPIC -Wall -Wextra -Werror -o hand.so hello.c \
    $(pkg-config --cflags --libs rivulet)) >"$T/cc.log" 2>&1
check "the template builds with cc -shared -fPIC \$(pkg-config --cflags --libs rivulet) ($(tr '\n' ' ' <"$T/cc.log"))" \
    "$?" 0
make -s --no-print-directory -C "$T/sdk" >"$T/make.log" 2>&1 && make -s --no-print-directory -C "$T/sdk" install >>"$T/make.log" 2>&1
check "the template builds and installs with its Makefile ($(tr '\n' ' ' <"$T/make.log"))" "$?" 0
check "make install put hello.so in the module directory" \
    "$([ -f "$moddir/hello.so" ] && echo yes)" yes

# Served by the installed runtime started the way rivulet.service
# starts it under rivulet.socket (the socket on fd 3, LISTEN_FDS set,
# "-l fd:3"), relative module names looked up in module_dir (here the
# DESTDIR's), the installed library, lighttpd in front.
printf 'module_dir = %s\nmodule = demo.so\nmodule = hello.so\n' "$moddir" \
    >"$T/rivulet.conf"
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(128)
if s.fileno() != 3:		# as systemd passes it: fd 3, inheritable
	os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[2], sys.argv[2:])' "$T/riv.sock" "$sbin" \
    -c "$T/rivulet.conf" -l fd:3 2>"$T/rivulet.log" &
RIV_PID=$!
track "$RIV_PID"
wait_log 'serving fd:3' 5 >/dev/null ||
    bail "rivulet -l fd:3 did not start: $(tr '\n' ' ' <"$T/rivulet.log")"
check_re "the installed rivulet uses the installed librivulet" \
    "$(grep -m 1 'librivulet' "/proc/$RIV_PID/maps")" "$libdir/librivulet\.so"
start_lighttpd

get hello "/hello?n=3&name=sdk"
check "GET /hello?n=3: 200" "$(code hello)" 200
check "GET /hello?n=3: NDJSON by default" "$(hdr hello Content-Type)" "application/x-ndjson"
check "GET /hello?n=3: three greetings" "$(decode ndjson "$T/hello")" \
    '[{"hello": "sdk", "i": 0}, {"hello": "sdk", "i": 1}, {"hello": "sdk", "i": 2}]'
get hsse "/hello?n=2" -H 'Accept: text/event-stream'
check "GET /hello as SSE: two events" "$(decode sse "$T/hsse")" \
    '[{"data": {"hello": "world", "i": 0}}, {"data": {"hello": "world", "i": 1}}]'
check "GET /hello?n=lots: 400" "$(status '/hello?n=lots')" 400
get demo "/api/json_stream" -m 30
check "the installed demo module serves /api/json_stream" "$(code demo) $(wc -l <"$T/demo" | tr -d ' ')" "200 10"
finish
