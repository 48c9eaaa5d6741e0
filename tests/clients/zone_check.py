#!/usr/bin/python3
"""The DNS half of the client suite (tests/clients/suite.sh).

Usage: zone_check.py SERVER ZONEFILE...

Asks SERVER (port 53) what each zone file (zones/ORIGIN.zone of the
site's repository, as the server names its zones) says, as any resolver
would, and prints one TAP line a check ("ok - ..." / "not ok - ..."):

  - the SOA over UDP and over TCP: NOERROR, authoritative, the serial no
    lower than the file's (an update or a push may have raised it);
  - every RRset of the file (the first 300; ZONE_CHECK_MAX) but
    the SOA, wildcards and what lies at or below a delegation: the same
    records, over UDP (over TCP when the answer was truncated), a
    mismatch naming the RRset;
  - a name that does not exist: NXDOMAIN with the SOA in authority
    (unless the apex has a wildcard);
  - a transfer without a TSIG key is refused;
and once for the server:
  - a name in no zone of the server: REFUSED (no open resolver), or, if
    the server forwards for this client's LAN, answered with RA set;
  - a malformed query (five bytes): no answer or FORMERR, and the server
    answers the SOA right after it.
Nothing here knows whether SERVER is the host twin, the guest in QEMU or
a board on the LAN.
"""
import os
import random
import socket
import sys

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone

TIMEOUT = 3.0


def ok(what):
    print("ok - dns: " + what, flush=True)


def not_ok(what):
    print("not ok - dns: " + what, flush=True)


def check(cond, what):
    (ok if cond else not_ok)(what)
    return cond


def ask(server, name, rdtype, tcp=False):
    """The server's answer, over TCP if asked or if UDP came truncated."""
    q = dns.message.make_query(name, rdtype)
    q.flags &= ~dns.flags.RD
    if tcp:
        return dns.query.tcp(q, server, timeout=TIMEOUT)
    r = dns.query.udp(q, server, timeout=TIMEOUT, ignore_trailing=True)
    if r.flags & dns.flags.TC:
        r = dns.query.tcp(q, server, timeout=TIMEOUT)
    return r


def try_ask(server, name, rdtype, tcp=False):
    try:
        return ask(server, name, rdtype, tcp)
    except (dns.exception.DNSException, OSError) as e:
        return e


def soa_checks(server, origin, file_serial):
    for tcp in (False, True):
        how = "tcp" if tcp else "udp"
        r = try_ask(server, origin, "SOA", tcp)
        if isinstance(r, Exception):
            not_ok(f"{how}: the SOA of {origin}: no answer ({r})")
            continue
        rrs = [rr for rr in r.answer if rr.rdtype == dns.rdatatype.SOA]
        serial = rrs[0][0].serial if rrs else None
        check(
            r.rcode() == dns.rcode.NOERROR and bool(r.flags & dns.flags.AA) and
            serial is not None and (serial - file_serial) % 2**32 < 2**31,
            f"{how}: the SOA of {origin}, authoritative, serial {serial} "
            f"(the file's {file_serial})")


def delegated(zone, origin):
    """The names below the apex that have NS records: zone cuts."""
    cuts = []
    for name, node in zone.nodes.items():
        if name != origin and node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS):
            cuts.append(name)
    return cuts


def rrset_checks(server, zone, origin, limit):
    cuts = delegated(zone, origin)
    asked = bad = 0
    first_bad = None
    for name, node in sorted(zone.nodes.items()):
        owner = name
        if owner.is_wild() or any(owner.is_subdomain(c) for c in cuts):
            continue
        for rds in node.rdatasets:
            if rds.rdtype == dns.rdatatype.SOA:
                continue
            if asked >= limit:
                break
            asked += 1
            r = try_ask(server, owner, rds.rdtype)
            got = None
            if not isinstance(r, Exception):
                for rr in r.answer:
                    if rr.name == owner and rr.rdtype == rds.rdtype:
                        got = set(rr)
            if got != set(rds):
                bad += 1
                if first_bad is None:
                    first_bad = (f"{owner} {dns.rdatatype.to_text(rds.rdtype)}: "
                                 f"file {sorted(map(str, rds))}, served "
                                 f"{sorted(map(str, got)) if got else r}")
    check(asked > 0 and bad == 0,
          f"{origin}: {asked} RRsets of the zone file answered as the file says, "
          f"{bad} differ" + (f" (first: {first_bad})" if first_bad else ""))


def nxdomain_check(server, zone, origin):
    if zone.get_node(dns.name.from_text("*", origin)) is not None:
        ok(f"{origin}: a wildcard at the apex, no NXDOMAIN to check")
        return
    name = dns.name.from_text(f"no-such-{random.getrandbits(40):x}", origin)
    r = try_ask(server, name, "A")
    check(not isinstance(r, Exception) and r.rcode() == dns.rcode.NXDOMAIN and
          any(rr.rdtype == dns.rdatatype.SOA for rr in r.authority),
          f"{name} is NXDOMAIN with the SOA in authority")


def axfr_check(server, origin):
    q = dns.message.make_query(origin, "AXFR")
    try:
        r = dns.query.tcp(q, server, timeout=TIMEOUT)
        refused = r.rcode() != dns.rcode.NOERROR or not r.answer
        how = dns.rcode.to_text(r.rcode())
    except (dns.exception.DNSException, OSError, EOFError) as e:
        refused, how = True, f"closed ({type(e).__name__})"
    check(refused, f"{origin}: a transfer without a TSIG key is refused ({how})")


def open_resolver_check(server):
    name = f"probe-{random.getrandbits(40):x}.example.invalid."
    q = dns.message.make_query(name, "A")  # RD set, as a stub resolver's
    r = try_ask_msg(server, q)
    if isinstance(r, Exception):
        not_ok(f"a name in none of our zones ({name}): no answer ({r})")
        return
    rc = dns.rcode.to_text(r.rcode())
    check(r.rcode() == dns.rcode.REFUSED or
          (bool(r.flags & dns.flags.RA) and not r.flags & dns.flags.AA),
          f"a name in none of our zones: {rc}" +
          (" (forwarded for this LAN client, RA set)" if r.flags & dns.flags.RA else
           ", not an open resolver"))


def try_ask_msg(server, q):
    try:
        return dns.query.udp(q, server, timeout=TIMEOUT)
    except (dns.exception.DNSException, OSError) as e:
        return e


def malformed_check(server, origin):
    s = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.sendto(b"\x12\x34\x01\x00\x00", (server, 53))
    try:
        data = s.recv(4096)
        fine = len(data) >= 4 and data[:2] == b"\x12\x34" and data[3] & 0xF == dns.rcode.FORMERR
        what = f"{len(data)}-byte answer, rcode {data[3] & 0xF if len(data) >= 4 else '?'}"
    except socket.timeout:
        fine, what = True, "dropped"
    finally:
        s.close()
    r = try_ask(server, origin, "SOA")
    check(fine and not isinstance(r, Exception) and r.rcode() == dns.rcode.NOERROR,
          f"a 5-byte query: {what}; the SOA answered right after")


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: zone_check.py SERVER ZONEFILE...")
    server = sys.argv[1]
    limit = int(os.environ.get("ZONE_CHECK_MAX", "300"))
    origins = []
    for path in sys.argv[2:]:
        base = os.path.basename(path)
        origin = dns.name.from_text(base[:-len(".zone")] if base.endswith(".zone") else base)
        try:
            zone = dns.zone.from_file(path, origin, relativize=False, check_origin=False)
        except (dns.exception.DNSException, OSError) as e:
            not_ok(f"{base}: the zone file reads ({e})")
            continue
        soa = zone.get_rdataset(origin, "SOA")
        if not check(soa is not None, f"{base}: the zone file reads, with an SOA at {origin}"):
            continue
        origins.append(origin)
        soa_checks(server, origin, soa[0].serial)
        rrset_checks(server, zone, origin, limit)
        nxdomain_check(server, zone, origin)
        axfr_check(server, origin)
    open_resolver_check(server)
    if origins:
        malformed_check(server, origins[0])


if __name__ == "__main__":
    main()
