#!/bin/bash
# Store benchmarks: numbers, not asserts. Writes OUTDIR/results.md.
#   - import of a real project's pack (a repository made from SRC, e.g. the
#     unpacked U-Boot source, ~19k files) vs `git index-pack` on the same
#     pack: wall time and peak memory (/usr/bin/time -v)
#   - index bytes per object, object read latency (random ids)
#   - open time of a full 1 GiB store, checkpointed and fully verified (fsck)
# Usage: store/bench.sh STORECTL SRC OUTDIR
set -euo pipefail
ctl=$(realpath "$1")
src=$(realpath "$2")
out=$3
mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME=$work GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b \
	GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b

# tv FILE: "wall-seconds peak-KiB" from /usr/bin/time -v output.
tv() {
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
		for (i = 1; i <= n; i++) s = s * 60 + t[i] }
		/Maximum resident/ { m = $2 } END { printf "%.2f %d\n", s, m }' "$1"
}

g=$work/repo
cp -a "$src" "$g"
rm -rf "$g/.git" "$g/.pc"
git -C "$g" init -q
git -C "$g" add -A
git -C "$g" commit -q -m "import $(basename "$src")"
# A second commit touching a few hundred files, so the pack has deltas.
find "$g" -name '*.c' -path '*drivers*' | sed -n 1,300p | while read -r f; do echo "/* bench */" >>"$f"; done
git -C "$g" commit -q -a -m "touch"
git -C "$g" rev-list --objects --all | git -C "$g" pack-objects -q --window=50 "$work/p" >/dev/null
pack=$(ls "$work"/p-*.pack)
nobj=$(git -C "$g" rev-list --objects --all | wc -l)
psize=$(stat -c %s "$pack")
head=$(git -C "$g" rev-parse HEAD)

mkdir "$work/ip" && cp "$pack" "$work/ip/x.pack"
/usr/bin/time -v git index-pack "$work/ip/x.pack" >/dev/null 2>"$work/t.git"
read -r git_s git_kb < <(tv "$work/t.git")

"$ctl" init "$work/s.img" 1G >/dev/null
/usr/bin/time -v "$ctl" import-pack "$work/s.img" "$pack" refs/heads/main "$head" >/dev/null 2>"$work/t.store"
read -r st_s st_kb < <(tv "$work/t.store")
"$ctl" stats "$work/s.img" 100000 >"$work/stats"
val() { awk -v k="$1" '$1 == k { print $2 }' "$work/stats"; }
lookup_us=$(awk '$1 == "lookups" { print $6 }' "$work/stats")

# Fill the 1 GiB store's active region (512 MiB) with copies of the pack.
n=0
while "$ctl" import-pack "$work/s.img" "$pack" >/dev/null 2>&1; do
	n=$((n + 1))
	[ $((psize * (n + 2))) -lt $((500 * 1048576)) ] || break
done
"$ctl" stats "$work/s.img" >"$work/stats-full"
open_ms=$(awk '$1 == "open_ms" { print $2 }' "$work/stats-full")
used=$(awk '$1 == "log_used" { print $2 }' "$work/stats-full")
/usr/bin/time -v "$ctl" fsck "$work/s.img" >/dev/null 2>"$work/t.fsck"
read -r fsck_s fsck_kb < <(tv "$work/t.fsck")

# 200 commits of text changes (a site of a few pages, one edited each
# time): the store after compaction vs git's repository after `git gc`.
h=$work/hist
mkdir -p "$h/site"
for p in 1 2 3 4 5; do seq 1 600 | sed "s/^/page $p line /" >"$h/site/p$p.html"; done
git -C "$h" init -q
"$ctl" init "$work/h.img" 64M >/dev/null
for i in $(seq 1 200); do
	f=$h/site/p$((i % 5 + 1)).html
	sed -i "$((i * 7 % 600 + 1))s/.*/edited in commit $i/" "$f"
	git -C "$h" add -A && git -C "$h" commit -q -m "c$i"
	"$ctl" import "$work/h.img" "$h/site" -m "c$i" >/dev/null
	[ $((i % 50)) != 0 ] || echo "store bench: history commit $i of 200" >&2
done
"$ctl" compact "$work/h.img" >/dev/null
hist_store=$("$ctl" stats "$work/h.img" | awk '$1 == "log_used" { print $2 }')
git -C "$h" gc -q
hist_git=$(du -sb "$h/.git/objects" | awk '{ print $1 }')
hist_raw=$(du -sb "$h/site" | awk '{ print $1 }')

cat >"$out/results.md" <<EOT
## store

| measure | value |
|---|---|
| project | $(basename "$src"): $(find "$g" -path "$g/.git" -prune -o -type f -print | wc -l) files, 2 commits, $nobj objects, pack $((psize / 1024)) KiB (--window=50) |
| git index-pack | ${git_s} s, peak ${git_kb} KiB |
| storectl import-pack (verify, resolve deltas, log, ref) | ${st_s} s, peak ${st_kb} KiB |
| index bytes per object | $(val index_bytes) bytes / $(val objects) objects = $(awk -v a="$(val index_bytes)" -v b="$(val objects)" 'BEGIN { printf "%.0f", a / b }') |
| object read (random id, inflate + deltas), mean | ${lookup_us} us |
| full store: log used | $((used / 1048576)) MiB of a 1 GiB device ($((n + 1)) pack records) |
| full store: open (scan to checkpoint, rebuild index) | ${open_ms} ms |
| full store: fsck (every record's CRC, every object's hash) | ${fsck_s} s, peak ${fsck_kb} KiB |
| 200 commits of text edits (5 pages, $((hist_raw / 1024)) KiB checked out): store after compaction | $((hist_store / 1024)) KiB of log |
| the same history in git after \`git gc\` | $((hist_git / 1024)) KiB in .git/objects |
EOT
cat "$out/results.md"
