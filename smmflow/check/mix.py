"""The content mix of one calendar month, against the group's rules: the one evaluator that
`check` (a problem per broken rule) and `plan` (counts, shares, a verdict per rule) read.

Counted the same way everywhere: a group's posts of one month in its own timezone,
withdrawn posts left out, drafts counted (they are in the plan), runs in time order. Shares
have a tolerance of 1e-9, so 2 posts of 5 are exactly 40%, not a hair above.

A month is also judged on what it can still become (docs/plan.md, "Months still being
planned"): its drafts and its empty slots still ahead of `now` are open places that may
get any type. A broken rule those places can still mend is `mendable` (`check` warns);
one that no filling of them can mend is an error. Drafts never make a rule unmendable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import groupby

from ..content.slottimes import slot_times
from ..model import Group, MixRule, Post

EPSILON = 1e-9


@dataclass(frozen=True)
class TypeCount:
    type: str
    count: int
    share: float  # of all counted posts of the month; 0 when there are none


@dataclass(frozen=True)
class RuleCheck:
    """One mix rule against a month: `ok` is None when the month has no posts."""

    type: str
    rule: str  # max_share | min_share | max_in_a_row
    limit: float
    actual: float  # the share, or the longest run of this type
    ok: bool | None
    # The posts that break it: those past the largest count `max_share` allows, and the
    # post that makes each run one longer than `max_in_a_row` allows (with its run).
    breaking: tuple[tuple[Post, ...], ...] = field(default=(), compare=False, repr=False)
    # Broken so far, but the month's open places (drafts, empty slots ahead) can mend it.
    mendable: bool = False

    def describe(self) -> str:
        if self.rule == "max_share":
            return f"at most {self.limit:.0%} (has {self.actual:.0%})"
        if self.rule == "min_share":
            return f"at least {self.limit:.0%} (has {self.actual:.0%})"
        return f"at most {int(self.limit)} in a row (longest {int(self.actual)})"

    def as_dict(self) -> dict:
        return {
            "type": self.type,
            "rule": self.rule,
            "limit": self.limit,
            "actual": round(self.actual, 4),
            "ok": self.ok,
            **({"mendable": self.mendable} if self.ok is False else {}),
        }


@dataclass(frozen=True)
class Mix:
    """A month's posts by type, and every rule of the group checked against them."""

    total: int  # posts counted
    counts: tuple[TypeCount, ...]
    rules: tuple[RuleCheck, ...]
    posts: tuple[Post, ...] = field(default=(), repr=False)  # counted, in time order
    drafts: int = 0  # drafts among them (open places: their type may still change)
    empty_ahead: int = 0  # the month's empty slots not yet past `now` (open places too)

    @property
    def open(self) -> int:
        return self.drafts + self.empty_ahead

    @property
    def ok(self) -> bool:
        return all(rule.ok is not False for rule in self.rules)


def counted(posts: Iterable[Post]) -> list[Post]:
    """The posts a mix counts, in time order."""
    return sorted((p for p in posts if p.status != "withdrawn"), key=lambda p: (p.ts, p.path))


def months(posts: Iterable[Post]) -> Iterator[list[Post]]:
    """A group's counted posts, one calendar month (its own timezone) at a time."""
    for _, items in groupby(counted(posts), key=lambda p: (p.date.year, p.date.month)):
        yield list(items)


def evaluate(group: Group, posts: Iterable[Post], now: dt.datetime | None = None) -> Mix:
    """Counts, shares and every mix rule of `group`, for one month's posts. With `now`,
    each broken rule also says whether the month's open places can still mend it."""
    chosen = counted(posts)
    total = len(chosen)
    types = list(dict.fromkeys([*group.types, *(p.type for p in chosen)]))
    counts = {t: sum(p.type == t for p in chosen) for t in types}
    shares = tuple(TypeCount(t, n, n / total if total else 0.0) for t, n in counts.items())
    rules = [check for rule in group.mix for check in _rule(rule, chosen, total)]
    if now is None or not chosen:
        return Mix(total, shares, tuple(rules), tuple(chosen))
    ahead = _empty_ahead(group, chosen, now)
    drafts = sum(p.status == "draft" for p in chosen)
    # Without slots a month's room is unknown: any post may still come until it ends.
    still_open = not group.slots and now < _bounds(group, chosen)[1]
    rules = [
        (replace(r, mendable=True) if still_open else _mendable(group, r, chosen, ahead))
        if r.ok is False
        else r
        for r in rules
    ]
    return Mix(total, shares, tuple(rules), tuple(chosen), drafts, len(ahead))


def _bounds(group: Group, posts: list[Post]) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the posts' month in the group's timezone, and of the next."""
    year, month = posts[0].date.year, posts[0].date.month
    after = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.datetime(year, month, 1, tzinfo=group.tz), dt.datetime(*after, 1, tzinfo=group.tz)


def _empty_ahead(group: Group, posts: list[Post], now: dt.datetime) -> list[dt.datetime]:
    """The slot instants of the posts' month from `now` on that no counted post takes."""
    start, end = _bounds(group, posts)
    taken = {p.utc.replace(second=0, microsecond=0) for p in posts}
    utc = dt.timezone.utc
    return [
        w
        for w in slot_times(group, max(start, now), end)
        if w.astimezone(utc).replace(second=0, microsecond=0) not in taken
    ]


def _mendable(
    group: Group, check: RuleCheck, posts: list[Post], ahead: list[dt.datetime]
) -> RuleCheck:
    """`check` (broken) marked mendable when the open places can still meet it: every
    draft and empty slot ahead taking the type that helps most."""
    fixed = [p for p in posts if p.status != "draft"]
    places = len(posts) - len(fixed) + len(ahead)
    mine = sum(p.type == check.type for p in fixed)
    whole = len(fixed) + places
    if check.rule == "max_share":
        mend = mine <= check.limit * whole + EPSILON * whole
    elif check.rule == "min_share":
        mend = mine + places >= (check.limit - EPSILON) * whole
    else:
        mend = _longest_fixed_run(posts, ahead, check.type) <= check.limit
    return replace(check, mendable=mend)


def _longest_fixed_run(posts: list[Post], ahead: list[dt.datetime], post_type: str) -> int:
    """The longest run of non-draft `post_type` posts with no open place between them."""
    utc = dt.timezone.utc
    items = [(p.utc, p.path, p.type if p.status != "draft" else None) for p in posts]
    items += [(w.astimezone(utc), "", None) for w in ahead]
    longest = run = 0
    for _, _, kind in sorted(items, key=lambda i: (i[0], i[1])):
        run = run + 1 if kind == post_type else 0
        longest = max(longest, run)
    return longest


def _rule(rule: MixRule, posts: list[Post], total: int) -> list[RuleCheck]:
    of_type = [p for p in posts if p.type == rule.type]
    share = len(of_type) / total if total else 0.0
    known = total > 0
    found = []
    if rule.max_share is not None:
        ok = share <= rule.max_share + EPSILON if known else None
        allowed = int(rule.max_share * total + EPSILON)
        over = tuple((post,) for post in of_type[allowed:]) if ok is False else ()
        found.append(RuleCheck(rule.type, "max_share", rule.max_share, share, ok, over))
    if rule.min_share is not None:
        ok = share >= rule.min_share - EPSILON if known else None
        found.append(RuleCheck(rule.type, "min_share", rule.min_share, share, ok))
    if rule.max_in_a_row is not None:
        longest, runs = _runs(posts, rule.type, rule.max_in_a_row)
        ok = longest <= rule.max_in_a_row if known else None
        found.append(RuleCheck(rule.type, "max_in_a_row", rule.max_in_a_row, longest, ok, runs))
    return found


def _runs(
    posts: list[Post], post_type: str, allowed: int
) -> tuple[int, tuple[tuple[Post, ...], ...]]:
    """The longest run of `post_type`, and each run at the moment it grew past `allowed`."""
    longest, run, breaking = 0, [], []
    for post in posts:
        run = [*run, post] if post.type == post_type else []
        longest = max(longest, len(run))
        if len(run) == allowed + 1:
            breaking.append(tuple(run))
    return longest, tuple(breaking)
