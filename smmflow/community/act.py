"""Every action on a comment exactly once: claim -> send -> record, as for posts.

An action (reply, hide, delete) is claimed on the ledger branch with a compare-and-swap
commit that only one run can win, sent with its idempotency key, and recorded. A claim a
stopped run left behind is resumed with the same key where the platform remembers keys
(Mastodon, for an hour), looked up where the platform can say whether it went out (Bluesky's
record key, the Page's own answer under a Facebook or Instagram comment), and handed to a
person (`unknown`, then `smmflow resolve ITEM ACTION`) where it can do neither (Telegram).
Hiding and deleting are safe to repeat. The records never hold the comment's words, nor
the answer's: errors are scrubbed of both before they are written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..ledger.actions import ActionLedger, ActionRecord
from ..ledger.records import LEASE, now_utc, this_run
from ..platforms.base import Receipt
from ..platforms.community import Inbox
from ..platforms.http import REAUTH, RETRY, UNKNOWN, PublishError
from ..platforms.secrets import MissingSecret
from ..publish import crashpoints
from ..publish.attempts import idempotency_key
from .accounts import Accounts
from .store import Store, Stored

AFTER = {"reply": "answered", "hide": "hidden", "delete": "deleted"}
ABLE = {"reply": "can_reply", "hide": "can_hide", "delete": "can_delete"}
SEND, VERIFY = "send", "verify"


@dataclass(frozen=True)
class Done:
    """What became of one action: done | already | busy | waiting | failed | unknown |
    skipped | refused."""

    item: str
    action: str
    state: str
    detail: str = ""
    url: str = ""
    retry: bool = False  # failed in a way a later run may try again


class Actor:
    """Acts on stored items through their accounts' inboxes, recording every action."""

    def __init__(self, accounts: Accounts, store: Store, ledger: ActionLedger, who: str,
                 wall: dt.datetime, lease: dt.timedelta = LEASE):  # fmt: skip
        self.accounts, self.store, self.ledger = accounts, store, ledger
        self.who, self.wall, self.lease = who, wall, lease

    def inbox(self, stored: Stored) -> Inbox | None:
        group = self.accounts.groups.get(stored.grp)
        account = group.account(stored.account) if group else None
        return self.accounts.inbox(group, account) if group and account else None

    def can(self, stored: Stored, action: str) -> bool:
        inbox = self.inbox(stored)
        return inbox is not None and bool(getattr(inbox, ABLE[action]))

    def act(self, stored: Stored, action: str, text: str = "", who: str = "") -> Done:
        inbox = self.inbox(stored)
        if inbox is None or not getattr(inbox, ABLE[action]):
            where = inbox.publisher.title if inbox else stored.platform
            return Done(stored.id, action, "refused", f"{where} cannot {action} comments")
        if action == "reply":
            text = inbox.reply_text(stored.as_item(), text)
            refused = _too_long(inbox, text)
            if refused:
                return Done(stored.id, action, "refused", refused)
        key = (stored.grp, stored.account, stored.id, action)
        planned = self.ledger.records.get(key)
        step = self._step(stored.id, planned, action, inbox)
        if isinstance(step, Done):
            return step
        if step == UNKNOWN:
            return self._unknown(stored, action, planned)
        claimed = self._claim(
            stored, action, planned, who or self.who, inbox.target(stored.as_item())
        )
        if claimed is None:
            return Done(stored.id, action, "busy", "another run acted on it first")
        return self._send(stored, action, text, inbox, claimed, step)

    def _step(
        self, item: str, record: ActionRecord | None, action: str, inbox: Inbox
    ) -> str | Done:
        """What to do now, from the record: send, verify, unknown, or an answer."""
        if record is None:
            return SEND
        state = record.state
        if state == "done":
            return Done(
                item, action, "already", f"done {record.done_at} by {record.who}", record.url
            )
        if state == "unknown" and action == "reply" and inbox.can_find_reply:
            return VERIFY  # the platform can say whether it went out: ask it, not a person
        if state in ("unknown", "corrupt"):
            return Done(item, action, "waiting", record.error)
        if state == "skipped":
            return Done(item, action, "skipped", "a person said not to")
        if state == "failed":
            if record.retryable:
                return SEND
            return Done(item, action, "failed", f"{record.error} (`smmflow resolve` to retry)")
        if record.held_by_live_run(self.lease, self.wall):
            return Done(item, action, "busy", "another run is acting on it")
        if action != "reply" or (inbox.reply_idempotent and self._key_alive(record, inbox)):
            return SEND  # hiding and deleting again is harmless; the key stops a second reply
        return VERIFY if inbox.can_find_reply else UNKNOWN

    def _key_alive(self, record: ActionRecord, inbox: Inbox) -> bool:
        if inbox.reply_key_ttl is None:
            return True
        try:
            claimed = dt.datetime.strptime(record.claimed_at, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return False
        age = self.wall.astimezone(dt.timezone.utc).replace(tzinfo=None) - claimed
        return age.total_seconds() < inbox.reply_key_ttl * 0.9

    def _claim(
        self, stored: Stored, action: str, planned, who: str, target: str
    ) -> ActionRecord | None:
        key = (stored.grp, stored.account, stored.id, action)

        def change(records: dict) -> list[ActionRecord] | None:
            if records.get(key) != planned:
                return None  # someone acted on it since we looked
            base = planned or ActionRecord(
                stored.grp, stored.account, stored.id, action, stored.platform, "claimed",
                target=target,
            )  # fmt: skip
            action_key = base.key or idempotency_key(
                f"action/{stored.grp}/{stored.id}/{action}", stored.account, base.generation
            )
            run = this_run()
            note = f"run {run['id']}"
            return [base.moved("claimed", note, key=action_key, attempts=base.attempts + 1,
                               claimed_at=now_utc(), run=run, who=who)]  # fmt: skip

        crashpoints.point("before-claim")
        done = self.ledger.transact(change, f"claim: {action} {stored.id} on {stored.account}")
        if not done:
            return None
        crashpoints.point("after-claim")
        return done[0]  # type: ignore[return-value]

    def _send(self, stored, action, text, inbox, claimed: ActionRecord, step: str) -> Done:
        item = stored.as_item()
        secret = (stored.text, stored.author, text)
        try:
            receipt = inbox.find_reply(item, claimed.key) if step == VERIFY else None
            note = "found on the platform" if receipt else ""
            if receipt is None:
                crashpoints.point("before-send")
                receipt = _call(inbox, action, item, text, claimed.key)
                crashpoints.point("after-send")
        except MissingSecret as exc:
            return self._failed(stored, action, claimed, RETRY, str(exc), secret)
        except PublishError as exc:
            return self._failed(stored, action, claimed, exc.kind, exc.message, secret)
        changes = {"remote_id": receipt.remote_id, "url": receipt.url, "done_at": now_utc()}
        self._record(claimed, "done", note, error="", retryable=False, **changes)
        self.store.set_state(stored.id, AFTER[action])
        return Done(stored.id, action, "done", note, receipt.url)

    def _failed(self, stored, action, claimed, kind: str, message: str, secret) -> Done:
        text = scrub(self.ledger.redact(message), secret)
        if kind == UNKNOWN:
            text = f"{text}: it may have been done; check the comment, then `smmflow resolve {stored.id} {action}`"
            self._record(claimed, "unknown", "outcome unknown", error=text)
            return Done(stored.id, action, "unknown", text)
        if kind == REAUTH:
            text = f"{text}; check the secret of account {stored.account}"
        if "HTTP 404" in message or "not found" in message.lower():
            self.store.set_state(stored.id, "deleted")  # the comment is gone
        self._record(claimed, "failed", kind, error=text, retryable=kind == RETRY)
        return Done(stored.id, action, "failed", text, retry=kind == RETRY)

    def _record(self, claimed: ActionRecord, state: str, note: str, **changes: object) -> None:
        key = self.ledger.key(claimed)

        def change(records: dict) -> list[ActionRecord] | None:
            current = records.get(key)
            if current is not None and current.run != claimed.run:
                return None  # taken over by another run: theirs stands
            return [claimed.moved(state, note, run={}, **changes)]

        crashpoints.point("before-record")
        self.ledger.transact(
            change, f"{state}: {claimed.action} {claimed.item} on {claimed.account}"
        )
        crashpoints.point("after-record")

    def _unknown(self, stored: Stored, action: str, planned: ActionRecord | None) -> Done:
        why = (
            "a run stopped while answering and the platform cannot say whether the answer "
            f"went out: look under the comment, then `smmflow resolve {stored.id} {action} "
            "--published URL` (it is there) or `--retry`"
        )
        key = self.ledger.key(planned) if planned else None

        def change(records: dict) -> list[ActionRecord] | None:
            if planned is None or records.get(key) != planned:
                return None
            return [planned.moved("unknown", "stopped run", error=why, run={})]

        self.ledger.transact(change, f"unknown: {action} {stored.id} on {stored.account}")
        return Done(stored.id, action, "unknown", why)


def _call(inbox: Inbox, action: str, item, text: str, key: str) -> Receipt:
    if action == "reply":
        return inbox.reply(item, text, key)
    if action == "hide":
        inbox.hide(item)
    else:
        inbox.delete(item)
    return Receipt(item.remote_id, item.url)


def _too_long(inbox: Inbox, text: str) -> str | None:
    if not text.strip():
        return "the answer is empty"
    limits = inbox.publisher.limits
    length = limits.count(text)
    if limits.text is not None and length > limits.text:
        return f"too long for {inbox.publisher.title}: {length} of {limits.text} {limits.unit}; nothing was sent"
    return None


def scrub(message: str, texts: tuple[str, ...], window: int = 12) -> str:
    """`message` without any run of `window` or more characters taken from `texts` (a
    platform's error may quote the comment or the answer; neither may reach git)."""
    hidden = [False] * len(message)
    for text in texts:
        if not text:
            continue
        if len(text) < window:
            start = message.find(text) if len(text) >= 4 else -1
            while start >= 0:
                hidden[start : start + len(text)] = [True] * len(text)
                start = message.find(text, start + 1)
            continue
        for i in range(len(message) - window + 1):
            if message[i : i + window] in text:
                hidden[i : i + window] = [True] * window
    out, previous = [], False
    for char, gone in zip(message, hidden, strict=True):
        if not gone:
            out.append(char)
        elif not previous:
            out.append("…")
        previous = gone
    return "".join(out)
