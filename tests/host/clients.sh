#!/bin/bash
# Usage: tests/host/clients.sh [APPLIANCE [STORECTL]]   (as root)
#
# The client suite (tests/clients/suite.sh), the one `make test-live`
# runs against a board, against the host twin: a store whose main has a
# site of several kinds of file (an index, a 1 KiB text, a binary, a name
# with a space, a subdirectory) and tests/host/dns/example.org.zone, the
# push password, and the twin on tap0 in a namespace of the test's own
# (tests/host/dns/twin.sh); the suite runs in the namespace over IPv4 with
# the password (the push checks on a scratch branch), then over IPv6
# read-only. Then make's own entry points, as a board's owner runs them,
# the twin by name: `make test-live` (the same checks, all passing) and
# `make bench-live` for a second a round (every figure measured). About
# 60 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/host/dns/twin.sh "$@"
. tests/clients/suite.sh

need_root
netns_up
site=$WORK/tree/site
mkdir -p "$site/docs/with space"
head -c 768 /dev/urandom | base64 -w 64 >"$site/1k.txt"
head -c 3000 /dev/urandom >"$site/docs/blob.bin"
printf 'a file whose name has a space\n' >"$site/docs/with space/read me.txt"
printf 'body { color: #333; }\n' >"$site/style.css"
dns_twin_start || {
	done_tests
	exit 1
}
CLIENT_RUN=(ip netns exec "$NS")
before=$T_PASS
PASSWORD_FILE=$WORK/password client_suite "$IP"
checks=$((T_PASS - before))
client_suite fd00:db8::2

# make's own entry points, run as the owner of a flashed board runs them,
# the board by name: ip netns exec puts the namespace's hosts file in place
# of /etc/hosts (/etc/netns/$NS, removed with the namespace).
mkdir -p "/etc/netns/$NS" && echo "$IP appliance.test" >"/etc/netns/$NS/hosts"
live=(make -s --no-print-directory B="${B:-build}")
out=$(in_ns "${live[@]}" test-live 2>&1)
rc=$?
check "make test-live without HOST stops with its usage (rc $rc: $(grep -m1 usage <<<"$out"))" \
	bash -c '[ $1 != 0 ] && grep -q "^usage: make test-live HOST=" <<<"$2"' _ $rc "$out"
in_ns "${live[@]}" test-live HOST=appliance.test PASSWORD_FILE="$WORK/password" >"$WORK/test-live.txt" 2>&1
rc=$?
grep -E '^not ok' "$WORK/test-live.txt" | sed 's/^/  make test-live: /'
summary=$(tail -n 1 "$WORK/test-live.txt")
check "make test-live HOST=appliance.test PASSWORD_FILE=...: rc $rc, $summary, the $checks checks of the suite over IPv4 above" \
	[ $rc = 0 -a "$summary" = "$checks passed, 0 failed" ]
check "... the push checks among them" grep -q '^ok - git: a push of a scratch branch' "$WORK/test-live.txt"
BENCH_LIVE_SECS=1 in_ns "${live[@]}" bench-live HOST=appliance.test OUT="$WORK/out" 2>"$WORK/bench-live.log" >/dev/null
rc=$?
[ $rc = 0 ] || tail -n 20 "$WORK/bench-live.log"
md=$WORK/out/bench/live.md
n='[0-9.]+ \([0-9.]+-[0-9.]+\)'
sed -n '/^| /p' "$md" 2>/dev/null
check "make bench-live HOST=appliance.test (BENCH_LIVE_SECS=1): rc $rc, out/bench/live.md written, no benchmark failed to run" \
	bash -c '[ $1 = 0 ] && grep -q "^## Against appliance.test" "$2" && ! grep -q "failed to run" "$2"' _ $rc "$md"
check "... HTTPS keep-alive requests/s measured, every answer 2xx" grep -Eq "\| $n requests/s; not 2xx: 0 \|" "$md"
check "... new TLS connections/s measured, 64 of 64 in each round" grep -Eq "\| $n/s; succeeded: 64/64/64 of 64 " "$md"
check "... DNS queries/s over UDP and TCP measured, none lost over TCP" \
	bash -c 'grep -Eq "UDP.*\| $2 queries/s" "$1" && grep -Eq "TCP, the same \| $2 queries/s; lost: 0\+0\+0 \|" "$1"' _ "$md" "$n"
check "the twin is still running" kill -0 "$TWIN_PID"
done_tests
