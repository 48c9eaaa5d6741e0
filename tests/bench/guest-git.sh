#!/bin/bash
# Usage: tests/bench/guest-git.sh BOARD
# Benchmark (numbers, no pass/fail), issue 10 "In QEMU": Git smart HTTP
# served by the guest, Debian's git as the client through the HTTPS
# forward on 127.0.0.1, in two boots of copies of BOARD's image:
#   1. the image as built (main is the seeded site): git clone of the site,
#      $BENCH_GUEST_GIT_REPS times (median and range);
#   2. a copy whose store holds the benchmark repository of
#      tests/bench/git-http.sh (tests/bench/gitrepo-gen.py, cached in
#      $BENCH_GIT_CACHE, build/bench/gitrepo: 5,000 files, 200 commits),
#      imported with storectl as main (commit 200) and refs/heads/next
#      (commit 210), with a push password set with storectl passwd:
#      - git clone --no-checkout --single-branch of main, once (about a
#        minute), checked to be at commit 200;
#      - git push of the commit changing 1,000 files (on top of 210, so the
#        server's next spares the 10 commits between) to a new branch,
#        $BENCH_GUEST_GIT_REPS times, the branch deleted after each so that
#        every round sends the same objects; then once to main, where the
#        site switches to it.
# For each: the guest's heap high-water mark (/metrics, since the boot)
# after it, and the longest time between two answers to /metrics requests
# made once a second during it (how long the guest's event loop stood
# still).
# Markdown on stdout, progress on stderr ("bench-guest-git: ..."). About 2
# minutes, half of it the 5,000-file clone (BENCH_GUEST_GIT_SKIP_CLONE=1
# leaves it out).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/qemu/run-lib.sh
board=${1:-qemu-virt}
img=${OUT:-out}/$board.img
dir=$(realpath -m "${B:-build}/bench/guest-git-$board")
STORECTL=$(realpath -m "${STORECTL:-${B:-build}/host/storectl}")
REPS=${BENCH_GUEST_GIT_REPS:-3}
GIT_TIMEOUT=${BENCH_GUEST_GIT_TIMEOUT:-1800}
PASS=bench-$$-$RANDOM$RANDOM
declare -A TIMES=() HEAP=() STALL=() RECV=() NOTE=()
say() { echo "bench-guest-git: $*" >&2; }
. tests/bench/gitrepo.sh
rm -rf "$dir" && mkdir -p "$dir"
[ -f "$img" ] || { say "no $img (make $img)"; exit 1; }

# The second boot's image: the repository's packs imported into the store
# of a copy, main at commit 200 and next at 210, and our push password.
make_image() {
	C200=$(git -C "$SRC" rev-parse refs/heads/main) &&
		C210=$(git -C "$SRC" rev-parse refs/bench/fetch) &&
		CPUSH=$(git -C "$SRC" rev-parse refs/bench/push) &&
		git -C "$SRC" pack-objects -q --revs --stdout <<<main >"$dir/main.pack" &&
		printf 'refs/bench/fetch\n^refs/heads/main\n' |
		git -C "$SRC" pack-objects -q --revs --stdout >"$dir/next.pack" &&
		cp --sparse=always "$img" "$dir/repo.img" &&
		qemu_p2_out "$dir/repo.img" "$dir/p2" &&
		"$STORECTL" import-pack "$dir/p2" "$dir/main.pack" refs/heads/main "$C200" >/dev/null &&
		"$STORECTL" import-pack "$dir/p2" "$dir/next.pack" refs/heads/next "$C210" >/dev/null &&
		printf '%s\n' "$PASS" >"$dir/pass" &&
		"$STORECTL" passwd "$dir/p2" "$dir/pass" >/dev/null &&
		qemu_p2_in "$dir/p2" "$dir/repo.img" &&
		rm -f "$dir/p2"
}

# boot IMAGE NAME: start QEMU on IMAGE (its own forwards) and wait for
# HTTPS; sets URL and AUTH.
boot() {
	HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port)
	export HTTP_PORT HTTPS_PORT QEMU_CONF=
	URL=https://127.0.0.1:$HTTPS_PORT/site.git
	AUTH=https://owner:$PASS@127.0.0.1:$HTTPS_PORT/site.git
	mkdir -p "$dir/$2"
	say "booting $1; serial log in $dir/$2/serial.log"
	QEMU_TIMEOUT=$((GIT_TIMEOUT + 900)) qemu_run "$board" "$1" "$dir/$2" >&2
	if ! wait_for 'http: https on tcp port 443' 240; then
		say "the guest did not start HTTPS; last lines of $log:"
		tail -n 20 "$log" >&2
		return 1
	fi
	say "guest serving after $(($(date +%s) - boot_t0)) s: $(grep -o 'store: opened in.*' "$log" | head -1)"
}

# The longest time the guest answered nothing: /metrics is asked once a
# second while an operation runs, and the longest gap between two answers
# (the operation's start and end counting as answers) is how long its
# event loop stood still. (A gap, not one request's wait: QEMU's user
# network gives up connecting to the guest after 75 s, BSD's connection
# timer, so a longer stall ends requests without an answer.)
prober=
stop_extra() { [ -z "$prober" ] || kill "$prober" $(ps -o pid= --ppid "$prober") 2>/dev/null; }
probe_start() {
	date +%s.%N >"$dir/probe"
	(
		while :; do
			[ "$(curl -s -o /dev/null --max-time 90 -w '%{http_code}' \
				"http://127.0.0.1:$HTTP_PORT/metrics")" != 200 ] || date +%s.%N >>"$dir/probe"
			sleep 1
		done
	) &
	prober=$!
}
probe_stop() {
	local pids
	pids=$(ps -o pid= --ppid "$prober")
	kill "$prober" $pids 2>/dev/null
	wait "$prober" 2>/dev/null
	prober=
	date +%s.%N >>"$dir/probe"
	sort -n "$dir/probe" | awk 'NR > 1 && $1 - last > gap { gap = $1 - last } { last = $1 }
		END { printf "%.1f\n", gap }'
}

# first_error FILE: git's first line of error in its stderr (else its last).
first_error() {
	local e
	e=$(tr '\r' '\n' <"$1" | grep -E '^(fatal|error|remote: error| ! )' | head -n 1)
	[ -n "$e" ] || e=$(tr '\r' '\n' <"$1" | grep -v '^ *$' | tail -n 1)
	echo "$e"
}

# timed KEY COMMAND...: run COMMAND (bounded by GIT_TIMEOUT), adding its
# seconds to TIMES[KEY] if it succeeds, or why not to NOTE[KEY]; then the
# heap high-water mark and the longest silence. The command's
# stderr is in $dir/KEY.err; a progress line every 30 s.
timed() {
	local key=$1 t0 rc pid n=0 t
	shift
	probe_start
	rm -f "$dir/end"
	t0=$(date +%s.%N)
	{
		timeout "$GIT_TIMEOUT" "$@" 2>"$dir/$key.err"
		rc=$?
		date +%s.%N >"$dir/end"
		exit $rc
	} &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
		[ $((n % 300)) != 0 ] ||
			say "  ... $((n / 10)) s: $(tr '\r' '\n' <"$dir/$key.err" | grep . | tail -n 1)"
	done
	wait "$pid"
	rc=$?
	t=$(echo "$(cat "$dir/end") - $t0" | bc)
	STALL[$key]=$(probe_stop)
	if [ "$rc" = 0 ]; then
		TIMES[$key]+="$(printf '%.2f' "$t") "
	else
		NOTE[$key]="exit $rc after $(printf '%.0f' "$t") s$([ "$rc" != 124 ] || echo ' (the timeout)'): $(first_error "$dir/$key.err")"
		say "  failed: ${NOTE[$key]}"
	fi
	HEAP[$key]=$(qemu_metric "$HTTP_PORT" appliance_heap_peak_bytes)
	return "$rc"
}

# The client: git with the guest's self-signed certificate accepted.
G=(git -c http.sslVerify=false)
g() { "${G[@]}" "$@"; }
qemu_git_env

# ---- boot 1: the seeded site ----
boot_t0=$(date +%s)
boot "$img" seed || exit 1
HEAP[idle-seed]=$(qemu_metric "$HTTP_PORT" appliance_heap_peak_bytes)
for i in $(seq "$REPS"); do
	say "git clone of the seeded site, round $i of $REPS"
	rm -rf "$dir/seed-clone"
	timed clone-seed "${G[@]}" clone -q "$URL" "$dir/seed-clone"
done
SEED_FILES=$(git -C "$dir/seed-clone" ls-files 2>/dev/null | wc -l)
SEED_COMMITS=$(git -C "$dir/seed-clone" rev-list --count HEAD 2>/dev/null)
RECV[clone-seed]=$(du -sk "$dir/seed-clone/.git/objects" 2>/dev/null | cut -f1)
stop_qemu
trap - EXIT

# ---- boot 2: the 5,000-file repository ----
gen_repo || { say "cannot generate the repository"; exit 1; }
say "importing the repository into the store of a copy of $img"
make_image || { say "cannot make the benchmark image"; exit 1; }
boot_t0=$(date +%s)
boot "$dir/repo.img" repo || exit 1
HEAP[idle-repo]=$(qemu_metric "$HTTP_PORT" appliance_heap_peak_bytes)
rm -rf "$dir/repo-clone"
if [ "${BENCH_GUEST_GIT_SKIP_CLONE:-0}" = 1 ]; then
	NOTE[clone-repo]="skipped (BENCH_GUEST_GIT_SKIP_CLONE=1)"
elif say "git clone --no-checkout of the 5,000-file repository (about a minute; at most $GIT_TIMEOUT s)" &&
	timed clone-repo "${G[@]}" clone --no-checkout --single-branch --progress "$URL" "$dir/repo-clone" &&
	[ "$(git -C "$dir/repo-clone" rev-parse HEAD)" != "$C200" ]; then
	NOTE[clone-repo]="the clone is not at commit 200"
	TIMES[clone-repo]=
fi
RECV[clone-repo]=$(du -sk "$dir/repo-clone/.git/objects" 2>/dev/null | cut -f1)
# The client's copy for the pushes: the repository itself (a local clone,
# untimed), at the commit that changes 1,000 files.
git clone -q --mirror --no-local "$SRC" "$dir/push.git" 2>/dev/null
for i in $(seq "$REPS"); do
	say "git push of the 1,000-file commit to a new branch, round $i of $REPS"
	timed push-branch "${G[@]}" -C "$dir/push.git" push -q "$AUTH" "$CPUSH:refs/heads/bench-push" &&
		g -C "$dir/push.git" push -q "$AUTH" :refs/heads/bench-push 2>/dev/null
done
say "git push of it to main (the site switches)"
timed push-main "${G[@]}" -C "$dir/push.git" push -q "$AUTH" "$CPUSH:refs/heads/main"
[ "$(g ls-remote "$URL" refs/heads/main 2>/dev/null | cut -f1)" = "$CPUSH" ] ||
	{ NOTE[push-main]="main is not the pushed commit${NOTE[push-main]:+; }${NOTE[push-main]:-}"; TIMES[push-main]=; }
stop_qemu
trap - EXIT

# ---- the report ----
stats() {
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 }
		END { if (NR == 0) exit; m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			if (NR == 1) printf "%.2f (n=1)\n", m; else printf "%.2f (%.2f-%.2f, n=%d)\n", m, v[1], v[NR], NR }'
}
cell() {
	if [ -n "${TIMES[$1]:-}" ]; then
		stats "${TIMES[$1]}"
	elif [[ ${NOTE[$1]:-} == skipped* ]]; then
		echo "${NOTE[$1]}"
	else
		echo "failed: ${NOTE[$1]:-no result}"
	fi
}
mib() { awk -v b="${1:-0}" 'BEGIN { if (b + 0 > 0) printf "%.1f", b / 1048576; else print "-" }'; }
secs() { awk -v s="${1:-}" 'BEGIN { if (s != "") printf "%.1f", s; else print "-" }'; }
thousands() { sed -E ':a; s/([0-9])([0-9]{3})($|[^0-9])/\1,\2\3/; ta'; }
declare -A LABEL=([clone-seed]="git clone of the seeded site ($SEED_FILES files, $SEED_COMMITS commit(s))"
	[clone-repo]="git clone --no-checkout of the 5,000-file repository (200 commits)"
	[push-branch]="git push, one commit changing 1,000 files, to a new branch"
	[push-main]="git push of it to main (the site switches)")
cat <<EOF
## Git smart HTTP in the guest (QEMU $board)

Client \`$(git --version)\` on this host, the guest (64 MiB, one vCPU; QEMU
$(qemu-system-arm --version | head -1 | awk '{ print $4 }') TCG, $(nproc) host cores) over HTTPS through QEMU's
forward on 127.0.0.1. The seeded site from a copy of \`$img\`; the repository
(tests/bench/gitrepo-gen.py, as in the twin's benchmark: $(git -C "$SRC" ls-tree -r "$C200" | wc -l | thousands) files, $(git -C "$SRC" rev-list --count "$C200")
commits, ${C200:0:12}, a pack of $(mib "$(stat -c %s "$dir/main.pack")") MiB) imported with storectl into the store of
another copy, as main, with refs/heads/next at commit 210 (${C210:0:12}); the push
sends ${CPUSH:0:12}. Seconds: median (min-max, n rounds). Heap: the guest's
high-water mark since its boot, after the operation (/metrics); at boot
$(mib "${HEAP[idle-seed]:-}") MiB with the seeded site, $(mib "${HEAP[idle-repo]:-}") MiB with the repository. Longest
silence: /metrics asked once a second during the operation, the longest
time between two answers (the guest's event loop not turning: no other
request, and no other service, is served meanwhile).

| operation | seconds | heap high-water, MiB | longest silence, s | client received, MiB |
|---|---|---|---|---|
EOF
for k in clone-seed clone-repo push-branch push-main; do
	recv=-
	[ -z "${RECV[$k]:-}" ] || recv=$(awk -v k="${RECV[$k]}" 'BEGIN { printf "%.2f", k / 1024 }')
	echo "| ${LABEL[$k]} | $(cell "$k") | $(mib "${HEAP[$k]:-}") | $(secs "${STALL[$k]:-}") | $recv |"
done
cat <<EOF

Host load average when the benchmark ended: $(cut -d' ' -f1-3 /proc/loadavg) (QEMU's TCG
shares the $(nproc) cores with the client and anything else running).

Commands (URL: \`https://127.0.0.1:PORT/site.git\`; \`git -c http.sslVerify=false\`,
no user or system configuration):

\`\`\`
git clone -q URL c                                             # the seeded site
git clone --no-checkout --single-branch URL c                  # the repository
git -C p push -q https://owner:PASSWORD@127.0.0.1:PORT/site.git ${CPUSH:0:12}:refs/heads/bench-push
git -C p push -q https://owner:PASSWORD@127.0.0.1:PORT/site.git :refs/heads/bench-push   # untimed
git -C p push -q https://owner:PASSWORD@127.0.0.1:PORT/site.git ${CPUSH:0:12}:refs/heads/main
\`\`\`

EOF
rm -rf "$dir/seed-clone" "$dir/repo-clone" "$dir/push.git" "$dir"/*.pack "$dir/repo.img" \
	"$dir/seed/run" "$dir/repo/run"
