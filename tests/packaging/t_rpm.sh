#!/bin/sh
# The RPMs: packaging/build-rpm.sh builds rivulet, rivulet-libs and
# rivulet-devel with rpmbuild -bb from a `make dist` tarball; each holds
# what it should, and the three unpacked into a temporary root (Debian
# cannot install RPMs for real) make a working rivulet: the template
# module builds against the -devel files with pkg-config, and the
# unpacked runtime serves it and the demo module behind lighttpd.
#
# Not part of `make check` (it builds the tree again); .ci/run runs it
# after make check, from the top of a built tree:
#   tests/packaging/t_rpm.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"
unset LD_LIBRARY_PATH
for tool in rpmbuild rpm rpm2cpio cpio cc pkg-config; do
	command -v $tool >/dev/null 2>&1 ||
	    bail "$tool is required (packaging/deps.sh installs it): not found"
done

"$top_srcdir/packaging/build-rpm.sh" "$T/rpms" >"$T/build.log" 2>&1 ||
    bail "build-rpm.sh failed: $(tail -n 30 "$T/build.log" | tr '\n' ' ')"
V=$(sed -n 's/^#define RV_VERSION_STRING "\(.*\)"/\1/p' "$top_srcdir/framework/rivulet.h")
check "the spec's Version is the release's" \
    "$(sed -n 's/^Version:[[:space:]]*//p' "$top_srcdir/packaging/rpm/rivulet.spec")" "$V"
for p in rivulet rivulet-libs rivulet-devel; do
	ls "$T/rpms/$p-$V-"*.rpm >/dev/null 2>&1 || bail "no $p RPM built"
done
LIBDIR=$(rpm --eval '%{_libdir}')

# listed PACKAGE: the files of its RPM
listed() { rpm -qpl "$T/rpms/$1-$V-"*.rpm 2>/dev/null; }
has() {
	_p=$1
	shift
	_miss=""
	for _f in "$@"; do
		listed "$_p" | grep -qx -- "$_f" || _miss="$_miss $_f"
	done
	check "$_p holds$(printf ' %s' "$@" | head -c 120)..." "$_miss" ""
}
has rivulet /usr/sbin/rivulet /etc/rivulet/rivulet.conf "$LIBDIR/rivulet/demo.so" \
    /usr/lib/systemd/system/rivulet.service /usr/lib/systemd/system/rivulet.socket \
    /usr/share/man/man8/rivulet.8 /usr/share/man/man5/rivulet.conf.5 \
    /usr/share/doc/rivulet/front-servers/lighttpd.conf
has rivulet-libs "$LIBDIR/librivulet.so.0"
has rivulet-devel /usr/include/rivulet.h "$LIBDIR/librivulet.so" \
    "$LIBDIR/pkgconfig/rivulet.pc" /usr/share/man/man3/rv_open.3 \
    /usr/share/doc/rivulet/sdk/hello.c
check "no .la files packaged" "$(for p in rivulet rivulet-libs rivulet-devel; do listed $p; done | grep '\.la$')" ""
check "the only config file is rivulet.conf, %config(noreplace)" \
    "$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$T/rpms/rivulet-$V-"*.rpm 2>/dev/null |
    grep -E ' [a-z]*c[a-z]*$')" "/etc/rivulet/rivulet.conf cn"
check_re "rivulet requires its library" \
    "$(rpm -qp --requires "$T/rpms/rivulet-$V-"*.rpm 2>/dev/null | tr '\n' ' ')" \
    "librivulet\.so\.0.* rivulet-libs"

# Unpack the three into $T/root, as an installation would lay them out.
R="$T/root"
mkdir -p "$R"
for f in "$T/rpms/"*.rpm; do
	(cd "$R" && rpm2cpio "$f" | cpio -idm --quiet) ||
	    nok "cannot unpack $f"
done
check_re "the unit runs the packaged runtime on fd 3" \
    "$(sed -n 's/^ExecStart=//p' "$R/usr/lib/systemd/system/rivulet.service")" \
    "^/usr/sbin/rivulet -c /etc/rivulet/rivulet.conf -l fd:3$"

# The template against the -devel files, by pkg-config alone.
PKG_CONFIG_PATH="$R$LIBDIR/pkgconfig"
PKG_CONFIG_SYSROOT_DIR="$R"
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
mkdir -p "$T/sdk"
cp "$R/usr/share/doc/rivulet/sdk/hello.c" "$R/usr/share/doc/rivulet/sdk/Makefile" "$T/sdk/"
make -s --no-print-directory -C "$T/sdk" >"$T/sdk.log" 2>&1
check "the SDK template builds against rivulet-devel ($(tr '\n' ' ' <"$T/sdk.log"))" "$?" 0

# The unpacked runtime, library and modules, behind lighttpd.
export LD_LIBRARY_PATH="$R$LIBDIR"
RIVULET="$R/usr/sbin/rivulet"
check_re "the packaged runtime looks for modules in $LIBDIR/rivulet" \
    "$(printf 'module = none.so\n' >"$T/none.conf"; "$RIVULET" -t -c "$T/none.conf" 2>&1)" \
    "$LIBDIR/rivulet/none\.so"
DEMO_SO=demo.so
start_rivulet "module_dir = $R$LIBDIR/rivulet" "module = $T/sdk/hello.so"
check_re "it runs on the packaged library" \
    "$(grep -m 1 librivulet "/proc/$RIV_PID/maps")" "$R$LIBDIR/librivulet\.so"
start_lighttpd
get sse "/api/json_stream" -H 'Accept: text/event-stream'
check "SSE from the packaged demo module: 200, ten events" \
    "$(code sse) $(decode sse "$T/sse" | py 'import json, sys; print(len(json.load(sys.stdin)))')" "200 10"
check "the SDK template, served" "$(fetch '/hello?n=1' | tr -d '\n')" '{"hello":"world","i":0}'
finish
