"""Signed UPDATEs to the twin's example.org over UDP, sent exactly as made
(dns-update.sh): the same bytes can be sent again, as a replay would be."""
import socket

import dns.message
import dns.rcode
import dns.tsig
import dns.tsigkeyring
import dns.update


class Sender:
    def __init__(self, ip, secret):
        self.ip = ip
        self.ring = dns.tsigkeyring.from_text({"xfr-key.": ("hmac-sha256", secret)})
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(5)

    def update(self, fudge=300):
        """An update of example.org, signed with xfr-key when made into wire form."""
        u = dns.update.UpdateMessage("example.org")
        u.use_tsig(self.ring, keyname="xfr-key.", fudge=fudge, algorithm=dns.tsig.HMAC_SHA256)
        return u

    def send(self, u, wire):
        """`wire` (u's bytes) sent; the answer's rcode as text, its TSIG verified."""
        self.sock.sendto(wire, (self.ip, 53))
        r = dns.message.from_wire(self.sock.recv(4096), keyring=self.ring, request_mac=u.mac)
        return dns.rcode.to_text(r.rcode())

    def sent_twice(self, name, address):
        """An update adding `name` A `address`, sent twice as the same bytes: both rcodes."""
        u = self.update()
        u.add(name, 300, "A", address)
        wire = u.to_wire()
        return [self.send(u, wire) for _ in range(2)]
