"""The inbox's month for the client's report (`report.facts.EXTRAS`): answers given,
the median time to answer, questions left overdue.

Two sources, neither of them invented: the action records on the ledger branch
(`actions/<group>/…`: ids, who, when — the same on every clone) count the answers smmflow
sent in the month; the local store (`.smmflow/inbox.sqlite3`, only on the machine that
fetched the comments) knows when each comment was written, so it alone gives the comments
received, the time to answer and what was overdue. Where the store is absent, those
figures are None and `store` says so. The store is opened read-only: a report writes
nothing but its files. No words of anybody's comment leave this module: only counts.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
from dataclasses import dataclass
from pathlib import Path

from ..ledger.actions import PREFIX, ActionRecord, parse_action
from ..ledger.branch import Ledger, open_ledger
from ..model import Group
from ..plan.month import month_bounds
from . import config
from .store import FILE, FOLDER

_STAMP = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Received:
    """A comment of the month as the store knows it (no words)."""

    id: str
    created: float
    question: bool
    state: str


def month_summary(
    root: Path,
    group: Group,
    year: int,
    month: int,
    *,
    ledger: Ledger | None = None,
    now: dt.datetime | None = None,
) -> dict | None:
    """{items, answered, median_answer_seconds, overdue, store, answer_within_seconds};
    None when the group has no inbox at all (no action, no stored item, no community
    file). `ledger`: the report's, already opened (else the shared one is opened here)."""
    start, end = (t.timestamp() for t in month_bounds(group, year, month))
    wall = (now or dt.datetime.now(dt.timezone.utc)).timestamp()
    actions = _actions(root, group.id, ledger)
    answers = {
        r.item: _when(r.done_at) for r in actions if r.action == "reply" and r.state == "done"
    }
    answered = [item for item, at in answers.items() if at is not None and start <= at < end]
    received = _received(root, group.id, start, end)
    within = _answer_within(root, group)
    has_file = any(
        (root / config.FOLDER / f"{group.id}{ext}").is_file() for ext in (".yml", ".yaml")
    )
    if not actions and not received and not has_file:
        return None
    summary: dict = {
        "items": None,
        "answered": len(answered),
        "median_answer_seconds": None,
        "overdue": None,
        "store": received is not None,
        "answer_within_seconds": within,
    }
    if received is None:
        return summary
    created = {r.id: r.created for r in received}
    waits = [answers[i] - created[i] for i in answered if i in created]
    summary["items"] = len(received)
    summary["median_answer_seconds"] = statistics.median(waits) if waits else None
    if within is not None:
        summary["overdue"] = sum(
            1 for r in received if _overdue(r, answers.get(r.id), within, wall)
        )
    return summary


def _overdue(item: Received, answered_at: float | None, within: float, wall: float) -> bool:
    """A question answered later than `answer_within`, or still waiting past it. A
    question the account answered outside smmflow (state answered, no record) or that
    was hidden or deleted is not counted: when that happened is not known."""
    if not item.question:
        return False
    if answered_at is not None:
        return answered_at - item.created > within
    return item.state in ("new", "flagged") and wall - item.created > within


def _when(stamp: str) -> float | None:
    try:
        return dt.datetime.strptime(stamp, _STAMP).replace(tzinfo=dt.timezone.utc).timestamp()
    except ValueError:
        return None


def _actions(root: Path, group: str, ledger: Ledger | None) -> list[ActionRecord]:
    """The group's action records at the ledger's tip (read as files: nothing is fetched
    again, nothing written)."""
    if ledger is None:
        store, ledger = open_ledger(root, None, str, shared=True)
        try:
            return _actions(root, group, ledger)
        finally:
            store.close()
    if ledger.tip is None:
        return []
    blobs = ledger.store.tree_blobs(ledger.tip, f"{PREFIX}{group}")
    found = []
    for path, sha in sorted(blobs.items()):
        if path.endswith(".json"):
            record = parse_action(path, ledger.store.read_blob(sha))
            if record.group == group:
                found.append(record)
    return found


def _received(root: Path, group: str, start: float, end: float) -> list[Received] | None:
    """The group's items written in the month, from the local store; None without one."""
    path = root / FOLDER / FILE
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            rows = db.execute(
                "SELECT id, created, question, state FROM items "
                "WHERE grp = ? AND created >= ? AND created < ?",
                (group, start, end),
            ).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return None  # unreadable: as if absent, and `store` says so
    return [Received(i, c, bool(q), s) for i, c, q, s in rows]


def _answer_within(root: Path, group: Group) -> float | None:
    """The group's `answer_within` in seconds (its community file as the working tree
    has it; None when it sets none or the file has errors there)."""
    files = {
        rel: data
        for rel, data in config.working_tree(root).items()
        if rel.startswith((f"{config.FOLDER}/{group.id}.", f"{config.FOLDER}/{group.id}/"))
    }
    found, _problems = config.load(files, {group.id: group})
    within = found[group.id].answer_within
    return within.total_seconds() if within else None
