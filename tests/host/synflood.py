"""SYNs from addresses that never answer, for tests/host/pcb-limits.sh.

Usage: synflood.py DST PORT COUNT SRC_PREFIX [RATE]

Sends COUNT TCP SYNs (with an MSS option) to DST:PORT through a raw
socket, each from SRC_PREFIX.N (N from 100 to 249, in turn) and a port of
its own. No host has those addresses, so the SYN-ACKs go unanswered: each
SYN leaves the server a connection half open (SYN-RCVD) until it gives up,
as a flood from spoofed addresses on the Internet would. With RATE, at
most RATE SYNs a second (a flood that goes on while clients connect);
without, as fast as it can. Prints how many were sent.
"""
import random
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def syn(src, dst, sport, dport):
    mss = struct.pack('!BBH', 2, 4, 1460)
    seq = random.getrandbits(32)
    offset = (20 + len(mss)) // 4 << 4
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, 0, offset, 0x02, 64240, 0, 0) + mss
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack('!H', checksum(pseudo + tcp)) + tcp[18:]
    # The kernel fills in the total length, the id and the header checksum.
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 0, 0, 0, 64, 6, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    return ip + tcp


def main():
    dst, port, count, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rate = float(sys.argv[5]) if len(sys.argv) > 5 else 0
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent, start = 0, time.monotonic()
    for i in range(count):
        if rate:
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
        src = f'{prefix}.{100 + i % 150}'
        s.sendto(syn(src, dst, 20000 + i, port), (dst, 0))
        sent += 1
    print(sent)


if __name__ == '__main__':
    main()
