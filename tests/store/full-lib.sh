# Shared by the full-store suites (tests/host/store-full.sh on the twin,
# tests/qemu/store-full.sh in QEMU): source it after tests/lib.sh. The
# caller defines say, g (its git), reads_ok (a fresh clone is
# acked_clone_ok and the site and zone are served: what it serves is
# READS, said in the checks), REPO (the store's URL), AUTH (with the
# password), and runs in a working directory holding the clone "site".
# "NAME COMMIT" of each acknowledged push goes into the file acked there.

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

# push_branch NAME KIB: a new branch NAME from main ($seed_main) with one
# new file of KIB random KiB, pushed (push_again); 0 if acknowledged.
push_branch() {
	git -C site checkout -q -B "$1" "$seed_main" &&
		head -c $(($2 << 10)) /dev/urandom >"site/site/$1.bin" &&
		git -C site add "site/$1.bin" && git -C site commit -q -m "$1: $2 KiB" || return 2
	push_again "$1" "$(git -C site rev-parse HEAD)"
}

# push_again NAME COMMIT: push COMMIT to the branch NAME; "NAME COMMIT"
# into acked if git says it was done; git's output in push-NAME.err.
push_again() {
	local t0 rc
	t0=$(date +%s)
	g -C site push "$AUTH" "$2:refs/heads/$1" >"push-$1.err" 2>&1
	rc=$?
	say "  push $1: exit $rc in $(($(date +%s) - t0)) s"
	[ "$rc" = 0 ] || return 1
	echo "$1 $2" >>acked
}

# fill PREFIX KIB: branches PREFIX-1, PREFIX-2, ... of KIB KiB until a push
# is refused (200 at the most); $filled is how many were acknowledged,
# $refused the last name.
fill() {
	local i
	for ((i = 1; i <= 200; i++)); do
		push_branch "$1-$i" "$2" || break
	done
	filled=$((i - 1)) refused=$1-$i
}

# full_store_checks: the scenario, from the seed's clone (whose main is
# $seed_main) to a store made full twice and given space back:
#   - pushes of 1.5 MiB (git sends them chunked, the size unknown) are
#     acknowledged until one is refused (three at least), and git shows
#     why, with the numbers; reads go on;
#   - then pushes of 200 KiB (their length known) until one of those is
#     refused too; reads go on, nothing acknowledged lost;
#   - a push deleting three branches is taken (the store keeps room for
#     it), and the refused 1.5 MiB push then goes through: compaction got
#     the space back (a chunked push may first be told "the store was
#     full; compaction made room ...: push again", and must go through
#     the second time); reads go on.
full_store_checks() {
	local big_refused big_commit del drc prc
	: >acked
	fill big 1536
	say "git's output for the refused push:"
	sed 's/^/    /; s/ *$//' "push-$refused.err"
	check "$filled pushes of 1.5 MiB (chunked) acknowledged, then $refused refused: $(grep -o 'the store is full.*' "push-$refused.err" | head -1 | sed 's/ *$//')" \
		eval '[ "$filled" -ge 3 ] && grep -q "remote: the store is full: [0-9]* KiB free of [0-9]* KiB, the push needs about [0-9]* KiB; delete what is no longer needed and push again" "push-$refused.err" && grep -q "\[remote rejected\] .*unpacker error" "push-$refused.err"'
	big_refused=$refused big_commit=$(git -C site rev-parse HEAD)
	check "reads go on: a fresh clone has every acknowledged branch and nothing else, fsck --strict; $READS" reads_ok
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
	check "the refused 1.5 MiB push then goes through (compaction got the space back)" [ "$prc" = 0 ]
	[ "$prc" = 0 ] || cat "push-$big_refused.err"
	check "a fresh clone has every acknowledged branch, fsck --strict; $READS" reads_ok
}
