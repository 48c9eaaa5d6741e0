#!/bin/bash
# Usage: tests/qemu/faults.sh BOARD [DESTROYS]
#
# Power cuts of the guest alone, in QEMU, while git pushes into it (issue
# 13 item 5): one boot of a copy of BOARD's test image with
# selftest=destroy-loop (hypervisor/dom0/init; test images only): dom0
# destroys the guest DESTROYS times (default 50) and creates it again:
# first between a push's ref update and its answer (the guest's
# selftest=ackstall halts it there), then each instance once it has
# written its own point since it started (1 to FAULTS_SPAN KiB, spread by
# FAULTS_SEED, printed: a run is repeated with the same seed). Meanwhile a client pushes commits without pause
# through the HTTPS forward on 127.0.0.1 (user networking, restrict=on),
# each a random file of 2 KiB to 300 KiB, one in four to a new branch,
# and records which pushes git acknowledged (exit 0). So the cuts fall
# between pushes, in a pack, in a ref update and after it. Checked:
#   - the push cut between its ref update and its answer is on the guest
#     whole after the restart, though git never heard it was taken;
#   - every push that failed failed because dom0 destroyed the guest;
#   - after every restart the guest's store opened (its console) and the
#     guest serves again; its refs are exactly what the pushes made: every
#     acknowledged push is there (main at the last acknowledged commit or
#     a later pushed one, every acknowledged branch at its commit), a push
#     not acknowledged is there whole or absent, and no other ref exists;
#     a fetch of every ref into a verifying repository, which must pass
#     git fsck --strict;
#   - at the end one more push is acknowledged, a fresh clone passes git
#     fsck --full --strict and holds no object the client did not make (or
#     the seed held), and once QEMU stops the disk passes storectl fsck.
# Reports the seconds per destroy: about 11 on qemu-virt (50 in ten
# minutes; 10 in two and a half, with the boot and the end).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
usage="usage: tests/qemu/faults.sh BOARD [DESTROYS]"
board=${1:?$usage}
destroys=${2:-50}
[[ $destroys =~ ^[1-9][0-9]{0,3}$ ]] || { echo "$usage (DESTROYS: 1 to 9999, not '$destroys')" >&2; exit 2; }
img=${B:-build}/image/test/$board.img
pwfile=${OUT:-out}/$board.password
work=$(realpath -m "${B:-build}/test/faults-$board")
log=$work/serial.log
STORECTL=$(realpath -m "${STORECTL:-${B:-build}/host/storectl}")
GIT_TIMEOUT=${GIT_TIMEOUT:-180}
SPAN=${FAULTS_SPAN:-256}
SEED=${FAULTS_SEED:-$((RANDOM % 1000))}
# A destroy and the restart take 5-10 s; the pushes up to the point a few more.
STALL=${FAULTS_STALL:-300}
say() { echo "qemu-faults: $*"; }
rm -rf "$work" && mkdir -p "$work"
for f in "$img" "$pwfile" "$STORECTL"; do
	[ -e "$f" ] || { fail "$f exists (make $f)"; done_tests; exit 1; }
done

qemu_git_forward "$pwfile" 20
export QEMU_CONF="selftest=destroy-loop destroy_count=$destroys destroy_span=$SPAN destroy_seed=$SEED"
n_destroyed() { grep -c 'dom0: selftest: destroy [0-9]* of' "$log"; }

say "booting $img: $destroys destroys, points 1 + ($SEED + i * step) mod $SPAN KiB (FAULTS_SEED=$SEED); serial log in $log"
start=$(date +%s)
QEMU_TIMEOUT=${QEMU_TIMEOUT:-$((600 + destroys * 120))} qemu_run "$board" "$img" "$work"
if wait_for 'http: https on tcp port 443' 240 && wait_for 'dom0: selftest: destroy-loop armed' 30; then
	ok "guest serving HTTPS after $(elapsed) s; $(grep -o 'selftest: destroy-loop armed.*KiB' "$log" | head -1)"
else
	fail "guest serving HTTPS, with dom0's destroy-loop armed"
	tail -n 30 "$log"
	done_tests
	exit 1
fi

# ---- the client's repository and its record of the pushes ----

site=$work/site
g clone -q --bare "$REPO" "$site" 2>"$work/clone.err" || cat "$work/clone.err"
check "git clone of the seeded site" git -C "$site" rev-parse -q --verify refs/heads/main >/dev/null
g ls-remote "$REPO" | grep -v 'HEAD$' >"$work/seed.refs"
git init -q --bare "$work/verify"
main_ok=$(git -C "$site" rev-parse refs/heads/main) # main may be any of these
acked=$work/acked   # "REF COMMIT" of every acknowledged push
sent=$work/sent     # and of every push made
: >"$acked"
: >"$sent"

# new_commit REF: a commit on REF's tip in the client's repository (main's
# if REF is new), changing data/<n>.bin to random bytes, 2 KiB to 300 KiB:
# mostly small, one in eight large. Its id in $c; the client's REF moves.
n=0
new_commit() {
	local base kib idx blob tree
	n=$((n + 1))
	base=$(git -C "$site" rev-parse -q --verify "$1" || git -C "$site" rev-parse refs/heads/main)
	if ((RANDOM % 8 == 0)); then kib=$((150 + RANDOM % 151)); else kib=$((2 + RANDOM % 60)); fi
	idx=$work/index
	rm -f "$idx"
	blob=$(head -c $((kib << 10)) /dev/urandom | git -C "$site" hash-object -w --stdin) &&
		GIT_INDEX_FILE=$idx git -C "$site" read-tree "$base" &&
		GIT_INDEX_FILE=$idx git -C "$site" update-index --add --cacheinfo "100644,$blob,data/$((n % 8)).bin" &&
		tree=$(GIT_INDEX_FILE=$idx git -C "$site" write-tree) &&
		c=$(git -C "$site" commit-tree "$tree" -p "$base" -m "push $n: $kib KiB") &&
		git -C "$site" update-ref "$1" "$c"
	kib_last=$kib
}

# push_one REF: push REF's new commit; recorded in $sent, and in $acked
# if git says it was done. 0 if acknowledged.
push_one() {
	local rc
	new_commit "$1" || return 2
	echo "$1 $c" >>"$sent"
	g -C "$site" push -q "$AUTH" "$c:$1" >"$work/push.err" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "$1 $c" >>"$acked"
		[ "$1" != refs/heads/main ] || main_ok=$c
	else
		[ "$1" != refs/heads/main ] || main_ok="$main_ok $c"
	fi
	return $rc
}

# refs_ok: the guest's refs are what the pushes made; what is wrong is
# printed. The seed's refs other than main stay as they were.
refs_ok() {
	local oid ref bad=0
	g ls-remote "$REPO" >"$work/remote.refs" 2>"$work/ls.err" || { cat "$work/ls.err"; return 1; }
	grep -q $'\trefs/heads/main$' "$work/remote.refs" || { echo "no main"; bad=1; }
	while read -r oid ref; do
		case $ref in
		HEAD) continue ;;
		refs/heads/main)
			[[ " $main_ok " == *" $oid "* ]] || { echo "main at $oid: not a commit pushed since the last acknowledged one"; bad=1; } ;;
		refs/heads/f-*)
			grep -qx "$ref $oid" "$sent" || { echo "$ref at $oid: no push made it"; bad=1; } ;;
		*)
			grep -qP "^$oid\t\Q$ref\E$" "$work/seed.refs" || { echo "$ref at $oid: not the seed's, and no push made it"; bad=1; } ;;
		esac
	done < <(tr '\t' ' ' <"$work/remote.refs")
	while read -r ref oid; do
		[ "$ref" = refs/heads/main ] && continue
		grep -qP "^$oid\t\Q$ref\E$" "$work/remote.refs" || { echo "acknowledged $ref $oid is gone"; bad=1; }
	done <"$acked"
	return $bad
}

# verify_fetch: every ref of the guest into the verifying repository, fsck --strict.
verify_fetch() {
	g -C "$work/verify" fetch -q --prune "$REPO" '+refs/*:refs/*' 2>"$work/fetch.err" || { cat "$work/fetch.err"; return 1; }
	git -C "$work/verify" fsck --strict --no-progress >"$work/fsck.out" 2>&1 || { cat "$work/fsck.out"; return 1; }
}

# what K: dom0's line for destroy K, from "domid" to before its time.
what() {
	grep -o "destroy $1 of $destroys: domid [0-9]* [^[]*" "$log" | head -1 | sed "s/^destroy $1 of $destroys: //; s/ *$//"
}

# after_restarts: the newest instance of the guest is up (its store
# opened, HTTPS served), and the guest's refs and objects are as the
# pushes left them; then one line for each destroy since $seen, which
# moves. A cut-off push may go on into the next instance (curl sends a
# request again on a new connection when the one it reused dies before
# any answer), so dom0 may destroy that one during the checks: then they
# are made again, on the instance after.
after_restarts() {
	local d i again=0
	while :; do
		d=$(n_destroyed)
		if ! wait_for_n 'http: https on tcp port 443' $((d + 1)) 120; then
			fail "restart $d: the guest serves HTTPS again ($(what "$d"))"
			return 1
		fi
		# Its address (DHCP) may come a moment after.
		for ((i = 0; i < 30; i++)); do
			g ls-remote "$REPO" >/dev/null 2>&1 && break
			sleep 2
		done
		if [ "$(grep -c 'store: opened in' "$log")" -lt $((d + 1)) ] || grep -q 'store: cannot open' "$log"; then
			fail "restart $d: the store opened ($(what "$d")): $(grep -o 'store: cannot open.*' "$log" | head -1)"
			return 1
		fi
		refs_ok >"$work/refs.why" && verify_fetch >>"$work/refs.why"
		i=$?
		[ "$(n_destroyed)" != "$d" ] && ((++again < 10)) && continue
		[ "$i" = 0 ] && break
		fail "destroy $d: $(what "$d"): refs or objects after the restart"
		sed 's/^/    /' "$work/refs.why"
		return 1
	done
	for ((i = seen + 1; i <= d; i++)); do
		ok "destroy $i (at $(elapsed) s): $(what "$i"); store opened, $(wc -l <"$acked") acknowledged pushes all there, refs and fetch fsck-clean"
	done
	seen=$d
}

# ---- pushes until dom0 has destroyed the guest DESTROYS times ----

seen=0 pushes=0 failed=0 landed=0 last_progress=$(date +%s) t_loop=$(date +%s)
while [ "$seen" -lt "$destroys" ]; do
	pushes=$((pushes + 1))
	if ((pushes % 4 == 0)); then ref=refs/heads/f-$pushes; else ref=refs/heads/main; fi
	push_one "$ref"
	prc=$?
	now=$(n_destroyed)
	if [ "$prc" != 0 ]; then
		failed=$((failed + 1))
		# The destroy's line follows xl destroy: give it a moment.
		for ((i = 0; i < 30 && now == seen; i++)); do sleep 1; now=$(n_destroyed); done
		if [ "$now" = "$seen" ]; then
			fail "push $pushes ($ref, $kib_last KiB) failed with no destroy: $(tail -n 3 "$work/push.err" | tr '\n' ' ')"
			break
		fi
	fi
	if [ "$now" -gt "$seen" ]; then
		before=$seen
		after_restarts || break
		# Where the cut push is now: whole (the cut came after its ref
		# update was durable) or absent (before).
		whole=0
		! grep -qP "^$c\t\Q$ref\E$" "$work/remote.refs" || whole=1
		[ "$prc" = 0 ] || landed=$((landed + whole))
		# The first destroy came between the push's ref update and its
		# answer. (curl may have sent it again to the new instance, which
		# then answers it: the ref is at its commit either way.)
		[ "$before" != 0 ] || check "the push cut between its ref update and its answer ($ref, $kib_last KiB; git's exit $prc) is on the guest whole after the restart" [ "$whole" = 1 ]
		last_progress=$(date +%s)
	elif [ $(($(date +%s) - last_progress)) -gt "$STALL" ]; then
		fail "no destroy for $STALL s after destroy $seen (push $pushes)"
		break
	fi
	if ! kill -0 "$runner" 2>/dev/null; then
		fail "QEMU ended after destroy $seen"
		break
	fi
done
t_loop=$(($(date +%s) - t_loop))
per=$(awk -v t="$t_loop" -v n="$seen" 'BEGIN { printf "%.1f", t / (n ? n : 1) }')
say "$seen destroys in $t_loop s ($per s a destroy), $pushes pushes: $(wc -l <"$acked") acknowledged, $failed cut off ($landed of them whole on the guest after the restart, $((failed - landed)) absent)"
check "dom0 destroyed the guest $destroys times and said it was done" \
	wait_for 'dom0: selftest: destroy-loop done' 30
check "the first destroy between a push's ref update and its answer, every other at a different point: $(grep -o 'at point [0-9]*' "$log" | sort -u | wc -l) points, written $(grep -o 'it had written [0-9]*' "$log" | awk '{ print $4 }' | sort -n | sed -n '1p;$p' | tr '\n' ' ')KiB (least, most)" \
	eval '[ "$(grep -o "at point [0-9]*" "$log" | sort -u | wc -l)" = $((destroys - 1)) ] && grep -q "destroy 1 of $destroys: domid [0-9]* between a push.s ref update and its answer (refs/heads/.* updated)" "$log"'

# ---- the end: one more push, a fresh clone of it all ----

push_one refs/heads/main
prc=$?
check "one more push after the last restart is acknowledged ($kib_last KiB), and the refs are right" \
	eval '[ "$prc" = 0 ] && refs_ok'
rm -rf "$work/clone"
g clone -q --mirror "$REPO" "$work/clone" 2>"$work/clone.err"
crc=$?
check "a fresh clone of all of it passes git fsck --full --strict" \
	eval '[ "$crc" = 0 ] && git -C "$work/clone" fsck --full --strict --no-progress >"$work/fsck.out" 2>&1 || { cat "$work/clone.err" "$work/fsck.out"; false; }'
git -C "$work/clone" cat-file --batch-all-objects --batch-check='%(objectname)' >"$work/clone.objects"
git -C "$site" cat-file --batch-check='%(objectname) %(objecttype)' <"$work/clone.objects" | grep missing >"$work/foreign"
check "it holds no object the client did not make ($(wc -l <"$work/clone.objects") objects)" \
	[ ! -s "$work/foreign" ]
qemu_store_end
rm -rf "$work/p2" "$work/run" "$work/clone" "$work/verify" "$site"
done_tests
