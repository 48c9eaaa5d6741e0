#!/bin/bash
# Run every test suite, each in turn, and close with one summary line over
# all of them. A suite is a command printing its own `N passed, N failed`.
#
# The suites run stage by stage (unit tests, fuzzing, static checks, the
# images, the host twin, QEMU qemu-virt, QEMU orangepi-pc, then any other),
# in the order given within a stage; each stage starts with a progress line
# and the run ends with each stage's time (and the build's, when make says
# when it started: TEST_MAKE_START, seconds since the epoch).
#
# A suite must stop everything it started. Each runs with TEST_RUN_ID set
# to a value of its own, which every process it starts inherits (through
# `ip netns exec`, setsid and daemons that drop privileges alike); once the
# suite has ended, a process still carrying it, or a network namespace the
# suite added and left, counts as a failure of that suite, named, and the
# process is stopped so that it cannot disturb the suites after it.
set -uo pipefail
cd "$(dirname "$0")/.."
# A suite that runs make (tests/build/bad-input.sh) runs its own: the job
# server of the make that started this is not passed down to it.
unset MAKEFLAGS MFLAGS
total_pass=0
total_fail=0
failed_suites=()
run_id=run-$$-$(date +%s)
fifo=$(mktemp -u)

# The pids of processes whose environment holds TEST_RUN_ID=$1.
carriers() {
	grep -l -a -z -x -F "TEST_RUN_ID=$1" /proc/[0-9]*/environ 2>/dev/null |
		sed 's|^/proc/||; s|/environ$||'
}

netns_names() { ip netns list 2>/dev/null | awk '{ print $1 }' | sort; }

# leftovers ID NAMESPACES-BEFORE: name what the suite left (after a grace
# period for processes already being stopped), stop it; returns 1 if any.
leftovers() {
	local id=$1 before=$2 pids p ns found=0 i
	for ((i = 0; i < 50; i++)); do
		pids=$(carriers "$id")
		[ -n "$pids" ] || break
		sleep 0.1
	done
	for p in $pids; do
		echo "leftover process: $(ps -o pid=,user=,args= -p "$p" | cut -c1-200) (started by this suite, still running)"
		found=1
	done
	for ns in $(comm -13 <(echo "$before") <(netns_names)); do
		echo "leftover network namespace: $ns (processes in it: $(ip netns pids "$ns" | tr '\n' ' '))"
		found=1
	done
	if [ -n "$pids" ]; then
		kill $pids 2>/dev/null
		sleep 1
		pids=$(carriers "$id")
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	fi
	return $found
}

# Interrupted: the suite got the signal too and ran its own clean-up;
# still say what it left, and stop it.
# stage SUITE: the stage a suite belongs to, from its script and board.
STAGES=(unit fuzz static image host qemu-virt orangepi-pc other)
stage() {
	local w script= board=
	for w in $1; do
		[[ $w == *=* && -z $script ]] && continue
		if [ -z "$script" ]; then script=$w; else board=$w; break; fi
	done
	case $script in
	tests/unit/*) echo unit ;;
	tests/fuzz/*) echo fuzz ;;
	tests/style/* | tests/build/*) echo static ;;
	tests/image/* | tests/store/image.sh) echo image ;;
	tests/host/* | tests/store/* | tests/clients/*) echo host ;;
	tests/qemu/*) case $board in qemu-virt | orangepi-pc) echo "$board" ;; *) echo other ;; esac ;;
	*) echo other ;;
	esac
}
ordered=()
for st in "${STAGES[@]}"; do
	for suite in "$@"; do [ "$(stage "$suite")" != "$st" ] || ordered+=("$suite"); done
done
set -- "${ordered[@]}"
declare -A stage_secs=()
run_start=$(date +%s)

n=0
ns_before=$(netns_names)
trap 'echo "=== interrupted"; leftovers "$run_id.$n" "$ns_before"; rm -f "$fifo"; exit 130' INT TERM
cur=
for suite in "$@"; do
	n=$((n + 1))
	st=$(stage "$suite")
	if [ "$st" != "$cur" ]; then
		cur=$st
		echo "=== stage: $st ($(for s in "$@"; do stage "$s"; done | grep -cx "$st") suites; $((n - 1)) of $# suites done, $(($(date +%s) - run_start)) s so far)"
	fi
	echo "=== suite: $suite"
	log=$(mktemp)
	start=$(date +%s)
	ns_before=$(netns_names)
	# The suite's end is its shell's exit, not the end of its output: a
	# leftover may hold the pipe open, so tee is waited for only after
	# the leftovers are stopped.
	rm -f "$fifo" && mkfifo "$fifo"
	tee "$log" <"$fifo" &
	tee_pid=$!
	TEST_RUN_ID=$run_id.$n bash -c "$suite" >"$fifo" 2>&1
	rc=$?
	left=0
	leftovers "$run_id.$n" "$ns_before" || left=1
	wait $tee_pid
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	rm -f "$log"
	p=$(echo "$line" | awk '{ print $1 }')
	f=$(echo "$line" | awk '{ print $3 }')
	if [ -z "$line" ]; then p=0; f=1; echo "suite printed no summary: counted as 1 failure"; fi
	if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then f=1; echo "suite exited $rc: counted as 1 failure"; fi
	if [ $left = 1 ]; then
		f=$((f + 1))
		echo "suite left processes or namespaces behind: counted as 1 failure"
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" = 0 ] || failed_suites+=("$suite")
	stage_secs[$st]=$((${stage_secs[$st]:-0} + $(date +%s) - start))
	echo "=== suite done in $(($(date +%s) - start)) s: $suite ($p passed, $f failed)"
done
times=()
[ -z "${TEST_MAKE_START:-}" ] || times+=("build $((run_start - TEST_MAKE_START)) s")
for st in "${STAGES[@]}"; do [ -z "${stage_secs[$st]:-}" ] || times+=("$st ${stage_secs[$st]} s"); done
times+=("all suites $(($(date +%s) - run_start)) s")
[ -z "${TEST_MAKE_START:-}" ] || times+=("in all $(($(date +%s) - TEST_MAKE_START)) s")
echo "=== stage times: $(IFS=,; echo "${times[*]}" | sed 's/,/, /g')"
rm -f "$fifo"
[ ${#failed_suites[@]} = 0 ] || printf 'failed suite: %s\n' "${failed_suites[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
