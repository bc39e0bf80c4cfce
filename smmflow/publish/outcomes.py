"""What a sync run did, pair by pair, and the exit code that sums it up."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..errors import ExitCode, Problem


@dataclass(frozen=True)
class Outcome:
    post: str
    account: str
    state: str  # published | failed | unknown | missed | held | busy | waiting | withdrawn | would-publish
    detail: str = ""
    url: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stopped: bool = False
    notes: list[str] = field(default_factory=list)  # for the person running it (stderr)
    already: int = 0  # pairs of the chosen posts and accounts published by earlier runs
    feed_changed: bool = False  # a feed account published: the site needs deploying
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    listener: Callable[[Outcome], None] | None = field(default=None, repr=False)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)
            if self.listener:
                self.listener(outcome)

    def count(self, state: str) -> int:
        return sum(o.state == state for o in self.outcomes)

    def tally(self) -> str:
        """`2 published, 1 failed`, or "nothing due (52 already published)"."""
        done = f" ({self.already} already published)" if self.already else ""
        return tally(o.state for o in self.outcomes) or f"nothing due{done}"

    def as_dict(self) -> dict:
        """`sync --format json`."""
        return {
            "exit_code": int(self.exit_code),
            "outcomes": [o.__dict__ for o in self.outcomes],
            "skipped_files": sorted({p.path for p in self.problems}),
            "notes": self.notes,
        }

    @property
    def exit_code(self) -> ExitCode:
        states = {o.state for o in self.outcomes}
        if states & {"unknown", "waiting", "held"}:
            return ExitCode.NEEDS_PERSON
        if states & {"failed", "missed"} or self.problems:
            # A file skipped for its errors may hold a due post: never a silent success.
            return ExitCode.PROBLEMS
        if self.stopped:
            return ExitCode.INTERRUPTED
        return ExitCode.OK


def tally(states: Iterable[str]) -> str:
    """`2 published, 1 failed`: how many of each state, by name; "" for none."""
    counts: dict[str, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
