#!/usr/bin/env python3
"""Echo (RFC 862) client for the host tests and benchmark.

  echo_client.py tcp HOST SIZE    send SIZE random bytes, read them back,
                                  exit 0 if they came back intact
  echo_client.py udp HOST SIZE    one datagram of SIZE bytes, same check
  echo_client.py bench HOST SIZE  TCP echo of SIZE bytes; prints the payload
                                  rate in Mbit/s (each way, both at once)
  echo_client.py ping HOST COUNT  ICMP or ICMPv6 echo (raw socket: root)
  echo_client.py send HOST SIZE   SIZE bytes to discard (RFC 863); prints
                                  Mbit/s from us to HOST
  echo_client.py recv HOST SIZE   SIZE bytes from chargen (RFC 864), pattern
                                  checked; prints Mbit/s from HOST to us
  echo_client.py pingpong HOST COUNT  COUNT round trips of 64 bytes on one
                                  TCP echo connection; prints the seconds
  echo_client.py rtt HOST SECONDS  64-byte round trips on one TCP echo
                                  connection, one every 20 ms, for SECONDS
                                  or until SIGTERM; prints "N round trips,
                                  max RTT X ms, S over 500 ms, failures F"
  echo_client.py closed HOST TRIES  exit 0 if echo, discard and chargen are
                                  off: TCP refused, and none of TRIES UDP
                                  datagrams to echo comes back

HOST may be an IPv6 address with a zone (fe80::1%tap0). Ports 7, 9 and 19,
or $ECHO_PORT, $DISCARD_PORT and $CHARGEN_PORT.
"""
import os
import selectors
import signal
import socket
import struct
import sys
import time

PORT = int(os.environ.get("ECHO_PORT", "7"))
DISCARD_PORT = int(os.environ.get("DISCARD_PORT", "9"))
CHARGEN_PORT = int(os.environ.get("CHARGEN_PORT", "19"))
TIMEOUT = 30


def addr(host, port=PORT):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return fam, socket.getaddrinfo(host, port, fam)[0][4]


def tcp_echo(host, data):
    """Send and receive at once, so neither side's window stalls the other."""
    fam, sa = addr(host)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(sa)
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent, got, deadline = 0, bytearray(), time.monotonic() + TIMEOUT
    while len(got) < len(data):
        if time.monotonic() > deadline:
            raise TimeoutError(f"sent {sent}, got {len(got)} of {len(data)}")
        for _, ev in sel.select(1):
            if ev & selectors.EVENT_WRITE and sent < len(data):
                try:
                    sent += s.send(data[sent:sent + 65536])
                except BlockingIOError:
                    pass
                if sent == len(data):
                    s.shutdown(socket.SHUT_WR)
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError(f"closed after {len(got)} bytes")
                got += chunk
    s.close()
    return bytes(got)


def udp_echo(host, data):
    fam, sa = addr(host)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2)
    for _ in range(5):  # UDP may lose a datagram (ARP/ND not yet resolved)
        s.sendto(data, sa)
        try:
            return s.recv(65536)
        except socket.timeout:
            continue
    raise TimeoutError("no udp reply")


def discard_send(host, size):
    """Mbit/s of SIZE bytes written to discard, until the peer has them all."""
    fam, sa = addr(host, DISCARD_PORT)
    s = socket.create_connection(sa[:2] if fam == socket.AF_INET else sa, TIMEOUT)
    chunk = os.urandom(65536)
    start, sent = time.monotonic(), 0
    while sent < size:
        sent += s.send(chunk[:min(len(chunk), size - sent)])
    s.shutdown(socket.SHUT_WR)
    s.recv(1)  # discard closes after reading everything
    secs = time.monotonic() - start
    s.close()
    return size * 8 / secs / 1e6


def chargen_line(n):
    return bytes(32 + (n + i) % 95 for i in range(72)) + b"\r\n"


def chargen_recv(host, size):
    """Mbit/s of SIZE bytes read from chargen; the RFC 864 pattern is checked."""
    fam, sa = addr(host, CHARGEN_PORT)
    s = socket.create_connection(sa[:2] if fam == socket.AF_INET else sa, TIMEOUT)
    pattern = b"".join(chargen_line(n) for n in range(95))
    start, got = time.monotonic(), bytearray()
    while len(got) < size:
        chunk = s.recv(min(1 << 20, size - len(got)))
        if not chunk:
            raise ConnectionError(f"chargen closed after {len(got)} bytes")
        got += chunk
    secs = time.monotonic() - start
    s.close()
    whole = pattern * (size // len(pattern) + 1)
    if bytes(got) != whole[:size]:
        raise ValueError("chargen: the stream differs from the RFC 864 pattern")
    return size * 8 / secs / 1e6


def pingpong(host, count):
    """One small segment each way at a time: nothing else in flight to clock it out."""
    fam, sa = addr(host)
    s = socket.create_connection(sa[:2], timeout=TIMEOUT) if fam == socket.AF_INET \
        else socket.socket(fam, socket.SOCK_STREAM)
    if fam != socket.AF_INET:
        s.settimeout(TIMEOUT)
        s.connect(sa)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = time.monotonic()
    for i in range(count):
        msg = os.urandom(64)
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            chunk = s.recv(64 - len(got))
            if not chunk:
                raise ConnectionError(f"closed after {i} round trips")
            got += chunk
        if got != msg:
            raise ValueError(f"round trip {i}: content differs")
    s.close()
    return time.monotonic() - start


def rtt_watch(host, seconds):
    """How long a connection waits while the other end is busy: the worst round trip."""
    fam, sa = addr(host)
    n, worst, worst_at, slow, failures, first = 0, 0.0, 0.0, 0, 0, 0.0
    start = time.monotonic()
    end = start + seconds
    # A background job of a script ignores SIGINT: SIGTERM is the way to stop it.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(sa)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while time.monotonic() < end:
            msg = os.urandom(64)
            t0 = time.monotonic()
            try:
                s.sendall(msg)
                got = b""
                while len(got) < 64:
                    chunk = s.recv(64 - len(got))
                    if not chunk:
                        raise ConnectionError("closed")
                    got += chunk
                if got != msg:
                    raise ValueError("content differs")
            except (OSError, ValueError):
                failures += 1
                break
            rtt = time.monotonic() - t0
            # The first one waits for ARP and the path to warm up: not a stall.
            if n == 0:
                first = rtt
            elif rtt > worst:
                worst, worst_at = rtt, t0 - start
            slow += n > 0 and rtt > 0.5
            n += 1
            time.sleep(0.02)
    except KeyboardInterrupt:
        pass
    print(f"{n} round trips, max RTT {worst * 1000:.0f} ms (at {worst_at:.1f} s; the first "
          f"{first * 1000:.0f} ms), {slow} over 500 ms, failures {failures}", flush=True)
    return failures == 0 and n > 0


def tcp_refused(host, port):
    fam, sa = addr(host, port)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(sa)
    except ConnectionRefusedError:
        return True
    finally:
        s.close()
    return False


def udp_silent(host, tries):
    """No reply to TRIES datagrams; an ICMP port unreachable counts as none."""
    fam, sa = addr(host)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(1)
    s.connect(sa)  # so that a port unreachable shows as ConnectionRefusedError
    for _ in range(tries):
        try:
            s.send(b"are you an open reflector?")
            s.recv(65536)
            return False
        except (socket.timeout, ConnectionRefusedError):
            continue
    return True


def closed(host, tries):
    """The diagnostic services are off: say which one answered, if any."""
    for name, port in (("echo", PORT), ("discard", DISCARD_PORT),
                       ("chargen", CHARGEN_PORT)):
        if not tcp_refused(host, port):
            raise ValueError(f"tcp {name} (port {port}) accepts connections")
    if not udp_silent(host, tries):
        raise ValueError(f"udp echo (port {PORT}) answers")
    return tries


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ping(host, count):
    """RFC 792 / RFC 4443 echo; every request must get its reply."""
    fam, sa = addr(host, 0)  # a raw socket takes no port
    v6 = fam == socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_RAW,
                      socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
    s.settimeout(2)
    ident = os.getpid() & 0xFFFF
    for seq in range(count):
        payload = os.urandom(32)
        hdr = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, ident, seq)
        if not v6:  # the kernel fills in the ICMPv6 checksum itself
            hdr = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq)
        s.sendto(hdr + payload, sa)
        while True:
            pkt = s.recv(2048)
            if not v6:
                pkt = pkt[(pkt[0] & 0xF) * 4:]
            typ, _, _, rid, rseq = struct.unpack("!BBHHH", pkt[:8])
            if typ == (129 if v6 else 0) and rid == ident and rseq == seq:
                if pkt[8:] != payload:
                    raise ValueError("ping: reply payload differs")
                break
    return count


def main():
    mode, host, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "ping":
        print(f"ping: {ping(host, size)} replies")
        return
    if mode == "send":
        print(f"{discard_send(host, size):.1f}")
        return
    if mode == "recv":
        print(f"{chargen_recv(host, size):.1f}")
        return
    if mode == "pingpong":
        print(f"{pingpong(host, size):.3f}")
        return
    if mode == "rtt":
        if not rtt_watch(host, size):
            sys.exit(1)
        return
    if mode == "closed":
        closed(host, size)
        print(f"closed: tcp 7, 9, 19 refused; {size} udp datagrams to 7 unanswered")
        return
    data = os.urandom(size)
    if mode == "bench":
        start = time.monotonic()
        back = tcp_echo(host, data)
        secs = time.monotonic() - start
        if back != data:
            sys.exit("bench: data came back corrupted")
        print(f"{size * 8 / secs / 1e6:.1f}")
        return
    back = tcp_echo(host, data) if mode == "tcp" else udp_echo(host, data)
    if back != data:
        sys.exit(f"{mode} echo: {len(back)} bytes back, content differs")
    print(f"{mode} echo: {size} bytes intact")


if __name__ == "__main__":
    try:
        main()
    except (OSError, ValueError) as e:
        sys.exit(f"{sys.argv[1]} {sys.argv[2]}: {e}")
