#!/usr/bin/env python3
"""A DNS server that breaks the UDP size rule, to show compare.py sees it.

Usage: whole_over_udp.py LISTEN-ADDRESS:PORT SERVER-ADDRESS SECONDS

Each query received over UDP is asked of SERVER over TCP, and the whole
answer is sent back over UDP, without TC, however large: what a server
that ignored the client's UDP payload size would send. The answers are
otherwise the server's own. Stops by itself after SECONDS.
"""
import socket
import struct
import sys
import time


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise OSError("the server closed the connection")
        out += chunk
    return out


def ask_tcp(server, wire):
    with socket.create_connection((server, 53), timeout=3) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        size, = struct.unpack("!H", recv_exact(s, 2))
        return recv_exact(s, size)


def main():
    addr, _, port = sys.argv[1].rpartition(":")
    server, end = sys.argv[2], time.monotonic() + float(sys.argv[3])
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, int(port)))
    while time.monotonic() < end:
        u.settimeout(max(0.1, end - time.monotonic()))
        try:
            wire, peer = u.recvfrom(65535)
            u.sendto(ask_tcp(server, wire), peer)
        except OSError:
            continue


main()
