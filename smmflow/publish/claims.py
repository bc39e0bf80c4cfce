"""The ledger writes of one sync, pair by pair: claim -> (checkpoint) -> record, or settle.

A pair is claimed (a compare-and-swap commit that only one run can win) before anything
is sent, and recorded after. On an idempotent platform the account's next pair is claimed
in the same commit as this pair's record: if the run dies right after, the resumed run
sends that pair with the same key. A pair that is only settled (missed, unknown,
withdrawn) is written without a claim, if no one changed it since it was planned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..ledger.branch import Ledger
from ..ledger.guard import LedgerDiverged
from ..ledger.records import Record, now_utc, this_run
from ..ledger.states import PUBLISH, capabilities
from . import crashpoints
from .attempts import idempotency_key
from .decide import Action

Change = Callable[[dict], "Record | None"]


class Claims:
    """Claims and records of one run; a queue (one account) runs in one thread."""

    def __init__(self, ledger: Ledger, stop: threading.Event):
        self.ledger = ledger
        self.stop = stop
        self._local = threading.local()  # per queue: the next action, pairs already claimed

    def start_queue(self) -> None:
        self._local.prefetched = {}
        self._local.next_action = None

    def up_next(self, action: Action | None) -> None:
        """The account's pair after the current one (claimed with its record, if allowed)."""
        self._local.next_action = action

    def claimed_already(self, action: Action) -> bool:
        return action.pair in getattr(self._local, "prefetched", {})

    def claim(self, action: Action) -> Record | None:
        """The pair claimed for this run, or None when someone acted on it since planning."""
        claimed = getattr(self._local, "prefetched", {}).pop(action.pair, None)
        if claimed is None:
            change = _claim_change(action)
            crashpoints.point("before-claim")
            self.unless_diverged()
            done = self.ledger.transact(
                lambda records: [r] if (r := change(records)) else None,
                f"claim: {action.post.id} on {action.account.name}",
            )
            if done:
                crashpoints.point("after-claim")
            claimed = done[0] if done else None
        self.unless_diverged()  # a claim the local branch never got may be someone's
        return claimed  # or claimed in the same commit as the previous pair's record

    def record(self, claimed: Record, state: str, note: str, **changes: object) -> Record:
        """Write `state` for a claimed pair (a checkpoint keeps it `claimed`)."""
        crashpoints.point("before-record")
        following = self._next_to_claim() if state != "claimed" else None
        claim_next = _claim_change(following) if following else None
        pair = (claimed.post, claimed.account)

        def change(records: dict) -> list[Record] | None:
            out = []
            current = records.get(pair)
            if current is None or current.run == claimed.run:  # else: taken over; theirs stands
                changes.setdefault("run", {})
                out.append(claimed.moved(state, note, **changes))
            nxt = claim_next(records) if claim_next is not None else None
            return [*out, nxt] if nxt is not None else (out or None)

        if following is not None:
            crashpoints.point("before-claim")
        done = self.ledger.transact(change, f"{state}: {claimed.post} on {claimed.account}")
        crashpoints.point("after-record")
        mine = claimed
        for record in done or ():
            if (record.post, record.account) == pair:
                mine = record
            elif following is not None:
                self._local.prefetched[following.pair] = record
                crashpoints.point("after-claim")
        return mine

    def settle(self, action: Action, state: str, note: str, **changes: object) -> Record | None:
        """Write a final state for a pair that was not claimed (missed, unknown, withdrawn)."""

        def change(records: dict) -> list[Record] | None:
            if records.get(action.pair) != action.record:
                return None  # someone else acted on this pair since we planned
            base = action.record or Record(
                action.post.id, action.account.name, action.account.platform, state
            )
            return [base.moved(state, note, **changes)]

        done = self.ledger.transact(change, f"{state}: {action.post.id} on {action.account.name}")
        return done[0] if done else None

    def unless_diverged(self) -> None:
        if self.ledger.diverged:
            self.stop.set()
            raise LedgerDiverged(self.ledger.diverged)

    def _next_to_claim(self) -> Action | None:
        """The account's next pair, if it may be claimed together with this record: only
        on idempotent platforms (elsewhere a run dying after that commit would leave the
        pair `unknown`)."""
        action = getattr(self._local, "next_action", None)
        if action is None or action.kind != PUBLISH or self.stop.is_set():
            return None
        return action if capabilities(action.account.platform).idempotent else None


def _claim_change(action: Action) -> Change:
    post, account = action.post, action.account

    def change(records: dict) -> Record | None:
        if records.get(action.pair) != action.record:
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

    return change
