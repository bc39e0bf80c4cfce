"""Crash points for the exactly-once tests: `SMMFLOW_CRASH_AT=after-send:2` makes the
process SIGKILL itself the 2nd time it reaches `after-send`. Inert unless that is set."""

from __future__ import annotations

import os
import signal
from collections import Counter

POINTS = (
    "before-claim",
    "after-claim",
    "before-send",
    "after-send",
    "between-parts",
    "before-record",
    "after-record",
)
_seen: Counter[str] = Counter()


def point(name: str) -> None:
    """Die here if `SMMFLOW_CRASH_AT` names this point (and it was reached that often)."""
    assert name in POINTS, name  # a point the tests do not know would never be tried
    spec = os.environ.get("SMMFLOW_CRASH_AT")
    if not spec:
        return
    where, _, count = spec.partition(":")
    if where != name:
        return
    _seen[name] += 1
    if _seen[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
