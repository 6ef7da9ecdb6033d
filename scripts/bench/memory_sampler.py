"""Samples a process's memory from /proc/<pid>/status while an upload runs.

Why this exists: the agent must stream files, never hold them in memory, so the
benchmark reports its resident memory: the kernel's high-water mark (VmHWM) and the
peak of anonymous resident memory (RssAnon: heap and stacks, not the mapped binary
and libraries, not page cache), sampled every 50 ms.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


def read_status_kib(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon, RssFile ... of `pid`, in KiB."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            parts = rest.split()
            if len(parts) == 2 and parts[1] == "kB":
                values[name] = int(parts[0])
    return values


@dataclass
class MemoryPeaks:
    vm_hwm_kib: int = 0
    rss_kib: int = 0
    rss_anon_kib: int = 0
    samples: int = 0


class MemorySampler:
    """Run as `with MemorySampler(pid) as sampler: ...`; then read `sampler.peaks`."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peaks = MemoryPeaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def _sample(self) -> None:
        try:
            values = read_status_kib(self.pid)
        except (FileNotFoundError, ProcessLookupError):
            return
        self.peaks.vm_hwm_kib = max(self.peaks.vm_hwm_kib, values.get("VmHWM", 0))
        self.peaks.rss_kib = max(self.peaks.rss_kib, values.get("VmRSS", 0))
        self.peaks.rss_anon_kib = max(self.peaks.rss_anon_kib, values.get("RssAnon", 0))
        self.peaks.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)
        self._sample()

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
