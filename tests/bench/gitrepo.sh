# The generated bench repository (tests/bench/gitrepo-gen.py: 5,000 files,
# 200 commits and a few refs more), shared by the Git benchmarks. Source it
# after defining say(); it sets CACHE, GEN and SRC.
#
#   gen_repo   makes the bare repository $SRC again only when the
#              generator changed: fast-import's pack repacked with deltas
#              (as git gc would)
CACHE=${BENCH_GIT_CACHE:-build/bench/gitrepo}
GEN=tests/bench/gitrepo-gen.py
SRC=$(realpath -m "$CACHE/src.git")

gen_repo() {
	local stamp=$CACHE/stamp want
	want=$(sha256sum "$GEN" | cut -d' ' -f1)
	[ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -d "$SRC" ] && return 0
	say "generating the repository in $CACHE (once)"
	rm -rf "$CACHE" && mkdir -p "$CACHE" && git init -q --bare "$SRC" &&
		timeout 600 "$PY" "$GEN" | git -C "$SRC" fast-import --quiet &&
		git -C "$SRC" repack -adfq &&
		echo "$want" >"$stamp"
}
