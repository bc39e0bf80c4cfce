"""A group's slot instants: its `slots:` ("mon 10:00") as times in its own timezone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..model import Group
from .timeparse import TimeError, localize


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
