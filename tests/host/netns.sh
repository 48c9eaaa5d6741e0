# Shared by the host-twin suites (source it): a network namespace of the
# test's own with a TAP device for the twin, and cleanup on every exit.
#
#   netns_setup      creates namespace $NS with tap0 (192.0.2.1/24,
#                    fd00:db8::1/64 on the kernel side), up
#   twin_start LOG CONF MAC   runs the twin in $NS on tap0; sets TWIN_PID
#   wait_log LOG REGEX SECS   waits until the log matches
#   in_ns CMD...     runs CMD inside $NS
# Addresses are from the documentation ranges (RFC 5737, RFC 3849-like ULA).

NS=apl-test-$$
WORK=$(mktemp -d)
TWIN_PID=
PIDS=()

netns_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap netns_cleanup EXIT

in_ns() { ip netns exec "$NS" "$@"; }

netns_setup() {
	ip netns add "$NS" &&
		ip -n "$NS" link set lo up &&
		ip -n "$NS" tuntap add dev tap0 mode tap &&
		ip -n "$NS" addr add 192.0.2.1/24 dev tap0 &&
		ip -n "$NS" -6 addr add fd00:db8::1/64 dev tap0 nodad &&
		ip -n "$NS" link set tap0 up
}

twin_start() {
	local log=$1 conf=$2 mac=$3
	# Not through in_ns: $! must be the twin itself (ip netns exec execs it).
	ip netns exec "$NS" "$TWIN" --conf "$conf" --tap tap0 --mac "$mac" >"$log" 2>&1 &
	TWIN_PID=$!
	PIDS+=("$TWIN_PID")
}

# Stop the twin with SIGTERM (the host's `xl shutdown`); returns its exit status.
twin_stop() {
	kill -TERM "$TWIN_PID" 2>/dev/null
	wait "$TWIN_PID"
}

wait_log() {
	local log=$1 re=$2 secs=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		grep -qE "$re" "$log" && return 0
		kill -0 "$TWIN_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -qE "$re" "$log"
}

need_root() {
	if [ "$(id -u)" != 0 ]; then
		fail "needs root for network namespaces and TAP (run as root)"
		done_tests
		exit 1
	fi
}
