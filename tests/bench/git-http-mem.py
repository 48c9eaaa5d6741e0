#!/usr/bin/python3
"""Usage: tests/bench/git-http-mem.py OUT (--pid PID... | --netns NAME)

The peak memory of a server while one benchmark operation runs, for
tests/bench/git-http.sh. The server is either fixed processes (--pid: the
host twin) or every process in a network namespace (--netns: nginx,
fcgiwrap and the git processes they spawn for each request, which live
only as long as the request).

At start the peak RSS (VmHWM) of each process already there is reset to
its current RSS (writing 5 to /proc/PID/clear_refs), so an operation is
not charged with what an earlier one used; then OUT.ready is created.
Every 10 ms it reads VmHWM of each live process and keeps the largest sum
over the processes alive at once (VmHWM, not VmRSS: a process that peaked
between two samples is still counted at its peak while it lives, so only
a peak in a process's last 10 ms can be missed). On SIGTERM it samples
once more and writes "PEAK_SUM_KIB LARGEST_ONE_KIB PROCESSES_SEEN" to OUT.
"""
import os
import signal
import sys
import time

stop = False


def on_term(_sig, _frame):
    global stop
    stop = True


def hwm_kib(pid):
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def netns_members(ns, known):
    """Pids whose network namespace is /run/netns/NAME (what `ip netns pids`
    lists). Each pid is looked at once (`known` remembers the answer), so a
    sample costs one directory read and the new processes' stats: the
    sampler shares the cores with the client and the server it measures."""
    want = (ns.st_dev, ns.st_ino)
    pids = []
    for p in os.listdir("/proc"):
        if p not in known:
            if not p.isdigit():
                known[p] = False
                continue
            try:
                st = os.stat("/proc/%s/ns/net" % p)
            except OSError:
                continue
            known[p] = (st.st_dev, st.st_ino) == want
        if known[p]:
            pids.append(p)
    return pids


def main():
    if len(sys.argv) < 4 or sys.argv[2] not in ("--pid", "--netns"):
        sys.exit(__doc__.splitlines()[0])
    out = sys.argv[1]
    if sys.argv[2] == "--pid":
        fixed = sys.argv[3:]
        members = lambda: fixed
    else:
        ns = os.stat("/run/netns/" + sys.argv[3])
        known = {}
        members = lambda: netns_members(ns, known)
    signal.signal(signal.SIGTERM, on_term)
    for p in members():
        try:
            with open("/proc/%s/clear_refs" % p, "w") as f:
                f.write("5")
        except OSError:
            pass
    open(out + ".ready", "w").close()
    peak = largest = 0
    seen = set()
    while True:
        total = 0
        for p in members():
            k = hwm_kib(p)
            if k is not None:
                total += k
                largest = max(largest, k)
                seen.add(p)
        peak = max(peak, total)
        if stop:
            break
        time.sleep(0.01)
    with open(out, "w") as f:
        f.write("%d %d %d\n" % (peak, largest, len(seen)))


if __name__ == "__main__":
    main()
