"""A TCP client of its own on a raw interface, for tests/host/pcb-limits.sh
and tests/host/close-data.sh.

Usage: slowshake.py IFACE TWIN_MAC DST PORT SRC MODE [DELAY_MS [PATH]]

Speaks TCP from SRC, an address no host in the namespace has (IPv4 or
IPv6, as DST is), through a packet socket on IFACE: it answers the twin's
ARP or neighbour solicitations for SRC itself, and the
namespace's kernel, which sees frames for another MAC, stays out of it.
So it controls what the kernel would not let a test control:

  get     a handshake whose ACK comes DELAY_MS after the SYN-ACK, as from
          a client that far away, then GET PATH (/.well-known/ok.txt); prints the
          HTTP status ("200"), or what went wrong ("no-synack", "reset",
          "no-answer"), and "mss=N" with the MSS the SYN-ACK offered
  getdata the same, the request carried by the handshake's ACK itself
          (sent again after 1.5 s if not acknowledged); prints "sends=N"
          too, the times the request was sent
  getfin  the same, the handshake's ACK carrying the request and a FIN
          (both sent again until both are acknowledged); prints
          "fin=acked" too if the twin's answer acknowledged the FIN,
          "fin=unacked" if not
  tlsdata a TLS ClientHello carried by the handshake's ACK (sent again
          after 1.5 s if not acknowledged); prints the answer's first record
          ("handshake-0303", a ServerHello), "mss=N" and "sends=N"
  timewait  a GET as above, without the delay, closed by both sides, the
          twin's first, so that the twin's side waits in TIME-WAIT; then a
          SYN on the same ports inside the old connection's window, which
          lwIP must reset (RFC 793), and one outside it, which ends the
          TIME-WAIT and is dropped, and sent again, opens: prints
          "inside=reset outside=none,synack" when all is well
  lastdata  a request (PATH "http" or "dns") after which the twin closes
          once its answer is acknowledged; the answer not acknowledged
          until it is all in, then in one segment with a byte more:
          prints the answer's first line ("HTTP/1.1_200_OK") or
          "dns-answer-N", and "reset", what the twin sent after that
          segment
  forge   a bare ACK with a made-up acknowledgement number, as if it
          returned a SYN cookie; prints "reset" if the twin answers it
          with a reset, or "none"
"""
import random
import select
import socket
import ssl
import struct
import sys
import time

from synflood import checksum  # the Internet checksum (RFC 1071)

ETH_P_ALL, ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 = 0x0003, 0x0800, 0x0806, 0x86dd
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
ND_SOLICIT, ND_ADVERT = 135, 136  # ICMPv6 (RFC 4861 sections 4.3, 4.4)


def ipv4_frame(to_mac, mac, src, dst, proto, body):
    """An Ethernet frame of an IPv4 packet from src to dst (packed addresses)."""
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(body), random.randrange(65536), 0, 64, proto, 0,
                     src, dst)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    return to_mac + mac + struct.pack('!H', ETH_P_IP) + ip + body


def arp_reply(to_mac, to_ip, mac, ip):
    """An Ethernet frame of an ARP reply telling to_mac/to_ip that ip is at mac."""
    reply = struct.pack('!HHBBH6s4s6s4s', 1, ETH_P_IP, 6, 4, 2, mac, ip, to_mac, to_ip)
    return to_mac + mac + struct.pack('!H', ETH_P_ARP) + reply


class Client:
    def __init__(self, iface, twin_mac, dst, port, src):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((iface, 0))
        self.twin_mac = bytes.fromhex(twin_mac.replace(':', ''))
        self.mac = bytes([2, 0, 0, 0, 1, random.randrange(256)])
        self.v6 = ':' in dst
        family = socket.AF_INET6 if self.v6 else socket.AF_INET
        self.dst, self.src = socket.inet_pton(family, dst), socket.inet_pton(family, src)
        self.dport, self.sport = port, random.randrange(20000, 60000)
        self.seq = random.getrandbits(32)

    def pseudo(self, proto, length):
        """The pseudo-header the checksum of a TCP or ICMPv6 message covers."""
        if self.v6:  # RFC 8200 section 8.1
            return self.src + self.dst + struct.pack('!IxxxB', length, proto)
        return self.src + self.dst + struct.pack('!BBH', 0, proto, length)

    def ip_frame(self, proto, body):
        if self.v6:
            hop = 255 if proto == 58 else 64  # neighbour discovery wants 255
            ip = struct.pack('!IHBB', 6 << 28, len(body), proto, hop) + self.src + self.dst
            return self.twin_mac + self.mac + struct.pack('!H', ETH_P_IPV6) + ip + body
        return ipv4_frame(self.twin_mac, self.mac, self.src, self.dst, proto, body)

    def send(self, flags, seq, ack, payload=b'', options=b''):
        offset = (20 + len(options)) // 4 << 4
        tcp = struct.pack('!HHIIBBHHH', self.sport, self.dport, seq & 0xffffffff,
                          ack & 0xffffffff, offset, flags, 64240, 0, 0) + options + payload
        tcp = tcp[:16] + struct.pack('!H', checksum(self.pseudo(6, len(tcp)) + tcp)) + tcp[18:]
        self.sock.send(self.ip_frame(6, tcp))

    def answer_arp(self, frame):
        arp = frame[14:42]
        if len(arp) < 28 or struct.unpack('!H', arp[6:8])[0] != 1 or arp[24:28] != self.src:
            return
        self.sock.send(arp_reply(arp[8:14], arp[14:18], self.mac, self.src))

    def answer_solicit(self, icmp):
        """A neighbour advertisement for our address, solicited, with our MAC."""
        if len(icmp) < 24 or icmp[0] != ND_SOLICIT or icmp[8:24] != self.src:
            return
        na = struct.pack('!BBHI', ND_ADVERT, 0, 0, 0x60000000) + self.src + bytes([2, 1]) + self.mac
        na = na[:2] + struct.pack('!H', checksum(self.pseudo(58, len(na)) + na)) + na[4:]
        self.sock.send(self.ip_frame(58, na))

    def segment(self, deadline):
        """The next TCP segment for us before `deadline`, as (flags, seq, ack, options, data)."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            frame = self.sock.recv(65536)
            kind = struct.unpack('!H', frame[12:14])[0]
            if kind == ETH_P_ARP and not self.v6:
                self.answer_arp(frame)
                continue
            if kind == ETH_P_IPV6 and self.v6:
                length, proto = struct.unpack('!HB', frame[18:21])
                if proto == 58:
                    self.answer_solicit(frame[54:54 + length])
                    continue
                if proto != 6 or frame[38:54] != self.src:
                    continue
                tcp = frame[54:54 + length]
            elif kind == ETH_P_IP and not self.v6:
                if frame[23] != 6 or frame[30:34] != self.src:
                    continue
                ihl = (frame[14] & 0x0f) * 4
                total = struct.unpack('!H', frame[16:18])[0]
                tcp = frame[14 + ihl:14 + total]
            else:
                continue
            sport, dport, seq, ack, off, flags = struct.unpack('!HHIIBB', tcp[:14])
            if sport != self.dport or dport != self.sport:
                continue
            hl = (off >> 4) * 4
            return flags, seq, ack, tcp[20:hl], tcp[hl:]


def mss_option(options):
    i = 0
    while i + 1 < len(options):
        if options[i] == 0:
            break
        if options[i] == 1:
            i += 1
            continue
        if options[i] == 2 and options[i + 1] == 4 and i + 4 <= len(options):
            return struct.unpack('!H', options[i + 2:i + 4])[0]
        i += max(options[i + 1], 2)
    return None


def handshake(c, delay=0, data=b'', fin=False):
    """SYN, SYN-ACK, and the ACK `delay` seconds later, carrying `data`
    and, if `fin`, a FIN: (next sequence number expected from the twin,
    the SYN-ACK's MSS), or (None, what went wrong)."""
    for _ in range(3):  # sent again after a second, as a kernel would
        c.send(SYN, c.seq, 0, options=struct.pack('!BBH', 2, 4, 1460))
        seg = c.segment(time.monotonic() + 1)
        if seg:
            break
    if not seg or seg[0] & (SYN | ACK) != SYN | ACK or seg[2] != (c.seq + 1) & 0xffffffff:
        return None, 'no-synack' if not seg else f'bad-synack flags={seg[0]:#x}'
    time.sleep(delay)
    c.seq += 1
    c.send(ACK | (PSH if data else 0) | (FIN if fin else 0), c.seq, (seg[1] + 1) & 0xffffffff, data)
    return (seg[1] + 1) & 0xffffffff, mss_option(seg[3])


def exchange(c, rcv, req, until, our_fin=False):
    """The twin's answer to `req`, sent once already (with a FIN if
    `our_fin`), from sequence number `rcv`, until `until(data, fin)` holds
    or 8 s pass: `req` is sent again every 1.5 s while the twin has not
    acknowledged it, and what comes is acknowledged. (data, fin, rcv,
    sends, acked), or None if the twin reset; acked: the twin acknowledged
    all of `req` (and the FIN)."""
    data, acked, fin, sends = b'', False, False, 1
    end = len(req) + our_fin  # what the twin must acknowledge
    deadline, resend = time.monotonic() + 8, time.monotonic() + 1.5
    while not until(data, fin) and time.monotonic() < deadline:
        seg = c.segment(min(deadline, resend) if not acked else deadline)
        if seg is None:
            if not acked:  # the request not acknowledged yet: again
                c.send(PSH | ACK | (FIN if our_fin else 0), c.seq, rcv, req)
                sends += 1
                resend = time.monotonic() + 1.5
            continue
        flags, seq, ack, _, payload = seg
        if flags & RST:
            return None
        acked = acked or (flags & ACK and 0 <= ((ack - c.seq) & 0xffffffff) - end < 1 << 30)
        if seq == rcv:
            data += payload
            fin = bool(flags & FIN)
            rcv = (rcv + len(payload) + fin) & 0xffffffff
        c.send(ACK, c.seq + (end if acked else 0), rcv)
    return data, fin, rcv, sends, acked


def get(c, delay, path='/.well-known/ok.txt', timewait=False, on_ack=False, fin=False):
    req = f'GET {path} HTTP/1.1\r\nHost: twin\r\nConnection: close\r\n\r\n'.encode()
    rcv, mss = handshake(c, delay, req if on_ack else b'', fin)
    if rcv is None:
        return [mss]
    if not on_ack:  # as Linux does, the request follows the ACK in a segment of its own
        c.send(PSH | ACK, c.seq, rcv, req)
    answer = exchange(c, rcv, req, lambda data, fin: fin, fin)
    if answer is None:
        return ['reset', f'mss={mss}']
    data, twin_fin, rcv, sends, acked = answer
    c.seq += len(req) + fin
    c.rcv = rcv
    if not timewait:
        c.send(RST | ACK, c.seq, rcv)
    elif twin_fin:  # our FIN after the twin's: its side waits in TIME-WAIT
        c.send(FIN | ACK, c.seq, rcv)
        c.seq += 1
        c.segment(time.monotonic() + 1)
    line = data.split(b'\r\n', 1)[0].split()
    got = [line[1].decode() if len(line) > 1 else 'no-answer', f'mss={mss}']
    if fin:
        got.append('fin=acked' if acked else 'fin=unacked')
    return got + [f'sends={sends}'] if on_ack else got


def tlsdata(c):
    """A TLS ClientHello on the handshake's ACK itself (sent again after
    1.5 s if not acknowledged): the answer's first record, as its type and
    version ("handshake-0303" for a ServerHello), and sends=N."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    out = ssl.MemoryBIO()
    tls = ctx.wrap_bio(ssl.MemoryBIO(), out, server_hostname='twin')
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    rcv, mss = handshake(c, 0, hello)
    if rcv is None:
        return [mss]
    answer = exchange(c, rcv, hello, lambda data, fin: len(data) >= 3 or fin)
    if answer is None:
        return ['reset', f'mss={mss}']
    data, _, rcv, sends, _ = answer
    c.send(RST | ACK, c.seq + len(hello), rcv)
    kind = {0x16: 'handshake', 0x15: 'alert'}.get(data[0], 'other') if data else 'none'
    return [f'{kind}-{data[1:3].hex()}', f'mss={mss}', f'sends={sends}']


def timewait(c):
    """SYNs on the 4-tuple of a connection the twin closed first (RFC 1122 4.2.2.13)."""
    got = get(c, 0, timewait=True)
    if got[0] != '200':
        return got
    c.send(SYN, c.seq, 0)  # inside the old receive window: lwIP resets it (RFC 793)
    seg = c.segment(time.monotonic() + 1)
    inside = 'reset' if seg and seg[0] & RST else 'none' if not seg else f'flags={seg[0]:#x}'
    far = (c.seq + (1 << 31)) & 0xffffffff
    c.send(SYN, far, 0)  # outside it: ends TIME-WAIT, dropped; sent again, it opens
    seg = c.segment(time.monotonic() + 0.5)
    first = 'none' if not seg else f'flags={seg[0]:#x}'
    c.send(SYN, far, 0)
    seg = c.segment(time.monotonic() + 1)
    again = 'synack' if seg and seg[0] & (SYN | ACK) == SYN | ACK else 'none'
    if again == 'synack':
        c.send(RST, (far + 1) & 0xffffffff, 0)
    return [f'inside={inside}', f'outside={first},{again}']


def lastdata(c, kind):
    """A request that makes the twin close once its answer is acknowledged
    (HTTP: Connection: close; DNS over TCP: a query, then a length of 0,
    which is malformed), the answer taken but not acknowledged, then one
    segment that acknowledges all of it and carries a byte more: the twin
    closes while it handles that segment. Prints the answer's start and
    what came back after that segment ("reset" when all is well)."""
    rcv, why = handshake(c)
    if rcv is None:
        return [why]
    if kind == 'http':
        req = b'GET /.well-known/ok.txt HTTP/1.1\r\nHost: twin\r\nConnection: close\r\n\r\n'
    else:
        q = struct.pack('!6H', random.randrange(65536), 0x0100, 1, 0, 0, 0) + \
            b'\x07example\x03org\x00' + struct.pack('!HH', 6, 1)
        req = struct.pack('!H', len(q)) + q + b'\x00\x00'
    c.send(PSH | ACK, c.seq, rcv, req)
    data, deadline = b'', time.monotonic() + 3
    while True:  # the answer, until 300 ms pass without more of it
        seg = c.segment(min(deadline, time.monotonic() + 0.3) if data else deadline)
        if seg is None:
            break
        flags, seq, _, _, payload = seg
        if flags & (RST | FIN):
            return ['answer-then-' + ('reset' if flags & RST else 'fin')]
        if seq == rcv and payload:
            data += payload
            rcv = (rcv + len(payload)) & 0xffffffff
    if not data:
        return ['no-answer']
    start = data.split(b'\r\n', 1)[0].decode('latin-1') if kind == 'http' else f'dns-answer-{len(data)}'
    c.seq += len(req)
    c.send(PSH | ACK, c.seq, rcv, b'x')
    after = []
    while True:
        seg = c.segment(time.monotonic() + 1)
        if seg is None:
            break
        after.append('reset' if seg[0] & RST else 'fin' if seg[0] & FIN else f'flags={seg[0]:#x}')
        if seg[0] & RST:
            break
    if not after or after[-1] != 'reset':
        c.send(RST | ACK, c.seq + 1, rcv)
    return [start.replace(' ', '_'), ','.join(after) or 'none']


def forge(c):
    c.send(ACK, c.seq, random.getrandbits(32))
    seg = c.segment(time.monotonic() + 2)
    return ['reset' if seg and seg[0] & RST else 'none']


def main():
    iface, twin_mac, dst, port, src, mode = sys.argv[1:7]
    delay = float(sys.argv[7]) / 1000 if len(sys.argv) > 7 else 0
    path = sys.argv[8] if len(sys.argv) > 8 else '/.well-known/ok.txt'
    c = Client(iface, twin_mac, dst, int(port), src)
    modes = {'get': lambda: get(c, delay, path), 'getdata': lambda: get(c, delay, path, on_ack=True),
             'getfin': lambda: get(c, delay, path, on_ack=True, fin=True), 'forge': lambda: forge(c), 'timewait': lambda: timewait(c),
             'lastdata': lambda: lastdata(c, path), 'tlsdata': lambda: tlsdata(c)}
    print(' '.join(modes[mode]()))


if __name__ == '__main__':
    main()
