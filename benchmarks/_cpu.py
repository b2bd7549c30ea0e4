"""CPU seconds used by the server's processes and by a PostgreSQL cluster, read from /proc.

On a machine shared with other work, latencies say little; the CPU each request costs the
server and the database is what decides the capacity, and it barely depends on the noise.
"""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # the fields after the command name


def _all() -> dict[int, list[str]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            found[int(entry)] = fields
    return found


def group_cpu(pgid: int) -> float:
    """CPU seconds of every live process in a process group, with the children they reaped."""
    total = 0
    for fields in _all().values():
        if int(fields[2]) == pgid:  # field 5 of stat, the process group
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / _TICK


def postmaster_pid(port: int) -> int | None:
    """The PostgreSQL postmaster listening on this port (from its command line), if any."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"postgres") and b"-p" in args:
            i = args.index(b"-p")
            if i + 1 < len(args) and args[i + 1] == str(port).encode():
                return int(entry)
    return None


def cluster_cpu(postmaster: int) -> float:
    """CPU seconds of a cluster: the postmaster, its live backends and those that ended."""
    total = 0
    for pid, fields in _all().items():
        if pid == postmaster or int(fields[1]) == postmaster:  # field 4, the parent
            total += sum(int(x) for x in fields[11:15])
    return total / _TICK
