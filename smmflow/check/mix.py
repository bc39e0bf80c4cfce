"""The content mix of one calendar month, against the group's rules: the one evaluator that
`check` (a problem per broken rule) and `plan` (counts, shares, a verdict per rule) read.

Counted the same way everywhere: a group's posts of one month in its own timezone,
withdrawn posts left out, drafts counted (they are in the plan), runs in time order. Shares
have a tolerance of 1e-9, so 2 posts of 5 are exactly 40%, not a hair above.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

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
        }


@dataclass(frozen=True)
class Mix:
    """A month's posts by type, and every rule of the group checked against them."""

    total: int  # posts counted
    counts: tuple[TypeCount, ...]
    rules: tuple[RuleCheck, ...]
    posts: tuple[Post, ...] = field(default=(), repr=False)  # counted, in time order

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


def evaluate(group: Group, posts: Iterable[Post]) -> Mix:
    """Counts, shares and every mix rule of `group`, for one month's posts."""
    chosen = counted(posts)
    total = len(chosen)
    types = list(dict.fromkeys([*group.types, *(p.type for p in chosen)]))
    counts = {t: sum(p.type == t for p in chosen) for t in types}
    shares = tuple(TypeCount(t, n, n / total if total else 0.0) for t, n in counts.items())
    rules = [check for rule in group.mix for check in _rule(rule, chosen, total)]
    return Mix(total, shares, tuple(rules), tuple(chosen))


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
