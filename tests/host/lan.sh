#!/bin/bash
# Usage: tests/host/lan.sh APPLIANCE STORECTL
# A home LAN's worth of hosts asking the twin: lwIP's tables of its
# neighbours' link addresses (net/lwipopts.h: ARP_TABLE_SIZE and
# LWIP_ND6_NUM_NEIGHBORS, 64 each) at their limit. With lwIP's default of
# 10, a house with more devices than that using the appliance for DNS
# made it look up (ARP) nearly every one of them again for each answer,
# since lwIP takes the place of the oldest entry, in use or not; and a
# burst sent while a lookup was under way lost all but its last packet
# (ARP_QUEUEING was off), so a download could wait seconds for TCP's
# retransmission timer. Checked, with the hosts as addresses on tap0 in
# the test's namespace (tests/host/lan_hosts.py):
#   - 60 hosts ask DNS over UDP in turn, three rounds, over IPv4 and over
#     IPv6: every query answered; the twin looks each host up in the
#     first round only;
#   - 65, one more than the table holds: every query still answered;
#   - a host opens an HTTP connection, 70 others ask DNS (which pushes its
#     entry out of the table), then it asks for 64 KiB: the answer's first
#     window waits in the ARP queue while the twin looks the host up
#     again, and all of it comes within 0.5 s (without the queue, 3 s:
#     lwIP's first retransmission timeout);
#   - the queue at and past its limits, with hosts of raw frames that
#     answer ARP late or never (tests/host/arp_queue.py): 6 answers to a
#     host 300 ms late, of which the last 4 (ARP_QUEUE_LEN) wait and come;
#     9 such hosts at once, 6 answers each for MEMP_NUM_ARP_QUEUE's 32
#     places, of which exactly 32 come and lwIP counts the 8 it could not
#     queue; and what waits for a host that never answers is freed
#     when lwIP gives up on it (ARP_MAXPENDING, about 5 s).
# About 25 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/host/netns.sh
TWIN=$(realpath "${1:-build/host/appliance-san}")
STORECTL=$(realpath "${2:-build/host/storectl}")
IP=192.0.2.2
IP6=fd00:db8::2
TWIN_MAC=02:00:00:00:00:0d

need_root
check "namespace with tap0" netns_setup || { done_tests; exit 1; }
tree=$WORK/tree
mkdir -p "$tree/site/.well-known" "$tree/zones"
head -c 65536 /dev/urandom >"$tree/site/.well-known/64k.bin"
printf '$ORIGIN example.org.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.2\nwww A 192.0.2.80\n' \
	>"$tree/zones/example.org.zone"
"$STORECTL" init "$WORK/store.img" 16M >/dev/null
"$STORECTL" import "$WORK/store.img" "$tree" -m site >/dev/null
printf 'hostname=twin\nip=%s/24\nip6=%s/64\n' "$IP" "$IP6" >"$WORK/twin.conf"
twin_up "$WORK/twin.log" "$WORK/twin.conf" "$TWIN_MAC" --disk "$WORK/store.img"
wait_log "$WORK/twin.log" "dns: udp and tcp port 53" 10
wait_log "$WORK/twin.log" "ipv6 $IP6 preferred" 10
# The LAN's hosts: 192.0.2.20-224 and fd00:db8::100-163 (hex). Each check
# takes hosts the twin has not seen before: 100-159 for the first, 160-224
# for the 65, 20-90 for the burst.
for ((i = 20; i < 225; i++)); do
	in_ns ip addr add "192.0.2.$i/24" dev tap0
done
for ((i = 0x100; i < 0x164; i++)); do
	in_ns ip -6 addr add "fd00:db8::$(printf %x $i)/64" dev tap0 nodad
done
hosts() { in_ns "$PY" tests/host/lan_hosts.py "$TWIN_MAC" "$IP" "$IP6" "$@"; }

# three_rounds FAMILY FIRST LOOKUP: 60 hosts from FIRST ask DNS in turn,
# three times; the twin looks them up with LOOKUP in the first round only.
three_rounds() {
	local out
	out=$(hosts dns "$2" 60 3 "$1")
	echo "$out" | sed "s/^/# IPv$1: /"
	check "60 hosts ask DNS over IPv$1 in turn, three rounds: every query answered" \
		test "$(grep -c ' 60 of 60 answered' <<<"$out")" = 3
	check "... each looked up ($3) in the first round only: $(grep -o '[0-9]* lookups' <<<"$out" | tr '\n' ' ')" \
		test "$(grep -Ec '^round [23]: .*, 0 lookups$' <<<"$out")" = 2
}
three_rounds 4 100 ARP
three_rounds 6 256 "neighbor solicitation"
out=$(hosts dns 160 65 2 4)
echo "$out" | sed 's/^/# 65 hosts: /'
check "65 hosts, one more than the table holds: every query answered" \
	test "$(grep -c ' 65 of 65 answered' <<<"$out")" = 2
out=$(hosts burst 20 21 70 /.well-known/64k.bin)
echo "# a host pushed out of the table: $out"
ms=$(awk '{ print $4 }' <<<"$out")
check "a host pushed out of the table by 70 others gets its 64 KiB within 500 ms: $out" \
	test "$(awk '{ print $2 }' <<<"$out")" = 65536 -a -n "$ms" -a "${ms:-9999}" -le 500

# The ARP queue past its limits (tests/host/arp_queue.py: hosts of raw
# frames, which answer the twin's ARP only when told). Each answer the twin
# sends to a host it is still looking up waits in the queue, a PBUF_RAM
# copy held until the host answers or lwIP gives up on it.
metric() { twin_sample "$IP" "$1"; }
RAM=appliance_pbuf_ram_bytes
OTHER=$(pool_failures other)
aq() { in_ns "$PY" tests/host/arp_queue.py tap0 "$TWIN_MAC" "$IP" "$@"; }
ram0=$(metric $RAM)
out=$(aq 230 1 6 300)
echo "$out" | sed 's/^/# a host 300 ms late: /'
check "a host that answers ARP 300 ms late, 6 answers sent to it meanwhile: the last 4 (ARP_QUEUE_LEN) waited for it" \
	grep -q '^192.0.2.230 answered 3,4,5,6 (4 of 6)' <<<"$out"
f0=$(metric "$OTHER")
out=$(aq 231 9 6 300)
f=$(metric "$OTHER")
echo "$out" | sed 's/^/# 9 hosts 300 ms late: /'
check "9 such hosts at once, 6 answers each for the queue's 32 places (MEMP_NUM_ARP_QUEUE): 32 waited and came" \
	grep -qx 'answered 32 in all' <<<"$out"
check "... the first 7 hosts' last 4 each, the 8th's first 4 (the pool empty for its 5th), none of the 9th's" \
	test "$(grep -c ' answered 3,4,5,6 (4 of 6)' <<<"$out"):$(grep -c '^192.0.2.238 answered 1,2,3,4 (4 of 6)' <<<"$out"):$(grep -c '^192.0.2.239 answered none' <<<"$out")" = 7:1:1
check "... and lwIP counted the 8 answers it could not queue: pool failures ${f0:-?} -> ${f:-?}" \
	test -n "$f0" -a "$((${f:-0} - ${f0:-0}))" = 8
out=$(aq 240 1 6 -1)
ram1=$(metric $RAM)
check "a host that never answers ARP: 4 answers held for it ($RAM $ram0 -> $ram1)" \
	test -n "$ram0" -a "${ram1:-0}" -gt "${ram0:-0}"
t0=$(date +%s)
for ((i = 0; i < 20; i++)); do
	ram2=$(metric $RAM)
	[ "$ram2" = "$ram0" ] && break
	sleep 0.5
done
check "... freed when lwIP gives up on the host ($RAM back to $ram2 within $(($(date +%s) - t0 + 1)) s)" test "$ram2" = "$ram0"

twin_stop
check "the twin stops cleanly" test $? = 0
grep -E -A40 -m1 'ERROR: AddressSanitizer|runtime error|Segmentation' "$WORK/twin.log"
done_tests
