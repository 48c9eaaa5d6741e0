# Shared by the host-twin suites (source it): a network namespace of the
# test's own with a TAP device for the twin, and cleanup on every exit.
#
#   netns_setup      creates namespace $NS with tap0 (192.0.2.1/24,
#                    fd00:db8::1/64 on the kernel side), up
#   twin_start LOG CONF MAC   runs the twin in $NS on tap0; sets TWIN_PID
#   ns_daemon CMD...          runs CMD in $NS in the background (a server
#                    such as dnsmasq), its pid recorded for the cleanup
#   wait_log LOG REGEX SECS   waits until the log matches
#   in_ns CMD...     runs CMD inside $NS
#   twin_sample IP NAME       a sample of /metrics at IP, read inside $NS
# Addresses are from the documentation ranges (RFC 5737, RFC 3849-like ULA).
#
# Everything started here is stopped on success, failure and interrupt:
# the recorded children (not yet reaped, so their pids are still theirs)
# and whatever else runs in the namespace (a process left there keeps it
# alive after `ip netns del`, unseen), and only then the namespace goes.

NS=apl-test-$$
WORK=$(mktemp -d)
TWIN_PID=
PIDS=()

PEERS=()

# The recorded children, and every process in $NS and its peers.
netns_started() {
	local n
	printf '%s\n' "${PIDS[@]}"
	for n in "$NS" "${PEERS[@]}"; do ip netns pids "$n" 2>/dev/null; done
}

netns_cleanup() {
	local p i n
	trap - EXIT INT TERM
	for p in $(netns_started); do kill "$p" 2>/dev/null; done
	for ((i = 0; i < 50; i++)); do
		[ -z "$(for n in "$NS" "${PEERS[@]}"; do ip netns pids "$n" 2>/dev/null; done)" ] && break
		sleep 0.1
	done
	for p in $(netns_started); do kill -KILL "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for p in "${PEERS[@]}"; do ip netns del "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK" "/etc/netns/$NS"
	rmdir /etc/netns 2>/dev/null
}
trap netns_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { ip netns exec "$NS" "$@"; }

# twin_sample IP NAME: NAME's sample on the /metrics of the twin (or guest)
# at IP, read from the namespace (tests/host/twin_metrics.py); empty if it
# could not be read.
twin_sample() {
	in_ns "$PY" -c 'import sys; sys.path.insert(0, "tests/host"); import twin_metrics as m; print(m.samples(sys.argv[1]).get(sys.argv[2], ""))' \
		"$1" "$2"
}

# pool_failures POOL: the /metrics name of lwIP's failed allocations from
# POOL (pbuf_pool, tcp_pcb, tcp_seg or other: net/http_site.c).
pool_failures() {
	printf 'appliance_lwip_pool_failures_total{pool="%s"}' "$1"
}

# tap0's queue holds 5,000 frames, not 1,000: a flood check sends 1,201
# datagrams at once, and a twin slowed by a busy host read them late
# enough that the kernel dropped the last (dns-metrics.sh's cookied
# updates: 146 of 200 answered, tap0's TX dropped 54).
netns_setup() {
	ip netns add "$NS" &&
		ip -n "$NS" link set lo up &&
		ip -n "$NS" tuntap add dev tap0 mode tap &&
		ip -n "$NS" addr add 192.0.2.1/24 dev tap0 &&
		ip -n "$NS" -6 addr add fd00:db8::1/64 dev tap0 nodad &&
		ip -n "$NS" link set tap0 up txqueuelen 5000
}

# netns_up: netns_setup for a suite (tests/lib.sh's counts): a namespace
# that cannot be made is one failed check, and the suite ends there.
netns_up() {
	netns_setup && return 0
	fail "namespace $NS with tap0 (192.0.2.1/24)"
	done_tests
	exit 1
}

# netns_peer NAME IP: another namespace (a reference server's, an
# upstream's) joined to $NS by a veth pair: veth0 in $NS at
# 198.51.100.1/24, veth1 in NAME at IP/24; stopped and removed with $NS.
netns_peer() {
	ip netns add "$1" && PEERS+=("$1") &&
		ip -n "$1" link set lo up &&
		ip -n "$NS" link add veth0 type veth peer name veth1 netns "$1" &&
		ip -n "$NS" addr add 198.51.100.1/24 dev veth0 &&
		ip -n "$1" addr add "$2/24" dev veth1 &&
		ip -n "$NS" link set veth0 up &&
		ip -n "$1" link set veth1 up
}

# twin_start LOG CONF MAC [ARG...]: the twin in the namespace, ARGs added.
twin_start() {
	local log=$1 conf=$2 mac=$3
	shift 3
	# Not through in_ns: $! must be the twin itself (ip netns exec execs it).
	ip netns exec "$NS" "$TWIN" --conf "$conf" --tap tap0 --mac "$mac" "$@" >"$log" 2>&1 &
	TWIN_PID=$!
	PIDS+=("$TWIN_PID")
}

# twin_up LOG CONF MAC [ARG...]: twin_start, then the check that HTTPS came
# up within 60 s (if not, the log is shown and the suite ends there), and
# the network ready.
twin_up() {
	local log=$1
	twin_start "$@"
	# (check's own status is always 0: wait_log's decides here.)
	if wait_log "$log" "https on tcp port 443" 60; then
		ok "twin up with HTTPS"
	else
		fail "twin up with HTTPS"
		cat "$log"
		done_tests
		exit 1
	fi
	wait_log "$log" "net: ready" 10
}

ns_daemon() {
	# Not through in_ns: $! must be the command itself (ip netns exec execs
	# it), not a subshell whose death would leave the command running.
	ip netns exec "$NS" "$@" &
	PIDS+=($!)
}

# Stop the twin with SIGTERM (the host's `xl shutdown`); returns its exit status.
twin_stop() {
	local rc p keep=()
	kill -TERM "$TWIN_PID" 2>/dev/null
	wait "$TWIN_PID"
	rc=$?
	# Reaped: its pid may be reused, so it is no longer ours to kill.
	for p in "${PIDS[@]}"; do [ "$p" = "$TWIN_PID" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
	return $rc
}

wait_log() {
	local log=$1 re=$2 secs=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		grep -qsE "$re" "$log" && return 0
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
