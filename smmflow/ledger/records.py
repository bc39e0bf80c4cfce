"""Ledger records: one JSON document per (post, account), and how to read one safely.

A record that does not parse, or that a hand edit left inconsistent, comes back in state
`corrupt`: it is never acted on, and `smmflow resolve` rewrites it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import uuid
from dataclasses import asdict, dataclass, field, replace

STATES = ("claimed", "published", "failed", "unknown", "withdrawn", "missed", "skipped")
PREFIX = "records/"
RUN_ID = uuid.uuid4().hex[:12]
HOST = socket.gethostname()
# How long another host's claim is respected (`sync --lease`): a run that stopped without
# recording its outcome leaves a claim; after this, its pair is resumed, verified or
# handed to a person (ledger.states).
LEASE = dt.timedelta(minutes=15)


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Record:
    """What smmflow knows about one post on one account."""

    post: str  # post id: content path without `content/` and `.md`
    account: str
    platform: str
    state: str
    key: str = ""  # idempotency key sent with the request
    generation: int = 0  # bumped by `resolve --retry`: a deliberate new attempt, new key
    attempts: int = 0  # sends tried, over all runs
    content_sha256: str = ""  # of the post file whose text was sent
    remote_id: str = ""
    url: str = ""
    error: str = ""  # last error, redacted
    retryable: bool = False
    claimed_at: str = ""
    published_at: str = ""
    updated_at: str = ""
    run: dict = field(default_factory=dict)  # {id, host, pid} of the run holding a claim
    history: tuple = ()  # last events: "time state note"
    # What a claim of a published pair is for (ledger/afterwards.py): "edit", "comment" or
    # "repost"; "" for the publication itself.
    doing: str = ""
    comment_id: str = ""  # the first comment (`first_comment:`), once it went out

    @property
    def path(self) -> str:
        return record_path(self.post, self.account)

    def to_bytes(self) -> bytes:
        data = asdict(self)
        data["history"] = list(self.history)
        for name in ("doing", "comment_id"):  # later fields: left out while empty
            if not data[name]:
                del data[name]
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()

    def moved(self, state: str, note: str = "", **changes: object) -> Record:
        """This record in a new state, with the change noted in its history."""
        stamp = now_utc()
        entry = f"{stamp} {state}" + (f" {note}" if note else "")
        history = (*self.history, entry)[-20:]
        return replace(self, state=state, updated_at=stamp, history=history, **changes)

    def held_by_live_run(self, lease: dt.timedelta, wall: dt.datetime) -> bool:
        """A claim whose run may still be working on it: a run of this host that is still
        alive, or one elsewhere that claimed it less than `lease` before `wall` (the real
        time now, given by the caller)."""
        if self.state != "claimed":
            return False
        run = self.run or {}
        if run.get("host") == HOST and run.get("pid"):
            if run.get("id") == RUN_ID:
                return True
            return _pid_alive(int(run["pid"]))
        try:
            claimed = dt.datetime.strptime(self.claimed_at, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return False
        age = wall.astimezone(dt.timezone.utc).replace(tzinfo=None) - claimed
        return age < lease


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def this_run() -> dict:
    return {"id": RUN_ID, "host": HOST, "pid": os.getpid()}


def record_path(post: str, account: str) -> str:
    return f"{PREFIX}{post}/{account}.json"


def unfit_key(post: str, account: str) -> str | None:
    """Why (post, account) cannot name a record, or None. Loading refuses such post names
    already; the ledger checks again so that one bad name can never reach a commit."""
    from ..content.safenames import printable, unsafe

    reason = unsafe(post) if post and not post.startswith("/") else "an empty or absolute post id"
    if reason is None and not _ACCOUNT.fullmatch(account):
        reason = f"account name {printable(account)!r} is not lowercase letters, digits and -"
    return (
        None
        if reason is None
        else f"cannot record {printable(post)} on {printable(account)}: {reason}"
    )


_ACCOUNT = re.compile(r"[a-z0-9][a-z0-9-]*")


def parse_record(path: str, data: bytes) -> Record:
    """A record from its bytes; a corrupt one comes back in state `corrupt` (never acted on)."""
    post, _, account = path[len(PREFIX) : -len(".json")].rpartition("/")
    try:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("state") not in STATES:
            raise ValueError("no valid state")
        if raw.get("post") != post or raw.get("account") != account:
            raise ValueError("post/account do not match the record's path")
        raw["history"] = tuple(raw.get("history") or ())
        known = Record.__dataclass_fields__
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r}")
        for name, kind in _FIELD_TYPES.items():
            if name in raw and not isinstance(raw[name], kind):
                raise ValueError(f"field {name!r} has the wrong type")
        if raw["state"] == "published" and not (raw.get("remote_id") or raw.get("url")):
            raise ValueError("published, but no remote id or URL")
        if raw["state"] == "claimed" and not raw.get("key"):
            raise ValueError("claimed, but no idempotency key")
        return Record(**{k: v for k, v in raw.items() if k in known})
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        return Record(post, account, "", "corrupt", error=f"unreadable record {path}: {exc}")


_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "platform": str,
    "key": str,
    "generation": int,
    "attempts": int,
    "content_sha256": str,
    "remote_id": str,
    "url": str,
    "error": str,
    "retryable": bool,
    "claimed_at": str,
    "published_at": str,
    "updated_at": str,
    "run": dict,
    "history": tuple,
    "doing": str,
    "comment_id": str,
}
