#!/bin/bash
# Usage: tests/qemu/git.sh BOARD
#
# Git smart HTTP in the guest, in QEMU, with Debian's git as the client
# through the HTTPS forward on 127.0.0.1: one boot of BOARD's test image
# with selftest=destroy (dom0 destroys the first instance of the guest once
# it has written 2 MiB to its disk after it was ready, and creates it
# again; hypervisor/dom0/init; only a test image accepts it, so the shipped
# image is checked not to carry its marker, and booted to see its dom0
# refuse the mode):
#   - git clone of the seeded site; a push without the password, and with a
#     wrong one, is refused and main stays; a push with the image's own
#     password (OUT/BOARD.password) of a commit changing site/index.html,
#     after which curl gets the new page; a fresh clone passes
#     git fsck --full --strict;
#   - a push of a 10 MiB file, during which dom0 destroys the guest (a
#     power cut of the guest alone; the push goes through a relay that
#     holds its last 4 MiB until then, tests/qemu/hold_relay.py) and
#     creates it again: the store opens,
#     main is either the old commit or the new one and the site served is
#     that commit's, a fresh clone is fsck-clean, and the same push again
#     succeeds;
#   - a 30 MiB pack (six random 5 MiB files, which git cannot compress)
#     pushed into the 64 MiB guest, with the heap in use sampled from
#     /metrics all through it and the guest's high-water mark before and
#     after: the peak must stay under HEAP_BOUND_MIB;
#   - at the end a fresh clone of all of it passes git fsck --full
#     --strict, and once QEMU stops the store on its disk passes
#     storectl fsck;
#   - a short second boot, of the shipped image with selftest=destroy: its
#     dom0 refuses the mode (no test-image file on its BOOT partition).
# About three and a half minutes. Every git command is bounded (GIT_TIMEOUT, and
# curl's low-speed limit inside git).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
board=${1:?usage: tests/qemu/git.sh BOARD}
img=${B:-build}/image/test/$board.img
shipped=${OUT:-out}/$board.img
pwfile=${OUT:-out}/$board.password
work=$(realpath -m "${B:-build}/test/git-$board")
log=$work/serial.log
STORECTL=$(realpath -m "${STORECTL:-${B:-build}/host/storectl}")
GIT_TIMEOUT=${GIT_TIMEOUT:-300}
HEAP_BOUND_MIB=${HEAP_BOUND_MIB:-16}
SEED_INDEX=$PWD/store/seed/site/index.html
HOLD_RELAY=$PWD/tests/qemu/hold_relay.py
say() { echo "qemu-git: $*"; }
rm -rf "$work" && mkdir -p "$work"
for f in "$img" "$pwfile" "$STORECTL"; do
	[ -e "$f" ] || { fail "$f exists (make $f)"; done_tests; exit 1; }
done

# Only a test image carries the marker that lets dom0 destroy the guest.
has_marker() { MTOOLS_SKIP_CHECK=1 mdir -b -i "$1@@1048576" ::test-image >/dev/null 2>&1; }
check "the test image's BOOT partition holds test-image (dom0's selftest=destroy)" has_marker "$img"
check "the shipped $shipped does not: its dom0 refuses selftest=destroy" not has_marker "$shipped"

qemu_git_forward "$pwfile" 30
export QEMU_CONF="selftest=destroy"
WRONG=https://owner:not-the-password@127.0.0.1:$HTTPS_PORT/site.git
sampler=
relay=
stop_extra() { for p in $sampler $relay; do kill "$p" 2>/dev/null; done; }
main_of() { g ls-remote "$REPO" refs/heads/main 2>/dev/null | cut -f1; }
page() { curl -sSk --max-time 60 "https://127.0.0.1:$HTTPS_PORT/${1:-}"; }
# fresh_clone DIR COMMIT: a new clone of the guest's site.git has main at
# COMMIT and passes git fsck; what went wrong is printed.
fresh_clone() {
	rm -rf "$1"
	if ! g clone -q "$REPO" "$1" 2>"$1.err"; then
		cat "$1.err"
		return 1
	fi
	git -C "$1" fsck --full --strict >"$1.fsck" 2>&1 || { cat "$1.fsck"; return 1; }
	[ "$(git -C "$1" rev-parse HEAD)" = "$2" ] || { echo "main of the clone: $(git -C "$1" rev-parse HEAD)"; return 1; }
}
wrong_password_refused() {
	! g push -q "$WRONG" main 2>/dev/null && wait_for 'git: wrong push password from' 20
}
# push NAME: git push of main with the password, timed into $t; its errors
# in $work/push-NAME.err, printed if it fails.
push() {
	local t0 rc
	t0=$(date +%s.%N)
	g push -q "$AUTH" main 2>"$work/push-$1.err"
	rc=$?
	t=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
	return $rc
}

say "booting $img with selftest=destroy, HTTPS on 127.0.0.1:$HTTPS_PORT; serial log in $log"
start=$(date +%s)
QEMU_TIMEOUT=${QEMU_TIMEOUT:-900} qemu_run "$board" "$img" "$work"
if wait_for 'http: https on tcp port 443' 240 && wait_for 'dom0: selftest: destroy armed' 30; then
	ok "guest serving HTTPS after $(elapsed) s; $(grep -o 'selftest: destroy armed.*disk' "$log" | head -1)"
else
	fail "guest serving HTTPS, with dom0's destroy armed"
	tail -n 30 "$log"
	done_tests
	exit 1
fi

# ---- clone, push, the page changes ----

g clone -q "$REPO" "$work/site" 2>"$work/clone.err" || cat "$work/clone.err"
check "git clone of the seeded site: $(git -C "$work/site" log --oneline 2>/dev/null | wc -l) commit(s), site/index.html as seeded" \
	cmp -s "$work/site/site/index.html" "$SEED_INDEX"
seed=$(git -C "$work/site" rev-parse HEAD 2>/dev/null)
cd "$work/site" || exit 1
printf '<!doctype html>\n<title>pushed</title>\n<h1>Pushed from git in %s</h1>\n' "$(date -u +%FT%TZ)" >site/index.html
git commit -qam "site: a new front page" && one=$(git rev-parse HEAD)
check "a push without credentials is refused" not g push -q "$REPO" main 2>/dev/null
check "a push with a wrong password is refused, and the guest logs it" wrong_password_refused
check "main is still the seed" [ "$(main_of)" = "$seed" ]
push one || cat "$work/push-one.err"
check "git push with the image's password ($pwfile) of a commit changing site/index.html ($t s)" \
	[ "$(main_of)" = "$one" ]
check "curl gets the new page from the guest" cmp -s <(page) site/index.html
cd - >/dev/null || exit 1
check "a fresh clone has it and passes git fsck --full --strict" fresh_clone "$work/clone1" "$one"

# ---- xl destroy during a 10 MiB push, and the restart ----

cd "$work/site" || exit 1
head -c $((10 << 20)) /dev/urandom >site/ten.bin
git add site/ten.bin && git commit -qm "site: a 10 MiB file" && ten=$(git rev-parse HEAD)
# Through a relay that passes 6 MiB of git's bytes and holds the rest until
# dom0 has destroyed the guest: the destroy always finds the push unfinished.
# (dom0's threshold, DESTROY_KIB in hypervisor/dom0/init, must stay below
# what the relay lets through, or the destroy never comes.)
relay_port=$(free_port)
"$PY" "$HOLD_RELAY" "$relay_port" "$HTTPS_PORT" $((6 << 20)) "$log" \
	'selftest: destroyed domid' 300 >"$work/relay.out" 2>&1 &
relay=$!
for _ in $(seq 50); do grep -q listening "$work/relay.out" && break; sleep 0.1; done
say "pushing 10 MiB (6 MiB of it let through); dom0 destroys the guest once it has written 2 MiB"
AUTH=${AUTH/:$HTTPS_PORT\//:$relay_port/} push ten
prc=$?
wait "$relay"
destroyed=$(grep -o 'selftest: destroyed domid.*disk' "$log" | head -1)
check "dom0 destroyed the guest in the middle of the push, cut off after $t s (git exit $prc; $(grep -o 'passed [0-9]* of.*bytes' "$work/relay.out")): ${destroyed:-no destroy}" \
	[ "$prc" != 0 -a -n "$destroyed" ]
say "waiting for the new instance of the guest"
if wait_for_n 'http: https on tcp port 443' 2 240; then
	ok "dom0 created the guest again and it serves HTTPS: $(grep -o 'guest created again (domid [0-9]*)' "$log" | head -1)"
else
	fail "dom0 created the guest again and it serves HTTPS"
	tail -n 30 "$log"
fi
check "its store opened: $(grep -o 'store: opened in.*' "$log" | sed -n 2p)" \
	bash -c "[ \$(grep -c 'store: opened in' '$log') -ge 2 ] && ! grep -q 'store: cannot open' '$log'"
after=
for i in $(seq 30); do
	after=$(main_of)
	[ -n "$after" ] && break
	sleep 2
done
which=neither
[ "$after" != "$one" ] || which="the old one"
[ "$after" != "$ten" ] || which="the new one"
check "after the destroy main is the old commit or the new one: $which (${after:-none})" \
	[ "$which" != neither ]
want=$work/want.html
git show "$after:site/index.html" >"$want" 2>/dev/null
check "the site served is that commit's" cmp -s <(page) "$want"
cd - >/dev/null || exit 1
check "a fresh clone passes git fsck --full --strict" fresh_clone "$work/clone2" "$after"
cd "$work/site" || exit 1
say "pushing the 10 MiB commit again"
push ten-again || cat "$work/push-ten-again.err"
check "the same push again succeeds ($t s): main is the 10 MiB commit" [ "$(main_of)" = "$ten" ]
check "the guest serves the 10 MiB file intact" cmp -s <(page ten.bin) site/ten.bin

# ---- a 30 MiB pack into the 64 MiB guest ----

mkdir -p site/big
for i in 1 2 3 4 5 6; do head -c $((5 << 20)) /dev/urandom >"site/big/r$i.bin"; done
git add site/big && git commit -qm "site: 30 MiB in six files" && big=$(git rev-parse HEAD)
used0=$(qemu_metric "$HTTP_PORT" appliance_heap_bytes)
peak0=$(qemu_metric "$HTTP_PORT" appliance_heap_peak_bytes)
say "pushing 30 MiB; heap in use $((used0 / 1024)) KiB, high-water $((peak0 / 1024)) KiB (this instance)"
# The heap in use, once a second (and a progress line every 10 s).
(
	n=0
	while :; do
		v=$(qemu_metric "$HTTP_PORT" appliance_heap_bytes)
		[ -z "$v" ] || echo "$v" >>"$work/heap.samples"
		n=$((n + 1))
		[ $((n % 10)) != 0 ] || say "  ... $n s, heap in use $((${v:-0} / 1024)) KiB"
		sleep 1
	done
) &
sampler=$!
push thirty || cat "$work/push-thirty.err"
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
sampler=
used1=$(qemu_metric "$HTTP_PORT" appliance_heap_bytes)
peak1=$(qemu_metric "$HTTP_PORT" appliance_heap_peak_bytes)
smax=$(sort -n "$work/heap.samples" 2>/dev/null | tail -n 1)
nsamp=$(wc -l <"$work/heap.samples" 2>/dev/null || echo 0)
check "git push of 30 MiB in six files ($t s): main is its commit" [ "$(main_of)" = "$big" ]
check "heap during the 30 MiB push: in use $((used0 / 1024)) KiB before, at most $((${smax:-0} / 1024)) KiB in $nsamp samples, $((${used1:-0} / 1024)) KiB after; high-water $((peak0 / 1024)) KiB before, $((${peak1:-0} / 1024)) KiB after (bound $HEAP_BOUND_MIB MiB)" \
	[ "${peak1:-0}" -gt 0 -a "${peak1:-0}" -lt $((HEAP_BOUND_MIB << 20)) ]
check "one of its files served intact" cmp -s <(page big/r6.bin) site/big/r6.bin
cd - >/dev/null || exit 1
say "a fresh clone of all of it (over 40 MiB)"
t0=$(date +%s)
fresh_clone "$work/clone3" "$big"
crc=$?
check "a fresh clone of it all ($(($(date +%s) - t0)) s) passes git fsck --full --strict and has every file" \
	eval '[ "$crc" = 0 ] && diff -r -x .git "$work/site" "$work/clone3" >/dev/null'
rm -rf "$work/clone1" "$work/clone2" "$work/clone3"

qemu_store_end
rm -rf "$work/p2" "$work/run" "$work/site"

# The shipped image, given the same appliance.conf line, must not destroy
# anything: its dom0 refuses the mode and starts the guest as in service.
say "booting the shipped $shipped with selftest=destroy until dom0 answers it"
t0=$(date +%s)
QEMU_CONF="selftest=destroy" QEMU_LOG=$work/shipped.log QEMU_TIMEOUT=180 \
	QEMU_UNTIL='dom0: selftest=destroy refused|dom0: selftest: destroy armed|dom0: error|Kernel panic' \
	HTTP_PORT=0 HTTPS_PORT=0 EDIT_PORT= DNS_PORT=0 image/qemu.sh "$board" "$shipped" "$work/shipped" 2>/dev/null
check "the shipped image's dom0 refuses selftest=destroy ($(($(date +%s) - t0)) s): $(grep -o 'selftest=destroy refused: [^;]*' "$work/shipped.log" | head -1)" \
	bash -c "grep -q 'dom0: selftest=destroy refused' '$work/shipped.log' && ! grep -q 'destroy armed' '$work/shipped.log'"
rm -rf "$work/shipped"
done_tests
