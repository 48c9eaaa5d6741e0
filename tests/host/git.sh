#!/bin/bash
# Usage: tests/host/git.sh APPLIANCE STORECTL
# Git's smart HTTP on the host twin (the sanitized build), with the real
# `git` as the client, in a network namespace of the test's own. So far
# (issue 10, first steps): the ref advertisement of git-upload-pack.
#
#   - `git ls-remote` over HTTPS lists exactly what a repository made by
#     git itself lists: HEAD, the branches, the tags and each annotated
#     tag's peeled target;
#   - the store's non-public part (refs/appliance/secrets, the TLS key) is
#     not among them;
#   - the content type and no-cache headers of the advertisement; other
#     services and the dumb protocol get 403; other paths 404.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
STORECTL=$(realpath "${2:-build/host/storectl}")
IP=192.0.2.2
REPO=https://$IP/site.git

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }

# A repository made by git: main with two commits, a branch, a lightweight
# tag and an annotated one (and a tag of that tag).
repo=$WORK/repo
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.org
{
	git init -q -b main "$repo" &&
		mkdir -p "$repo/site" &&
		echo '<h1>one</h1>' >"$repo/site/index.html" &&
		git -C "$repo" add -A && git -C "$repo" commit -q -m one &&
		git -C "$repo" tag v1 &&
		echo '<h1>two</h1>' >"$repo/site/index.html" &&
		git -C "$repo" commit -q -am two &&
		git -C "$repo" tag -a v2 -m 'version two' &&
		git -C "$repo" tag -a v2-signed-off -m 'a tag of a tag' v2 &&
		git -C "$repo" branch draft HEAD~1
} >/dev/null 2>&1
git -C "$repo" pack-objects --all --stdout </dev/null >"$WORK/all.pack" 2>/dev/null
"$STORECTL" init "$WORK/store.img" 16M >/dev/null
while read -r oid name; do
	"$STORECTL" import-pack "$WORK/store.img" "$WORK/all.pack" "$name" "$oid" >/dev/null
done < <(git -C "$repo" for-each-ref --format='%(objectname) %(refname)')
check "the store holds git's refs" \
	[ "$("$STORECTL" refs "$WORK/store.img" | grep -c ' refs/')" = 5 ]

printf 'hostname=twin\nip=%s/24\n' "$IP" >"$WORK/git.conf"
twin_start "$WORK/git.log" "$WORK/git.conf" 02:00:00:00:00:0a --disk "$WORK/store.img"
if ! check "twin up with HTTPS" wait_log "$WORK/git.log" "https on tcp port 443" 60; then
	cat "$WORK/git.log"
	done_tests
	exit 1
fi
wait_log "$WORK/git.log" "net: ready" 10
c() { in_ns curl -sSk --max-time 20 "$@"; }

# What git itself advertises for the same repository, HEAD and peeled tags included.
want=$(git -C "$repo" ls-remote . | sort)
got=$(in_ns env GIT_SSL_NO_VERIFY=1 git -c protocol.version=0 ls-remote "$REPO" 2>"$WORK/ls.err" | sort)
check "git ls-remote lists what git's own repository lists ($(wc -l <<<"$got") refs)" \
	[ -n "$got" -a "$got" = "$want" ]
[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); cat "$WORK/ls.err"; }
check "the twin made its certificate, so refs/appliance/secrets exists" \
	grep -q 'tls: kept in the store' "$WORK/git.log"
check "it is not advertised" not grep -q 'appliance' <<<"$got"
check "symref: git learns HEAD is main" \
	grep -q '^ref: refs/heads/main	HEAD' <<<"$(in_ns env GIT_SSL_NO_VERIFY=1 git -c protocol.version=0 ls-remote --symref "$REPO" HEAD)"

h=$(c -D - -o "$WORK/adv" "$REPO/info/refs?service=git-upload-pack" | tr -d '\r')
check "the advertisement's content type" \
	grep -qi '^Content-Type: application/x-git-upload-pack-advertisement' <<<"$h"
check "not to be cached" grep -qi '^Cache-Control: no-store' <<<"$h"
check "it starts with the service line and a flush" \
	[ "$(head -c 34 "$WORK/adv")" = "001e# service=git-upload-pack
0000" ]
code() { c -o /dev/null -w '%{http_code}' "$@"; }
check "git-receive-pack: 403 for now" [ "$(code "$REPO/info/refs?service=git-receive-pack")" = 403 ]
check "another service: 403" [ "$(code "$REPO/info/refs?service=git-frob")" = 403 ]
check "the dumb protocol: 403" [ "$(code "$REPO/info/refs")" = 403 ]
check "another path under /site.git/: 404" [ "$(code "$REPO/objects/info/packs")" = 404 ]

twin_stop
check "exits cleanly" [ $? = 0 ]
check "no sanitizer report" not grep -q 'ERROR: AddressSanitizer\|runtime error' "$WORK/git.log"
done_tests
