#!/bin/bash
# Interop with real git: the tree id of an imported directory equals
# `git add -A && git write-tree`; an export passes `git fsck --full`; a
# pack made by `git pack-objects --window=50` (with deltas) imports and
# every object reads back byte-identical.
# Usage: tests/store/interop.sh STORECTL
set -uo pipefail
ctl=$(realpath "$1")
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME=$tmp GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t

# A directory with the awkward cases.
d=$tmp/site
mkdir -p "$d/a/b/c" "$d/empty-dir" "$d/dir.x" "$d/dir"
printf 'hello\n' >"$d/index.html"
: >"$d/empty"
printf '#!/bin/sh\necho hi\n' >"$d/run.sh"; chmod +x "$d/run.sh"
ln -s index.html "$d/link"
ln -s ../../nowhere "$d/a/b/dangling"
printf 'deep\n' >"$d/a/b/c/deep.txt"
printf 'x' >"$d/dir.x/f"; printf 'y' >"$d/dir/f"; printf 'z' >"$d/dir-"
printf 'unicode\n' >"$d/caf$(printf '\303\251').txt"
printf 'space\n' >"$d/with space"
head -c 300000 /dev/urandom >"$d/a/big.bin"

"$ctl" init "$tmp/s.img" 16M >/dev/null
ours=$("$ctl" import "$tmp/s.img" "$d" -m first | awk '$1 == "tree" { print $2 }')
theirs=$(cd "$d" && git init -q && git add -A && git write-tree)
rm -rf "$d/.git"
check "import tree id equals git write-tree ($theirs)" [ "$ours" = "$theirs" ]

# A second commit: changed, deleted, new files.
printf 'hello again\n' >"$d/index.html"; rm "$d/empty"; printf 'new\n' >"$d/a/new"
ours2=$("$ctl" import "$tmp/s.img" "$d" -m second | awk '$1 == "tree" { print $2 }')
theirs2=$(cd "$d" && git init -q && git add -A && git write-tree)
rm -rf "$d/.git"
check "second import tree id equals git write-tree" [ "$ours2" = "$theirs2" ]
check "log shows two commits" [ "$("$ctl" log "$tmp/s.img" | wc -l)" = 2 ]
check "cat reads a nested file" [ "$("$ctl" cat "$tmp/s.img" HEAD a/b/c/deep.txt)" = deep ]
check "fsck clean" "$ctl" fsck "$tmp/s.img"

# Export, then let git judge it.
"$ctl" export "$tmp/s.img" "$tmp/exp" >/dev/null
check "export passes git fsck --full" git -C "$tmp/exp" fsck --full --strict
check "exported HEAD is the store's main" \
	[ "$(git -C "$tmp/exp" rev-parse HEAD^{tree})" = "$ours2" ]
check "exported history has two commits" [ "$(git -C "$tmp/exp" rev-list --count HEAD)" = 2 ]
git -C "$tmp/exp" verify-pack -v "$tmp"/exp/.git/objects/pack/*.idx >"$tmp/vp" 2>&1
check "export's pack verifies (git verify-pack)" [ $? = 0 ]

# A git-made pack with deltas: every object must match.
g=$tmp/g
git init -q "$g"
for i in $(seq 1 30); do
	seq 1 $((2000 + i * 7)) | sed "s/^$i\$/changed $i/" >"$g/file.txt"
	head -c 20000 /dev/zero | tr '\0' "$(printf "\\$(printf %o $((65 + i % 26)))")" >"$g/other.txt"
	mkdir -p "$g/d$((i % 3))"; echo "$i" >"$g/d$((i % 3))/n"
	git -C "$g" add -A && git -C "$g" commit -q -m "c$i"
done
git -C "$g" rev-list --objects --all | git -C "$g" pack-objects --window=50 --depth=50 -q "$tmp/p" >/dev/null
pack=$(ls "$tmp"/p-*.pack)
ndelta=$(git verify-pack -v "${pack%.pack}.idx" | awk 'NF == 7 { n++ } END { print n + 0 }')
check "git's pack has deltas ($ndelta)" [ "$ndelta" -gt 10 ]
"$ctl" init "$tmp/g.img" 16M >/dev/null
check "git pack imports" "$ctl" import-pack "$tmp/g.img" "$pack" refs/heads/main "$(git -C "$g" rev-parse HEAD)"
check "imported store fsck clean" "$ctl" fsck "$tmp/g.img"
"$ctl" export "$tmp/g.img" "$tmp/gexp" >/dev/null
git -C "$g" rev-list --objects --all | awk '{ print $1 }' | sort >"$tmp/want"
git -C "$tmp/gexp" rev-list --objects --all | awk '{ print $1 }' | sort >"$tmp/got"
check "every object of the git pack is in the store ($(wc -l <"$tmp/want"))" cmp -s "$tmp/want" "$tmp/got"
bad=0
while read -r o; do
	[ "$(git -C "$g" cat-file -p "$o" | sha1sum)" = "$(git -C "$tmp/gexp" cat-file -p "$o" | sha1sum)" ] || bad=$((bad + 1))
done < <(head -200 "$tmp/want")
check "objects read back byte-identical" [ "$bad" = 0 ]
check "re-exported repository passes git fsck --full" git -C "$tmp/gexp" fsck --full --strict
sdelta=$(git verify-pack -v "$tmp"/gexp/.git/objects/pack/*.idx | awk 'NF == 7 { n++ } END { print n + 0 }')
check "our served pack has deltas for versions of a path ($sdelta)" [ "$sdelta" -gt 10 ]
# A clone of the export works and checks out the same files.
git clone -q "$tmp/gexp" "$tmp/clone" 2>/dev/null
check "clone of export checks out" cmp -s "$g/file.txt" "$tmp/clone/file.txt"

# The packer: what wants reach and haves do not, exactly, and git takes it.
# objs PACK: the sorted ids in a pack, from git's own index of it.
objs() {
	rm -rf "$tmp/ix" && git init -q "$tmp/ix" && cp "$1" "$tmp/ix/x.pack" &&
		git -C "$tmp/ix" index-pack "$tmp/ix/x.pack" >/dev/null &&
		git verify-pack -v "$tmp/ix/x.idx" | awk 'NF >= 5 && $2 ~ /^(commit|tree|blob|tag)$/ { print $1 }' | sort
}
head=$(git -C "$g" rev-parse HEAD)
old=$(git -C "$g" rev-parse HEAD~10)
"$ctl" pack "$tmp/g.img" "$head" --not "$old" >"$tmp/inc.pack" 2>/dev/null
# What HEAD~10 lacks, all of it, and nothing HEAD~10 itself holds (its
# commits, its tree): like git's pack-objects, the packer does not walk the
# trees of older history, so a file brought back from there may come again.
git -C "$g" rev-list --objects "$head" | awk '{ print $1 }' | sort >"$tmp/head.objs"
git -C "$g" rev-list --objects "$old" | awk '{ print $1 }' | sort >"$tmp/old.objs"
comm -23 "$tmp/head.objs" "$tmp/old.objs" >"$tmp/inc.want"
{ git -C "$g" rev-list "$old" && git -C "$g" rev-parse "$old^{tree}" &&
	git -C "$g" ls-tree -r -t "$old" | awk '{ print $3 }'; } | sort -u >"$tmp/old.has"
# Holds what `want` lists, and nothing of what the haves' commits and tree hold.
complete_and_new() {
	[ -z "$(comm -23 "$tmp/inc.want" <(objs "$1"))" ] &&
		[ -z "$(comm -12 "$tmp/old.has" <(objs "$1"))" ]
}
check "pack for HEAD not HEAD~10 holds what HEAD~10 lacks ($(wc -l <"$tmp/inc.want") objects), none it has" \
	complete_and_new "$tmp/inc.pack"
# A repository holding HEAD~10 takes the pack and is then whole at HEAD.
git init -q "$tmp/has"
git -C "$g" rev-list --objects "$old" | git -C "$g" pack-objects -q --stdout | git -C "$tmp/has" index-pack --stdin >/dev/null
git -C "$tmp/has" index-pack --stdin <"$tmp/inc.pack" >/dev/null 2>&1
git -C "$tmp/has" update-ref refs/heads/main "$head"
git -C "$tmp/has" symbolic-ref HEAD refs/heads/main
check "git index-pack takes the incremental pack; git fsck --full --strict passes at HEAD" \
	git -C "$tmp/has" fsck --full --strict --no-dangling
"$ctl" pack "$tmp/g.img" refs/heads/main >"$tmp/full.pack" 2>/dev/null
git -C "$g" rev-list --objects "$head" | awk '{ print $1 }' | sort >"$tmp/full.want"
check "pack of main with no haves holds exactly its history" cmp -s "$tmp/full.want" <(objs "$tmp/full.pack")
"$ctl" pack "$tmp/g.img" "$head" --not "$head" >"$tmp/none.pack" 2>/dev/null
check "want == have: an empty pack git accepts" [ "$(objs "$tmp/none.pack" | wc -l)" = 0 ]
"$ctl" pack "$tmp/g.img" "$head" --not 0123456789012345678901234567890123456789 "$old" >"$tmp/unk.pack" 2>/dev/null
check "haves the store does not know are ignored" complete_and_new "$tmp/unk.pack"
check "a want the store lacks is refused" \
	not "$ctl" pack "$tmp/g.img" 0123456789012345678901234567890123456789

# A thin pack, as `git push` sends: deltas against objects the store already
# holds (history up to c20) must be completed from the store.
base=$(git -C "$g" rev-parse HEAD~10)
git -C "$g" rev-list --objects "$base" | git -C "$g" pack-objects -q "$tmp/b" >/dev/null
"$ctl" init "$tmp/t.img" 16M >/dev/null
"$ctl" import-pack "$tmp/t.img" "$(ls "$tmp"/b-*.pack)" refs/heads/main "$base" >/dev/null
printf '%s\n^%s\n' "$(git -C "$g" rev-parse HEAD)" "$base" |
	git -C "$g" pack-objects --revs --thin --stdout -q >"$tmp/thin.pack"
git init -q "$tmp/empty"
git -C "$tmp/empty" index-pack --stdin <"$tmp/thin.pack" >/dev/null 2>"$tmp/thin.err"
check "git's thin pack really is thin (git index-pack alone: unresolved deltas)" grep -q "unresolved delta" "$tmp/thin.err"
check "thin pack imports, bases completed from the store" \
	"$ctl" import-pack "$tmp/t.img" "$tmp/thin.pack" refs/heads/main "$(git -C "$g" rev-parse HEAD)"
check "store fsck clean after the thin pack" "$ctl" fsck "$tmp/t.img"
check "file.txt at main equals git's after the thin pack" \
	cmp -s <("$ctl" cat "$tmp/t.img" refs/heads/main file.txt) "$g/file.txt"
done_tests
