"""CPU time (user + system) of a process or of one of our own threads, from /proc.

Why this exists: the many-files benchmark charges the agent, the broker and the
backend thread the CPU they used during one run, as the difference of two readings
of /proc/<pid>/stat (fields utime and stime, in clock ticks).
"""

from __future__ import annotations

import os

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _stat_cpu_seconds(path: str) -> float:
    with open(path) as stat:
        text = stat.read()
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    fields = text[text.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])   # fields 14 and 15 of proc(5)
    return (utime + stime) / TICKS_PER_SECOND


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of process `pid` (all its threads), in seconds; 0 when it is gone."""
    try:
        return _stat_cpu_seconds(f"/proc/{pid}/stat")
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def own_thread_cpu_seconds(native_id: int) -> float:
    """utime + stime of one thread of this process (threading.Thread.native_id)."""
    try:
        return _stat_cpu_seconds(f"/proc/self/task/{native_id}/stat")
    except FileNotFoundError:
        return 0.0
