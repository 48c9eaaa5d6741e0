#!/bin/bash
# Usage: tests/host/git.sh APPLIANCE STORECTL
# Git's smart HTTP on the host twin (the sanitized build), with the real
# `git` as the client, in a network namespace of the test's own. Cases
# after Git's own t5551-http-fetch-smart.sh and t5541-http-push-smart.sh:
#
#   - the advertisement: exactly what git's own repository lists, nothing
#     of the store's non-public part; content types, no-cache, CORS;
#   - clone and fetch over protocol v0 and v2: the same commits and trees,
#     fsck-clean; an incremental fetch gets only the new objects (counted);
#     shallow clone, --deepen, --unshallow;
#   - push: a new commit changes the served page; deltas; a 20 MiB file;
#     2,000 tags at once; a branch deleted; --atomic with one failing ref
#     changes nothing; a non-fast-forward push to main is refused with its
#     message; other branches may be forced;
#   - credentials: none, wrong, rate-limited (N+1), and plain HTTP refused;
#   - request bodies chunked, gzip, and with Expect: 100-continue;
#   - bad input (truncated and oversized pkt-lines, a pack that lies about
#     its count, a wrong trailer, a missing delta base, a missing want, bad
#     ref names): a clear error each, and the store unchanged;
#   - after every push a fresh clone is fsck-clean, and at the end
#     `storectl fsck` of the store.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
STORECTL=$(realpath "${2:-build/host/storectl}")
IP=192.0.2.2
REPO=https://$IP/site.git
PASSWORD=correct-horse-battery
AUTH=https://owner:$PASSWORD@$IP/site.git
WIRE="$PY $PWD/tests/host/git_wire.py"

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
# A second address for the client the rate limiter locks out.
ip -n "$NS" addr add 192.0.2.3/24 dev tap0

# A repository made by git: main with two commits, a branch, a lightweight
# tag and an annotated one (and a tag of that tag).
repo=$WORK/repo
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.org GIT_SSL_NO_VERIFY=1 GIT_TERMINAL_PROMPT=0 \
	GIT_HTTP_LOW_SPEED_LIMIT=1 GIT_HTTP_LOW_SPEED_TIME=30
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
"$STORECTL" init "$WORK/store.img" 160M >/dev/null
while read -r oid name; do
	"$STORECTL" import-pack "$WORK/store.img" "$WORK/all.pack" "$name" "$oid" >/dev/null
done < <(git -C "$repo" for-each-ref --format='%(objectname) %(refname)')
check "the store holds git's refs" \
	[ "$("$STORECTL" refs "$WORK/store.img" | grep -c ' refs/')" = 5 ]
printf '%s\n' "$PASSWORD" >"$WORK/password"
check "storectl passwd sets the push password" "$STORECTL" passwd "$WORK/store.img" "$WORK/password"
# The commit that holds the password hash: the twin commits its certificate on it.
secret=$("$STORECTL" refs "$WORK/store.img" | awk '$2 == "refs/appliance/secrets" { print $1 }')

printf 'hostname=twin\nip=%s/24\n' "$IP" >"$WORK/git.conf"
twin_up "$WORK/git.log" "$WORK/git.conf" 02:00:00:00:00:0a --disk "$WORK/store.img"
c() { in_ns curl -sSk --max-time 30 "$@"; }
code() { c -o /dev/null -w '%{http_code}' "$@"; }
g() { in_ns git "$@"; }
cd "$WORK"
fsck_clean() { git -C "$1" fsck --full --strict --no-progress >"$WORK/fsck.out" 2>&1 || { cat "$WORK/fsck.out"; false; }; }

# ---- the advertisement ----

want=$(git -C "$repo" ls-remote . | sort)
got=$(g -c protocol.version=0 ls-remote "$REPO" 2>"$WORK/ls.err" | sort)
check "git ls-remote lists what git's own repository lists ($(wc -l <<<"$got") refs)" \
	[ -n "$got" -a "$got" = "$want" ]
[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); cat "$WORK/ls.err"; }
check "and so does protocol v2's ls-refs" \
	[ "$(g -c protocol.version=2 ls-remote "$REPO" | sort)" = "$want" ]
check "the twin made its certificate, so refs/appliance/secrets exists" \
	grep -q 'tls: kept in the store' "$WORK/git.log"
check "it is not advertised" not grep -q 'appliance' <<<"$got"
check "symref: git learns HEAD is main" \
	grep -q '^ref: refs/heads/main	HEAD' <<<"$(g -c protocol.version=0 ls-remote --symref "$REPO" HEAD)"

h=$(c -D - -o "$WORK/adv" "$REPO/info/refs?service=git-upload-pack" | tr -d '\r')
check "the advertisement's content type" \
	grep -qi '^Content-Type: application/x-git-upload-pack-advertisement' <<<"$h"
check "not to be cached" grep -qi '^Cache-Control: no-store' <<<"$h"
check "any origin may read it (CORS)" grep -qi '^Access-Control-Allow-Origin: \*' <<<"$h"
check "it starts with the service line and a flush" \
	[ "$(head -c 34 "$WORK/adv")" = "001e# service=git-upload-pack
0000" ]
check "it names only capabilities the server has" \
	grep -qa 'multi_ack_detailed no-done side-band-64k thin-pack ofs-delta shallow deepen-relative no-progress include-tag symref=HEAD:refs/heads/main agent=appliance/' "$WORK/adv"
h=$(c -D - -o /dev/null -X OPTIONS -H 'Origin: https://editor.example' \
	-H 'Access-Control-Request-Method: POST' "$REPO/git-receive-pack" | tr -d '\r')
check "a CORS preflight: 204" grep -q '^HTTP/1.1 204' <<<"$h"
check "it allows the headers git and isomorphic-git send" \
	grep -qi '^Access-Control-Allow-Headers: Content-Type, Authorization, Git-Protocol' <<<"$h"
check "and says how long to keep the answer" grep -qi '^Access-Control-Max-Age: 86400' <<<"$h"
check "another service: 403" [ "$(code "$REPO/info/refs?service=git-frob")" = 403 ]
check "the dumb protocol: 403" [ "$(code "$REPO/info/refs")" = 403 ]
check "another path under /site.git/: 404" [ "$(code "$REPO/objects/info/packs")" = 404 ]
h=$(c -D - -o /dev/null "$REPO/git-upload-pack" | tr -d '\r')
check "GET of a service: 405, Allow: POST, OPTIONS (RFC 9110 15.5.6)" \
	bash -c 'grep -q "^HTTP/1.1 405" <<<"$1" && grep -qx "Allow: POST, OPTIONS" <<<"$1"' _ "$h"
h=$(c -D - -o /dev/null -X POST "$REPO/info/refs?service=git-upload-pack" | tr -d '\r')
check "POST of info/refs: 405, Allow: GET, HEAD, OPTIONS" \
	bash -c 'grep -q "^HTTP/1.1 405" <<<"$1" && grep -qx "Allow: GET, HEAD, OPTIONS" <<<"$1"' _ "$h"

# ---- clone and fetch ----

for v in 0 2; do
	g -c protocol.version=$v clone -q "$REPO" "clone$v" 2>"clone$v.err"
	check "clone over protocol v$v: main, the branch and the tags as git has them" \
		[ "$(git -C "clone$v" for-each-ref --format='%(objectname) %(refname)' refs/remotes/origin/main refs/remotes/origin/draft refs/tags | sed 's|refs/remotes/origin/|refs/heads/|' | sort)" = \
		"$(git -C "$repo" for-each-ref --format='%(objectname) %(refname)' refs/heads refs/tags | sort)" ]
	check "v$v: the work tree is main's" [ "$(cat "clone$v/site/index.html")" = '<h1>two</h1>' ]
	check "v$v: git fsck --full --strict is clean" fsck_clean "clone$v"
done

# Pushes from clone0; clone2 fetches what is new, over each protocol.
fresh_fsck() {
	rm -rf fresh
	g clone -q "$REPO" fresh 2>/dev/null && fsck_clean fresh
}
git -C clone0 remote set-url origin "$AUTH"
(cd clone0 && for i in 1 2 3; do
	echo "page $i" >"site/p$i.html" && git add -A && git commit -qm "page $i"
done)
old=$(git -C clone0 rev-parse origin/main)
check "push of three commits" g -C clone0 push -q origin main
new_objects=$(git -C clone0 rev-list --objects "$old..main" | wc -l)
g -c protocol.version=0 -C clone2 fetch --progress origin 2>fetch0.err
check "fetch v0: main moves to the pushed commit" \
	[ "$(git -C clone2 rev-parse origin/main)" = "$(git -C clone0 rev-parse main)" ]
check "only the $new_objects new objects are sent" grep -q "appliance: $new_objects objects" fetch0.err
(cd clone0 && echo 'page 4' >site/p4.html && git add -A && git commit -qm 'page 4')
old=$(git -C clone0 rev-parse origin/main)
g -C clone0 push -q origin main
new_objects=$(git -C clone0 rev-list --objects "$old..main" | wc -l)
g -c protocol.version=2 -C clone2 fetch --progress origin 2>fetch2.err
check "fetch v2: main moves again, $new_objects new objects sent" \
	[ "$(git -C clone2 rev-parse origin/main)" = "$(git -C clone0 rev-parse main)" -a \
	"$(grep -c "appliance: $new_objects objects" fetch2.err)" = 1 ]
check "an up-to-date fetch sends no pack" \
	[ -z "$(g -C clone2 fetch --progress origin 2>&1 | grep appliance)" ]

for v in 0 2; do
	g -c protocol.version=$v clone -q --depth 1 "$REPO" "shallow$v" 2>/dev/null
	check "v$v: clone --depth 1 has one commit" \
		[ "$(git -C "shallow$v" rev-list --count HEAD 2>/dev/null)" = 1 -a -s "shallow$v/.git/shallow" ]
	g -c protocol.version=$v -C "shallow$v" fetch -q --deepen 2 2>/dev/null
	check "v$v: --deepen 2 makes three" [ "$(git -C "shallow$v" rev-list --count HEAD)" = 3 ]
	g -c protocol.version=$v -C "shallow$v" fetch -q --unshallow 2>/dev/null
	check "v$v: --unshallow gives all $(git -C clone0 rev-list --count main)" \
		[ "$(git -C "shallow$v" rev-list --count HEAD)" = "$(git -C clone0 rev-list --count main)" -a \
		! -e "shallow$v/.git/shallow" ]
	check "v$v: and fsck is clean" fsck_clean "shallow$v"
done

# ---- push ----

(cd clone0 && echo '<h1>three</h1>' >site/index.html && git commit -qam three)
check "push of a new index.html" g -C clone0 push -q origin main
check "the board serves the new page" [ "$(c "https://$IP/")" = '<h1>three</h1>' ]
check "a fresh clone has the commit and is fsck-clean" fresh_fsck
check "  ... its main is the pushed one" \
	[ "$(git -C fresh rev-parse HEAD)" = "$(git -C clone0 rev-parse main)" ]

# Deltas: a large text file, then a small change to it.
"$PY" -c 'import random; r = random.Random(7); print("\n".join("line %d %s" % (i, r.random()) for i in range(6000)))' >clone0/site/data.txt
(cd clone0 && git add -A && git commit -qm data) && g -C clone0 push -q origin main
sed -i 's/^line 3000 .*/line 3000 changed/' clone0/site/data.txt
(cd clone0 && git commit -qam 'data changed')
g -C clone0 push --progress origin main >push-delta.out 2>&1
check "a push with deltas (git says it sent them)" grep -Eq 'Total [0-9]+ \(delta [1-9]' push-delta.out
check "  ... and the board serves the changed file" \
	[ "$(c "https://$IP/data.txt" | sha256sum)" = "$(sha256sum <clone0/site/data.txt)" ]

head -c 20971520 /dev/urandom >clone0/site/big.bin
(cd clone0 && git add -A && git commit -qm 'a 20 MiB file')
check "a push of a 20 MiB file" g -C clone0 push -q origin main
check "  ... served byte for byte" \
	[ "$(c "https://$IP/big.bin" | sha256sum)" = "$(sha256sum <clone0/site/big.bin)" ]
check "  ... and a fresh clone of it is fsck-clean" fresh_fsck
check "  ... with the same bytes" cmp -s fresh/site/big.bin clone0/site/big.bin

for i in $(seq 1 2000); do echo "create refs/tags/t$i HEAD"; done | git -C clone0 update-ref --stdin
start=$(date +%s%N)
check "a push of 2,000 tags at once" g -C clone0 push -q origin 'refs/tags/t*:refs/tags/t*'
ms=$((($(date +%s%N) - start) / 1000000))
check "  ... all are listed (${ms} ms)" \
	[ "$(g ls-remote "$REPO" 'refs/tags/t*' | grep -c 'refs/tags/t[0-9]')" = 2000 ]

g -C clone0 push -q origin main:refs/heads/feature 2>/dev/null
check "a branch is made" grep -q 'refs/heads/feature' <<<"$(g ls-remote "$REPO")"
check "and deleted" g -C clone0 push -q origin :refs/heads/feature
check "  ... gone" not grep -q 'refs/heads/feature' <<<"$(g ls-remote "$REPO")"
g -C clone0 push -q origin main:refs/heads/topic 2>/dev/null
g -C clone0 push origin main:refs/heads/topic/part >dir.out 2>&1
check "a branch under another's name (topic/part beside topic) is refused, as git refuses it" \
	grep -q 'remote rejected.*topic/part.*directory of another' dir.out
clone_has_topic() { g clone -q "$REPO" clone-dirs && git -C clone-dirs rev-parse -q --verify origin/topic >/dev/null; }
check "  ... and a clone still takes every branch" clone_has_topic
g -C clone0 push -q origin :refs/heads/topic

before=$(g ls-remote "$REPO" | sort)
git -C clone0 branch -q stale HEAD~1
(cd clone0 && git checkout -q stale && echo x >site/x.html && git add -A && git commit -qm stale &&
	git checkout -q main)
g -C clone0 push --atomic origin stale:main main:refs/heads/atomic-new >atomic.out 2>&1
check "--atomic with a failing ref fails" grep -q 'rejected\|atomic' atomic.out
check "  ... and changes no ref" [ "$(g ls-remote "$REPO" | sort)" = "$before" ]
g -C clone0 push --force origin stale:main >nonff.out 2>&1
check "a forced non-fast-forward push to main is refused" \
	grep -q "remote rejected.*non-fast-forward: the site's branch only moves forward" nonff.out
check "  ... and main has not moved" [ "$(g ls-remote "$REPO" | sort)" = "$before" ]
check "another branch may be forced" g -C clone0 push -q --force origin stale:refs/heads/draft
check "  ... it moved" \
	[ "$(g ls-remote "$REPO" refs/heads/draft | cut -f1)" = "$(git -C clone0 rev-parse stale)" ]
check "a fresh clone after the pushes is fsck-clean" fresh_fsck

# ---- credentials ----

(cd clone0 && echo nope >site/nope.html && git add -A && git commit -qm nope)
before=$(g ls-remote "$REPO" | sort)
g -C clone0 push "$REPO" main >nopw.out 2>&1
check "a push without a password is refused" grep -q 'Authentication failed\|could not read Username' nopw.out
g -C clone0 push "https://owner:wrong-password@$IP/site.git" main >wrongpw.out 2>&1
check "a wrong password is refused" grep -q 'Authentication failed' wrongpw.out
g -C clone0 push "http://owner:$PASSWORD@$IP/site.git" main >plain.out 2>&1
check "over plain HTTP a push is refused, saying to use https" grep -q 'pushing needs HTTPS' plain.out
check "  ... and nothing changed" [ "$(g ls-remote "$REPO" | sort)" = "$before" ]
check "a clone over plain HTTP works (reads are public)" g clone -q "http://$IP/site.git" plainclone
rl() { c --interface 192.0.2.3 -o /dev/null -w '%{http_code}' -u "owner:guess$1" \
	"$REPO/info/refs?service=git-receive-pack"; }
# A second apart: the KDF's budget for all clients is one a second after
# GIT_AUTH_KDF_BURST at once (git/auth.h), past which a check is 503.
codes=$(for i in 1 2 3 4 5 6; do rl "$i"; echo; sleep 1; done | tr '\n' ' ')
check "five wrong passwords get 401, the sixth 429 ($codes)" [ "$codes" = "401 401 401 401 401 429 " ]
check "  ... even with the right password, while locked" \
	[ "$(c --interface 192.0.2.3 -o /dev/null -w '%{http_code}' -u "owner:$PASSWORD" "$REPO/info/refs?service=git-receive-pack")" = 429 ]
check "  ... and logged" grep -q 'git: .*192.0.2.3' "$WORK/git.log"
check "another client is not locked out" g -C clone0 push -q origin main

# ---- request bodies ----

head=$(git -C clone0 rev-parse main)
line="want $head side-band-64k ofs-delta"
printf '%04x%s\n00000009done\n' $((${#line} + 5)) "$line" >req
# The answer without its side-band framing, which follows the socket's room.
post() {
	c -o "$1.raw" -H 'Content-Type: application/x-git-upload-pack-request' "${@:2}" \
		"$REPO/git-upload-pack"
	"$PY" -c 'import sys
d = open(sys.argv[1], "rb").read()
out = b""
while len(d) >= 4:
    n = int(d[:4], 16)
    out += d[4:max(n, 4)] if n < 5 or d[4] != 1 else d[5:n]
    d = d[max(n, 4):]
open(sys.argv[2], "wb").write(out)' "$1.raw" "$1"
}
post plain.res --data-binary @req
check "a plain request body gets a pack" grep -qa 'PACK' plain.res
post chunked.res -H 'Transfer-Encoding: chunked' --data-binary @req
check "a chunked request body gets the same answer" cmp plain.res chunked.res
gzip -c req >req.gz
post gzip.res -H 'Content-Encoding: gzip' --data-binary @req.gz
check "a gzip request body too" cmp -s plain.res gzip.res
post expect.res -H 'Expect: 100-continue' --data-binary @req
check "and one that waits for 100 Continue" cmp -s plain.res expect.res
check "a corrupt gzip body: 400" [ "$(c -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/x-git-upload-pack-request' -H 'Content-Encoding: gzip' \
	--data-binary @req "$REPO/git-upload-pack")" = 400 ]
check "another content encoding: 415" [ "$(c -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/x-git-upload-pack-request' -H 'Content-Encoding: br' \
	--data-binary @req "$REPO/git-upload-pack")" = 415 ]

# ---- load: fetches answered at once are bounded (N+1) ----

held=$(in_ns $WIRE "$REPO" "$PASSWORD" hold 3 "$head" 2>&1)
check "with 3 fetches stalled, one more gets 503 (busy)" grep -q 'one more: 503' <<<"$held"
check "  ... logged" grep -q 'git: fetch refused: 3 already being answered' "$WORK/git.log"
check "  ... and once they are gone, a fetch is answered" grep -q 'after: 200' <<<"$held"
# An answer taken at less than 2 KiB/s over 20 s of waiting on its client
# ends: 3 readers at 1 KiB/s (which HTTP's rule, 1 KiB in 30 s, lets hold
# their places as long as their packs last) do not shut every other fetch
# out. What the sockets' buffers took at first (lwIP's 64 KiB and the
# client's) carries the first window: 55 s. (Their places are free at
# once; what was queued still drains to them.)
held=$(in_ns $WIRE "$REPO" "$PASSWORD" slow-readers 3 "$head" 1024 55 2>&1)
check "3 answers read at 1 KiB/s are ended within 55 s" \
	[ "$(grep -c 'git: fetch ended: its client took [0-9]* bytes in 2[0-9] s' "$WORK/git.log")" = 3 ]
check "  ... and then one more fetch is answered" grep -q 'one more: 200' <<<"$held"
# A request takes its place only once it has ended: bodies that come at
# HTTP's slowest (have lines without end) shut no one out.
held=$(in_ns $WIRE "$REPO" "$PASSWORD" hold-bodies 3 "$head" 10 -- \
	git clone -q "$REPO" "$WORK/clone-beside-bodies" 2>&1)
check "with 3 fetch requests still coming, none is refused" \
	[ "$(grep -c ': none$' <<<"$held")" = 3 ]
check "  ... one more is answered" grep -q 'one more: 200' <<<"$held"
check "  ... and git clones" grep -q 'command: 0' <<<"$held"
# Long requests (past 16 KiB) hold what their lines made: 3 at once.
held=$(in_ns $WIRE "$REPO" "$PASSWORD" hold-bodies 4 "$head" 400 2>&1)
check "with 3 long fetch requests coming, all 3 wait" [ "$(grep -c ': none$' <<<"$held")" = 3 ]
check "  ... a fourth is refused" grep -Eq 'held 3: (HTTP/1.1 503|closed)' <<<"$held"
check "  ... logged" grep -q 'git: fetch refused: 3 already sending long requests' "$WORK/git.log"
check "  ... and a short one is answered" grep -q 'one more: 200' <<<"$held"

# ---- bad input: a clear error each, nothing changed ----

before=$(g ls-remote "$REPO" | sort)
w() { in_ns $WIRE "$REPO" "$PASSWORD" "$@" 2>&1; }
check "a pkt-line cut short" grep -q 'ERR upload-pack: the request ends inside a pkt-line' <<<"$(w truncated-pkt)"
check "a pkt-line longer than any the server reads" grep -q 'ERR upload-pack: a pkt-line too long' <<<"$(w oversized-pkt)"
check "a pkt-line length that is not hex" grep -q 'ERR upload-pack: a malformed pkt-line' <<<"$(w bad-length)"
check "a want for an object that does not exist" \
	grep -q "ERR upload-pack: not our ref abab.* (no such object)" <<<"$(w missing-want)"
(cd clone0 && echo unpushed >site/unpushed.html && git add -A && git commit -qm unpushed)
head=$(git -C clone0 rev-parse main)
printf 'main\n--not\norigin/main\n' | git -C clone0 pack-objects --revs --stdout >small.pack 2>/dev/null
check "a pack of the new commit to spoil ($(wc -c <small.pack) bytes)" \
	[ "$(head -c 4 small.pack)" = PACK -a "$(wc -c <small.pack)" -gt 32 ]
cur=$(git -C clone0 rev-parse origin/main)
check "a pack that says one object more than it has" \
	grep -q 'unpack the pack holds fewer objects than its header says' <<<"$(w push-count "$cur" "$head" small.pack)"
check "a pack whose trailer checksum is wrong" \
	grep -q "unpack the pack's trailer checksum is wrong" <<<"$(w push-trailer "$cur" "$head" small.pack)"
check "a delta whose base is nowhere" \
	grep -q "unpack a delta's base object is in neither the pack nor the store" <<<"$(w push-delta "$cur")"
zero=0000000000000000000000000000000000000000
check "a ref name with '..'" \
	grep -q 'ng refs/heads/a..b the ref name is malformed' <<<"$(w push-ref 'refs/heads/a..b' $zero "$cur")"
check "a ref name with a control character" \
	grep -qF 'ng refs/heads/a?b the ref name has a character refs may not have' <<<"$(w push-ref 'refs/heads/a\x01b' $zero "$cur")"
check "a push to the store's private part" \
	grep -q 'ng refs/appliance/secrets refs/appliance/ is the store' <<<"$(w push-ref refs/appliance/secrets $zero "$cur")"
check "a branch set to a commit only refs/appliance/ reaches, by its id" \
	grep -q 'ng refs/heads/peek missing objects: the new value reaches an object that neither the pack nor any branch or tag holds' <<<"$(w push-ref refs/heads/peek $zero "$secret")"
check "  ... and a tag" \
	grep -q 'ng refs/tags/peek missing objects: the new value reaches an object that neither' <<<"$(w push-ref refs/tags/peek $zero "$secret")"
check "an update whose old value is not the ref's" \
	grep -q 'ng refs/heads/draft the ref has moved' <<<"$(w push-ref refs/heads/draft "$head" "$cur")"
check "after all of it the refs are unchanged" [ "$(g ls-remote "$REPO" | sort)" = "$before" ]
check "the twin still answers a clone" fresh_fsck

twin_stop
check "exits cleanly" [ $? = 0 ]
check "storectl fsck of the store after every push" "$STORECTL" fsck "$WORK/store.img"

# ---- a private repository: reads need the password too ----

printf 'hostname=twin\nip=%s/24\ngit_read=private\n' "$IP" >"$WORK/private.conf"
twin_start "$WORK/private.log" "$WORK/private.conf" 02:00:00:00:00:0a --disk "$WORK/store.img"
wait_log "$WORK/private.log" "https on tcp port 443" 60
check "git_read=private: a clone without the password is refused" \
	not g clone -q "$REPO" private-anon
check "  ... with it, it works" g clone -q "$AUTH" private-owner
check "  ... and over plain HTTP even the advertisement is refused (403)" \
	[ "$(in_ns curl -s -o /dev/null -w '%{http_code}' -u "owner:$PASSWORD" \
		"http://$IP/site.git/info/refs?service=git-upload-pack")" = 403 ]
twin_stop
check "  ... exits cleanly" [ $? = 0 ]
cat "$WORK/private.log" >>"$WORK/git.log"
check "no sanitizer report" not grep -q 'ERROR: AddressSanitizer\|runtime error' "$WORK/git.log"
done_tests
