"""Many hosts on one LAN asking the twin, for tests/host/lan.sh.

Usage: lan_hosts.py TWIN_MAC TWIN_IP TWIN_IP6 MODE ARG...

The hosts are addresses the test gave tap0 in its namespace; a packet
socket on tap0 counts the address lookups the twin sends meanwhile: ARP
requests, and IPv6 neighbor solicitations (RFC 4861 section 4.3).

  dns FIRST COUNT ROUNDS FAMILY   hosts FIRST .. FIRST+COUNT-1 (the last
        byte of 192.0.2.N, or fd00:db8::N for FAMILY 6) each ask an A
        query over UDP in turn, ROUNDS times; prints per round the answers
        and the lookups: "round R: A of N answered, L lookups"
  burst CLIENT FIRST COUNT PATH   CLIENT opens an HTTP connection, then
        hosts FIRST.. each ask DNS (making COUNT new entries in the twin's
        address table, which pushes CLIENT's out), then CLIENT asks PATH
        on its connection: prints "bytes B in T ms"
"""
import socket
import struct
import sys
import threading
import time

QUERY = (b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00'
         b'\x03www\x07example\x03org\x00\x00\x01\x00\x01')


class Lookups:
    """Counts the twin's ARP requests and neighbor solicitations on tap0."""

    def __init__(self, twin_mac):
        self.mac = bytes.fromhex(twin_mac.replace(':', ''))
        self.count, self.stop = 0, False
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        self.sock.bind(('tap0', 0))
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                f = self.sock.recv(2048)
            except socket.timeout:
                continue
            if f[6:12] != self.mac:
                continue
            kind = f[12:14]
            if kind == b'\x08\x06' and f[20:22] == b'\x00\x01':
                self.count += 1
            elif kind == b'\x86\xdd' and f[20] == 58 and f[54] == 135:
                self.count += 1

    def close(self):
        self.stop = True
        self.thread.join()


def host(family, n):
    return f'192.0.2.{n}' if family == 4 else f'fd00:db8::{n:x}'


def ask(family, src, dst):
    s = socket.socket(socket.AF_INET if family == 4 else socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(2)
    try:
        s.sendto(QUERY, (dst, 53))
        return len(s.recv(512)) > 12
    except OSError:
        return False
    finally:
        s.close()


def dns(look, ip, ip6, first, count, rounds, family):
    dst = ip if family == 4 else ip6
    for r in range(rounds):
        before = look.count
        answered = sum(ask(family, host(family, first + i), dst) for i in range(count))
        time.sleep(0.2)  # the last lookups counted
        print(f'round {r + 1}: {answered} of {count} answered, {look.count - before} lookups')


def burst(look, ip, client, first, count, path):
    c = socket.create_connection((ip, 80), timeout=10, source_address=(host(4, client), 0))
    for i in range(count):
        ask(4, host(4, first + i), ip)
    before = look.count
    t0 = time.monotonic()
    c.sendall(f'GET {path} HTTP/1.1\r\nHost: twin\r\nConnection: close\r\n\r\n'.encode())
    data = b''
    while True:
        d = c.recv(65536)
        if not d:
            break
        data += d
    ms = (time.monotonic() - t0) * 1000
    body = data.split(b'\r\n\r\n', 1)[1] if b'\r\n\r\n' in data else b''
    print(f'bytes {len(body)} in {ms:.0f} ms, {look.count - before} lookups')
    if not body:
        print(f'answer: {data[:300]!r}', file=sys.stderr)


def main():
    twin_mac, ip, ip6, mode = sys.argv[1:5]
    a = sys.argv[5:]
    look = Lookups(twin_mac)
    try:
        if mode == 'dns':
            dns(look, ip, ip6, int(a[0]), int(a[1]), int(a[2]), int(a[3]))
        else:
            burst(look, ip, int(a[0]), int(a[1]), int(a[2]), a[3])
    finally:
        look.close()


if __name__ == '__main__':
    main()
