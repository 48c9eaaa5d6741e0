"""An answer read as it lies on the wire (dns.sh, dns-update.sh): the
rcode, the OPT record and the TSIG's error, for the answers dnspython will
not return, as from_wire raises at a TSIG error (RFC 8945 5.3.2) before
the message is whole."""
import struct
import unittest.mock

import dns.name


class Raw:
    def __init__(self, wire):
        self.id, self.flags = struct.unpack("!HH", wire[:4])
        counts = struct.unpack("!4H", wire[4:12])
        self.counts = counts
        off = 12
        for _ in range(counts[0]):
            off += dns.name.from_wire(wire, off)[1] + 4
        self.opt = None  # (payload size, extended RCODE bits, version, flags)
        self.tsig_error = None
        self.tsig_mac_size = None
        self.types = []
        for _ in range(sum(counts[1:])):
            off += dns.name.from_wire(wire, off)[1]
            rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", wire[off : off + 10])
            off += 10
            rdata = wire[off : off + rdlen]
            off += rdlen
            self.types.append(rtype)
            if rtype == 41:
                self.opt = (rclass, ttl >> 24, ttl >> 16 & 0xFF, ttl & 0xFFFF)
            elif rtype == 250:
                self.tsig_error, self.tsig_mac_size = tsig_fields(rdata)
        assert off == len(wire), f"{len(wire) - off} bytes after the last record"

    def rcode(self):
        """The whole RCODE: the header's 4 bits and the OPT's upper 8 (RFC 6891 6.1.3)."""
        return (self.opt[1] << 4 if self.opt else 0) | self.flags & 0xF


def tsig_fields(rdata):
    """A TSIG's Error and MAC Size (RFC 8945 4.2): 0 for an unsigned answer."""
    off = dns.name.from_wire(rdata, 0)[1] + 8
    mac_size = struct.unpack("!H", rdata[off : off + 2])[0]
    off += 2 + mac_size + 2
    return struct.unpack("!H", rdata[off : off + 2])[0], mac_size


def signed_at(message, when):
    """message's wire form, its TSIG's Time Signed `when` (dnspython takes time.time())."""
    with unittest.mock.patch("time.time", return_value=when):
        return message.to_wire()
