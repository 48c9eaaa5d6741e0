"""What the twin's /metrics counted while a test's DNS messages went
(dns-metrics.sh): its DNS samples before and after, as differences."""
import sys

sys.path.insert(0, "tests/host")
import twin_metrics  # noqa: E402


def answers(s, rcode):
    return s.get(f'appliance_dns_answers_total{{rcode="{rcode}"}}', 0)


def queries(s):
    """Answers sent over UDP and TCP: (udp, tcp)."""
    return (s['appliance_dns_queries_total{transport="udp"}'],
            s['appliance_dns_queries_total{transport="tcp"}'])


class Counted:
    """`with Counted(ip) as c:` around what is sent; then c.diff(name) for any sample."""

    def __init__(self, ip):
        self.ip = ip

    def __enter__(self):
        self.before = twin_metrics.samples(self.ip)
        return self

    def __exit__(self, *exc):
        self.after = twin_metrics.samples(self.ip)
        return False

    def diff(self, name):
        return self.after.get(name, 0) - self.before.get(name, 0)

    def rcode(self, rcode):
        return answers(self.after, rcode) - answers(self.before, rcode)

    def transports(self):
        (u0, t0), (u1, t1) = queries(self.before), queries(self.after)
        return u1 - u0, t1 - t0

    def say(self, *names):
        """A TAP comment of the differences named (rcodes in capitals)."""
        got = [f"{n} +{self.rcode(n)}" if n.isupper() else f"{n} +{self.diff(n)}" for n in names]
        udp, tcp = self.transports()
        print(f"# udp +{udp}, tcp +{tcp}; " + ", ".join(got))
