#!/bin/bash
# Usage: tests/host/git-clients.sh APPLIANCE STORECTL NODE_MODULES
# Git's smart HTTP on the host twin with two clients other than git
# (issue 10, "a second and a third client"), over HTTPS, in a network
# namespace of the test's own:
#
#   - dulwich (Debian's python3-dulwich, its porcelain API) clones the
#     site, commits a change to site/index.html and pushes it with the
#     password; isomorphic-git (npm, tests/clients/package-lock.json, run
#     by Debian's Node from NODE_MODULES, which `npm ci` made under build/)
#     then does the same from a clone of its own, the password given
#     through onAuth. Their scripts are tests/clients/*-client.*;
#   - after each push the twin serves the new page, a fresh `git clone`
#     has the client's commit, and `git fsck --full --strict` passes on it;
#   - each client's push with a wrong password first fails with an
#     authentication error, and main is unchanged;
#   - dulwich's incremental fetch of isomorphic-git's commit gets only the
#     4 new objects, and git fsck --full --strict passes on its repository;
#   - once the twin has stopped, `storectl fsck` passes on the store.
#
# Every client checks the twin's certificate: the test fetches it with
# openssl s_client and hands it to each (git's GIT_SSL_CAINFO, dulwich's
# http.sslCAInfo, Node's NODE_EXTRA_CA_CERTS, curl's --cacert); its SAN
# names the address. A client's step that fails prints its log, with
# every HTTP request and response (ISOGIT_TRACE, DULWICH_TRACE).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
STORECTL=$(realpath "${2:-build/host/storectl}")
MODULES=$(realpath -m "${3:-build/clients/node_modules}")
NODE=/usr/bin/node
IP=192.0.2.2
REPO=https://$IP/site.git
CA=$WORK/twin.pem
CLIENT_TIMEOUT=60

quiet() { "$@" >/dev/null; }

need_root
if [ ! -d "$MODULES/isomorphic-git" ]; then
	fail "isomorphic-git in $MODULES (make build/clients/.installed installs it)"
	done_tests
	exit 1
fi
check "namespace with tap0" netns_setup || { done_tests; exit 1; }

# The site as git makes it: main with two commits, a page and a style.
repo=$WORK/repo
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.org
{
	git init -q -b main "$repo" &&
		mkdir -p "$repo/site/css" &&
		echo '<h1>one</h1>' >"$repo/site/index.html" &&
		echo 'h1 { color: teal }' >"$repo/site/css/site.css" &&
		git -C "$repo" add -A && git -C "$repo" commit -q -m one &&
		echo '<h1>two</h1>' >"$repo/site/index.html" &&
		git -C "$repo" commit -q -am two
} >/dev/null 2>&1
BASE=$(git -C "$repo" rev-parse main)
git -C "$repo" pack-objects --all --stdout </dev/null >"$WORK/all.pack" 2>/dev/null
"$STORECTL" init "$WORK/store.img" 16M >/dev/null
"$STORECTL" import-pack "$WORK/store.img" "$WORK/all.pack" refs/heads/main "$BASE" >/dev/null
PASS=clients-$$-$RANDOM$RANDOM
echo "$PASS" >"$WORK/pass"
check "the push password is set" "$STORECTL" passwd "$WORK/store.img" "$WORK/pass"
check "the store's main is git's" \
	grep -q "^$BASE refs/heads/main\$" <<<"$("$STORECTL" refs "$WORK/store.img")"

printf 'hostname=twin\nip=%s/24\n' "$IP" >"$WORK/twin.conf"
: >"$WORK/twin.log"
twin_up "$WORK/twin.log" "$WORK/twin.conf" 02:00:00:00:00:0b --disk "$WORK/store.img"
in_ns openssl s_client -connect $IP:443 </dev/null 2>/dev/null | openssl x509 >"$CA" 2>/dev/null
check "the twin's certificate, for the clients to check" \
	quiet openssl x509 -in "$CA" -noout -checkip $IP

export GIT_SSL_CAINFO=$CA
main_at() { in_ns git ls-remote "$REPO" refs/heads/main 2>/dev/null | cut -f1; }
page() { in_ns curl -sS --cacert "$CA" --max-time 20 "https://$IP/"; }

# step LOG CMD...: CMD in the namespace, bounded in time, its stdout and
# stderr in LOG (stdout also printed, for $(...)); LOG shown if it fails.
step() {
	local log=$1 rc
	shift
	in_ns timeout $CLIENT_TIMEOUT "$@" 2>"$log" | tee -a "$log.out"
	rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] || sed 's/^/# /' "$log" "$log.out" >&2
	return "$rc"
}

# pushed NAME OID TEXT: what a user sees after client NAME pushed commit
# OID that made site/index.html TEXT.
pushed() {
	local name=$1 oid=$2 text=$3 fresh=$WORK/fresh.$1
	check "$name: main on the twin is its commit" [ "$(main_at)" = "$oid" ]
	check "$name: the twin serves the new page" [ "$(page)" = "$text" ]
	in_ns git clone -q "$REPO" "$fresh" 2>"$WORK/fresh.$name.err"
	check "$name: a fresh git clone has its commit" \
		[ "$(git -C "$fresh" rev-parse HEAD 2>/dev/null)" = "$oid" ]
	check "$name: with its page" [ "$(cat "$fresh/site/index.html" 2>/dev/null)" = "$text" ]
	check "$name: git fsck --full --strict on the fresh clone" \
		git -C "$fresh" fsck --full --strict --no-progress
}

# --- dulwich ---------------------------------------------------------------
# The clients take the password from the environment, not their arguments
# (PW=... overrides it for one call).
dul() {
	CLIENT_PASSWORD=${PW-$PASS} DULWICH_TRACE=1 \
		step "$1" "$PY" tests/clients/dulwich-client.py "${@:2}"
}
D=$WORK/dulwich
check "dulwich: clone" quiet dul "$WORK/d.clone" clone "$REPO" "$D" "$CA"
check "dulwich: the clone's checkout is main's" \
	[ "$(cat "$D/site/index.html" 2>/dev/null)" = '<h1>two</h1>' ]
DTEXT='<h1>three, from dulwich</h1>'
DOID=$(dul "$WORK/d.commit" commit "$D" site/index.html "$DTEXT" "three (dulwich)")
check "dulwich: commit" grep -qE '^[0-9a-f]{40}$' <<<"$DOID"
PW=wrong-$PASS check "dulwich: a wrong password is refused" not dul "$WORK/d.wrong" push "$D" "$REPO" 2>/dev/null
check "dulwich: with an authentication error" \
	grep -q '^dulwich push: HTTPUnauthorized: No valid credentials provided' "$WORK/d.wrong"
check "dulwich: and nothing is pushed" [ "$(main_at)" = "$BASE" ]
check "dulwich: push with the password" dul "$WORK/d.push" push "$D" "$REPO"
pushed dulwich "$DOID" "$DTEXT"
check "dulwich: the commit is dulwich's" \
	[ "$(git -C "$WORK/fresh.dulwich" log -1 --format='%an|%s' 2>/dev/null)" = 'Dulwich Client|three (dulwich)' ]

# --- isomorphic-git ----------------------------------------------------------
iso() {
	CLIENT_PASSWORD=${PW-$PASS} NODE_PATH=$MODULES NODE_EXTRA_CA_CERTS=$CA ISOGIT_TRACE=1 \
		step "$1" "$NODE" tests/clients/isogit-client.js "${@:2}"
}
I=$WORK/isogit
check "isomorphic-git: clone" quiet iso "$WORK/i.clone" clone "$REPO" "$I"
check "isomorphic-git: the clone is at dulwich's commit" \
	[ "$(git -C "$I" rev-parse HEAD 2>/dev/null)" = "$DOID" -a "$(cat "$I/site/index.html" 2>/dev/null)" = "$DTEXT" ]
ITEXT='<h1>four, from isomorphic-git</h1>'
IOID=$(iso "$WORK/i.commit" commit "$I" site/index.html "$ITEXT" "four (isomorphic-git)")
check "isomorphic-git: commit" grep -qE '^[0-9a-f]{40}$' <<<"$IOID"
PW=wrong-$PASS check "isomorphic-git: a wrong password is refused" not iso "$WORK/i.wrong" push "$I" "$REPO" 2>/dev/null
check "isomorphic-git: with an authentication error" \
	grep -q '^isomorphic-git push: HttpError (HttpError): HTTP Error: 401 Unauthorized' "$WORK/i.wrong"
check "isomorphic-git: and nothing is pushed" [ "$(main_at)" = "$DOID" ]
check "isomorphic-git: push with the password (onAuth)" iso "$WORK/i.push" push "$I" "$REPO"
pushed isomorphic-git "$IOID" "$ITEXT"
check "isomorphic-git: the commit is isomorphic-git's, on dulwich's" \
	[ "$(git -C "$WORK/fresh.isomorphic-git" log -2 --format='%an|%s' 2>/dev/null | tr '\n' ' ')" = \
	'Isomorphic Client|four (isomorphic-git) Dulwich Client|three (dulwich) ' ]

# dulwich again: an incremental fetch sends only what it lacks (the
# commit, two trees and the page: 4 objects, in one new pack).
packs() { find "$D/.git/objects/pack" -name "*.idx" 2>/dev/null | sort; }
objects() { [ -f "$1" ] && git show-index <"$1" | wc -l; }
before=$(packs)
check "dulwich: fetch sees isomorphic-git's commit" \
	[ "$(dul "$WORK/d.fetch" fetch "$D")" = "$IOID" ]
new=$(comm -13 <(echo "$before") <(packs))
check "dulwich: the fetch got 4 objects ($(wc -w <<<"$new") new pack)" \
	[ "$(wc -w <<<"$new")" = 1 -a "$(objects "$new")" = 4 ]
check "dulwich: git fsck --full --strict on its repository" \
	git -C "$D" fsck --full --strict --no-progress

twin_stop
check "exits cleanly" [ $? = 0 ]
check "no sanitizer report" not grep -q 'ERROR: AddressSanitizer\|runtime error' "$WORK/twin.log"
check "storectl fsck on the store after the pushes" "$STORECTL" fsck "$WORK/store.img"
check "the store's main is isomorphic-git's commit" \
	grep -q "^$IOID refs/heads/main\$" <<<"$("$STORECTL" refs "$WORK/store.img")"
done_tests
