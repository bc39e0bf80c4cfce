"""The posting rhythm: slot instants of a group, and which of them are still free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from ..content.timeparse import TimeError, end_of_range, localize
from ..model import Group, Post


def slot_times(group: Group, start: dt.datetime, end: dt.datetime) -> Iterator[dt.datetime]:
    """Every slot instant of `group` in [start, end), local times in its timezone.

    A slot whose wall time falls in a DST gap or fold that day is skipped: it has no
    single instant, and `check` asks writers for an explicit offset there too.
    """
    tz = group.tz
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        for slot in group.slots:
            if slot.weekday != day.weekday():
                continue
            try:
                when = localize(dt.datetime.combine(day, slot.time), tz)
            except TimeError:
                continue
            if start <= when < end:
                yield when
        day += dt.timedelta(days=1)


def taken_minutes(posts: Iterable[Post]) -> set[dt.datetime]:
    return {p.utc.replace(second=0, microsecond=0) for p in posts if p.status != "withdrawn"}


def next_free_slot(group: Group, posts: Iterable[Post], now: dt.datetime) -> dt.datetime | None:
    """The first slot after `now` with no post of the group at that minute (within a year)."""
    taken = taken_minutes(posts)
    end = end_of_range(group.tz)  # no slot past the years smmflow handles
    end = now + min(dt.timedelta(days=366), end - now)
    for when in slot_times(group, now, end):
        if when > now and when.astimezone(dt.timezone.utc) not in taken:
            return when
    return None
