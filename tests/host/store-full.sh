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
. tests/store/full-lib.sh
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
# reads_ok: a fresh clone holds every acknowledged branch, and nothing
# else but main, and passes fsck; the site and the zone are served.
READS="HTTPS serves the site; DNS answers over UDP and TCP"
reads_ok() {
	acked_clone_ok || return 1
	in_ns curl -sSkf --max-time 30 "https://$IP/" | cmp -s - "$ROOT/store/seed/site/index.html" || { echo "the site"; return 1; }
	[ "$(in_ns dig +time=3 +tries=1 +short @$IP example.home SOA | awk '{ print $1 }')" = ns1.example.home. ] || { echo "DNS over UDP"; return 1; }
	[ "$(in_ns dig +time=3 +tries=1 +tcp +short @$IP www.example.home A)" != "" ] || { echo "DNS over TCP"; return 1; }
}

full_store_checks
grep -o 'store: .*' "$WORK/twin.log" | grep -iv opened | tail -n 3 | sed 's/^/    twin: /'

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
