#!/bin/sh
# The man pages: mandoc -Tlint finds nothing to say (at style level and
# above, except references to pages this machine does not have), every
# config key that conffile.c accepts is in rivulet.conf(5), every public
# function of rivulet.h is on a page, and the C of every EXAMPLES
# section compiles against the built header and library as an author
# would build it (cc's default C dialect, -Wall -Wextra -Werror); an
# example with a main() is run too, and must exit 0.  In a sanitizer
# build (SAN_CFLAGS) the examples are built with the same flags, as a
# program linked with an ASan library must be.
. "$(dirname "$0")/lib.sh"
MANDOC=${MANDOC:-mandoc}
command -v "$MANDOC" >/dev/null 2>&1 ||
    bail "mandoc is required (packaging/deps.sh installs it): not found"
command -v cc >/dev/null 2>&1 || bail "cc is required: not found"
M="$top_srcdir/framework/man"
LIBS="$top_builddir/framework/lib/.libs"
set -- "$M"/*.[1358]
[ -f "$1" ] || bail "no man pages in $M"

for page in "$@"; do
	name=${page##*/}
	# "referenced manual not found" depends on what this machine has
	# installed, so it is left out; everything else counts.
	out=$("$MANDOC" -Tlint -W style "$page" 2>&1 |
	    grep -v -e 'referenced manual not found' -e 'outdated mandoc.db')
	check "mandoc -Tlint $name: clean" "$out" ""
	secs="NAME DESCRIPTION EXAMPLES"
	case $name in
	*.3) secs="$secs SYNOPSIS RETURN_VALUES";;
	*.8) secs="$secs SYNOPSIS";;
	esac
	for sec in $secs SEE_ALSO; do
		sec=$(echo "$sec" | tr _ ' ')
		grep -q "^\.Sh $sec\$" "$page" || nok "$name: no $sec section"
	done
done

# Every key of conffile.c's table, as an entry of rivulet.conf(5).
keys=$(sed -n 's/^[[:space:]]*{ "\([a-z_]*\)",.*K_.*/\1/p' \
    "$top_srcdir/framework/runtime/conffile.c")
[ -n "$keys" ] || nok "no keys found in conffile.c (has its table changed?)"
missing=""
for k in $keys; do
	grep -q "^\.It Cm $k No = " "$M/rivulet.conf.5" || missing="$missing $k"
done
check "rivulet.conf(5) documents every key of conffile.c" "$missing" ""

# Every RV_API function of rivulet.h, named by some page's .Nm.
fns=$(sed -n 's/.*[ *]\(rv_[a-z_0-9]*\)(.*/\1/p' "$top_srcdir/framework/rivulet.h" |
    sort -u)
missing=""
for f in $fns; do
	grep -q "^\.Nm $f\( ,\)\{0,1\}\$" "$M"/*.3 || missing="$missing $f"
done
check "every public function is on a section 3 page" "$missing" ""

# The EXAMPLES' C: each .Bd -literal block with #include <rivulet.h>,
# with mdoc's escapes undone (\e is a backslash, \& nothing).
mkdir -p "$T/ex"
for page in "$M"/*.3; do
	name=${page##*/}
	awk -v dir="$T/ex" -v base="${name%.3}" '
	    /^\.Sh / { inex = ($0 == ".Sh EXAMPLES") }
	    inex && /^\.Bd -literal/ { n++; f = dir "/" base "-" n ".c"; inblk = 1; next }
	    inblk && /^\.Ed/ { inblk = 0; close(f); next }
	    inblk { gsub(/\\&/, ""); gsub(/\\e/, "\\"); print > f }
	' "$page"
	found=0
	for c in "$T/ex/${name%.3}"-*.c; do
		[ -f "$c" ] && grep -q '#include <rivulet.h>' "$c" || continue
		found=1
		ex=${c##*/}
		if grep -q '^main(' "$c"; then
			cc -Wall -Wextra -Werror ${SAN_CFLAGS:-} \
			    -I"$top_srcdir/framework" -o "${c%.c}" "$c" -L"$LIBS" -lrivulet -ljansson \
			    2>"$c.log"
			check "$name: $ex compiles (a program)" "$?" 0
			"${c%.c}" >"$c.out" 2>&1
			check "$name: $ex runs, exit 0 ($(head -c 300 "$c.out" | tr '\n' ' '))" "$?" 0
		else
			cc -Wall -Wextra -Werror ${SAN_CFLAGS:-} \
			    -I"$top_srcdir/framework" -shared -fPIC -o "${c%.c}.so" "$c" -L"$LIBS" -lrivulet \
			    2>"$c.log"
			check "$name: $ex compiles (a module)" "$?" 0
		fi
		[ -s "$c.log" ] && sed 's/^/# /' "$c.log" | head -n 20
	done
	check "$name: EXAMPLES has C that includes rivulet.h" "$found" 1
done
summary
[ "$FAIL" -eq 0 ]
