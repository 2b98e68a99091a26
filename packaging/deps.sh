#!/bin/sh
# Install what rivulet needs to build, test and run its demo, from
# Debian's (or Ubuntu's) own packages.  Uses sudo when not root.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# build
PKGS="build-essential autoconf automake libtool pkg-config"
# libraries, found by configure with pkg-config
PKGS="$PKGS libfcgi-dev libjansson-dev libmsgpack-dev check"
# the browser test (tests/browser): Debian's chromium, and node with npm
# for playwright-core; npm only if none is there (NodeSource's nodejs
# ships its own, which Debian's npm package conflicts with)
PKGS="$PKGS chromium nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
# the front server, clients and tools of the demo, the tests and benches
PKGS="$PKGS lighttpd curl python3 procps valgrind wrk"
# channels across instances: hiredis, and a Redis for the tests
PKGS="$PKGS libhiredis-dev redis-server"
# the fan-out benchmark's baseline (tests/bench/fanout_node.js)
PKGS="$PKGS nodejs"
# man pages: make check lints them (tests/integration/t_man.sh)
PKGS="$PKGS mandoc"
# packages: .deb (tests/packaging/t_deb.sh) and .rpm (t_rpm.sh) builds
PKGS="$PKGS debhelper dpkg-dev fakeroot lintian rpm cpio"
# nginx: t_files_nginx.sh tests file delegation with X-Accel-Redirect
PKGS="$PKGS nginx-light"
# t_upload_apache.sh: Apache streams request bodies (chunked ones with
# no CONTENT_LENGTH), which lighttpd spools
PKGS="$PKGS apache2"
# make fuzz / fuzz-smoke: libFuzzer comes with clang's runtime library
PKGS="$PKGS clang libclang-rt-14-dev"

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
# The packaged lighttpd service would hold port 80; the demo starts its own.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	$SUDO systemctl disable --now lighttpd >/dev/null 2>&1 || true
	$SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
	$SUDO systemctl disable --now apache2 >/dev/null 2>&1 || true
fi
# Nor should a packaged nginx hold port 80: t_files_nginx.sh runs its own.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	$SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
fi
echo "deps.sh: dependencies installed"
