# Shared by the full-store suites (tests/host/store-full.sh,
# tests/qemu/store-full.sh): source it; the caller defines g (its git) and
# REPO (the store's URL), and keeps "NAME COMMIT" of each acknowledged
# push in the file acked of its working directory.
#
# acked_clone_ok: a fresh mirror clone of REPO passes fsck --strict and
# holds every acknowledged branch at its commit, and no branch but those
# and main. Says what is wrong and returns 1 otherwise.
acked_clone_ok() {
	local name c
	rm -rf fresh
	g clone -q --mirror "$REPO" fresh 2>fresh.err || { cat fresh.err; return 1; }
	git -C fresh fsck --strict --no-progress >fsck.out 2>&1 || { cat fsck.out; return 1; }
	while read -r name c; do
		[ "$(git -C fresh rev-parse -q --verify "refs/heads/$name")" = "$c" ] || { echo "$name is not at $c"; return 1; }
	done <acked
	[ "$(git -C fresh for-each-ref refs/heads | wc -l)" = $(($(wc -l <acked) + 1)) ] ||
		{ git -C fresh for-each-ref refs/heads; echo "refs other than main and the acknowledged"; return 1; }
}
