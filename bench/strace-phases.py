#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""strace-phases.py TRACE [TRACE...]: where a ddactl run spends its wall time.

TRACE is `strace -f -ttt -T -y -o TRACE ddactl ...` output.  Every system
call is put in one phase by what it touches (the fd paths -y prints, the
path it opens); the phase gets the call's own duration (-T) and the time
the process ran in user space since its previous call, since that work is
what led to the call.  So the phases add up to the traced run's wall time.
strace itself slows every call, so the shares are the result and the
absolute times are an upper bound.

Phases, in the order the first matching rule decides:
  start          exec, the dynamic loader, libc set-up: every call before
                 the first file that is not ld.so.cache or a shared object
  names          pci.ids (libpci's device names)
  lock           the run directory's lock file, flock
  database       ddactl.db (and -wal, -shm, -journal), snapshot.db, fsync
  modules        /lib/modules (libkmod: is vfio-pci loaded, its aliases)
  sysfs writes   writes to driver_override, unbind, bind, drivers_probe,
                 new_id, remove_id (the kernel unbinds and probes in them)
  reset          writes to a function's reset file
  sleeps         nanosleep, clock_nanosleep (waiting for the kernel)
  host use       /proc (mounts, swaps, process fds), /sys/class, /sys/block,
                 /sys/dev, /dev, netlink sockets
  scan           other sysfs reads before the first host change
  verification   other sysfs reads after the first host change
  audit          syslog (/dev/log)
  other          the rest (memory, stdio, /etc, exit)

Prints a table: phase, ms, share of the run, calls; with --tsv, one
"phase<TAB>ms<TAB>percent<TAB>calls" line each instead, and a "total" line.
"""
import re
import sys

PHASES = ["start", "names", "lock", "database", "modules", "sysfs writes", "reset", "sleeps",
          "host use", "scan", "verification", "audit", "other"]

LINE = re.compile(r"^(?:(\d+)\s+)?(\d+\.\d+)\s+(.*)$")
CALL = re.compile(r"^([a-z_0-9]+)\((.*)$")
RESUMED = re.compile(r"^<\.\.\. ([a-z_0-9]+) resumed>(.*)$")
DURATION = re.compile(r"<(\d+\.\d+)>\s*$")
FDPATH = re.compile(r"<([^<>]*)>")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')

CHANGE_FILES = ("driver_override", "unbind", "bind", "drivers_probe", "new_id", "remove_id")
WRITES = ("write", "pwrite64", "writev")


def loader_path(p):
    return p.endswith("ld.so.cache") or re.search(r"\.so(\.[0-9.]+)?$", p) is not None


def paths_of(name, args):
    """Paths the call names: fd annotations, then a quoted path for *open*/stat calls."""
    # AT_FDCWD<...> is only the working directory, not what the call touches
    args = re.sub(r"AT_FDCWD<[^<>]*>", "AT_FDCWD", args)
    found = [m.group(1) for m in FDPATH.finditer(args) if "/" in m.group(1) or "NETLINK" in m.group(1)]
    if name in ("openat", "open", "newfstatat", "statx", "readlinkat", "readlink", "access", "faccessat",
                "faccessat2", "stat", "lstat", "unlinkat", "renameat", "renameat2", "mkdirat", "execve"):
        q = QUOTED.search(args)
        if q:
            rel = q.group(1)
            # *at(dirfd<dir>, "relative"): ddactl reaches the host through
            # a root directory fd, so the path is the two joined
            d = re.match(r"\s*\d+<([^<>]*)>,", args)
            if d and not rel.startswith("/"):
                rel = d.group(1).rstrip("/") + "/" + rel
            found.append(rel)
    return found


class Run:
    def __init__(self):
        self.started = False     # past the loader
        self.changed = False     # a host-changing write was made
        self.ms = {p: 0.0 for p in PHASES}
        self.calls = {p: 0 for p in PHASES}

    def phase(self, name, paths):
        joined = " ".join(paths)
        if not self.started:
            if name in ("openat", "open") and paths and not all(loader_path(p) for p in paths):
                self.started = True
            else:
                return "start"
        if "pci.ids" in joined:
            return "names"
        if name == "flock" or any(p.endswith("/lock") for p in paths):
            return "lock"
        if re.search(r"ddactl\.db|snapshot\.db", joined) or name in ("fsync", "fdatasync"):
            return "database"
        if "/lib/modules" in joined or "/sys/module" in joined:
            return "modules"
        if name in WRITES and "/sys/" in joined:
            base = paths[0].rstrip("/").rsplit("/", 1)[-1] if paths else ""
            if base in CHANGE_FILES:
                self.changed = True
                return "sysfs writes"
            if base == "reset":
                self.changed = True
                return "reset"
        if name in ("nanosleep", "clock_nanosleep"):
            return "sleeps"
        if "/dev/log" in joined:
            return "audit"
        if ("/proc/" in joined or "NETLINK" in joined or "/sys/class/" in joined or "/sys/block" in joined
                or "/sys/dev/" in joined or re.search(r"(^| )/dev/", joined)):
            return "host use"
        if "/sys/" in joined:
            return "verification" if self.changed else "scan"
        return "other"


def parse(path, run):
    last_end = {}           # pid -> when its previous call returned
    pending = {}            # pid -> (name, args, start) of an unfinished call
    first = None
    end = None
    with open(path, errors="replace") as f:
        for raw in f:
            m = LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            pid, t, rest = m.group(1) or "0", float(m.group(2)), m.group(3)
            if rest.startswith("+++") or rest.startswith("---"):
                end = t if end is None or t > end else end
                continue
            if first is None:
                first = t
            r = RESUMED.match(rest)
            if r:
                if pid not in pending:
                    continue
                name, args, start = pending.pop(pid)
                args += r.group(2)
            else:
                c = CALL.match(rest)
                if not c:
                    continue
                name, args, start = c.group(1), c.group(2), t
                if "<unfinished ...>" in args:
                    pending[pid] = (name, args.replace("<unfinished ...>", ""), start)
                    continue
            d = DURATION.search(args)
            dur = float(d.group(1)) if d else 0.0
            gap = start - last_end.get(pid, start)
            last_end[pid] = start + dur
            p = run.phase(name, paths_of(name, args))
            run.ms[p] += (gap + dur) * 1000.0
            run.calls[p] += 1
            end = max(end or 0.0, start + dur)
    return (end - first) * 1000.0 if first is not None and end is not None else 0.0


def main(argv):
    tsv = "--tsv" in argv
    files = [a for a in argv if a != "--tsv"]
    if not files:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    run = Run()
    wall = 0.0
    for f in files:
        r = Run()
        wall += parse(f, r)
        for p in PHASES:
            run.ms[p] += r.ms[p]
            run.calls[p] += r.calls[p]
    total = sum(run.ms.values()) or 1.0
    if tsv:
        for p in PHASES:
            print(f"{p}\t{run.ms[p]:.1f}\t{100.0 * run.ms[p] / total:.1f}\t{run.calls[p]}")
        print(f"total\t{total:.1f}\t100.0\t{sum(run.calls.values())}")
        return 0
    print(f"| phase | ms (under strace) | share | calls |")
    print(f"|---|---:|---:|---:|")
    for p in PHASES:
        print(f"| {p} | {run.ms[p]:.1f} | {100.0 * run.ms[p] / total:.1f}% | {run.calls[p]} |")
    print(f"| total (traced wall {wall:.1f} ms) | {total:.1f} | 100% | {sum(run.calls.values())} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
