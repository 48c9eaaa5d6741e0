#!/bin/bash
# Usage: tests/image/password.sh STORECTL BOARD...
#
# The git push password of each built image (git/auth.h, image/mkimage.sh):
# the store in p2 holds git/password on refs/appliance/secrets, a
# PBKDF2-HMAC-SHA256 hash of the iterations git/auth.h states, which
# Python's hashlib (not our code) verifies against the password in
# OUT/BOARD.password, a file only its owner may read or write; the
# password itself is nowhere in the image, and no two images share one.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
ctl=$1
shift
out=${OUT:-out}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
iterations=$(sed -n 's/^#define GIT_AUTH_ITERATIONS \([0-9]*\)$/\1/p' git/auth.h)

# verify HASH-FILE PASSWORD-FILE: the password (first line) matches the hash.
verify() {
	"$PY" - "$1" "$2" <<'PYEOF'
import base64, hashlib, sys
scheme, iterations, salt, digest = open(sys.argv[1]).read().rstrip("\n").split("$")
password = open(sys.argv[2], "rb").read().split(b"\n")[0]
salt = base64.b64decode(salt, validate=True)
digest = base64.b64decode(digest, validate=True)
ok = scheme == "pbkdf2-sha256" and len(salt) == 16 and len(digest) == 32 and \
    hashlib.pbkdf2_hmac("sha256", password, salt, int(iterations)) == digest
sys.exit(0 if ok else 1)
PYEOF
}

for board in "$@"; do
	img=$out/$board.img
	pwfile=$out/$board.password
	if [ ! -f "$img" ] || [ ! -f "$pwfile" ]; then
		fail "$board: $img and $pwfile exist"
		continue
	fi
	# p2's start and size in sectors, from the image's partition table.
	read -r start size < <(sfdisk -d "$img" | awk -F'[=,]' '/^[^ ]*2 :/ { print $2 + 0, $4 + 0 }')
	dd if="$img" of="$tmp/p2" bs=512 skip="$start" count="$size" conv=sparse status=none
	"$ctl" cat "$tmp/p2" refs/appliance/secrets git/password >"$tmp/hash" 2>/dev/null
	check "$board: p2 holds git/password on refs/appliance/secrets" test -s "$tmp/hash"
	check "$board: git/password is a pbkdf2-sha256 hash of $iterations iterations (git/auth.h)" \
		grep -Eqx "pbkdf2-sha256\\\$$iterations\\\$[A-Za-z0-9+/]{22}==\\\$[A-Za-z0-9+/]{43}=" \
		"$tmp/hash"
	check "$board: $pwfile is mode 0600" test "$(stat -c %a "$pwfile")" = 600
	check "$board: the hash verifies against $pwfile (Python's hashlib)" \
		verify "$tmp/hash" "$pwfile"
	printf 'not-the-password\n' >"$tmp/wrong"
	check "$board: and not against another password" not verify "$tmp/hash" "$tmp/wrong"
	head -n 1 "$pwfile" >>"$tmp/all"
	check "$board: the password itself is nowhere in $img" \
		not grep -qaF -- "$(head -n 1 "$pwfile")" "$img"
done
check "no two images share a password" test "$(sort -u "$tmp/all" | wc -l)" = "$#"
done_tests
