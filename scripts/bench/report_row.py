"""One line of a benchmark report: what, PASS/FAIL, the target, the measured value.

Why this exists: both benchmarks print their targets next to the figures in the same
shape, so a reader finds the verdicts in one column.  A FAIL is a finding of the
benchmark, not an error of the run (the exit status stays 0).
"""

from __future__ import annotations


def mark(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "FAIL")


def row(what: str, measured: str, target: str = "", ok: bool | None = None) -> str:
    return f"  {what:<17} {mark(ok):<4}  {target:<22}  {measured}"
