"""What a sync must do, decided without side effects: `plan(posts, ledger, now)`.

Each (post, account) pair gets at most one action. The rules are the invariants:
nothing unapproved (drafts, posts not on the publish branch, held by an approval gate:
every send and every delete, retries, resumes and withdrawals included, obeys `hold`),
nothing twice (a record that says published, or a live claim, stops it), nothing lost
(too late becomes `missed`, an unknown outcome waits for a person).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .ledger import Record
from .model import Account, Group, Post

PUBLISH = "publish"  # send now (new pair, retry after a safe failure, resume with the same key)
VERIFY = "verify"  # a stale claim on a platform that can check: ask it, then decide
UNKNOWN = "unknown"  # a stale claim nobody can check: hand it to a person
MISSED = "missed"  # later than the group's max_delay: reported, not published
DELETE = "delete"  # a published post is now `withdrawn`
HELD = "held"  # due, but not on the publish branch or not approved: not published
BUSY = "busy"  # another live run holds the claim
WAITING = "waiting"  # an unknown outcome, already waiting for a person


def human(delta: dt.timedelta) -> str:
    """`24h`, `90m`, `2d`: durations the way group files write them."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % 1440 == 0 and minutes >= 2880:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


@dataclass(frozen=True)
class Action:
    kind: str
    post: Post
    account: Account
    record: Record | None
    reason: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return self.post.id, self.account.name


@dataclass(frozen=True)
class Capabilities:
    idempotent: bool
    can_verify: bool
    can_delete: bool
    key_ttl: float | None = None


def plan(
    posts: Iterable[Post],
    groups: dict[str, Group],
    records: dict[tuple[str, str], Record],
    now: dt.datetime,
    capabilities: Callable[[str], Capabilities],
    hold: Callable[[Post], str | None] = lambda post: None,
    lease: dt.timedelta = dt.timedelta(minutes=15),
) -> list[Action]:
    """Every action this run should take, oldest post first."""
    actions: list[Action] = []
    now_ts = now.timestamp()
    accounts = {gid: {a.name: a for a in g.accounts} for gid, g in groups.items()}
    caps_of: dict[str, Capabilities] = {}
    for post in sorted(posts, key=lambda p: (p.ts, p.path)):
        if post.status == "draft":
            continue
        group = groups[post.group]
        # Most pairs of a large repository are in the future with no record: decided here
        # without building anything.
        future = post.ts > now_ts
        post_id = post.id
        for name in post.platforms:
            account = accounts[post.group].get(name)
            if account is None:
                continue
            record = records.get((post_id, name))
            if record is None and future and post.status != "withdrawn":
                continue
            caps = caps_of.get(account.platform)
            if caps is None:
                caps = caps_of[account.platform] = capabilities(account.platform)
            action = _decide(post, group, account, record, now, caps, hold, lease)
            if action is not None:
                actions.append(action)
    return actions


def _key_alive(record: Record, ttl: float | None) -> bool:
    """Whether the platform still remembers the key this claim was sent with."""
    if ttl is None:
        return True
    try:
        claimed = dt.datetime.strptime(record.claimed_at, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    age = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - claimed
    return age.total_seconds() < ttl * 0.9  # a margin for clock skew


def _decide(
    post: Post,
    group: Group,
    account: Account,
    record: Record | None,
    now: dt.datetime,
    caps: Capabilities,
    hold: Callable[[Post], str | None],
    lease: dt.timedelta,
) -> Action | None:
    def act(kind: str, reason: str = "") -> Action:
        return Action(kind, post, account, record, reason)

    def unless_held(kind: str, reason: str, what: str) -> Action:
        """Every send and every delete obeys `hold` (exact bytes on the publish branch,
        approved where the group has approvers), whichever path led to it."""
        why = hold(post)
        return act(HELD, f"{what}: {why}") if why else act(kind, reason)

    state = record.state if record else None
    if state == "corrupt":
        return act(WAITING, record.error if record else "")
    if state == "claimed":
        if record.held_by_live_run(lease):  # type: ignore[union-attr]
            return act(BUSY, "another run is publishing it")
        if post.status == "withdrawn" and not caps.idempotent:
            return act(UNKNOWN, "a run stopped while sending it; it was withdrawn since")
        if caps.idempotent and _key_alive(record, caps.key_ttl):  # type: ignore[arg-type]
            reason = "resuming a run that stopped, with the same idempotency key"
            return unless_held(PUBLISH, reason, "not resumed")
        if caps.can_verify:
            return unless_held(VERIFY, "a run stopped while sending it", "not resumed")
        return act(UNKNOWN, "a run stopped while sending it; check the account by hand")
    if post.status == "withdrawn":
        if state == "published":
            return unless_held(DELETE, "withdrawn after publishing", "withdrawal not acted on")
        return None
    if state == "unknown":
        return act(WAITING, record.error if record else "")
    if state in ("published", "withdrawn", "missed", "skipped"):
        return None
    if post.utc > now:
        return None
    late = now - post.utc > group.max_delay
    if state == "failed":
        assert record is not None
        changed = record.content_sha256 != post.sha256
        if not (record.retryable or changed):
            return None
        asked = record.history and "asked by a person" in str(record.history[-1])
        if late and not asked:  # a person's `resolve --retry` overrides max_delay
            return act(
                MISSED, f"still failing after max_delay {human(group.max_delay)}: {record.error}"
            )
        retry = "retrying: " + ("the post changed" if changed else record.error)
        return unless_held(PUBLISH, retry, "not retried")
    reason = hold(post)
    if reason:
        return act(HELD, reason)
    if late:
        return act(
            MISSED,
            f"due {post.date:%Y-%m-%d %H:%M}, more than {human(group.max_delay)} ago (max_delay)",
        )
    return act(PUBLISH)
