"""The content plan of one group for one calendar month: pure data, no I/O.

A month is seen in the group's own timezone. Every slot instant of the month is listed
with the posts at that minute (or none: a gap); posts at other times are "outside the
slots"; the type mix is `check.mix`'s, the evaluator `check` reports from, so `plan` and
`check` never disagree; and the next 7 days from `now` list posts and gaps alike. `views`
and `site` draw it.

Publishing state comes in as `ledger.status.Row`s (the ledger's when there is one, else
what the files say), one per post and account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..check import mix
from ..check.mix import Mix, RuleCheck, TypeCount
from ..content.slottimes import slot_times
from ..ledger.status import Row
from ..model import Group, Post, Slot
from ..text.headline import headline

WEEK = dt.timedelta(days=7)


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
    figures: Mix  # the month's content mix (check.mix)
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
    def gaps_ahead(self) -> tuple[SlotCell, ...]:
        """The empty slots not yet past `now`: the ones a post can still fill."""
        return tuple(cell for cell in self.gaps if cell.when >= self.now)

    @property
    def planned(self) -> list[Planned]:
        """Every post of the month, slot or not, in time order."""
        inside = [p for cell in self.slots for p in cell.posts]
        return sorted(inside + list(self.outside), key=lambda p: (p.post.utc, p.post.path))

    @property
    def total(self) -> int:
        """Posts counted in the mix."""
        return self.figures.total

    @property
    def mix(self) -> tuple[TypeCount, ...]:
        return self.figures.counts

    @property
    def rules(self) -> tuple[RuleCheck, ...]:
        return self.figures.rules

    @property
    def rules_ok(self) -> bool:
        return self.figures.ok

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
    figures = mix.evaluate(group, month_posts, now)
    return MonthPlan(
        group,
        year,
        month,
        now,
        cells,
        tuple(outside),
        figures,
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
