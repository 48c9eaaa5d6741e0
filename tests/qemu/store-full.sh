#!/bin/bash
# Usage: tests/qemu/store-full.sh BOARD
#
# A full store in the guest, in QEMU (issue 13 item 5; the host twin's
# twin is tests/host/store-full.sh): one boot of a copy of BOARD's test
# image whose STORE partition holds a store of STORE_SIZE (16 MiB: two
# log regions of 8 MiB) with the seed (site and zone) and the image's
# push password, with real git through the HTTPS forward on 127.0.0.1
# (user networking, restrict=on):
#   - pushes of new branches with 1.5 MiB of random bytes (git sends them
#     chunked) are acknowledged until one is refused, and git shows why:
#     "remote: the store is full: N KiB free of M KiB, the push needs
#     about P KiB; delete what is no longer needed and push again"; then
#     pushes of 200 KiB (their length known) until one of those is too;
#   - reads go on: a fresh clone has every acknowledged branch and nothing
#     else, passes git fsck --strict; HTTPS serves the site; DNS answers
#     over TCP (the forward of 127.0.0.1:DNS_PORT; user networking drops
#     the guest's UDP);
#   - a push deleting three branches is taken, and the refused 1.5 MiB
#     push then goes through: the guest's compaction got the space back
#     (it may first answer "compaction made room ...: push again");
#   - once QEMU stops, the store on the disk passes storectl fsck.
# About a minute (the guest up 15 s, each 1.5 MiB push about a second).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/store/full-lib.sh
. tests/qemu/run-lib.sh
board=${1:?usage: tests/qemu/store-full.sh BOARD}
img=${B:-build}/image/test/$board.img
pwfile=${OUT:-out}/$board.password
work=$(realpath -m "${B:-build}/test/store-full-$board")
STORECTL=$(realpath -m "${STORECTL:-${B:-build}/host/storectl}")
STORE_SIZE=${STORE_SIZE:-16M}
GIT_TIMEOUT=${GIT_TIMEOUT:-300}
ROOT=$PWD
say() { echo "qemu-store-full: $*"; }
rm -rf "$work" && mkdir -p "$work"
for f in "$img" "$pwfile" "$STORECTL"; do
	[ -e "$f" ] || { fail "$f exists (make $f)"; done_tests; exit 1; }
done

say "a copy of $img with a $STORE_SIZE store (the seed, the image's password) in its STORE partition"
cp --sparse=always "$img" "$work/full.img"
"$STORECTL" init "$work/p2" "$STORE_SIZE" >/dev/null &&
	"$STORECTL" import "$work/p2" store/seed -m "Initial site and zone" >/dev/null &&
	"$STORECTL" passwd "$work/p2" "$pwfile" >/dev/null &&
	qemu_p2_in "$work/p2" "$work/full.img"
check "the copy's store: $STORE_SIZE, the seed, fsck-clean" "$STORECTL" fsck "$work/p2"
rm -f "$work/p2"

qemu_git_forward "$pwfile" 60
DNS_PORT=$(free_port)
export DNS_PORT
start=$(date +%s)
QEMU_TIMEOUT=${QEMU_TIMEOUT:-900} qemu_run "$board" "$work/full.img" "$work"
if wait_for 'http: https on tcp port 443' 240; then
	ok "guest serving HTTPS after $(elapsed) s; $(grep -o 'store: opened in.*' "$log" | head -1)"
else
	fail "guest serving HTTPS"
	tail -n 30 "$log"
	done_tests
	exit 1
fi

cd "$work" || exit 1
g clone -q "$REPO" site 2>clone.err || cat clone.err
check "git clone of the seed" git -C site rev-parse -q --verify HEAD >/dev/null
seed_main=$(git -C site rev-parse HEAD)
# reads_ok: a fresh clone holds every acknowledged branch and nothing else
# but main, and passes fsck; the site is served.
READS="HTTPS serves the site; DNS answers over TCP"
reads_ok() {
	acked_clone_ok || return 1
	curl -sSkf --max-time 60 "https://127.0.0.1:$HTTPS_PORT/" | cmp -s - "$ROOT/store/seed/site/index.html" || { echo "the site"; return 1; }
	[ "$(dig +time=10 +tries=2 +tcp +short -p "$DNS_PORT" @127.0.0.1 example.home SOA | awk '{ print $1 }')" = ns1.example.home. ] ||
		{ echo "DNS over TCP"; return 1; }
}

full_store_checks
cd "$ROOT" || exit 1
qemu_store_end
rm -rf "$work/p2" "$work/run" "$work/full.img" "$work/site" "$work/fresh"
done_tests
