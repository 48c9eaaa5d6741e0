#!/usr/bin/env python3
"""Ask two DNS servers the same queries and compare their answers.

Usage: compare.py QUERIES DIFFERENCES OURS REFERENCE [--tcp]
  OURS, REFERENCE: ADDRESS[:PORT] (port 53 by default)

For each query of QUERIES (gen-queries.py's format) both servers are asked
over UDP (or TCP) and the answers compared part by part: the rcode, the
flags (QR AA TC RD RA AD CD), EDNS present or not and its version, and the
answer, authority and additional sections as sets of RRsets (owner, class,
type, TTL, the set of rdata; owner names compared ignoring case, as DNS
does). A part may differ only where DIFFERENCES lists it for that query,
with its reason. Prints "ok - QUERY" or "not ok - QUERY: what differs"
per query, and for each allowance the number of queries that needed it.

Over UDP, where the reference set TC and ours did not, ours is compared
with the reference's answer over TCP: the answer a client gets once it has
retried as TC tells it to. Ours must then have fitted the query's UDP
payload size (512 octets without EDNS), as must every answer of ours
without TC.
"""
import re
import socket
import sys

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.exception
import dns.rdataclass
import dns.rdatatype

PARTS = ("rcode", "flags", "edns", "answer", "authority", "additional")
ADDRESS = (dns.rdatatype.A, dns.rdatatype.AAAA)


def parse_query(line):
    f = line.split()
    name, rtype, rclass = f[0], f[1], f[2]
    opts = dict((o.split("=") + [""])[:2] for o in f[3].split(",")) if len(f) > 3 else {}
    edns = int(opts["edns"]) if "edns" in opts else -1
    q = dns.message.make_query(
        dns.name.from_text(name), dns.rdatatype.from_text(rtype),
        dns.rdataclass.from_text(rclass), use_edns=edns,
        payload=int(opts.get("bufsize") or 1232), want_dnssec="do" in opts)
    if "opcode" in opts:
        q.set_opcode(int(opts["opcode"]))
    if "norec" in opts:
        q.flags &= ~dns.flags.RD
    return q


def rrsets(section):
    out = set()
    for r in section:
        out.add((r.name.to_text().lower(), r.rdclass, r.rdtype, r.ttl,
                 frozenset(x.to_text().lower() for x in r)))
    return out


def parts(m):
    flags = dns.flags.to_text(m.flags & ~0)  # QR AA TC RD RA AD CD
    return {
        "rcode": dns.rcode.to_text(m.rcode()),
        "flags": flags,
        "edns": m.edns,
        "answer": rrsets(m.answer),
        "authority": rrsets(m.authority),
        "additional": rrsets(m.additional),
    }


def without_ns_authority(p):
    """The answer without the zone's NS RRset in authority beside a positive
    answer, nor the addresses of its servers in additional (what nsd adds
    and a minimal response leaves out), on both sides alike."""
    if p["rcode"] != "NOERROR" or not p["answer"]:
        return p
    ns = {r for r in p["authority"] if r[2] == dns.rdatatype.NS}
    targets = {t for r in ns for t in r[4]}
    needed = {t.split()[-1] for r in p["answer"] for t in r[4]}
    p = dict(p)
    p["authority"] = p["authority"] - ns
    p["additional"] = {r for r in p["additional"]
                       if not (r[2] in ADDRESS and r[0] in targets and r[0] not in needed)}
    return p


def udp_limit(q):
    """The most octets an answer to q may have over UDP (RFC 6891 6.2.3)."""
    return max(q.payload, 512) if q.edns >= 0 else 512


def ask(q, server, tcp):
    """The answer's parts, and its size over UDP in "size"."""
    addr, _, port = server.partition(":")
    try:
        if tcp:
            return parts(dns.query.tcp(q, addr, port=int(port or 53), timeout=3))
        with socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET,
                           socket.SOCK_DGRAM) as s:
            s.settimeout(3)
            s.connect((addr, int(port or 53)))
            s.send(q.to_wire())
            while True:
                wire = s.recv(65535)
                m = dns.message.from_wire(wire)
                if m.id == q.id:
                    break
        p = parts(m)
        p["size"] = len(wire)
        return p
    except (dns.exception.Timeout, socket.timeout):
        return {"timeout": True}
    except Exception as e:  # a malformed answer is an answer that differs
        return {"error": type(e).__name__ + ": " + str(e)}


def load_differences(path):
    rules = []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        sel, what, why = (x.strip() for x in line.split(" | ", 2))
        rules.append((re.compile(sel), set(what.split(",")), why))
    return rules


def show(part, a, b):
    if isinstance(a, set):
        return f"{part}: ours only {sorted(a - b)}, reference only {sorted(b - a)}"
    return f"{part}: ours {a!r}, reference {b!r}"


def ask_reference(line, ref, tcp):
    # A query or an answer lost on the way: the reference is asked again
    # (the twin, under test, is not).
    for _ in range(3):
        b = ask(parse_query(line), ref, tcp)
        if "timeout" not in b:
            break
    return b


def main():
    queries, differences, ours, ref = sys.argv[1:5]
    tcp = "--tcp" in sys.argv
    rules = load_differences(differences)
    needed = {}  # reason: the queries whose answers differed as it allows
    retried = 0
    for line in open(queries):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        q = parse_query(line)
        a = ask(q, ours, tcp)
        b = ask_reference(line, ref, tcp)
        if not set(PARTS) <= set(a) or not set(PARTS) <= set(b):
            print(f"not ok - {line}: ours {a.get('error') or a.get('timeout') or 'answered'},"
                  f" reference {b.get('error') or b.get('timeout') or 'answered'}")
            continue
        label = line  # what is printed; the rules match the query's own line
        bad = []
        ours_tc = "TC" in a["flags"].split()
        if not tcp and not ours_tc and a["size"] > udp_limit(q):
            bad.append(f"ours is {a['size']} octets over UDP without TC, "
                       f"more than the {udp_limit(q)} the query allows")
        if not tcp and not ours_tc and "TC" in b["flags"].split():
            b = ask_reference(line, ref, True)
            if not set(PARTS) <= set(b):
                print(f"not ok - {label}: the reference set TC, and over TCP it "
                      f"{b.get('error') or 'did not answer'}")
                continue
            retried += 1
            label += " (the reference set TC: its answer over TCP)"
        allowed = {}  # part: the reason it may differ
        for sel, what, why in rules:
            if sel.search(line):
                for w in what:
                    allowed.setdefault(w, why)
        if "ns-authority" in allowed:
            a2, b2 = without_ns_authority(a), without_ns_authority(b)
            if any(a2[p] != a[p] or b2[p] != b[p] for p in PARTS):
                needed.setdefault(allowed["ns-authority"], set()).add(line)
            a, b = a2, b2
        for p in PARTS:
            if a[p] == b[p]:
                continue
            why = allowed.get(p) or allowed.get("all")
            if why is None:
                bad.append(show(p, a[p], b[p]))
            else:
                needed.setdefault(why, set()).add(line)
        if bad:
            print(f"not ok - {label}: " + "; ".join(bad))
        else:
            print(f"ok - {label}")
    if retried:
        print(f"# the reference set TC over UDP and ours did not, in {retried} queries:"
              " compared with the reference's answer over TCP")
    for why, lines in sorted(needed.items()):
        print(f"# allowed to differ in {len(lines)} queries: {why}")


if __name__ == "__main__":
    main()
