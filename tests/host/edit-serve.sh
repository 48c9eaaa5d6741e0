#!/bin/bash
# Usage: tests/host/edit-serve.sh APPLIANCE STORECTL
# How the twin serves the browser editor's files (net/http_site.c): from
# refs/appliance/editor (storectl editor), at /edit/ on a port of its own
# (8443, HTTPS: an origin the site's scripts cannot reach; the site's
# ports answer /edit/ with a redirect there, and the editor's port serves
# nothing of the site but /site.git), with
# a Content-Security-Policy that lets the page load from the board alone,
# ETag and no-cache (a service worker revalidates), gzip when asked; a
# push cannot reach them (the ref is refused, and a site/edit/ directory
# pushed to main does not shadow them); a store without the editor says
# so. The page itself is tested in Chromium by tests/host/editor.sh.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
STORECTL=$(realpath "${2:-build/host/storectl}")
IP=192.0.2.2
PASSWORD=edit-serve-password
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.org GIT_SSL_NO_VERIFY=1 GIT_TERMINAL_PROMPT=0

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }

mkdir -p "$WORK/tree/site" "$WORK/stage/edit/lib"
printf '<h1>site</h1>\n' >"$WORK/tree/site/index.html"
printf '<!doctype html><title>editor</title><script src="app.js"></script>\n' >"$WORK/stage/edit/index.html"
head -c 20000 /dev/zero | tr '\0' 'x' >"$WORK/stage/edit/app.js"
gzip -9 -n -k "$WORK/stage/edit/app.js"
printf 'self.addEventListener("fetch", () => {});\n' >"$WORK/stage/edit/lib/sw.js"
"$STORECTL" init "$WORK/store.img" 16M >/dev/null
"$STORECTL" import "$WORK/store.img" "$WORK/tree" >/dev/null
check "storectl editor puts the files in refs/appliance/editor" \
	"$STORECTL" editor "$WORK/store.img" "$WORK/stage" -m "editor 1"
check "  ... and main is untouched" \
	bash -c "'$STORECTL' cat '$WORK/store.img' refs/heads/main site/index.html | grep -q site"
printf '%s\n' "$PASSWORD" >"$WORK/password"
"$STORECTL" passwd "$WORK/store.img" "$WORK/password" >/dev/null
printf 'hostname=twin\nip=%s/24\n' "$IP" >"$WORK/twin.conf"
twin_up "$WORK/twin.log" "$WORK/twin.conf" 02:00:00:00:00:0e --disk "$WORK/store.img"

c() { in_ns curl -sk --max-time 10 "$@"; }
head_of() { c -o /dev/null -D - "$@" | tr -d '\r'; }
E=https://$IP:8443
h=$(head_of "$E/edit/")
check "GET /edit/ on the editor's port (8443): the editor's index.html" \
	bash -c "[ \"\$(ip netns exec $NS curl -sk $E/edit/)\" = \"\$(cat '$WORK/stage/edit/index.html')\" ]"
check "  ... with a policy that loads from the board only" \
	grep -q "^Content-Security-Policy: default-src 'self'; .*object-src 'none'.*frame-ancestors 'self'" <<<"$h"
check "  ... no-cache and an ETag (revalidated, works offline through the service worker)" \
	bash -c 'grep -q "^Cache-Control: no-cache" <<<"$1" && grep -q "^ETag: \"" <<<"$1"' _ "$h"
check "  ... as HTML" grep -q "^Content-Type: text/html" <<<"$h"
etag=$(sed -n 's/^ETag: //p' <<<"$h")
check "If-None-Match: 304" \
	bash -c "ip netns exec $NS curl -sk -o /dev/null -w '%{http_code}' -H 'If-None-Match: $etag' $E/edit/ | grep -qx 304"
check "/edit without its slash: 301 to /edit/" \
	grep -q "^Location: /edit/\$" <<<"$(head_of "$E/edit")"
hz=$(head_of -H 'Accept-Encoding: gzip' "$E/edit/app.js")
check "app.js to a client taking gzip: its .gz, Content-Encoding: gzip, as JavaScript" \
	bash -c 'grep -q "^Content-Encoding: gzip" <<<"$1" && grep -q "^Content-Type: text/javascript" <<<"$1" && grep -q "^Content-Length: $2\$" <<<"$1"' \
	_ "$hz" "$(stat -c %s "$WORK/stage/edit/app.js.gz")"
check "  ... and plain to one that does not" \
	bash -c "[ \"\$(ip netns exec $NS curl -sk $E/edit/app.js | wc -c)\" = 20000 ]"
check "a file in a directory of the editor" \
	bash -c "ip netns exec $NS curl -skf $E/edit/lib/sw.js | grep -q addEventListener"
check "a file the editor does not have: 404" \
	bash -c "ip netns exec $NS curl -sk -o /dev/null -w '%{http_code}' $E/edit/nope.js | grep -qx 404"

# The editor has an origin of its own: the site's ports send it there and
# the editor's port serves nothing of the site.
check "the site's port: /edit/ is 301 to the editor's port, target kept" \
	grep -q "^Location: https://$IP:8443/edit/lib/sw.js?x=1\$" <<<"$(head_of "https://$IP/edit/lib/sw.js?x=1")"
check "  ... and serves none of it" not grep -q addEventListener <<<"$(c "https://$IP/edit/lib/sw.js")"
check "  ... the host the client named, its port replaced" \
	grep -q "^Location: https://board.example:8443/edit\$" <<<"$(head_of -H 'Host: board.example:443' "https://$IP/edit")"
check "  ... /%65dit/ (the same path, encoded) too" \
	grep -q "^Location: https://$IP:8443/%65dit/\$" <<<"$(head_of "https://$IP/%65dit/")"
check "  ... an absolute-form target too" \
	grep -q "^Location: https://$IP:8443/edit/\$" <<<"$(head_of --request-target "https://$IP/edit/" "https://$IP/")"
check "the site's /edit/sw.js: the worker that retires an old editor's (200, JavaScript, no redirect)" \
	bash -c 'grep -q "^HTTP/1.1 200" <<<"$1" && grep -q "^Content-Type: text/javascript" <<<"$1" &&
		grep -q "registration.unregister()" <<<"$2"' _ "$(head_of "https://$IP/edit/sw.js")" "$(c "https://$IP/edit/sw.js")"
check "plain HTTP: 301 straight to the editor's port" \
	grep -q "^Location: https://$IP:8443/edit/\$" <<<"$(head_of "http://$IP/edit/")"
check "/editor is the site's, not the editor's" \
	grep -q "^HTTP/1.1 404" <<<"$(head_of "https://$IP/editor")"
check "the editor's port: / is 301 to /edit/" grep -q "^Location: /edit/\$" <<<"$(head_of "$E/")"
check "  ... a page of the site is 301 to the site's port, not served" \
	grep -q "^Location: https://$IP/index.html?q\$" <<<"$(head_of "$E/index.html?q")"
check "  ... and so are /metrics and the status page" \
	bash -c 'grep -q "^Location: https://$1/metrics\$" <<<"$2" && grep -q "^Location: https://$1/.well-known/appliance/status\$" <<<"$3"' \
	_ "$IP" "$(head_of "$E/metrics")" "$(head_of "$E/.well-known/appliance/status")"
check "  ... the repository is there (the editor clones and pushes it)" \
	bash -c "ip netns exec $NS git clone -q $E/site.git '$WORK/from-edit-port' && grep -q site '$WORK/from-edit-port/site/index.html'"
check "the site is still the site" bash -c "ip netns exec $NS curl -sk https://$IP/ | grep -q site"

# A push cannot reach the editor.
repo=$WORK/repo
in_ns git clone -q "https://$IP/site.git" "$repo" 2>/dev/null
mkdir -p "$repo/site/edit"
printf 'pushed\n' >"$repo/site/edit/index.html"
git -C "$repo" add -A && git -C "$repo" commit -qm "a site/edit/ of its own"
in_ns git -C "$repo" push -q "https://owner:$PASSWORD@$IP/site.git" main 2>/dev/null
check "a pushed site/edit/ does not shadow the editor" \
	bash -c "[ \"\$(ip netns exec $NS curl -sk $E/edit/)\" = \"\$(cat '$WORK/stage/edit/index.html')\" ]"
check "  ... nor is it served on the site's port" \
	grep -q "^Location: https://$IP:8443/edit/\$" <<<"$(head_of "https://$IP/edit/")"
check "a push to refs/appliance/editor is refused" \
	bash -c "! ip netns exec $NS git -C '$repo' push -q 'https://owner:$PASSWORD@$IP/site.git' main:refs/appliance/editor 2>/dev/null"
check "the twin stops cleanly" twin_stop

# A store without the editor: a clear 404.
"$STORECTL" init "$WORK/bare.img" 16M >/dev/null
"$STORECTL" import "$WORK/bare.img" "$WORK/tree" >/dev/null
twin_start "$WORK/twin2.log" "$WORK/twin.conf" 02:00:00:00:00:0e --disk "$WORK/bare.img"
wait_log "$WORK/twin2.log" "the editor on tcp port 8443" 60
check "a store without the editor: 404, saying so" \
	bash -c "ip netns exec $NS curl -sk $E/edit/ | grep -q 'no editor'"
check "the twin stops cleanly" twin_stop
done_tests
