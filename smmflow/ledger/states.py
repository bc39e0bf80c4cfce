"""The state of one (post, account) pair: the one table that sync, status, plan and check read.

`standing` looks at the post (its status and date), the pair's ledger record and what
holds the post, and says both what a person is shown (`state`, `detail`: `status`,
`plan`, `site`, `check`'s rename warnings) and what a sync does now (`action`, `reason`).
The rules are the invariants:

- nothing unapproved: every send and every delete (retries, resumes and withdrawals
  included) obeys `hold` (exact bytes on the publish branch, approved where the group has
  approvers, a group file without errors);
- nothing twice: a record that says published, or a live claim, stops it; a pair whose
  record was deleted from the ledger's history is never taken as new (`erased`);
- nothing lost: too late becomes `missed`, an unknown outcome waits for a person.

Pure: the clock (`wall`, the real time a run started, which claims are stamped with) and
the planned instant (`now`, which `--now` may set) are given, never read here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from ..content.timeparse import format_duration
from ..model import Account, Post
from ..platforms import registry
from . import afterwards
from .branch import BRANCH
from .identity import erased_note, erased_reason
from .records import LEASE, Record

# What a sync does for a pair (Standing.action).
PUBLISH = "publish"  # send now (new pair, retry after a safe failure, resume with the same key)
VERIFY = "verify"  # a stale claim on a platform that can check: ask it, then decide
UNKNOWN = "unknown"  # a stale claim nobody can check: hand it to a person
MISSED = "missed"  # later than the group's max_delay: reported, not published
DELETE = "delete"  # a published post is now `withdrawn`
HELD = "held"  # due, but not on the publish branch or not approved: not published
BUSY = "busy"  # another live run holds the claim
WAITING = "waiting"  # an unknown outcome, already waiting for a person

Hold = Callable[[Post], "str | None"]


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do for exactly-once (its publisher's class attributes)."""

    idempotent: bool = False
    can_verify: bool = False
    can_delete: bool = False
    key_ttl: float | None = None


@functools.cache
def capabilities(platform: str) -> Capabilities:
    cls = registry.get(platform)
    return Capabilities(
        bool(getattr(cls, "idempotent", False)),
        bool(getattr(cls, "can_verify", False)),
        bool(getattr(cls, "can_delete", False)),
        getattr(cls, "key_ttl", None),
    )


@dataclass(frozen=True)
class Standing:
    """Where a pair stands: shown as `state` (with `detail`), acted on as `action`."""

    state: str  # published | due | scheduled | draft | held | claimed | failed | unknown | missed | withdrawn | skipped | corrupt | ready
    detail: str = ""
    action: str = ""  # what sync does now; "" for nothing
    reason: str = ""  # why, as sync reports and records it (default: `detail`)
    url: str = ""

    @property
    def why(self) -> str:
        return self.reason or self.detail


@dataclass(frozen=True)
class Clock:
    """The two times a decision needs: the planned instant and the real one."""

    now: dt.datetime  # what is due by (`--now`)
    wall: dt.datetime  # the real time: claims are stamped with it (leases, key ages)
    lease: dt.timedelta = LEASE


def standing(
    post: Post,
    account: Account,
    record: Record | None,
    max_delay: dt.timedelta,
    clock: Clock,
    hold: Hold,
    erased: Callable[[], str | None] = lambda: None,
    branch: str = BRANCH,
    on_edit: str = "flag",
) -> Standing:
    """Where `post` stands on `account`. `erased` gives the commit that deleted the pair's
    record from the ledger branch, if one did (asked only when it matters: it reads git).
    `on_edit`: the group's choice for an edit a platform cannot make (ledger/afterwards)."""
    if post.status == "draft":  # never acted on, never asked about
        return recorded(record) if record is not None else Standing("draft")
    if record is not None:
        if record.state in ("published", "claimed") and (record.doing or post.status == "ready"):
            found = _afterwards(post, account, record, clock, hold, on_edit)
            if found is not None:
                return found
        return _with_record(post, account.platform, record, max_delay, clock, hold)
    if post.status == "withdrawn":
        return Standing("withdrawn", "never published")
    return _new(post, account.name, max_delay, clock, hold, erased, branch)


def offline(post: Post, now: dt.datetime) -> Standing:
    """Where a pair stands when there is no ledger to ask (`plan` outside git): only what
    the file says."""
    if post.status in ("draft", "withdrawn"):
        return Standing(post.status)
    if post.utc > now:
        return Standing("scheduled")
    return Standing("ready", "no ledger here: whether it went out is unknown")


def recorded(record: Record) -> Standing:
    """What a record alone says of its pair (the row when there is nothing to do)."""
    if record.state == "claimed":
        return Standing("claimed", f"being sent by run {record.run.get('id', '?')}")
    return Standing(record.state, record.error, url=record.url)


def _with_record(
    post: Post,
    platform: str,
    record: Record,
    max_delay: dt.timedelta,
    clock: Clock,
    hold: Hold,
) -> Standing:
    state = record.state
    if state == "corrupt":
        return Standing("corrupt", record.error, WAITING)
    if state == "claimed":
        return _claimed(post, platform, record, clock, hold)
    if post.status == "withdrawn" and state == "published":
        why = hold(post)  # a withdrawal counts only as committed (and approved)
        if why:
            note = f"withdrawn here, not acted on: {why}"
            return Standing("published", note, HELD, f"withdrawal not acted on: {why}", record.url)
        note = "withdrawn: the next sync deletes it"
        return Standing("published", note, DELETE, "withdrawn after publishing", record.url)
    if state == "unknown" and post.status != "withdrawn":
        return Standing("unknown", record.error, WAITING, url=record.url)
    if state == "failed" and post.status != "withdrawn" and post.utc <= clock.now:
        return _failed(post, record, max_delay, clock, hold)
    return recorded(record)  # nothing to do


def _afterwards(
    post: Post, account: Account, record: Record, clock: Clock, hold: Hold, on_edit: str
) -> Standing | None:
    """An edit, a first comment or a repost of a published pair (ledger/afterwards)."""
    if record.state == "published":
        found = afterwards.published(post, account, record, on_edit, hold)
    elif not record.doing:
        return None
    elif record.held_by_live_run(clock.lease, clock.wall):
        return Standing(
            "claimed", f"its {record.doing} is being sent", BUSY, "another run is on it"
        )
    else:
        found = afterwards.claimed(post, account, record)
        if found[2] != UNKNOWN:
            return _unless_held(Standing(*found, url=record.url), post, hold, "not resumed")
    return None if found is None else Standing(*found, url=record.url)


def _claimed(post: Post, platform: str, record: Record, clock: Clock, hold: Hold) -> Standing:
    detail = recorded(record).detail

    def act(action: str, reason: str) -> Standing:
        return Standing("claimed", detail, action, reason)

    caps = capabilities(platform)
    if record.held_by_live_run(clock.lease, clock.wall):
        return act(BUSY, "another run is publishing it")
    if post.status == "withdrawn" and not caps.idempotent:
        return act(UNKNOWN, "a run stopped while sending it; it was withdrawn since")
    if caps.idempotent and _key_alive(record, caps.key_ttl, clock.wall):
        reason = "resuming a run that stopped, with the same idempotency key"
        return _unless_held(act(PUBLISH, reason), post, hold, "not resumed")
    if caps.can_verify:
        return _unless_held(
            act(VERIFY, "a run stopped while sending it"), post, hold, "not resumed"
        )
    return act(UNKNOWN, "a run stopped while sending it; check the account by hand")


def _failed(
    post: Post, record: Record, max_delay: dt.timedelta, clock: Clock, hold: Hold
) -> Standing:
    shown = Standing("failed", record.error, url=record.url)
    changed = record.content_sha256 != post.sha256
    if not (record.retryable or changed):
        return shown
    asked = record.history and "asked by a person" in str(record.history[-1])
    if clock.now - post.utc > max_delay and not asked:  # `resolve --retry` overrides it
        why = f"still failing after max_delay {format_duration(max_delay)}: {record.error}"
        return Standing("failed", record.error, MISSED, why, record.url)
    retry = "retrying: " + ("the post changed" if changed else record.error)
    return _unless_held(
        Standing("failed", record.error, PUBLISH, retry, record.url), post, hold, "not retried"
    )


def _new(
    post: Post,
    account: str,
    max_delay: dt.timedelta,
    clock: Clock,
    hold: Hold,
    erased: Callable[[], str | None],
    branch: str,
) -> Standing:
    """A ready post with no record on the account."""
    if post.utc <= clock.now:
        commit = erased()
        if commit is not None:  # it may be out already: never taken as new
            reason = erased_reason(post.id, account, commit, branch)
            return Standing("unknown", erased_note(commit, branch), WAITING, reason)
    why = hold(post)
    if post.utc > clock.now:
        return Standing("scheduled", f"held now: {why}" if why else "")
    if why:
        return Standing("held", why, HELD)
    if clock.now - post.utc > max_delay:
        late = f"due {post.date:%Y-%m-%d %H:%M}, more than {format_duration(max_delay)} ago (max_delay)"
        note = "later than the group's max_delay; the next sync records it"
        return Standing("missed", note, MISSED, late)
    return Standing("due", action=PUBLISH)


def _unless_held(found: Standing, post: Post, hold: Hold, what: str) -> Standing:
    """Every send and every delete obeys `hold`, whichever path led to it."""
    why = hold(post)
    return Standing(found.state, found.detail, HELD, f"{what}: {why}", found.url) if why else found


def _key_alive(record: Record, ttl: float | None, wall: dt.datetime) -> bool:
    """Whether the platform still remembers the key this claim was sent with."""
    if ttl is None:
        return True
    try:
        claimed = dt.datetime.strptime(record.claimed_at, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    age = wall.astimezone(dt.timezone.utc).replace(tzinfo=None) - claimed
    return age.total_seconds() < ttl * 0.9  # a margin for clock skew
