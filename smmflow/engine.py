"""`smmflow sync`: plan what is due, then claim, send and record each pair exactly once.

Accounts run in parallel (one worker each, posts in date order within an account); the
ledger serialises its own commits. A stop request is honoured between pairs, never
between a claim and its record.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import due, faults, identity, platforms
from .attempts import _capabilities, idempotency_key, publish_branch  # noqa: F401  (re-exported)
from .gitstore import Store
from .http import FAIL, REAUTH, RETRY, UNKNOWN, Http, PublishError
from .ledger import (
    Ledger,
    LedgerDiverged,
    LedgerRecordError,
    Record,
    now_utc,
    this_run,
)
from .model import Media, Post
from .outcomes import Outcome, Report  # noqa: F401  (re-exported)
from .platforms.base import Context, Publisher
from .repo import Repo
from .secrets import MissingSecret, Redactor


@dataclass
class Engine:
    repo: Repo
    store: Store
    ledger: Ledger
    now: dt.datetime
    redact: Redactor
    branch: str
    environ: dict = field(default_factory=lambda: dict(os.environ))
    stop: threading.Event = field(default_factory=threading.Event)
    public: Path | None = None
    hold: Callable[[Post], str | None] | None = None
    lease: dt.timedelta = dt.timedelta(minutes=15)
    http: Http | None = None
    # The bytes of a post's media as the publish branch holds them (committed.Committed):
    # what is sent, never the working tree's files.
    media_bytes: Callable[[str, Media], bytes] | None = None
    _publishers: dict = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)

    def plan(self, group: str | None = None, account: str | None = None) -> list[due.Action]:
        posts = [p for p in self.repo.posts if group is None or p.group == group]
        hold = self.hold or (lambda post: None)
        actions = due.plan(
            posts, self.repo.groups, self.ledger.records, self.now, _capabilities, hold, self.lease
        )
        actions = [a for a in actions if account is None or a.account.name == account]
        return identity.unless_erased(self.ledger, actions)

    def publisher(self, action: due.Action) -> Publisher:
        key = (action.post.group, action.account.name)
        if key not in self._publishers:
            cls = platforms.get(action.account.platform)
            if cls is None or not issubclass(cls, Publisher):
                raise PublishError(FAIL, f"smmflow cannot publish to {action.account.platform} yet")
            group = self.repo.groups[action.post.group]
            ctx = Context(
                self.repo.root,
                group,
                self.http or Http(self.redact),
                self.environ,
                self.redact,
                self.public,
                self.media_bytes,
            )
            self._publishers[key] = cls(action.account, ctx)
        return self._publishers[key]

    # -- running -------------------------------------------------------------------------
    def run(self, actions: list[due.Action], report: Report) -> None:
        queues: dict[tuple[str, str], list[due.Action]] = defaultdict(list)
        for action in actions:
            if action.kind in (due.HELD, due.BUSY, due.WAITING):
                report.add(Outcome(action.post.id, action.account.name, action.kind, action.reason))
            else:
                queues[(action.post.group, action.account.name)].append(action)
        if not queues:
            return
        workers = min(32, len(queues))  # one thread per account: they wait on the network
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smmflow") as pool:
            list(pool.map(lambda queue: self._run_queue(queue, report), queues.values()))
        report.stopped = self.stop.is_set()

    def _run_queue(self, queue: list[due.Action], report: Report) -> None:
        self._local.prefetched = {}
        for index, action in enumerate(queue):
            if self.stop.is_set() and action.pair not in self._local.prefetched:
                return  # a pair already claimed with the previous record is still sent
            self._local.next_action = queue[index + 1] if index + 1 < len(queue) else None
            try:
                outcome = self._do(action)
            except (LedgerRecordError, LedgerDiverged) as exc:  # not claimed, or not sent
                state = "waiting" if isinstance(exc, LedgerDiverged) else "failed"
                outcome = Outcome(*action.pair, state, self.redact(str(exc)))
            except Exception as exc:  # a bug must not stop other accounts, nor leak secrets
                outcome = Outcome(
                    action.post.id,
                    action.account.name,
                    "failed",
                    self.redact(f"internal error ({type(exc).__name__}): {exc}"),
                )
            if outcome is not None:
                report.add(outcome)

    def _same(self, action: due.Action) -> Callable[[dict], bool]:
        def unchanged(records: dict) -> bool:
            return records.get(action.pair) == action.record

        return unchanged

    def _settle(
        self, action: due.Action, state: str, note: str, **changes: object
    ) -> Record | None:
        """Write a final state for a pair we did not claim (missed, unknown)."""
        unchanged = self._same(action)

        def decide(records: dict) -> list[Record] | None:
            if not unchanged(records):
                return None
            base = action.record or Record(
                action.post.id, action.account.name, action.account.platform, state
            )
            return [base.moved(state, note, **changes)]

        done = self.ledger.transact(decide, f"{state}: {action.post.id} on {action.account.name}")
        return done[0] if done else None

    def _do(self, action: due.Action) -> Outcome | None:
        post, account = action.post, action.account
        if action.kind == due.MISSED:
            if self._settle(action, "missed", action.reason, error=action.reason, retryable=False):
                return Outcome(post.id, account.name, "missed", action.reason)
            return None
        if action.kind == due.UNKNOWN:
            if self._settle(action, "unknown", action.reason, error=action.reason):
                return Outcome(post.id, account.name, "unknown", action.reason)
            return None
        if action.kind == due.DELETE:
            return self._delete(action)
        return self._publish(action)

    def _claim_decision(self, action: due.Action) -> Callable[[dict], Record | None]:
        post, account = action.post, action.account
        unchanged = self._same(action)

        def decide(records: dict) -> Record | None:
            if not unchanged(records):
                return None  # someone else acted on this pair since we planned
            base = action.record or Record(post.id, account.name, account.platform, "claimed")
            generation = base.generation
            if base.state == "failed" and base.content_sha256 != post.sha256 and not base.retryable:
                generation += 1  # new text: a new attempt, with a new idempotency key
            # The same attempt keeps its key, also under a new name (a renamed post).
            same = base.key and generation == base.generation
            return base.moved(
                "claimed",
                f"run {this_run()['id']}",
                key=base.key if same else idempotency_key(post.id, account.name, generation),
                generation=generation,
                attempts=base.attempts + 1,
                content_sha256=post.sha256,
                claimed_at=now_utc(),
                run=this_run(),
            )

        return decide

    def _claim(self, action: due.Action) -> Record | None:
        prefetched = getattr(self._local, "prefetched", {}).pop(action.pair, None)
        if prefetched is None:
            decide = self._claim_decision(action)
            faults.point("before-claim")
            self._unless_diverged()
            done = self.ledger.transact(
                lambda records: [r] if (r := decide(records)) else None,
                f"claim: {action.post.id} on {action.account.name}",
            )
            if done:
                faults.point("after-claim")
            prefetched = done[0] if done else None
        self._unless_diverged()  # a claim the local branch never got may be someone's
        return prefetched  # or claimed in the same commit as the previous pair's record

    def _unless_diverged(self) -> None:
        if self.ledger.diverged:
            self.stop.set()
            raise LedgerDiverged(self.ledger.diverged)

    def _next_to_prefetch(self) -> due.Action | None:
        """The account's next pair, if it may be claimed together with this record.

        Only on idempotent platforms: if the run dies right after that commit, the
        resumed run sends it with the same key; elsewhere it would become `unknown`.
        """
        action = getattr(self._local, "next_action", None)
        if action is None or action.kind != due.PUBLISH or self.stop.is_set():
            return None
        return action if _capabilities(action.account.platform).idempotent else None

    def _record(self, claimed: Record, state: str, note: str, **changes: object) -> Record:
        faults.point("before-record")
        following = self._next_to_prefetch() if state != "claimed" else None
        claim_next = self._claim_decision(following) if following else None
        pair = (claimed.post, claimed.account)

        def decide(records: dict) -> list[Record] | None:
            out = []
            current = records.get(pair)
            if current is None or current.run == claimed.run:  # else: taken over; theirs stands
                changes.setdefault("run", {})
                out.append(claimed.moved(state, note, **changes))
            if claim_next is not None:
                nxt = claim_next(records)
                if nxt is not None:
                    out.append(nxt)
            return out or None

        if following is not None:
            faults.point("before-claim")
        done = self.ledger.transact(decide, f"{state}: {claimed.post} on {claimed.account}")
        faults.point("after-record")
        mine = claimed
        for record in done or ():
            if (record.post, record.account) == pair:
                mine = record
            elif following is not None:
                self._local.prefetched[following.pair] = record
                faults.point("after-claim")
        return mine

    def _publish(self, action: due.Action) -> Outcome | None:
        post, account = action.post, action.account
        claimed = self._claim(action)
        if claimed is None:
            return Outcome(post.id, account.name, "busy", "another run acted on it first")
        holder = {"record": claimed}
        try:
            publisher = self.publisher(action)
            if action.kind == due.VERIFY:
                found = publisher.verify(post, claimed.key, claimed.remote_id)
                if found is not None:
                    self._record(
                        claimed,
                        "published",
                        "verified",
                        remote_id=found.remote_id,
                        url=found.url,
                        published_at=now_utc(),
                        error="",
                    )
                    return Outcome(
                        post.id, account.name, "published", "found on the platform", found.url
                    )
            rendered = publisher.render(post)
            if refused := rendered.too_long():
                raise PublishError(FAIL, refused)
            publisher.prior_remote_id = claimed.remote_id

            def checkpoint(remote_id: str) -> None:
                holder["record"] = self._record(
                    holder["record"], "claimed", "checkpoint", remote_id=remote_id, run=claimed.run
                )

            publisher.checkpoint = checkpoint
            faults.point("before-send")
            receipt = publisher.publish(post, rendered, claimed.key)
            faults.point("after-send")
            claimed = holder["record"]
        except MissingSecret as exc:
            message = self.redact(str(exc))
            self._record(
                holder["record"], "failed", "missing secret", error=message, retryable=True
            )
            return Outcome(post.id, account.name, "failed", message)
        except PublishError as exc:
            return self._failed(action, holder["record"], exc)
        self._record(
            claimed,
            "published",
            "",
            remote_id=receipt.remote_id,
            url=receipt.url,
            published_at=now_utc(),
            error="",
            retryable=False,
        )
        return Outcome(post.id, account.name, "published", "", self.redact(receipt.url))

    def _failed(self, action: due.Action, claimed: Record, exc: PublishError) -> Outcome:
        post, account = action.post, action.account
        message = self.redact(exc.message)
        if exc.kind == UNKNOWN:
            text = f"{message}: it may have been posted; check {account.name} and run `smmflow resolve`"
            self._record(claimed, "unknown", "outcome unknown", error=text)
            return Outcome(post.id, account.name, "unknown", text)
        retryable = exc.kind == RETRY
        if exc.kind == REAUTH:
            message = f"{message}; check the secret of account {account.name}"
        self._record(claimed, "failed", exc.kind, error=message, retryable=retryable)
        return Outcome(post.id, account.name, "failed", message)

    def _delete(self, action: due.Action) -> Outcome | None:
        post, account, record = action.post, action.account, action.record
        assert record is not None
        cls = platforms.get(account.platform)
        if not getattr(cls, "can_delete", False):
            note = f"{account.platform} cannot delete through its API: remove {record.url or record.remote_id} by hand"
            self._settle(action, "withdrawn", note, error=note)
            return Outcome(post.id, account.name, "unknown", note, record.url)
        try:
            self.publisher(action).delete(record.remote_id, record.key)
        except PublishError as exc:
            message = self.redact(exc.message)
            return Outcome(
                post.id, account.name, "failed", f"could not delete: {message}", record.url
            )
        if self._settle(action, "withdrawn", "deleted", error=""):
            return Outcome(post.id, account.name, "withdrawn", "deleted", record.url)
        return None
