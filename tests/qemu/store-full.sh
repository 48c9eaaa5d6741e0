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
. tests/store/acked.sh
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
elapsed() { echo $(($(date +%s) - start)); }
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

qemu_git_env
g() { timeout "$GIT_TIMEOUT" git -c http.sslVerify=false -c http.lowSpeedLimit=1 -c http.lowSpeedTime=60 "$@"; }
HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port) DNS_PORT=$(free_port)
export HTTP_PORT HTTPS_PORT DNS_PORT
REPO=https://127.0.0.1:$HTTPS_PORT/site.git
AUTH=https://owner:$(qemu_url_password "$pwfile")@127.0.0.1:$HTTPS_PORT/site.git
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
: >acked

# push_branch NAME KIB: a new branch NAME from main with one new file of
# KIB random KiB, pushed (push_again); 0 if acknowledged.
push_branch() {
	git -C site checkout -q -B "$1" "$seed_main" &&
		head -c $(($2 << 10)) /dev/urandom >"site/site/$1.bin" &&
		git -C site add "site/$1.bin" && git -C site commit -q -m "$1: $2 KiB" || return 2
	push_again "$1" "$(git -C site rev-parse HEAD)"
}
# push_again NAME COMMIT: push COMMIT to the branch NAME; "NAME COMMIT"
# into acked if git says it was done; git's output in push-NAME.err.
push_again() {
	local t0=$(date +%s)
	g -C site push "$AUTH" "$2:refs/heads/$1" >"push-$1.err" 2>&1
	local rc=$?
	say "  push $1: exit $rc in $(($(date +%s) - t0)) s"
	[ "$rc" = 0 ] || return 1
	echo "$1 $2" >>acked
}

# reads_ok: a fresh clone holds every acknowledged branch and nothing else
# but main, and passes fsck; the site is served.
reads_ok() {
	acked_clone_ok || return 1
	curl -sSkf --max-time 60 "https://127.0.0.1:$HTTPS_PORT/" | cmp -s - "$ROOT/store/seed/site/index.html" || { echo "the site"; return 1; }
	[ "$(dig +time=10 +tries=2 +tcp +short -p "$DNS_PORT" @127.0.0.1 example.home SOA | awk '{ print $1 }')" = ns1.example.home. ] ||
		{ echo "DNS over TCP"; return 1; }
}

# fill PREFIX KIB: branches PREFIX-1, PREFIX-2, ... of KIB KiB until a push
# is refused; $filled is how many were acknowledged, $refused the last name.
fill() {
	local i
	for ((i = 1; i <= 100; i++)); do
		push_branch "$1-$i" "$2" || break
	done
	filled=$((i - 1)) refused=$1-$i
}

fill big 1536
say "git's output for the refused push:"
sed 's/^/    /; s/ *$//' "push-$refused.err"
check "$filled pushes of 1.5 MiB (chunked) acknowledged, then $refused refused: $(grep -o 'the store is full.*' "push-$refused.err" | head -1 | sed 's/ *$//')" \
	eval '[ "$filled" -ge 3 ] && grep -q "remote: the store is full: [0-9]* KiB free of [0-9]* KiB, the push needs about [0-9]* KiB; delete what is no longer needed and push again" "push-$refused.err" && grep -q "\[remote rejected\] .*unpacker error" "push-$refused.err"'
big_refused=$refused big_commit=$(git -C site rev-parse HEAD)
check "reads go on: a fresh clone has every acknowledged branch and nothing else, fsck --strict; HTTPS serves the site; DNS over TCP" reads_ok
fill small 200
check "then $filled pushes of 200 KiB (length known) acknowledged, then $refused refused: $(grep -o 'the store is full.*' "push-$refused.err" | head -1 | sed 's/ *$//')" \
	grep -q "remote: the store is full: .*delete what is no longer needed and push again" "push-$refused.err"
check "reads still go on, nothing acknowledged lost" reads_ok

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
check "the refused 1.5 MiB push then goes through (the guest's compaction got the space back)" [ "$prc" = 0 ]
[ "$prc" = 0 ] || cat "push-$big_refused.err"
check "a fresh clone has every acknowledged branch, fsck --strict; the site and the zone served" reads_ok
check "no panic, fatal exception or out-of-memory on the console" \
	bash -c "! grep -Eiq 'guest: (fatal|panic)|out of memory|Kernel panic|Xen BUG|dom0: error' '$log'"
cd "$ROOT" || exit 1
say "done with the guest after $(elapsed) s; stopping QEMU"
stop_qemu
trap - EXIT
qemu_p2_out "$work/run/sd.img" "$work/p2"
check "the store on the disk it ran on passes storectl fsck" "$STORECTL" fsck "$work/p2"
rm -rf "$work/p2" "$work/run" "$work/full.img" "$work/site" "$work/fresh"
done_tests
