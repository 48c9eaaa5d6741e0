#!/bin/bash
# Usage: tests/qemu/wolfcrypt.sh BOARD [IMAGE]
#
# wolfSSL's own wolfCrypt test, run in the guest on the code the guest
# links (tls/wolfcrypt.mk): the test build of the guest (IMAGE defaults to
# the test image) boots with selftest=wolfcrypt, runs the test once it has
# dom0's seed and then wolfCrypt's benchmark (guest/selftest.h). Each
# algorithm's "... test passed!" line is a check; the ones the appliance's
# TLS depends on (P-256 in the SP assembly, X25519, AES-GCM,
# ChaCha20-Poly1305, SHA-2, the DRBG, RSA) must be among them. The
# benchmark must have measured those algorithms without an error
# (tests/bench/wolfcrypt.sh reports its numbers from this run's log).
# dom0 only supervises in this mode; QEMU is stopped on the guest's verdict.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/qemu/run-lib.sh
board=${1:?usage: tests/qemu/wolfcrypt.sh BOARD [IMAGE]}
img=${2:-${B:-build}/image/test/$board.img}
work=${B:-build}/test/wolfcrypt-$board
log=$work/serial.log
console=$work/console.log
mkdir -p "$work"
rm -f "$console"
[ -f "$img" ] || { fail "$img exists (make $img)"; done_tests; exit 1; }

# The test lines of the algorithms our TLS uses, as test.c prints them.
required_tests=("RANDOM" "SHA-256" "SHA-384" "SHA-512" "HMAC-SHA256" "HMAC-KDF"
	"TLSv1.3 KDF" "GMAC" "Chacha" "POLY1305" "ChaCha20-Poly1305 AEAD" "AES" "AES256"
	"AES-GCM" "RSA" "ECC" "ECC buffer" "CURVE25519")
# Benchmark lines (regular expressions over benchmark.c's format) for the
# same: the AEADs, SHA-256, P-256 key generation, ECDHE and ECDSA, X25519.
sym=' +[0-9]+ (bytes|KiB|MiB) took [0-9.]+ seconds, +[0-9.]+ (bytes|KiB|MiB)/s$'
asym=' +[0-9]+ ops took [0-9.]+ sec, avg [0-9.]+ ms, [0-9.]+ ops/sec$'
required_bench=("^AES-128-GCM-enc$sym" "^AES-128-GCM-dec$sym" "^AES-256-GCM-enc$sym"
	"^AES-256-GCM-dec$sym" "^CHA-POLY$sym" "^SHA-256$sym"
	"^ECC +\\[ *SECP256R1\\] +256 +key gen$asym" "^ECDHE +\\[ *SECP256R1\\] +256 +agree$asym"
	"^ECDSA +\\[ *SECP256R1\\] +256 +sign$asym" "^ECDSA +\\[ *SECP256R1\\] +256 +verify$asym"
	"^CURVE +25519 +key gen$asym" "^CURVE +25519 +agree$asym")

start=$(date +%s)
echo "qemu-wolfcrypt: booting $img with selftest=wolfcrypt; serial log in $log"
QEMU_CONF="selftest=wolfcrypt" QEMU_TIMEOUT=${QEMU_TIMEOUT:-900} qemu_run "$board" "$img" "$work"
check "$board: the test build of the guest is ready with dom0's seed" \
	wait_for '^guest: entropy: 256-bit seed' 300
wait_for 'selftest wolfcrypt: (passed|FAILED)|guest: fatal exception|SHUTDOWN_crash|dom0: error' 840
wall=$(($(date +%s) - start))
stop_qemu
trap - EXIT
# The guest's console as dom0 copied it to the serial line.
tr -d '\r' <"$log" >"$console"

# dom0 refuses a self-test it does not know (hypervisor/dom0/init); in
# this one, the guest's own, it only supervises.
check "$board: dom0 accepted selftest=wolfcrypt" not grep -q '^dom0: error: ' "$console"
check "$board: the guest is the test build" grep -q '^guest: test build: ' "$console"
if ! grep -q '^guest: selftest wolfcrypt: ' "$console"; then
	fail "$board: the guest started the wolfCrypt self-test"
	echo "---- last 40 lines of $console ----"
	tail -n 40 "$console"
	done_tests
	exit 1
fi
# test.c's "<ALGORITHM> test passed!" lines, their padding squeezed.
grep -E '^[A-Za-z0-9].* passed!$' "$console" | tr -s ' ' >"$work/passed.txt"
for t in "${required_tests[@]}"; do
	check "$board: wolfCrypt $t test passed" grep -Fxq "$t test passed!" "$work/passed.txt"
done
# Every other algorithm the library has (SHA-1, the other HMACs, ASN.1,
# certificates ...), one line each as the test printed it.
while read -r line; do
	ok "$board: wolfCrypt ${line%!}"
done < <(grep -Fvx -f <(printf '%s test passed!\n' "${required_tests[@]}") "$work/passed.txt")
check "$board: no wolfCrypt test failed" not grep -Eq 'test failed!| error = ' "$console"
check "$board: the wolfCrypt test completed" grep -q '^Test complete' "$console"
for re in "${required_bench[@]}"; do
	# The line's name, unescaped, for the check's description.
	name=${re%"$sym"}
	name=$(sed -E 's/^\^//; s/\\//g; s/ [*+]/ /g; s/\[ /[/' <<<"${name%"$asym"}")
	check "$board: wolfCrypt benchmark measured $name" grep -Eq -- "$re" "$console"
done
check "$board: no benchmark reported an error" not grep -Eq 'Benchmark .* failed' "$console"
check "$board: the guest did not crash (no fatal exception or stack overflow)" \
	not grep -Eq 'guest: (fatal exception|stack overflow)' "$console"
check "$board: the guest's verdict: $(grep -o 'selftest wolfcrypt: .*' "$console" | tail -1)" \
	grep -q '^guest: selftest wolfcrypt: passed' "$console"
echo "bench: wall time of the wolfcrypt boot: $wall s"
[ "$T_FAIL" = 0 ] || { echo "---- last 40 lines of $console ----"; tail -n 40 "$console"; }
done_tests
