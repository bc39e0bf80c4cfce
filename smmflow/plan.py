"""The content plan of one group for one calendar month: pure data, no I/O.

A month is seen in the group's own timezone. Every slot instant of the month is listed
with the posts at that minute (or none: a gap); posts at other times are "outside the
slots"; the type mix is counted the way `checks.check_mix` counts it (withdrawn posts
left out, drafts counted, runs in UTC order), so `plan` and `check` never disagree; and
the next 7 days from `now` list posts and gaps alike. `planview` and `site` draw it.

Publishing state comes in as `status.Row`s (from the ledger when there is one, else
from `offline_rows`), one per post and account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import regex

from .model import Group, MixRule, Post, Slot
from .render import rich
from .slots import slot_times
from .status import Row

WEEK = dt.timedelta(days=7)
# The ledger states that ask a person to do something.
ATTENTION = frozenset({"due", "held", "failed", "unknown", "missed", "corrupt", "claimed"})


def headline(post: Post, width: int = 80) -> str:
    """The title, else the body's first line as a reader sees it, cut at a grapheme."""
    if post.title:
        text = post.title.strip()
    else:
        first = post.body.lstrip().split("\n\n", 1)[0]  # only the first block is shown
        lines = [line.strip() for line in rich(first).text.splitlines() if line.strip()]
        text = lines[0] if lines else post.slug
    chars = regex.findall(r"\X", text)
    return "".join(chars[: width - 1]) + "…" if len(chars) > width else text


def offline_rows(posts: Iterable[Post], now: dt.datetime) -> list[Row]:
    """States without a ledger: only what the files say (draft, withdrawn, scheduled, ready)."""
    found = []
    for post in posts:
        if post.status in ("draft", "withdrawn"):
            state, detail = post.status, ""
        elif post.utc > now:
            state, detail = "scheduled", ""
        else:
            state, detail = "ready", "no ledger here: whether it went out is unknown"
        for account in post.platforms:
            found.append(Row.of(post, account, state, detail))
    return found


@dataclass(frozen=True)
class Planned:
    """A post as the plan shows it: its states per account, in `post.platforms` order."""

    post: Post
    title: str
    states: tuple[Row, ...]
    in_slot: bool

    @property
    def local(self) -> dt.datetime:
        return self.post.date

    def by_state(self) -> list[tuple[str, list[str]]]:
        """[(state, [accounts])] in the order states first appear: `published: feed, x`."""
        grouped: dict[str, list[str]] = {}
        for row in self.states:
            grouped.setdefault(row.state, []).append(row.account)
        return list(grouped.items())

    @property
    def needs_attention(self) -> bool:
        return any(row.state in ATTENTION for row in self.states)


@dataclass(frozen=True)
class SlotCell:
    """One slot instant of the month and the posts at that minute (empty: a gap)."""

    when: dt.datetime  # local, aware
    slot: Slot
    posts: tuple[Planned, ...]

    @property
    def empty(self) -> bool:
        return not self.posts


@dataclass(frozen=True)
class TypeCount:
    type: str
    count: int
    share: float  # of all counted posts of the month; 0 when there are none


@dataclass(frozen=True)
class RuleCheck:
    """One mix rule against the month: `ok` is None when the month has no posts."""

    type: str
    rule: str  # max_share | min_share | max_in_a_row
    limit: float
    actual: float  # the share, or the longest run of this type
    ok: bool | None

    def describe(self) -> str:
        if self.rule == "max_share":
            return f"at most {self.limit:.0%} (has {self.actual:.0%})"
        if self.rule == "min_share":
            return f"at least {self.limit:.0%} (has {self.actual:.0%})"
        return f"at most {int(self.limit)} in a row (longest {int(self.actual)})"


@dataclass(frozen=True)
class Upcoming:
    """An item of the next 7 days: a post, or an empty slot (post is None)."""

    when: dt.datetime  # local, aware
    post: Planned | None


@dataclass(frozen=True)
class MonthPlan:
    group: Group
    year: int
    month: int
    now: dt.datetime
    slots: tuple[SlotCell, ...]
    outside: tuple[Planned, ...]
    total: int  # posts counted in the mix
    mix: tuple[TypeCount, ...]
    rules: tuple[RuleCheck, ...]
    upcoming: tuple[Upcoming, ...]

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def title(self) -> str:
        return dt.date(self.year, self.month, 1).strftime("%B %Y")

    @property
    def gaps(self) -> tuple[SlotCell, ...]:
        return tuple(cell for cell in self.slots if cell.empty)

    @property
    def planned(self) -> list[Planned]:
        """Every post of the month, slot or not, in time order."""
        inside = [p for cell in self.slots for p in cell.posts]
        return sorted(inside + list(self.outside), key=lambda p: (p.post.utc, p.post.path))

    @property
    def rules_ok(self) -> bool:
        return all(rule.ok is not False for rule in self.rules)

    def weeks(self) -> list[list[dt.date | None]]:
        """The month as weeks, Monday first; None pads the first and last week."""
        first = dt.date(self.year, self.month, 1)
        days = [None] * first.weekday()
        day = first
        while day.month == self.month:
            days.append(day)
            day += dt.timedelta(days=1)
        days += [None] * (-len(days) % 7)
        return [days[i : i + 7] for i in range(0, len(days), 7)]

    def on_day(self, day: dt.date) -> list[SlotCell | Planned]:
        """What a calendar cell holds: the day's slots and its posts outside them, by time."""
        items: list[SlotCell | Planned] = [c for c in self.slots if c.when.date() == day]
        items += [p for p in self.outside if p.local.date() == day]
        return sorted(items, key=lambda x: x.when if isinstance(x, SlotCell) else x.local)


def month_bounds(group: Group, year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of the 1st to local midnight of the next month's 1st."""
    tz = group.tz
    after = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.datetime(year, month, 1, tzinfo=tz), dt.datetime(*after, 1, tzinfo=tz)


def current_month(group: Group, now: dt.datetime) -> tuple[int, int]:
    local = now.astimezone(group.tz)
    return local.year, local.month


def _minute(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.timezone.utc).replace(second=0, microsecond=0)


def _longest_run(posts: list[Post], post_type: str) -> int:
    longest = run = 0
    for post in posts:
        run = run + 1 if post.type == post_type else 0
        longest = max(longest, run)
    return longest


def mix_figures(
    group: Group, posts: list[Post]
) -> tuple[int, tuple[TypeCount, ...], tuple[RuleCheck, ...]]:
    """Counts and shares per type, and every mix rule checked, for one month's posts."""
    counted = sorted((p for p in posts if p.status != "withdrawn"), key=lambda p: p.utc)
    total = len(counted)
    types = list(dict.fromkeys([*group.types, *(p.type for p in counted)]))
    counts = {t: sum(p.type == t for p in counted) for t in types}
    mix = tuple(TypeCount(t, n, n / total if total else 0.0) for t, n in counts.items())
    rules: list[RuleCheck] = []
    for rule in group.mix:
        rules.extend(_check_rule(rule, counted, counts.get(rule.type, 0), total))
    return total, mix, tuple(rules)


def _check_rule(rule: MixRule, posts: list[Post], count: int, total: int) -> list[RuleCheck]:
    share = count / total if total else 0.0
    known = total > 0
    found = []
    # The same tolerance as checks.check_mix: 2 of 5 is exactly 40%, not a hair above.
    if rule.max_share is not None:
        ok = share <= rule.max_share + 1e-9 if known else None
        found.append(RuleCheck(rule.type, "max_share", rule.max_share, share, ok))
    if rule.min_share is not None:
        ok = share >= rule.min_share - 1e-9 if known else None
        found.append(RuleCheck(rule.type, "min_share", rule.min_share, share, ok))
    if rule.max_in_a_row is not None:
        longest = _longest_run(posts, rule.type)
        ok = longest <= rule.max_in_a_row if known else None
        found.append(RuleCheck(rule.type, "max_in_a_row", rule.max_in_a_row, longest, ok))
    return found


def build(
    group: Group,
    posts: Iterable[Post],
    rows: Iterable[Row],
    year: int,
    month: int,
    now: dt.datetime,
) -> MonthPlan:
    """The plan of `group` for one month. `posts` may hold other groups and months too."""
    mine = sorted(
        (p for p in posts if p.group == group.id and p.status != "withdrawn"),
        key=lambda p: (p.utc, p.path),
    )
    states: dict[str, list[Row]] = {}
    for row in rows:
        states.setdefault(row.post, []).append(row)
    start, end = month_bounds(group, year, month)
    slot_of = {_minute(w): w for w in slot_times(group, start, end)}
    weekday_slots = {(s.weekday, s.time): s for s in group.slots}

    def planned(post: Post) -> Planned:
        order = {name: i for i, name in enumerate(post.platforms)}
        found = sorted(states.get(post.id, []), key=lambda r: order.get(r.account, len(order)))
        local = post.date.replace(second=0, microsecond=0)
        in_slot = (local.weekday(), local.time()) in weekday_slots
        return Planned(post, headline(post), tuple(found), in_slot)

    month_posts = [p for p in mine if (p.date.year, p.date.month) == (year, month)]
    by_minute: dict[dt.datetime, list[Planned]] = {}
    outside = []
    for post in month_posts:
        item = planned(post)
        if _minute(post.date) in slot_of:
            by_minute.setdefault(_minute(post.date), []).append(item)
        else:
            outside.append(item)
    cells = tuple(
        SlotCell(when, weekday_slots[(when.weekday(), when.time())], tuple(by_minute.get(m, ())))
        for m, when in slot_of.items()
    )
    total, mix, rules = mix_figures(group, month_posts)
    return MonthPlan(
        group,
        year,
        month,
        now,
        cells,
        tuple(outside),
        total,
        mix,
        rules,
        _upcoming(group, mine, now, planned),
    )


def _upcoming(group: Group, posts: list[Post], now: dt.datetime, planned) -> tuple[Upcoming, ...]:
    """Posts dated from now to now + 7 days, and the empty slots in that window, by time."""
    soon = [p for p in posts if now <= p.utc < now + WEEK]
    taken = {_minute(p.date) for p in posts}
    items = [Upcoming(p.date, planned(p)) for p in soon]
    items += [
        Upcoming(w, None) for w in slot_times(group, now, now + WEEK) if _minute(w) not in taken
    ]
    return tuple(sorted(items, key=lambda u: (u.when, u.post is not None)))
