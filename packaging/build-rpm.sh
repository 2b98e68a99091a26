#!/bin/sh
# build-rpm.sh OUTDIR [TARBALL]: build rivulet's RPMs (rivulet,
# rivulet-libs, rivulet-devel) with rpmbuild -bb from the release
# tarball, and leave them in OUTDIR.
#
# Without TARBALL, one is made first with `make dist` in a temporary
# copy of this tree (autogen, configure), so that the tree is left as
# it is.  On Debian, rpmbuild runs with --nodeps: Debian's rpm database
# is empty and knows none of the BuildRequires (the Debian packages of
# packaging/deps.sh stand in for them), and without debuginfo packages
# (Debian has no find-debuginfo).  Elsewhere the spec builds as is.
set -eu
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 OUTDIR [TARBALL]" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/rivulet-rpm.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/SOURCES" "$W/BUILD" "$W/RPMS" "$W/SRPMS" "$W/SPECS" "$W/tree"

if [ $# -eq 2 ]; then
	cp "$2" "$W/SOURCES/"
else
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$TOP" ls-files --cached --others --exclude-standard |
		    while IFS= read -r f; do [ -e "$TOP/$f" ] && printf '%s\n' "$f"; done |
		    (cd "$TOP" && tar -cf - -T -) | (cd "$W/tree" && tar -xf -)
	else
		(cd "$TOP" && tar -cf - .) | (cd "$W/tree" && tar -xf -)
	fi
	echo "build-rpm.sh: making the tarball (make dist)"
	(cd "$W/tree" && ./autogen.sh && ./configure && make dist) \
	    >"$W/dist.log" 2>&1 || { tail -n 30 "$W/dist.log" >&2; exit 1; }
	cp "$W/tree"/rivulet-*.tar.gz "$W/SOURCES/"
fi
cp "$TOP/packaging/rpm/rivulet.spec" "$W/SPECS/"

NODEPS=""
[ -r /etc/debian_version ] && NODEPS="--nodeps"
# shellcheck disable=SC2086
rpmbuild -bb $NODEPS \
    --define "_topdir $W" \
    --define "debug_package %{nil}" \
    "$W/SPECS/rivulet.spec"
find "$W/RPMS" -name '*.rpm' -exec cp {} "$OUT/" \;
ls "$OUT"/*.rpm >/dev/null 2>&1 || { echo "build-rpm.sh: no .rpm made" >&2; exit 1; }
echo "build-rpm.sh: packages in $OUT:"
ls -1 "$OUT"/*.rpm
