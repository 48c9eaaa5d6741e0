# Shared by the guest's QEMU tests (tests/qemu/guest-*.sh); source it.
#
# guest_boot BOARD MODE [IMAGE]: boots IMAGE (default: the test image
# test_image BOARD, whose guest is the test build) in QEMU with
# selftest=MODE added to its appliance.conf (dom0's init and the guest
# both read it) and waits for dom0's verdict. Sets $log (the serial
# console) and $guest_log (the guest's console as dom0 printed it at the
# end, or the whole serial log if dom0 never got that far), $wall
# (seconds) and $disk (the copy of the image QEMU ran on).
. tests/lib.sh

# The image with the test build of the guest (image/module.mk).
test_image() {
	echo "${B:-build}/image/test/$1.img"
}

guest_boot() {
	local board=$1 mode=$2 img=${3:-$(test_image "$1")} work start
	work=${B:-build}/test/qemu-guest-$mode-$board
	log=$work/serial.log
	guest_log=$work/guest.log
	disk=$work/run/sd.img
	mkdir -p "$work"
	if [ ! -f "$img" ]; then
		fail "$img exists (build it with: make $img BOARD=$board)"
		return 1
	fi
	rm -f "$log" "$guest_log"
	echo "qemu-test: booting $img with selftest=$mode; serial log in $log"
	start=$(date +%s)
	QEMU_SELFTEST=$mode QEMU_LOG=$log \
		QEMU_TIMEOUT=${QEMU_TIMEOUT:-150} \
		QEMU_UNTIL='dom0: selftest (passed|failed)|dom0: error|Kernel panic|Xen BUG' \
		HTTP_PORT=0 HTTPS_PORT=0 EDIT_PORT= DNS_PORT=0 \
		image/qemu.sh "$board" "$img" "$work/run"
	qemu_rc=$?
	wall=$(($(date +%s) - start))
	sed -n '/^dom0: ---- guest console ----/,/^dom0: ---- end of guest console ----/p' \
		"$log" | tr -d '\r' >"$guest_log"
	[ -s "$guest_log" ] || tr -d '\r' <"$log" >"$guest_log"
}

# line_after N REGEX: the first line after line N matching, or 999999.
line_after() {
	local n
	n=$(tail -n "+$(($1 + 1))" "$guest_log" | grep -En -- "$2" | head -n 1 | cut -d: -f1)
	[ -n "$n" ] && echo $((n + $1)) || echo 999999
}

# in_order DESCRIPTION REGEX...: each REGEX matches a line after the line
# the one before it matched (a REGEX may repeat: a restarted guest).
in_order() {
	local what=$1 prev=0 n re
	shift
	for re in "$@"; do
		n=$(line_after "$prev" "$re")
		if [ "$n" = 999999 ]; then
			fail "$what: no '$re' after line $prev of $guest_log"
			return
		fi
		prev=$n
	done
	ok "$what"
}

# The domids of the guest instances that reached "guest: ready".
ready_domids() {
	sed -n 's/^guest: ready (domid \([0-9]*\)).*/\1/p' "$guest_log" | sort -un
}

guest_diagnose() {
	if [ "$T_FAIL" != 0 ]; then
		echo "---- last 40 lines of $log ----"
		tail -n 40 "$log"
	fi
}
