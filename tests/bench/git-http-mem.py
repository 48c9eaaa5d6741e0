#!/usr/bin/python3
"""Usage: tests/bench/git-http-mem.py OUT (--pid PID... | --netns NAME [CGROUP])

The peak memory and the CPU time of a server while one benchmark
operation runs, for tests/bench/git-http.sh. The server is either fixed
processes (--pid: the host twin) or every process in a network namespace
(--netns: nginx, fcgiwrap and the git processes they spawn for each
request, which live only as long as the request).

Memory: at start the peak RSS (VmHWM) of each process already there is
reset to its current RSS (writing 5 to /proc/PID/clear_refs), so an
operation is not charged with what an earlier one used; then OUT.ready is
created. Every 10 ms it reads VmHWM of each live process and keeps the
largest sum over the processes alive at once (VmHWM, not VmRSS: a process
that peaked between two samples is still counted at its peak while it
lives, so only a peak in a process's last 10 ms can be missed).

CPU: user and system time from start to end, of the fixed processes
(/proc/PID/stat), or of the cgroup CGROUP that the namespace's processes
were put in (cpuacct.usage of cgroup v1 or cpu.stat's usage_usec of v2,
which count the short-lived git processes to their end). Without a
cgroup, the namespace's CPU time is not measured (-1).

On SIGTERM it samples once more and writes
"PEAK_SUM_KIB LARGEST_ONE_KIB PROCESSES_SEEN CPU_MS" to OUT.
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


def pids_cpu_ms(pids):
    """User and system time of the processes (proc(5) utime, stime)."""
    ticks = 0
    for p in pids:
        try:
            with open("/proc/%s/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return ticks * 1000 // os.sysconf("SC_CLK_TCK")


def cgroup_cpu_ms(cg):
    try:
        with open(os.path.join(cg, "cpuacct.usage")) as f:
            return int(f.read()) // 1000000
    except OSError:
        pass
    with open(os.path.join(cg, "cpu.stat")) as f:
        for line in f:
            if line.startswith("usage_usec "):
                return int(line.split()[1]) // 1000
    raise OSError("no CPU usage in " + cg)


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


def target(args):
    """(members, cpu_ms) for the command line's server."""
    if args[0] == "--pid" and len(args) > 1:
        fixed = args[1:]
        return (lambda: fixed), (lambda: pids_cpu_ms(fixed))
    if args[0] == "--netns" and len(args) in (2, 3):
        ns = os.stat("/run/netns/" + args[1])
        known = {}
        cpu = (lambda: cgroup_cpu_ms(args[2])) if len(args) == 3 else (lambda: 0)
        return (lambda: netns_members(ns, known)), cpu
    sys.exit(__doc__.splitlines()[0])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.splitlines()[0])
    out = sys.argv[1]
    members, cpu_ms = target(sys.argv[2:])
    no_cpu = sys.argv[2] == "--netns" and len(sys.argv) == 4
    signal.signal(signal.SIGTERM, on_term)
    for p in members():
        try:
            with open("/proc/%s/clear_refs" % p, "w") as f:
                f.write("5")
        except OSError:
            pass
    cpu0 = cpu_ms()
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
    ms = -1 if no_cpu else cpu_ms() - cpu0
    with open(out, "w") as f:
        f.write("%d %d %d %d\n" % (peak, largest, len(seen), ms))


if __name__ == "__main__":
    main()
