#!/bin/bash
# Usage: tests/host/editor.sh APPLIANCE STORECTL BROWSER_NODE_MODULES EDIT_DIST
# The browser editor (issue 12) in real Chromium against the host twin:
# a store with a small site (site/index.html, site/css/site.css,
# zones/example.org.zone), the push password, and the editor EDIT_DIST
# (what `node edit/build.mjs EDIT_DIST` wrote) installed with `storectl
# editor`; the twin in a network namespace of the test's own, and in it
# tests/browser/editor.mjs, which drives Debian's chromium with
# playwright-core (from BROWSER_NODE_MODULES, which `npm ci` of
# tests/browser/package-lock.json made under build/) and runs git for the
# command-line parts. Its checks are this suite's. ONLY=TEXT in the
# environment runs only the browser tests whose name contains TEXT.
#
# Chromium trusts the twin's own key and no other
# (--ignore-certificate-errors-spki-list), so /edit/ is a secure origin
# and its service worker registers. Screenshots of the editor go to
# $SHOTS (default build/test/editor). Once the twin has stopped,
# `storectl fsck` passes on the store the browsers pushed to.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/host/netns.sh
. tests/browser/suite.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
STORECTL=$(realpath "${2:-build/host/storectl}")
MODULES=$(realpath -m "${3:-build/browser/node_modules}")
DIST=$(realpath -m "${4:-build/edit/dist}")
SHOTS=$(realpath -m "${SHOTS:-build/test/editor}")
IP=192.0.2.2

need_root
for need in "$MODULES/playwright-core" "$DIST/index.html" "$DIST/app.js" "$DIST/sw.js" "$CHROMIUM"; do
	if [ ! -e "$need" ]; then
		fail "$need is missing (npm ci of tests/browser, node edit/build.mjs, apt-get install chromium)"
		done_tests
		exit 1
	fi
done
check "namespace with tap0" netns_setup || { done_tests; exit 1; }

tree=$WORK/tree
mkdir -p "$tree/site/css" "$tree/zones" "$WORK/editor"
printf '<!doctype html>\n<link rel="stylesheet" href="css/site.css">\n<h1>A small site</h1>\n<p>Seeded by the test.</p>\n' \
	>"$tree/site/index.html"
printf 'h1 { color: teal }\n' >"$tree/site/css/site.css"
cp tests/host/dns/example.org.zone "$tree/zones/example.org.zone"
# storectl editor takes a tree whose edit/ the twin serves at /edit/.
cp -r "$DIST" "$WORK/editor/edit"
"$STORECTL" init "$WORK/store.img" 64M >/dev/null
"$STORECTL" import "$WORK/store.img" "$tree" -m "the seeded site" >/dev/null
quiet() { "$@" >/dev/null; }
check "storectl editor installs the editor" quiet "$STORECTL" editor "$WORK/store.img" "$WORK/editor" -m editor
PASSWORD=editor-$$-$RANDOM$RANDOM
echo "$PASSWORD" >"$WORK/pass"
"$STORECTL" passwd "$WORK/store.img" "$WORK/pass" >/dev/null

printf 'hostname=twin\nip=%s/24\n' "$IP" >"$WORK/twin.conf"
twin_up "$WORK/twin.log" "$WORK/twin.conf" 02:00:00:00:00:0f --disk "$WORK/store.img"
browser_suite "$IP" "$PASSWORD" "$MODULES" "$SHOTS" "${ONLY:-}"
check "screenshots of the editor, a preview and the conflict view" \
	[ -s "$SHOTS/editor.png" -a -s "$SHOTS/preview.png" -a -s "$SHOTS/conflict.png" ]

twin_stop
check "exits cleanly" [ $? = 0 ]
check "no sanitizer report" not grep -q 'ERROR: AddressSanitizer\|runtime error' "$WORK/twin.log"
check "storectl fsck on the store after the browsers' pushes" quiet "$STORECTL" fsck "$WORK/store.img"
done_tests
