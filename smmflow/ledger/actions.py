"""Inbox actions on the ledger branch: one record per (group, account, item, action).

A reply, a hide or a delete is a publication too, so it is claimed and recorded on the
same branch as posts, through the same compare-and-swap (`ActionLedger` is a `Ledger`
whose records live under `actions/`). A record holds ids, the action, who asked, when
and what came of it: never the words of the comment acted on (they are other people's
personal data and stay in the local store, community/store.py), nor of the reply.

`actions/<group>/<account>/<item>/<action>.json`, where `item` is the id smmflow shows
for the comment (a digest of its platform and remote id, `platforms.community.item_id`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..content.safenames import printable
from . import remotes
from .branch import BRANCH, Ledger
from .gitstore import Store
from .records import Record, now_utc

ACTIONS = ("reply", "hide", "delete")
STATES = ("claimed", "done", "failed", "unknown", "skipped")
PREFIX = "actions/"
ITEM = re.compile(r"[0-9a-f]{12}")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class ActionRecord:
    """What smmflow knows about one action on one comment."""

    group: str
    account: str
    item: str  # item_id of the comment
    action: str  # reply | hide | delete
    platform: str
    state: str  # claimed | done | failed | unknown | skipped
    target: str = ""  # the platform's id of the comment acted on
    key: str = ""  # idempotency key sent (Mastodon's Idempotency-Key, Bluesky's rkey)
    generation: int = 0  # bumped by `resolve --retry`: a new attempt, a new key
    attempts: int = 0
    remote_id: str = ""  # what the action made: the reply's id
    url: str = ""
    error: str = ""  # last error, redacted and scrubbed of the comment's words
    retryable: bool = False
    who: str = ""  # who asked: a person's name, or `rule <name>` for `moderate`
    claimed_at: str = ""
    done_at: str = ""
    updated_at: str = ""
    run: dict = field(default_factory=dict)
    history: tuple = ()

    @property
    def path(self) -> str:
        return f"{PREFIX}{self.group}/{self.account}/{self.item}/{self.action}.json"

    def to_bytes(self) -> bytes:
        data = asdict(self)
        data["history"] = list(self.history)
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()

    def moved(self, state: str, note: str = "", **changes: object) -> ActionRecord:
        stamp = now_utc()
        entry = f"{stamp} {state}" + (f" {note}" if note else "")
        history = (*self.history, entry)[-20:]
        return replace(self, state=state, updated_at=stamp, history=history, **changes)

    def held_by_live_run(self, lease: dt.timedelta, wall: dt.datetime) -> bool:
        """A claim whose run may still be working on it (the rule of post records)."""
        probe = Record(
            "-", "-", self.platform, self.state, run=self.run, claimed_at=self.claimed_at
        )
        return probe.held_by_live_run(lease, wall)


def unfit(record: ActionRecord) -> str | None:
    """Why a record cannot be written (a name that is not a plain id), or None."""
    for what in ("group", "account"):
        if not _NAME.fullmatch(getattr(record, what)):
            return f"cannot record an action: {what} {printable(getattr(record, what))!r}"
    if not ITEM.fullmatch(record.item) or record.action not in ACTIONS:
        return (
            f"cannot record action {printable(record.action)!r} on item {printable(record.item)!r}"
        )
    return None


def parse_action(path: str, data: bytes) -> ActionRecord:
    """A record from its bytes; a damaged one comes back `corrupt` (never acted on)."""
    parts = path[len(PREFIX) : -len(".json")].split("/")
    group, account, item, action = (parts + ["", "", "", ""])[:4]
    try:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("state") not in STATES:
            raise ValueError("no valid state")
        if [raw.get(k) for k in ("group", "account", "item", "action")] != parts:
            raise ValueError("group/account/item/action do not match the record's path")
        raw["history"] = tuple(raw.get("history") or ())
        known = ActionRecord.__dataclass_fields__
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r}")
        for name, kind in _TYPES.items():
            if name in raw and not isinstance(raw[name], kind):
                raise ValueError(f"field {name!r} has the wrong type")
        if raw["state"] == "claimed" and not raw.get("key"):
            raise ValueError("claimed, but no idempotency key")
        return ActionRecord(**raw)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        return ActionRecord(
            group, account, item, action, "", "corrupt", error=f"unreadable record {path}: {exc}"
        )


_TYPES: dict[str, type] = {
    "platform": str,
    "target": str,
    "key": str,
    "generation": int,
    "attempts": int,
    "remote_id": str,
    "url": str,
    "error": str,
    "retryable": bool,
    "who": str,
    "run": dict,
    "history": tuple,
}


class ActionLedger(Ledger):
    """The `actions/` records of the ledger branch, changed with `transact` like posts'."""

    prefix = PREFIX

    @staticmethod
    def parse(path: str, data: bytes) -> ActionRecord:  # type: ignore[override]
        return parse_action(path, data)

    @staticmethod
    def key(record: ActionRecord) -> tuple:  # type: ignore[override]
        return (record.group, record.account, record.item, record.action)

    def path_key(self, path: str) -> tuple:
        parts = path[len(PREFIX) : -len(".json")].split("/")
        return tuple((parts + ["", "", "", ""])[:4])

    @staticmethod
    def unfit(record: ActionRecord) -> str | None:  # type: ignore[override]
        return unfit(record)

    def _load_approvals(self, tip: str | None) -> None:
        self.approvals = {}  # posts' business

    def of(self, group: str, account: str, item: str, action: str) -> ActionRecord | None:
        return self.records.get((group, account, item, action))  # type: ignore[return-value]


def open_actions(
    root: Path, remote: str | None, redact: Callable[[object], str], *, branch: str = BRANCH
) -> tuple[Store, ActionLedger]:
    """The action records as the shared ledger holds them (the remote's, when one holds
    the ledger branch, like every command that publishes); a ledger moved back since
    this clone last saw it is refused, as `sync` refuses it. The caller closes the store."""
    store = Store(root)
    try:
        store.remote = remotes.choose(store, remote, branch)
        return store, ActionLedger(store, branch, redact).open(accept_rewind=False)
    except Exception:
        store.close()
        raise
