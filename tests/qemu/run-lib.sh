# Shared by the QEMU tests that talk to a guest while it runs (echo.sh,
# store-stall.sh); source it after tests/lib.sh.
#
# qemu_run BOARD IMAGE WORK: boot IMAGE with image/qemu.sh in the
# background, in a session of its own (QEMU_CONF, the ports and
# QEMU_TIMEOUT as the caller exported them; HTTP_PORT and HTTPS_PORT left
# unset are 0, a port no client knows). $log is the serial console,
# $runner image/qemu.sh's pid. On exit -- success, failure or interrupt --
# QEMU is stopped by its pid file and image/qemu.sh by its session (in case
# QEMU had not started yet), after the caller's own stop_extra, if any.
qemu_run() {
	local board=$1 img=$2
	work=$3
	log=$work/serial.log
	rm -f "$log" "$work/qemu.pid"
	QEMU_LOG=$log QEMU_TIMEOUT=${QEMU_TIMEOUT:-300} HTTP_PORT=${HTTP_PORT:-0} HTTPS_PORT=${HTTPS_PORT:-0} DNS_PORT=0 \
		QEMU_PIDFILE=$work/qemu.pid setsid image/qemu.sh "$board" "$img" "$work/run" &
	runner=$!
	trap stop_qemu EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
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
