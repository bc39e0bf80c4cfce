"""`smmflow sync`'s engine: plan what is due, then claim, send and record each pair exactly once.

Accounts run in parallel (one worker each, posts in date order within an account); the
ledger serialises its own commits (`claims`). A stop request is honoured between pairs,
never between a claim and its record. A publisher is handed an `Attempt` for each send
and never anything else of the engine's.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..content.repo import Repo
from ..ledger import identity
from ..ledger.branch import Ledger, LedgerRecordError
from ..ledger.guard import LedgerDiverged
from ..ledger.records import Record, now_utc
from ..ledger.states import BUSY, DELETE, HELD, MISSED, UNKNOWN, VERIFY, WAITING, Clock, Hold
from ..model import Media, Post
from ..platforms import registry
from ..platforms.base import Context, Publisher, Receipt
from ..platforms.http import FAIL, REAUTH, RETRY, Http, PublishError
from ..platforms.http import UNKNOWN as OUTCOME_UNKNOWN
from ..platforms.secrets import MissingSecret
from . import crashpoints, decide, followups
from .attempts import attempt
from .claims import Claims
from .decide import Action
from .outcomes import Outcome, Report


@dataclass
class Engine:
    repo: Repo
    ledger: Ledger
    clock: Clock
    environ: dict = field(default_factory=lambda: dict(os.environ))
    stop: threading.Event = field(default_factory=threading.Event)
    public: Path | None = None
    hold: Hold = lambda post: None
    http: Http | None = None
    # The bytes of a post's media as the publish branch holds them (committed.Committed):
    # what is sent, never the working tree's files.
    media_bytes: Callable[[str, Media], bytes] | None = None
    _publishers: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.claims = Claims(self.ledger, self.stop)

    @property
    def redact(self) -> Callable[[object], str]:
        return self.ledger.redact

    def plan(self, group: str | None = None, account: str | None = None) -> list[Action]:
        posts = [p for p in self.repo.posts if group is None or p.group == group]
        erased = functools.partial(identity.erased, self.ledger)
        found = decide.actions(
            posts, self.repo.groups, self.ledger.records, self.clock, self.hold, erased
        )
        return [a for a in found if account is None or a.account.name == account]

    def publisher(self, action: Action) -> Publisher:
        key = (action.post.group, action.account.name)
        if key not in self._publishers:
            cls = registry.get(action.account.platform)
            if cls is None or not issubclass(cls, Publisher):
                raise PublishError(FAIL, f"smmflow cannot publish to {action.account.platform} yet")
            group = self.repo.groups[action.post.group]
            http = self.http or Http(self.redact)
            ctx = Context(self.repo.root, group, http, self.environ, self.redact, self.public)
            self._publishers[key] = cls(action.account, ctx)
        return self._publishers[key]

    # -- running -------------------------------------------------------------------------
    def run(self, actions: list[Action], report: Report) -> None:
        queues: dict[tuple[str, str], list[Action]] = defaultdict(list)
        for action in actions:
            if action.kind in (HELD, BUSY, WAITING):
                report.add(Outcome(*action.pair, action.kind, action.reason))
            else:
                queues[(action.post.group, action.account.name)].append(action)
        if not queues:
            return
        workers = min(32, len(queues))  # one thread per account: they wait on the network
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smmflow") as pool:
            list(pool.map(lambda queue: self._run_queue(queue, report), queues.values()))
        report.stopped = self.stop.is_set()

    def _run_queue(self, queue: list[Action], report: Report) -> None:
        self.claims.start_queue()
        for index, action in enumerate(queue):
            if self.stop.is_set() and not self.claims.claimed_already(action):
                return  # a pair already claimed with the previous record is still sent
            self.claims.up_next(queue[index + 1] if index + 1 < len(queue) else None)
            try:
                outcome = self._do(action)
            except (LedgerRecordError, LedgerDiverged) as exc:  # not claimed, or not sent
                state = "waiting" if isinstance(exc, LedgerDiverged) else "failed"
                outcome = Outcome(*action.pair, state, self.redact(str(exc)))
            except Exception as exc:  # a bug must not stop other accounts, nor leak secrets
                text = f"internal error ({type(exc).__name__}): {exc}"
                outcome = Outcome(*action.pair, "failed", self.redact(text))
            if outcome is not None:
                report.add(outcome)

    def _do(self, action: Action) -> Outcome | None:
        if action.kind == MISSED:
            changes = {"error": action.reason, "retryable": False}
            if self.claims.settle(action, "missed", action.reason, **changes):
                return Outcome(*action.pair, "missed", action.reason)
            return None
        if action.kind == UNKNOWN:
            if self.claims.settle(action, "unknown", action.reason, error=action.reason):
                return Outcome(*action.pair, "unknown", action.reason)
            return None
        if action.kind in followups.KINDS:  # an edit, a first comment, a repost
            return followups.do(self, action)
        if action.kind == DELETE:
            return self._delete(action)
        return followups.after_publish(self, action, self._publish(action))

    # -- publishing ----------------------------------------------------------------------
    def _publish(self, action: Action) -> Outcome | None:
        claimed = self.claims.claim(action)
        if claimed is None:
            return Outcome(*action.pair, "busy", "another run acted on it first")
        holder = {"record": claimed}
        try:
            found = self._send(action, claimed, holder)
        except MissingSecret as exc:
            message = self.redact(str(exc))
            self.claims.record(
                holder["record"], "failed", "missing secret", error=message, retryable=True
            )
            return Outcome(*action.pair, "failed", message)
        except PublishError as exc:
            return self._failed(action, holder["record"], exc)
        receipt, note = found
        self.claims.record(
            holder["record"],
            "published",
            note,
            remote_id=receipt.remote_id,
            url=receipt.url,
            published_at=now_utc(),
            error="",
            retryable=False,
        )
        detail = "found on the platform" if note == "verified" else ""
        if receipt.note:
            detail = f"{detail}; {receipt.note}" if detail else receipt.note
        return Outcome(*action.pair, "published", self.redact(detail), self.redact(receipt.url))

    def _send(self, action: Action, claimed: Record, holder: dict) -> tuple[Receipt, str]:
        """Verify (a stale claim) or send the post; the receipt and the history note."""
        post, publisher = action.post, self.publisher(action)
        media = self.media_of(post)
        if action.kind == VERIFY:
            found = publisher.verify(post, attempt(claimed, media=media))
            if found is not None:
                return found, "verified"
        rendered = publisher.render(post)
        if refused := rendered.too_long():
            raise PublishError(FAIL, refused)

        def checkpoint(remote_id: str) -> None:
            holder["record"] = self.claims.record(
                holder["record"], "claimed", "checkpoint", remote_id=remote_id, run=claimed.run
            )

        crashpoints.point("before-send")
        receipt = publisher.publish(post, rendered, attempt(claimed, checkpoint, media))
        crashpoints.point("after-send")
        return receipt, ""

    def media_of(self, post: Post) -> Callable[[Media], bytes] | None:
        if self.media_bytes is None:
            return None
        return functools.partial(self.media_bytes, post.group)

    def _failed(self, action: Action, claimed: Record, exc: PublishError) -> Outcome:
        account = action.account
        message = self.redact(exc.message)
        if exc.kind == OUTCOME_UNKNOWN:
            text = f"{message}: it may have been posted; check {account.name} and run `smmflow resolve`"
            self.claims.record(claimed, "unknown", "outcome unknown", error=text)
            return Outcome(*action.pair, "unknown", text)
        if exc.kind == REAUTH:
            message = f"{message}; check the secret of account {account.name}"
        retryable = exc.kind == RETRY
        self.claims.record(claimed, "failed", exc.kind, error=message, retryable=retryable)
        return Outcome(*action.pair, "failed", message)

    def _delete(self, action: Action) -> Outcome | None:
        account, record = action.account, action.record
        assert record is not None
        cls = registry.get(account.platform)
        if not getattr(cls, "can_delete", False):
            where = record.url or record.remote_id
            note = f"{account.platform} cannot delete through its API: remove {where} by hand"
            self.claims.settle(action, "withdrawn", note, error=note)
            return Outcome(*action.pair, "unknown", note, record.url)
        try:
            self.publisher(action).delete(attempt(record))
        except PublishError as exc:
            message = f"could not delete: {self.redact(exc.message)}"
            return Outcome(*action.pair, "failed", message, record.url)
        if self.claims.settle(action, "withdrawn", "deleted", error=""):
            return Outcome(*action.pair, "withdrawn", "deleted", record.url)
        return None
