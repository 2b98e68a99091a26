#!/bin/sh
# The browser client (framework/js/rivulet.js) and the demo page in
# headless Chromium: Debian's /usr/bin/chromium driven by playwright-core
# from npm (pinned in package-lock.json, installed with `npm ci` into
# the test's temp dir), never a downloaded browser.  lighttpd serves the
# page and rivulet.js at /rivulet/ and the demo streams behind it; the
# page must render live items of SSE and NDJSON streams, resume an SSE
# stream with Last-Event-ID, and show errors; a screenshot of it is left
# in tests/browser/demo.png of the build tree.  A missing chromium, node
# or npm is a failure, not a skip.
. "$(dirname "$0")/../integration/lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
TB="$top_srcdir/tests/browser"
SHOT="$top_builddir/tests/browser/demo.png"
# tally FILE: a node script's "ok - " / "not ok - " lines, counted
tally() {
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }";;
		"not ok - "*) nok "${line#not ok - }";;
		*) echo "# $line";;
		esac
	done <"$1"
}

for tool in node npm "$CHROMIUM"; do
	command -v "$tool" >/dev/null 2>&1 ||
	    bail "$tool is required (packaging/deps.sh installs it): not found"
done

# The decoders alone under node: any split of the bytes, same items.
timeout 60 node "$TB/decoders.mjs" "$top_srcdir/framework/js/rivulet.js" \
    >"$T/decoders.out" 2>&1
drc=$?
tally "$T/decoders.out"
check "decoders.mjs: exit 0" "$drc" 0

# playwright-core, exactly as locked; the npm cache makes it quick.
mkdir "$T/node" &&
    cp "$TB/package.json" "$TB/package-lock.json" "$TB/drive.mjs" "$T/node/" ||
    bail "cannot copy the driver"
(cd "$T/node" && timeout 300 npm ci --no-audit --no-fund --prefer-offline \
    --loglevel=error) >"$T/npm.log" 2>&1 ||
    bail "npm ci failed: $(tail -n 5 "$T/npm.log" | tr '\n' ' ')"
ok "npm ci: playwright-core $(sed -n 's/.*"version": "\(.*\)".*/\1/p' \
    "$T/node/node_modules/playwright-core/package.json" | head -n 1)"

start_rivulet
start_lighttpd
mkdir -p "$T/www/rivulet" "$(dirname "$SHOT")" &&
    cp "$top_srcdir/framework/js/rivulet.js" \
    "$top_srcdir/handlers/demo/www/demo.html" "$T/www/rivulet/" ||
    bail "cannot set up the document root"
check "rivulet.js is served as JavaScript" \
    "$("$CURL" -s -o /dev/null -w '%{http_code} %{content_type}' "$U/rivulet/rivulet.js")" \
    "200 text/javascript; charset=utf-8"

rm -f "$SHOT"
CHROMIUM="$CHROMIUM" timeout 150 node "$T/node/drive.mjs" "$U" "$SHOT" \
    >"$T/drive.out" 2>&1
drc=$?
tally "$T/drive.out"
check "drive.mjs: exit 0" "$drc" 0
if [ -s "$SHOT" ] && [ "$(head -c 4 "$SHOT" | od -An -c | tr -d ' ')" = '211PNG' ]; then
	ok "screenshot in $SHOT"
else
	nok "no screenshot in $SHOT"
fi
finish
