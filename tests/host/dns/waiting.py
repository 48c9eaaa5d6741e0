"""The answers a UDP socket gets after a flood (dns.sh, dns-metrics.sh)."""
import socket

import dns.flags
import dns.message


def flood_socket():
    """A UDP socket whose receive buffer holds a flood's answers (4 MiB) until waiting() reads them."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    return s


def waiting(s, quiet=1):
    """The answers that come on s until none has for `quiet` seconds, as messages."""
    got = []
    s.settimeout(quiet)
    try:
        while True:
            got.append(dns.message.from_wire(s.recv(4096)))
    except socket.timeout:
        return got


def truncated(answers):
    """How many of `answers` slipped: TC set (rrl.h)."""
    return sum(1 for r in answers if r.flags & dns.flags.TC)
