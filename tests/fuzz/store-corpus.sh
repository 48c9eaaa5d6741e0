#!/bin/bash
# Seed corpora for the store's fuzz targets: real git packs, deltas, objects.
# Usage: tests/fuzz/store-corpus.sh CORPUS_DIR
set -euo pipefail
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out/store_pack" "$out/store_delta" "$out/store_object"
export GIT_CONFIG_NOSYSTEM=1 HOME=$tmp GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
g=$tmp/g
git init -q "$g"
for i in 1 2 3 4; do
	seq 1 $((100 * i)) >"$g/f"; mkdir -p "$g/d"; echo "$i" >"$g/d/x"
	git -C "$g" add -A && git -C "$g" commit -q -m "c$i"
done
git -C "$g" tag -a -m tag v1
git -C "$g" rev-list --objects --all | git -C "$g" pack-objects -q --window=10 "$tmp/p" >/dev/null
# The fuzz target appends the trailer itself: store packs without theirs.
for p in "$tmp"/p-*.pack; do head -c -20 "$p" >"$out/store_pack/git.pack"; done
i=0
for o in $(git -C "$g" rev-list --objects --all | awk '{ print $1 }'); do
	case $(git -C "$g" cat-file -t "$o") in
	commit) t='\001' ;; tree) t='\002' ;; blob) t='\003' ;; tag) t='\004' ;;
	esac
	{ printf "$t"; git -C "$g" cat-file "$(git -C "$g" cat-file -t "$o")" "$o"; } >"$out/store_object/$i"
	i=$((i + 1))
done
# Deltas: first byte splits base from delta; one literal insert, one copy.
printf '\200abcdefgh\010\010\210\010' >"$out/store_delta/copy"
printf '\000\000\003\003abc' >"$out/store_delta/insert"
