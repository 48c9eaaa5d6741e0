# Shared by the QEMU tests that talk to a guest while it runs (echo.sh,
# store-stall.sh); source it after tests/lib.sh.
#
# qemu_run BOARD IMAGE WORK: boot IMAGE with image/qemu.sh in the
# background, in a session of its own (QEMU_CONF, the ports and
# QEMU_TIMEOUT as the caller exported them; HTTP_PORT, HTTPS_PORT and
# DNS_PORT left unset are 0, a port no client knows). $log is the serial console,
# $runner image/qemu.sh's pid. On exit -- success, failure or interrupt --
# QEMU is stopped by its pid file and image/qemu.sh by its session (in case
# QEMU had not started yet), after the caller's own stop_extra, if any.
#
# qemu_run BOARD IMAGE WORK NETNS: the same inside network namespace NETNS
# (ip netns exec, as root), where QEMU_TAP, as the caller exported it,
# names the TAP device the board's NIC is on (tests/qemu/dns.sh).
qemu_run() {
	local board=$1 img=$2 in_netns=()
	work=$3
	[ -z "${4:-}" ] || in_netns=(ip netns exec "$4")
	log=$work/serial.log
	# Made here, not only by image/qemu.sh in the background: the caller
	# may write its own files there at once (tests/bench/guest-net.sh).
	mkdir -p "$work"
	rm -f "$log" "$work/qemu.pid"
	# setsid execs ip, which execs image/qemu.sh: $! is image/qemu.sh,
	# the leader of its session either way.
	QEMU_LOG=$log QEMU_TIMEOUT=${QEMU_TIMEOUT:-300} HTTP_PORT=${HTTP_PORT:-0} HTTPS_PORT=${HTTPS_PORT:-0} EDIT_PORT=${EDIT_PORT:-} DNS_PORT=${DNS_PORT:-0} \
		QEMU_PIDFILE=$work/qemu.pid setsid "${in_netns[@]}" image/qemu.sh "$board" "$img" "$work/run" &
	runner=$!
	trap stop_qemu EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# qemu_run_tap BOARD IMAGE WORK: qemu_run in the test's own namespace
# (tests/host/netns.sh's netns_up made it), the board's NIC on its tap0
# (UDP cannot leave QEMU's restricted user networking); on exit QEMU
# stops, then the namespace goes.
qemu_run_tap() {
	export QEMU_TAP=tap0
	qemu_run "$1" "$2" "$3" "$NS"
	trap 'stop_qemu; netns_cleanup' EXIT
}

stop_qemu() {
	! declare -F stop_extra >/dev/null || stop_extra
	[ -f "$work/qemu.pid" ] && kill "$(cat "$work/qemu.pid")" 2>/dev/null
	kill -- "-$runner" 2>/dev/null
	wait "$runner" 2>/dev/null
}

# wait_for REGEX SECONDS: until the serial log shows REGEX (1 if QEMU ended).
wait_for() {
	local i
	for ((i = 0; i < $2 * 2; i++)); do
		grep -Eq -- "$1" "$log" 2>/dev/null && return 0
		kill -0 "$runner" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

# qemu_p2_out DISK FILE, qemu_p2_in FILE DISK: the STORE partition (p2) of
# a disk image out to a file (for storectl) and back.
qemu_p2_range() {
	sfdisk -d "$1" | awk -F'[=,]' '/^[^ ]*2 :/ { print $2 + 0, $4 + 0 }'
}
qemu_p2_out() {
	local start size
	read -r start size < <(qemu_p2_range "$1")
	dd if="$1" of="$2" bs=512 skip="$start" count="$size" conv=sparse status=none
}
qemu_p2_in() {
	local start size
	read -r start size < <(qemu_p2_range "$2")
	dd if="$1" of="$2" bs=512 seek="$start" count="$size" conv=sparse,notrunc status=none
}

# qemu_metric PORT NAME: a value of the guest's /metrics (Prometheus text)
# over plain HTTP on 127.0.0.1:PORT; empty if the guest does not answer.
qemu_metric() {
	curl -sS --max-time 20 "http://127.0.0.1:$1/metrics" 2>/dev/null |
		awk -v m="$2" '$1 == m { print $2 }'
}

# qemu_git_env: a git client that reads no configuration of this machine's
# user and never prompts, with a fixed author for its commits. The guest's
# certificate is its own self-signed one: callers pass -c http.sslVerify=false.
qemu_git_env() {
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 \
		GIT_AUTHOR_NAME=qemu-test GIT_AUTHOR_EMAIL=qemu-test@example.org \
		GIT_COMMITTER_NAME=qemu-test GIT_COMMITTER_EMAIL=qemu-test@example.org
}

# qemu_git_forward PASSWORD-FILE LOW-SPEED-SECONDS: the set-up of a suite
# that clones and pushes through the HTTPS forward on 127.0.0.1 (user
# networking): qemu_git_env; free ports HTTP_PORT and HTTPS_PORT, exported
# for qemu_run; REPO, the guest's site.git there, and AUTH, the same with
# the password of the file; g, git within GIT_TIMEOUT seconds that gives
# up after LOW-SPEED-SECONDS without a byte and takes the guest's own
# certificate.
qemu_git_forward() {
	qemu_git_env
	HTTP_PORT=$(free_port) HTTPS_PORT=$(free_port)
	export HTTP_PORT HTTPS_PORT
	REPO=https://127.0.0.1:$HTTPS_PORT/site.git
	AUTH=https://owner:$(qemu_url_password "$1")@127.0.0.1:$HTTPS_PORT/site.git
	GIT_LOW_SPEED_TIME=$2
	g() { timeout "$GIT_TIMEOUT" git -c http.sslVerify=false -c http.lowSpeedLimit=1 -c http.lowSpeedTime="$GIT_LOW_SPEED_TIME" "$@"; }
}

# elapsed: whole seconds since $start (date +%s).
elapsed() { echo $(($(date +%s) - start)); }

# qemu_store_end: the end of a suite that wrote into the guest's store:
# no panic, fatal exception or out-of-memory on the console; QEMU stopped
# (and its trap gone); the store on the disk it ran on ($work/run/sd.img,
# copied out to $work/p2) passes storectl fsck ($STORECTL).
qemu_store_end() {
	check "no panic, fatal exception or out-of-memory on the console" \
		bash -c "! grep -Eiq 'guest: (fatal|panic)|out of memory|Kernel panic|Xen BUG|dom0: error' '$log'"
	say "done with the guest after $(elapsed) s; stopping QEMU"
	stop_qemu
	trap - EXIT
	qemu_p2_out "$work/run/sd.img" "$work/p2"
	check "the store on the disk it ran on passes storectl fsck" "$STORECTL" fsck "$work/p2"
}

# qemu_url_password FILE: the first line of a password file, escaped for
# the user-info part of a URL (RFC 3986 section 3.2.1).
qemu_url_password() {
	"$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(open(sys.argv[1]).readline().rstrip("\n"), safe=""))' "$1"
}

# wait_for_n REGEX COUNT SECONDS: until the serial log has COUNT lines
# matching REGEX (a restarted guest prints its lines again).
wait_for_n() {
	local i
	for ((i = 0; i < $3 * 2; i++)); do
		[ "$(grep -Ec -- "$1" "$log" 2>/dev/null)" -ge "$2" ] && return 0
		kill -0 "$runner" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}
