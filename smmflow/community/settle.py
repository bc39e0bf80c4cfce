"""`smmflow resolve ITEM ACTION`: a person settles an action smmflow could not settle alone
(its outcome is unknown, or it failed for good): it is on the platform (`--published`),
send it again with a new key (`--retry`), or never (`--skip`)."""

from __future__ import annotations

import datetime as dt

from ..errors import UsageError
from ..ledger.actions import ACTIONS, ActionLedger, ActionRecord
from ..ledger.records import LEASE, now_utc
from .store import Store, Stored

AFTER = {"reply": "answered", "hide": "hidden", "delete": "deleted"}


def settle(
    ledger: ActionLedger,
    store: Store,
    stored: Stored,
    action: str,
    *,
    published: str | None,
    retry: bool,
    skip: bool,
    who: str,
    wall: dt.datetime,
) -> ActionRecord:
    if action not in ACTIONS:
        raise UsageError(f"no action {action!r}: use one of {', '.join(ACTIONS)}")
    if sum(bool(x) for x in (published, retry, skip)) != 1:
        raise UsageError("give exactly one of --published URL, --retry, --skip")
    if published is not None and not published.startswith(("http://", "https://")):
        raise UsageError("--published needs the address of the answer (http:// or https://)")
    key = (stored.grp, stored.account, stored.id, action)

    def change(records: dict) -> list[ActionRecord]:
        base = records.get(key)
        if base is None or base.state == "corrupt":
            generation = base.generation if base else 0
            base = ActionRecord(*key, stored.platform, "skipped", generation=generation)
        if base.state == "claimed" and base.held_by_live_run(LEASE, wall):
            raise UsageError(f"{stored.id} is being acted on by a running command; wait for it")
        if published:
            return [base.moved("done", "resolved by a person", url=published, error="",
                               retryable=False, run={}, who=who, done_at=now_utc())]  # fmt: skip
        if retry:
            return [base.moved("failed", "retry asked by a person", generation=base.generation + 1,
                               key="", error="retry asked by a person", retryable=True, run={},
                               who=who)]  # fmt: skip
        return [base.moved("skipped", "skipped by a person", error="", run={}, who=who)]

    done = ledger.transact(change, f"resolve: {action} {stored.id} on {stored.account}")
    assert done
    record = done[0]
    if published:
        store.set_state(stored.id, AFTER[action])
    return record  # type: ignore[return-value]
