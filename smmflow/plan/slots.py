"""The posting rhythm: slot instants of a group, and which of them are still free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..content.slottimes import slot_times
from ..content.timeparse import end_of_range
from ..model import Group, Post


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
