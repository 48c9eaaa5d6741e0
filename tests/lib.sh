# Shared by the shell test suites: TAP-style lines and a closing summary
# `N passed, N failed` that CI reads. Source it, call ok/fail/check, then done_tests.
T_PASS=0
T_FAIL=0
ok() { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
# not COMMAND...: succeeds when COMMAND fails (for check).
not() { ! "$@"; }
done_tests() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ]
}

# Debian's own python3 for the test clients, whatever else is first on PATH.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# A free TCP port on 127.0.0.1, for QEMU's forwards.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# median: "median (min-max)" of the numbers on stdin, one a line (benchmarks).
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%s (%s-%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
