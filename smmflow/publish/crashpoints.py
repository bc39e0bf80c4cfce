"""Crash points for the exactly-once tests: `SMMFLOW_CRASH_AT=after-send:2` makes the
process SIGKILL itself the 2nd time it reaches `after-send`; `after-send:2:raise` raises
`InjectedError` there instead (a bug in the middle of a pair: the process goes on). Inert
unless that is set."""

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


class InjectedError(RuntimeError):
    """The bug a test asked for (`SMMFLOW_CRASH_AT=<point>:<n>:raise`)."""


def point(name: str) -> None:
    """Die (or raise) here if `SMMFLOW_CRASH_AT` names this point, reached that often."""
    assert name in POINTS, name  # a point the tests do not know would never be tried
    spec = os.environ.get("SMMFLOW_CRASH_AT")
    if not spec:
        return
    where, _, rest = spec.partition(":")
    if where != name:
        return
    count, _, how = rest.partition(":")
    _seen[name] += 1
    if how == "raise":
        if _seen[name] == int(count or 1):
            raise InjectedError(f"injected at {name}")
    elif _seen[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
