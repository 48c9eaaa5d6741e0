#!/bin/bash
# Usage: tests/bench/wolfcrypt.sh BOARD [IMAGE]
# Benchmark (numbers, no pass/fail): wolfSSL's own wolfCrypt benchmark in
# the guest, on the code the guest links (tls/wolfcrypt.mk). Runs
# tests/qemu/wolfcrypt.sh, whose one boot runs wolfCrypt's test and then its
# benchmark (progress and checks on stderr), and reads the benchmark's lines
# from that run's console. Markdown on stdout.
set -uo pipefail
cd "$(dirname "$0")/../.."
board=${1:-qemu-virt}
work=${B:-build}/test/wolfcrypt-$board
console=$work/console.log
elf=${B:-build}/guest/test/guest.elf
mkdir -p "$work"
tests/qemu/wolfcrypt.sh "$@" 2>&1 | tee "$work/test.out" >&2
rc=${PIPESTATUS[0]}
wall=$(sed -n 's/^bench: wall time of the wolfcrypt boot: \([0-9]*\) s$/\1/p' "$work/test.out")
cpu=$(sed -n 's/^QEMU_CPU="\(.*\)"$/\1/p' "board/$board/board.conf")
[ -n "$cpu" ] || cpu="QEMU's default for the machine"
version=$(sed -n 's/^ *wolfSSL version \([0-9.]*\).*/\1/p' "$console" | head -1)

# The P-256 code the guest links, from its symbols: sp_arm32.c works in
# eight 32-bit words (sp_256_mul_8), sp_c32.c in more, smaller ones.
# tls/user_settings.h turns on sp_int's ARM32 assembly with the former.
# (grep reads all of nm's output: no SIGPIPE under pipefail.)
if arm-none-eabi-nm "$elf" 2>/dev/null | grep -E ' sp_256_mul_8(\.|$)' >/dev/null; then
	math="P-256 in wolfSSL's SP code in ARM32 assembly (WOLFSSL_SP_ARM32_ASM,
sp_arm32.c, assembled as Thumb-2), RSA in sp_int with its ARM32 inline
assembly (WOLFSSL_SP_ARM32)"
else
	math="P-256 in wolfSSL's SP code in portable C (sp_c32.c), RSA in sp_int
in portable C"
fi

# benchmark.c's two line formats, one table row each:
#   NAME  N MiB took T seconds,  X MiB/s            (ciphers, hashes, MACs)
#   NAME  N ops took T sec, avg M ms, X ops/sec     (public-key operations)
rows() {
	sed -nE \
		-e 's/^(.*[^ ]) +[0-9]+ (bytes|KiB|MiB) took [0-9.]+ seconds, +([0-9.]+) (bytes|KiB|MiB)\/s$/sym|\1|\3|\4/p' \
		-e 's/^(.*[^ ]) +[0-9]+ ops took [0-9.]+ sec, avg ([0-9.]+) ms, ([0-9.]+) ops\/sec$/asym|\1|\3|\2/p' \
		"$console" |
		awk -F'|' '{
			name = $2
			gsub(/ +/, " ", name)
			sub(/\[ /, "[", name)
			if ($1 == "sym") {
				mib = $3 / ($4 == "KiB" ? 1024 : $4 == "bytes" ? 1048576 : 1)
				# PBKDF2 (1,000 iterations per 32 bytes) is far below 1 MiB/s.
				if (mib < 1)
					printf "| %s | %.2f KiB/s | |\n", name, mib * 1024
				else
					printf "| %s | %.2f MiB/s | |\n", name, mib
			} else {
				printf "| %s | %.1f ops/s | %.2f ms |\n", name, $3, $4
			}
		}'
}

# The push password's check (git/auth.h), timed after the benchmark by
# tls/tls_wolfcrypt.c: "PBKDF2-SHA256 N iterations (git push password) ...".
read -r kdf_iterations kdf_ms < <(sed -nE 's/^PBKDF2-SHA256 ([0-9]+) iterations \(git push password\) +[0-9]+ ops took [0-9.]+ sec, avg ([0-9.]+) ms, .*$/\1 \2/p' "$console" | tail -1)
if [ -n "${kdf_ms:-}" ]; then
	kdf_line="A git push password check (git/auth.h: PBKDF2-HMAC-SHA256, $kdf_iterations
iterations, the KDF git_auth_check runs) took **$kdf_ms ms** in this guest."
else
	kdf_line="**No PBKDF2 timing line (git push password) in the console.**"
fi

cat <<EOT
## wolfCrypt benchmark in the guest ($board, QEMU TCG)

wolfSSL ${version:-?}'s own benchmark (BENCH_EMBEDDED, about 1 s per line) in the
test build of the guest, with the guest library's configuration. Math:
$math. AES-GCM, ChaCha20-Poly1305 and the SHA-2 family are
portable C. Emulated CPU: $cpu, under QEMU TCG on this $(uname -m) host: the
numbers compare the guest's algorithms with each other and across commits;
they are not a Cortex-A7's speed. One boot runs wolfCrypt's test and then
this benchmark: ${wall:-?} s wall time.

| algorithm | throughput | per operation |
|---|---|---|
$(rows)

$kdf_line

EOT
[ "$rc" = 0 ] || printf '**tests/qemu/wolfcrypt.sh failed (exit %s): see its output**\n\n' "$rc"
