#!/bin/sh
# build-deb.sh OUTDIR: build rivulet's Debian packages (rivulet,
# librivulet0, librivulet-dev) from this tree and leave the .debs, the
# .buildinfo and the .changes in OUTDIR.
#
# Works on a temporary copy of the tree (the files git knows, or all of
# them outside a git checkout), where packaging/debian becomes ./debian,
# and runs `dpkg-buildpackage -us -uc -b` there; this tree is left as
# it is.  Needs the Build-Depends of packaging/debian/control
# (packaging/deps.sh installs them).  DEB_BUILD_OPTIONS is passed on
# (parallel=2, say).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/rivulet-deb.XXXXXX")
trap 'rm -rf "$W"' EXIT
SRC="$W/rivulet"
mkdir "$SRC"

if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked and new (not ignored) files, as they are now; no build
	# products, none deleted.
	git -C "$TOP" ls-files --cached --others --exclude-standard |
	    while IFS= read -r f; do [ -e "$TOP/$f" ] && printf '%s\n' "$f"; done |
	    (cd "$TOP" && tar -cf - -T -) | (cd "$SRC" && tar -xf -)
else
	(cd "$TOP" && tar -cf - --exclude=./debian .) | (cd "$SRC" && tar -xf -)
fi
rm -rf "$SRC/debian"
cp -R "$TOP/packaging/debian" "$SRC/debian"

echo "build-deb.sh: building in $SRC"
(cd "$SRC" && dpkg-buildpackage -us -uc -b)
for f in "$W"/*.deb "$W"/*.buildinfo "$W"/*.changes; do
	[ -e "$f" ] && cp "$f" "$OUT/"
done
ls "$OUT"/*.deb >/dev/null 2>&1 || { echo "build-deb.sh: no .deb made" >&2; exit 1; }
echo "build-deb.sh: packages in $OUT:"
ls -1 "$OUT"/*.deb
