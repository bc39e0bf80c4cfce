"""The publishing ledger: one JSON record per (post, account) on a git branch.

Records are changed only through `Ledger.transact`, which commits on top of the tip it
read and moves the branch with a compare-and-swap; on a lost race it re-reads what
changed and asks the caller again, so a claim is won by exactly one run.
"""

from __future__ import annotations

import json
import threading
from collections import ChainMap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..content.safenames import printable
from ..errors import SmmflowError
from . import guard, remotes
from .gitstore import GitError, Store
from .records import (
    PREFIX,
    Record,
    parse_record,
    unfit_key,
)

BRANCH = "smmflow/ledger"
APPROVALS = "approvals/"


class LedgerBusy(SmmflowError):
    """Lost the compare-and-swap too many times in a row."""


class LedgerRecordError(SmmflowError):
    """A record that cannot be written (an unfit name); the records beside it still are."""


def _pause(attempt: int) -> None:
    """Back off after a lost race, with jitter, so that contenders stop colliding."""
    import random
    import time

    time.sleep(min(0.5, 0.005 * (2 ** min(attempt, 7))) * random.random())


@dataclass
class _Request:
    decide: Callable
    message: str
    result: list[Record] | None = None
    error: Exception | None = None
    done: bool = False


@dataclass
class _Round:
    """One try at a group commit: the records over the branch's, and what each asked."""

    view: ChainMap
    payload: dict[str, bytes] = field(default_factory=dict)
    results: list[list[Record] | None] = field(default_factory=list)
    refused: list[list[str]] = field(default_factory=list)  # per request: records left out

    def message(self, batch: list[_Request]) -> str:
        messages = [r.message for r, c in zip(batch, self.results, strict=True) if c]
        if len(messages) == 1:
            return messages[0]
        return f"{len(messages)} changes\n\n" + "\n".join(messages)


class Ledger:
    """The ledger branch, read once and kept current through compare-and-swap commits.

    It holds the records under `prefix`; a subclass keeps another kind of record on the
    same branch, through the same compare-and-swap (`ledger.actions`: inbox actions), by
    overriding `prefix`, `parse`, `key`, `path_key` and `unfit`.
    """

    prefix = PREFIX

    @staticmethod
    def parse(path: str, data: bytes) -> Record:
        return parse_record(path, data)

    @staticmethod
    def key(record: Record) -> tuple:
        return (record.post, record.account)

    def path_key(self, path: str) -> tuple:
        post, _, account = path[len(self.prefix) : -len(".json")].rpartition("/")
        return (post, account)

    @staticmethod
    def unfit(record: Record) -> str | None:
        return unfit_key(record.post, record.account)

    def __init__(self, store: Store, branch: str = BRANCH, redact: Callable[[object], str] = str):
        self.store = store
        self.branch = branch
        self.ref = f"refs/heads/{branch}"
        self.redact = redact
        self.tip: str | None = None
        self.records: dict[tuple[str, str], Record] = {}
        self.approvals: dict[str, dict] = {}  # post id -> what was found about its approval
        self._blobs: dict[str, str] = {}
        self._lock = threading.Lock()  # held while committing
        self._pending_lock = threading.Lock()
        self._pending: list[_Request] = []
        self._accepted_rewind = False
        self.diverged = ""  # why claims must stop: the local branch left the remote's

    def open(self, accept_rewind: bool = False) -> Ledger:
        tip = self.store.fetch(self.branch) if self.store.remote else None
        if self.store.remote:
            guard.check_not_diverged(self.store, self.branch, tip)
        if tip is None:  # a first run with a remote starts from the local branch, if any
            tip = self.store.rev(self.ref)
        if not accept_rewind:
            guard.check_not_rewound(self.store, self.branch, tip)
        self._accepted_rewind = accept_rewind
        self._load(tip)
        return self

    def mark_seen(self) -> None:
        """Remember the current tip as seen (after a run): see `guard`."""
        guard.mark_seen(self.store, self.branch, self.tip, self._accepted_rewind)

    def _load(self, tip: str | None) -> None:
        self._load_approvals(tip)
        blobs = self.store.tree_blobs(tip, self.prefix.rstrip("/")) if tip else {}
        for path in set(self._blobs) - set(blobs):
            self.records.pop(self.path_key(path), None)
        for path, sha in blobs.items():
            if self._blobs.get(path) != sha and path.endswith(".json"):
                record = self.parse(path, self.store.read_blob(sha))
                self.records[self.key(record)] = record
        self._blobs = blobs
        self.tip = tip

    def _load_approvals(self, tip: str | None) -> None:
        self.approvals = read_approvals(self.store, tip)

    def save_approval(self, post_id: str, data: dict) -> None:
        """Remember what GitHub said about a post's approval (CAS commit, like records)."""
        path = f"{APPROVALS}{post_id}.json"
        body = (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
        with self._lock:
            for _ in range(30):
                new = self.store.commit(self.tip, {path: body}, f"approval: {post_id}")
                if self._advance(new):
                    self.tip = new
                    self.approvals[post_id] = data
                    return
                self.refresh()
            raise LedgerBusy(f"the ledger branch {self.branch} kept changing; try again")

    def read_file(self, path: str) -> bytes | None:
        """The bytes of a file beside the records (e.g. `metrics/<group>/<month>.json`) at
        the tip read last; None when there is none."""
        if self.tip is None:
            return None
        sha = self.store.tree_blobs(self.tip, path).get(path)
        return None if sha is None else self.store.read_blob(sha)

    def update_file(
        self, path: str, change: Callable[[bytes | None], bytes | None], message: str
    ) -> bytes | None:
        """Commit `change(current bytes)` as the file at `path` by compare-and-swap, like
        records: on a lost race the branch is read again and `change` asked again, so
        two runs appending to one file never lose each other's part. `change` returning
        the bytes already there (or None) commits nothing. Returns what the file holds."""
        with self._lock:
            for attempt in range(30):
                current = self.read_file(path)
                wanted = change(current)
                if wanted is None or wanted == current:
                    return current
                body = self.redact(wanted.decode("utf-8")).encode("utf-8")
                new = self.store.commit(self.tip, {path: body}, message)
                if self._advance(new):
                    self.tip = new
                    return body
                self.refresh()
                _pause(attempt)
            raise LedgerBusy(f"the ledger branch {self.branch} kept changing; try again")

    def refresh(self) -> None:
        tip = self.store.fetch(self.branch) if self.store.remote else self.store.rev(self.ref)
        if tip != self.tip:
            self._load(tip)

    @property
    def paths(self) -> set[str]:
        """Every record path on the branch now."""
        return set(self._blobs)

    def get(self, post: str, account: str) -> Record | None:
        return self.records.get((post, account))

    def transact(
        self,
        decide: Callable[[dict[tuple[str, str], Record]], list[Record] | None],
        message: str,
        attempts: int = 200,
    ) -> list[Record] | None:
        """Commit the records `decide` returns, atomically; None when it returns nothing.

        `decide` sees the current records and is called again after every lost race.
        Calls from several threads are grouped: whichever thread gets the commit lock
        first commits every waiting request in one commit (group commit), each `decide`
        seeing the changes of the ones before it. One commit per request would make the
        ledger, not the platforms, the bottleneck of a large run.
        """
        request = _Request(decide, message)
        with self._pending_lock:
            self._pending.append(request)
        with self._lock:
            if not request.done:
                with self._pending_lock:
                    batch, self._pending = self._pending, []
                self._commit_batch(batch, attempts)
        if request.error is not None:
            raise request.error
        return request.result

    def _commit_batch(self, batch: list[_Request], attempts: int) -> None:
        try:
            done = self._commit_rounds(batch, attempts)
        except Exception as exc:  # every waiting request learns of it
            for request in batch:
                request.error, request.done = exc, True
            return
        for request, changes, why in zip(batch, done.results, done.refused, strict=True):
            request.result, request.done = changes, True
            if changes is None and why:
                request.error = LedgerRecordError("; ".join(why))

    def _commit_rounds(self, batch: list[_Request], attempts: int) -> _Round:
        """Ask every request, commit what they return in one commit, move the branch; on a
        lost race read the branch again and ask again."""
        rejected: dict[str, str] = {}  # record path -> why it cannot be written
        for attempt in range(attempts):
            found = self._ask(batch, rejected)
            if not found.payload:
                return found
            try:
                new = self.store.commit(self.tip, found.payload, found.message(batch))
            except GitError:
                unwritable = self._unwritable(found.payload)
                if not unwritable:
                    raise
                rejected.update(unwritable)  # and commit the others without them
                continue
            if self._advance(new):
                self.records.update(found.view.maps[0])
                self._blobs = {**self._blobs, **{p: "" for p in found.payload}}
                self.tip = new
                return found
            self.refresh()
            _pause(attempt)
        raise LedgerBusy(f"the ledger branch {self.branch} kept changing; try again")

    def _ask(self, batch: list[_Request], rejected: dict[str, str]) -> _Round:
        """Every request's records, each seeing the ones before it; a record that cannot
        be written (an unfit name) is left out alone."""
        found = _Round(ChainMap({}, self.records))
        for request in batch:
            changes, why = [], []
            for record in request.decide(found.view) or ():
                reason = rejected.get(record.path) or self.unfit(record)
                if reason is not None:
                    rejected[record.path] = reason
                    why.append(reason)
                    continue
                changes.append(record)
                found.view[self.key(record)] = record
                found.payload[record.path] = self.redact(record.to_bytes().decode()).encode()
            found.results.append(changes or None)
            found.refused.append(why)
        return found

    def _unwritable(self, payload: dict[str, bytes]) -> dict[str, str]:
        """The records git refuses one by one (after a batch failed): path -> git's reason."""
        found = {}
        for path, body in payload.items():
            try:
                self.store.commit(self.tip, {path: body}, "probe")
            except GitError as exc:
                found[path] = f"cannot record {printable(path)}: {exc}"
        return found

    def _advance(self, new: str) -> bool:
        if self.store.remote:
            if not self.store.push(self.branch, new):
                return False
            # The remote is the truth; the local branch follows it by fast-forward CAS. A
            # local branch gone its own way (a run without the remote) makes further
            # claims unsafe: `diverged` says so, and the engine sends nothing more.
            if not self.store.fast_forward(self.ref, new) and not self.diverged:
                local = self.store.rev(self.ref) or ""
                self.diverged = guard.diverged_message(self.store, self.branch, local)
            return True
        return self.store.swap(self.ref, new, self.tip)


def read_approvals(store: Store, tip: str | None) -> dict[str, dict]:
    """post id -> what a sync found about its approval, as the ledger at `tip` holds it (a
    hint for `check`; a damaged entry is left out, and sync simply asks again)."""
    found = {}
    for path, sha in (store.tree_blobs(tip, APPROVALS.rstrip("/")) if tip else {}).items():
        try:
            data = json.loads(store.read_blob(sha).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(data, dict):
            found[path[len(APPROVALS) : -len(".json")]] = data
    return found


def open_ledger(
    root: Path,
    remote: str | None,
    redact: Callable[[object], str],
    *,
    branch: str = BRANCH,
    accept_rewind: bool = True,
    shared: bool = False,
) -> tuple[Store, Ledger]:
    """The ledger, opened: the remote's when `remote` is given, or, with `shared` (every
    command that publishes or settles), when a remote holds the ledger branch
    (`remotes.choose`); else the local branch. Only `sync` refuses a rewound one. The
    caller closes the store."""
    store = Store(root)
    try:
        if remote or shared:
            store.remote = remotes.choose(store, remote, branch)
        return store, Ledger(store, branch, redact).open(accept_rewind=accept_rewind)
    except Exception:
        store.close()
        raise
