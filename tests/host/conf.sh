#!/bin/bash
# Usage: tests/host/conf.sh CONFCHECK
# appliance.conf validation as the user meets it: the shipped file passes;
# a malformed one is rejected by confcheck and by the image recipe with
# FILE:LINE: reason.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
confcheck=${1:-build/host/confcheck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check "the shipped image/appliance.conf passes" "$confcheck" image/appliance.conf

# rejects NAME LINE REASON-REGEX TEXT: confcheck exits 1 with FILE:LINE: reason.
rejects() {
	local name=$1 line=$2 re=$3 f=$tmp/$1.conf out
	printf '%b' "$4" >"$f"
	out=$("$confcheck" "$f" 2>&1)
	if [ $? = 1 ] && echo "$out" | grep -qE "^$f:$line: .*$re"; then
		ok "rejected, $name: ${out#"$tmp/"}"
	else
		fail "$name: expected $f:$line: ...$re, got: $out"
	fi
}
rejects typo 3 "unknown key" 'hostname=box\nip=dhcp\nhostnmae=box\n'
rejects bad-ip 2 "IPv4 address with prefix" 'hostname=box\nip=192.168.1.300/24\n'
rejects no-prefix 1 "prefix length" 'ip=192.168.1.3\n'
rejects gateway-dhcp 4 "static ip" '# c\nip=dhcp\n\ngateway=192.168.1.1\n'
rejects gateway-subnet 2 "outside the subnet" 'ip=192.168.1.3/24\ngateway=192.168.2.1\n'
rejects hostname 1 "letters, digits" 'hostname=my_box\n'
rejects spaces 2 "spaces" 'ip=dhcp\nhostname = box\n'
rejects twice 3 "twice" 'http=on\nhttps=on\nhttp=off\n'
rejects onoff 1 '"on" or "off"' 'https=yes\n'
rejects ip6 1 "IPv6 address" 'ip6=2001:db8::1::2/64\n'
rejects ip6-groups-after-full 1 "IPv4 or IPv6 address" 'nameserver=1:2:3:4:5:6:7:8::1:2:3:4:5:6:7:8:9:a:b:c\n'
rejects notify-comma 1 "addresses separated by commas" 'dns_notify=192.0.2.4,\n'
rejects notify-name 1 "addresses separated by commas" 'dns_notify=ns2.example.net\n'
check "dns_notify takes IPv4 and IPv6 addresses" bash -c \
	"printf 'dns_notify=192.0.2.4,2001:db8::53\n' >'$tmp/notify.conf' && '$confcheck' '$tmp/notify.conf'"
check "a CRLF file (edited on Windows) passes" bash -c \
	"printf 'hostname=box\r\nip=dhcp\r\n' >'$tmp/crlf.conf' && '$confcheck' '$tmp/crlf.conf'"

# The image recipe runs confcheck before anything else is put together.
for f in xen k i g c; do : >"$tmp/$f"; done
out=$(image/mkimage.sh qemu-virt "$tmp/out" --work "$tmp/work" --xen "$tmp/xen" \
	--dom0-kernel "$tmp/k" --dom0-initrd "$tmp/i" --guest "$tmp/g" --guest-cfg-in "$tmp/c" \
	--appliance-conf "$tmp/typo.conf" --confcheck "$confcheck" 2>&1)
rc=$?
check "mkimage.sh stops on a malformed appliance.conf" [ "$rc" != 0 ]
check "mkimage.sh names the line and reason" grep -q "typo.conf:3: unknown key" <<<"$out"
check "mkimage.sh wrote no image" test ! -e "$tmp/out/qemu-virt.img"
check "the image rule passes --confcheck" bash -c \
	"make -n $(printf %q "${OUT:-out}")/qemu-virt.img 2>/dev/null | grep -q -- '--confcheck'"
done_tests
