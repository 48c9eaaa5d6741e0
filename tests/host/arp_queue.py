"""Answers the twin has to send to hosts it must look up first, for
tests/host/lan.sh: lwIP's ARP queue (net/lwipopts.h: ARP_QUEUE_LEN 4 a
host, MEMP_NUM_ARP_QUEUE 32 in all) at and past its limits.

Usage: arp_queue.py IFACE TWIN_MAC TWIN_IP FIRST HOSTS QUERIES HOLD_MS

HOSTS hosts, 192.0.2.FIRST on, each with a MAC of its own, speak through
a packet socket on IFACE (the namespace's kernel, which sees frames for
other MACs, stays out of it). Each sends QUERIES DNS queries over UDP to
TWIN_IP, one after the other, all hosts' before the twin can have looked
any of them up. The twin's ARP requests go unanswered; HOLD_MS after the
last query each host announces itself (an ARP reply to the twin), which
sends what the twin queued for it; with HOLD_MS -1, never. The answers
that come within 1 s of that (or of the last query) are counted.

Prints a line a host: "192.0.2.N answered 3,4,5,6 (4 of 6), 1 ARP
request", the queries numbered from 1 in the order sent, then
"answered N in all".
"""
import random
import select
import socket
import struct
import sys
import time

from slowshake import ETH_P_ALL, ETH_P_ARP, ETH_P_IP, arp_reply, ipv4_frame
from synflood import checksum  # the Internet checksum (RFC 1071)


def main():
    iface, twin_mac, twin_ip = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), sys.argv[3]
    first, n_hosts, n_queries, hold = (int(a) for a in sys.argv[4:8])
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    dst = socket.inet_aton(twin_ip)
    hosts = [(socket.inet_aton(f'192.0.2.{first + h}'), bytes([2, 0, 0, 0, 2, first + h]))
             for h in range(n_hosts)]
    base_id = random.randrange(0, 60000)
    sport = random.randrange(20000, 60000)
    answered = {h: [] for h in range(n_hosts)}
    arp_requests = {h: 0 for h in range(n_hosts)}

    def query(h, q):
        src, mac = hosts[h]
        dns = struct.pack('!6H', base_id + q, 0x0100, 1, 0, 0, 0) + b'\x03www\x07example\x03org\x00' + \
            struct.pack('!HH', 1, 1)
        udp = struct.pack('!HHHH', sport, 53, 8 + len(dns), 0) + dns
        pseudo = src + dst + struct.pack('!BBH', 0, 17, len(udp))
        udp = udp[:6] + struct.pack('!H', checksum(pseudo + udp) or 0xffff) + udp[8:]
        sock.send(ipv4_frame(twin_mac, mac, src, dst, 17, udp))

    def announce(h):
        src, mac = hosts[h]
        sock.send(arp_reply(twin_mac, dst, mac, src))

    def take(until):
        while True:
            left = until - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                return
            frame = sock.recv(65536)
            kind = struct.unpack('!H', frame[12:14])[0]
            if kind == ETH_P_ARP and struct.unpack('!H', frame[20:22])[0] == 1:
                for h, (src, _) in enumerate(hosts):
                    if frame[38:42] == src:
                        arp_requests[h] += 1
            elif kind == ETH_P_IP and frame[23] == 17:
                ihl = (frame[14] & 0x0f) * 4
                udp = frame[14 + ihl:]
                for h, (src, mac) in enumerate(hosts):
                    if frame[30:34] == src and frame[0:6] == mac and udp[:2] == b'\x00\x35':
                        q = struct.unpack('!H', udp[8:10])[0] - base_id
                        if 0 <= q < n_queries and q + 1 not in answered[h]:
                            answered[h].append(q + 1)

    for h in range(n_hosts):
        for q in range(n_queries):
            query(h, q)
    if hold >= 0:
        take(time.monotonic() + hold / 1000)
        for h in range(n_hosts):
            announce(h)
    take(time.monotonic() + 1)
    for h in range(n_hosts):
        got = sorted(answered[h])
        print(f'192.0.2.{first + h} answered {",".join(map(str, got)) or "none"} '
              f'({len(got)} of {n_queries}), {arp_requests[h]} ARP request{"s" * (arp_requests[h] != 1)}')
    print(f'answered {sum(len(a) for a in answered.values())} in all')


if __name__ == '__main__':
    main()
