#!/bin/bash
# Usage: tests/host/store-full.sh APPLIANCE STORECTL
#
# A full store on the host twin (issue 13 item 5), with the real `git` as
# the client, in a network namespace of the test's own: the seed (site and
# zone) in a store of STORE_SIZE (16 MiB: two log regions of 8 MiB), and
# pushes of new branches until the store refuses one:
#   - pushes of 1.5 MiB (git sends them chunked, the size unknown) are
#     acknowledged until one is refused, and git shows why: "the store is
#     full: N KiB free of M KiB, the push needs about P KiB; delete what is
#     no longer needed and push again"; then pushes of 200 KiB (their
#     length known) until one of those is refused too;
#   - meanwhile and after, reads go on: a fresh clone holds every
#     acknowledged branch and passes git fsck --strict, HTTPS serves the
#     site, DNS answers over UDP and TCP; nothing of a refused push is
#     there;
#   - deleting three branches is taken (the store keeps room for it), and
#     the refused push then goes through: compaction gets the space back
#     (a chunked push may first be told "the store was full; compaction
#     made room ...: push again", and must go through the second time);
#   - after a restart of the twin everything acknowledged is there, and
#     storectl fsck passes; storectl compact of the stopped store gets it
#     down to its live data.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/store/acked.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
STORECTL=$(realpath "${2:-build/host/storectl}")
STORE_SIZE=${STORE_SIZE:-16M}
IP=192.0.2.2
REPO=https://$IP/site.git
PASSWORD=correct-horse-battery
AUTH=https://owner:$PASSWORD@$IP/site.git
ROOT=$PWD
say() { echo "store-full: $*"; }

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.org GIT_SSL_NO_VERIFY=1 GIT_TERMINAL_PROMPT=0 \
	GIT_HTTP_LOW_SPEED_LIMIT=1 GIT_HTTP_LOW_SPEED_TIME=30 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
g() { in_ns timeout 300 git "$@"; }
img=$WORK/store.img
"$STORECTL" init "$img" "$STORE_SIZE" >/dev/null &&
	"$STORECTL" import "$img" store/seed -m "Initial site and zone" >/dev/null &&
	printf '%s\n' "$PASSWORD" >"$WORK/password" &&
	"$STORECTL" passwd "$img" "$WORK/password" >/dev/null
check "a $STORE_SIZE store holding the seed" "$STORECTL" fsck "$img"
printf 'hostname=twin\nip=%s/24\n' "$IP" >"$WORK/twin.conf"
twin_up "$WORK/twin.log" "$WORK/twin.conf" 02:00:00:00:00:0c --disk "$img"

cd "$WORK" || exit 1
g clone -q "$REPO" site 2>clone.err || cat clone.err
check "git clone of the seed" git -C site rev-parse -q --verify HEAD >/dev/null
seed_main=$(git -C site rev-parse HEAD)
: >acked

# push_branch NAME KIB: a new branch NAME from main with one new file of
# KIB random KiB, pushed; "NAME COMMIT" into acked if git says it was
# done. git's output in push-NAME.err. 0 if acknowledged.
push_branch() {
	local c
	git -C site checkout -q -B "$1" "$seed_main" &&
		head -c $(($2 << 10)) /dev/urandom >"site/site/$1.bin" &&
		git -C site add "site/$1.bin" && git -C site commit -q -m "$1: $2 KiB" || return 2
	c=$(git -C site rev-parse HEAD)
	push_again "$1" "$c"
}
# push_again NAME COMMIT: push COMMIT to the branch NAME.
push_again() {
	g -C site push "$AUTH" "$2:refs/heads/$1" >"push-$1.err" 2>&1 || return 1
	echo "$1 $2" >>acked
}

# reads_ok: a fresh clone holds every acknowledged branch, and nothing
# else but main, and passes fsck; the site and the zone are served.
reads_ok() {
	acked_clone_ok || return 1
	in_ns curl -sSkf --max-time 30 "https://$IP/" | cmp -s - "$ROOT/store/seed/site/index.html" || { echo "the site"; return 1; }
	[ "$(in_ns dig +time=3 +tries=1 +short @$IP example.home SOA | awk '{ print $1 }')" = ns1.example.home. ] || { echo "DNS over UDP"; return 1; }
	[ "$(in_ns dig +time=3 +tries=1 +tcp +short @$IP www.example.home A)" != "" ] || { echo "DNS over TCP"; return 1; }
}

# fill PREFIX KIB: branches PREFIX-1, PREFIX-2, ... of KIB KiB until a push
# is refused; $filled is how many were acknowledged, $refused the last name.
fill() {
	local i
	for ((i = 1; i <= 200; i++)); do
		push_branch "$1-$i" "$2" || break
	done
	filled=$((i - 1)) refused=$1-$i
}

# ---- pushes until the store refuses one ----

fill big 1536
why=$(grep -o 'the store is full.*' "push-$refused.err" | head -1 | sed 's/ *$//')
say "git's output for the refused push:"
sed 's/^/    /; s/ *$//' "push-$refused.err"
check "$filled pushes of 1.5 MiB (chunked) acknowledged, then $refused refused: $why" \
	eval '[ "$filled" -ge 3 ] && grep -q "remote: the store is full: [0-9]* KiB free of [0-9]* KiB, the push needs about [0-9]* KiB; delete what is no longer needed and push again" "push-$refused.err" && grep -q "\[remote rejected\] .*unpacker error" "push-$refused.err"'
big_refused=$refused big_commit=$(git -C site rev-parse HEAD)
check "reads go on: a fresh clone has every acknowledged branch and nothing else, fsck --strict; HTTPS serves the site; DNS answers over UDP and TCP" reads_ok
fill small 200
check "then $filled pushes of 200 KiB (length known) acknowledged, then $refused refused: $(grep -o 'the store is full.*' "push-$refused.err" | head -1 | sed 's/ *$//')" \
	grep -q "remote: the store is full: .*delete what is no longer needed and push again" "push-$refused.err"
check "reads still go on, nothing acknowledged lost" reads_ok
grep -o 'store: .*' "$WORK/twin.log" | grep -iv opened | tail -n 3 | sed 's/^/    twin: /'

# ---- deleting branches: compaction gets the space back ----

del=$(head -n 3 acked | awk '{ print ":refs/heads/" $1 }')
g -C site push "$AUTH" $del >push-delete.err 2>&1
drc=$?
check "a push deleting three branches is taken (the store keeps room for it)" [ "$drc" = 0 ]
[ "$drc" != 0 ] || sed -i '1,3d' acked
push_again "$big_refused" "$big_commit"
prc=$?
if [ "$prc" != 0 ] && grep -q 'compaction made room' "push-$big_refused.err"; then
	say "told: $(grep -o 'the store was full.*' "push-$big_refused.err" | head -1 | sed 's/ *$//')"
	push_again "$big_refused" "$big_commit"
	prc=$?
fi
check "the refused 1.5 MiB push then goes through (compaction got the space back)" [ "$prc" = 0 ]
[ "$prc" = 0 ] || cat "push-$big_refused.err"
check "a fresh clone has every acknowledged branch, fsck --strict; site and DNS served" reads_ok

# ---- a restart, and the store offline ----

check "the twin stops cleanly" twin_stop
twin_up "$WORK/twin2.log" "$WORK/twin.conf" 02:00:00:00:00:0c --disk "$img"
check "after a restart every acknowledged push is there" reads_ok
twin_stop
check "storectl fsck of the store" "$STORECTL" fsck "$img"
used() { "$STORECTL" stats "$img" 2>/dev/null | awk '$1 == "log_used" { print int($2 / 1024) }'; }
before=$(used)
check "storectl compact of the stopped store" "$STORECTL" compact "$img"
after=$(used)
check "storectl fsck after it; log in use $before KiB before, $after KiB after" \
	eval '"$STORECTL" fsck "$img" && [ "${after:-0}" -gt 0 ] && [ "$after" -le "${before:-0}" ]'
done_tests
