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

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
# The packaged lighttpd service would hold port 80; the demo starts its own.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	$SUDO systemctl disable --now lighttpd >/dev/null 2>&1 || true
fi
echo "deps.sh: dependencies installed"
