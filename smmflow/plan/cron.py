"""The publish workflow's schedule derived from the plan: the instants something is due
(every slot of every group, every post's time) in UTC across DST changes, compressed into
cron lines a few minutes after them, plus the fixed daily, catch-up and weekly lines.

Also the small cron reader the check and the cost estimate share (POSIX five fields, as
GitHub Actions reads them: numbers, `*`, ranges, lists, steps; always UTC)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import Group, Post
from .slots import slot_times

# A run starts this long after the slot, never before: GitHub starts scheduled runs late
# (often by minutes), and a run a minute early finds nothing due.
DELAY = dt.timedelta(minutes=4)
# `check` accepts any schedule that starts a run within this long after each due instant.
WINDOW = dt.timedelta(minutes=15)
HORIZON = dt.timedelta(days=366)  # a whole year: both UTC offsets of every zone
METRICS = "17 5 * * *"  # the daily `smmflow metrics` run (publish.yml's step names it)
TOKEN_HEALTH = "23 6 * * 1"  # weekly: `smmflow doctor --issues` (token health)
CATCH_UP = "17 13,21 * * *"  # with METRICS: every 8 hours, for what a late merge left due
FIXED = (
    (METRICS, "daily: smmflow metrics, and a catch-up run"),
    (CATCH_UP, "catch-up runs (every 8 hours with the daily one)"),
    (TOKEN_HEALTH, "weekly: token health (smmflow doctor --issues)"),
)
DOW = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


class CronError(ValueError):
    """A cron line smmflow cannot read."""


@dataclass(frozen=True)
class Due:
    """An instant something is due, and why (for messages)."""

    when: dt.datetime  # UTC
    why: str
    zone: str = ""  # a slot's timezone: its DST months get both offsets' lines


@dataclass(frozen=True)
class Line:
    cron: str
    why: str


NAMES = {  # what GitHub's cron also reads: JAN-DEC, SUN-SAT
    **{
        m: str(i)
        for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)
    },
    **{d: str(i) for i, d in enumerate("sun mon tue wed thu fri sat".split())},
}


def _field(text: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    text = re.sub(r"[A-Za-z]+", lambda m: NAMES.get(m[0].lower(), m[0]), text)
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if span == "*":
                start, end = low, high
            elif "-" in span:
                start, end = (int(x) for x in span.split("-", 1))
            else:
                start = end = int(span)
        except ValueError:
            raise CronError(f"{part!r} is not a number, range, list or step") from None
        if step < 1 or start < low or end > high or start > end:
            raise CronError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    """One parsed line; `fires(minute)` says whether it starts a run then (UTC)."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # cron's: 0 = Sunday (7 too)
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> Cron:
        fields = text.split()
        if len(fields) != 5:
            raise CronError(f"{text!r} needs five fields: minute hour day month weekday")
        sets = [_field(f, low, high) for f, (low, high) in zip(fields, RANGES, strict=True)]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(text, *sets[:4], weekdays, fields[2] == "*", fields[4] == "*")

    def on_day(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        by_date, by_weekday = day.day in self.days, (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:  # cron: both restricted means either one
            return by_date and by_weekday
        return by_date or by_weekday

    def fires(self, when: dt.datetime) -> bool:
        return when.minute in self.minutes and when.hour in self.hours and self.on_day(when)

    def runs_per_day(self) -> int:
        return len(self.minutes) * len(self.hours)


def due_instants(groups: Iterable[Group], posts: Iterable[Post], now: dt.datetime) -> list[Due]:
    """Every slot of every group in the coming year and every post from `now` on (UTC)."""
    end = now + HORIZON
    found = []
    for group in sorted(groups, key=lambda g: g.id):
        for when in slot_times(group, now, end):
            local = f"{DOW[when.weekday()]} {when:%H:%M}"
            why = f"slot {local} of {group.id} ({group.timezone})"
            found.append(Due(_utc(when), why, group.timezone))
    first: dict[float, str] = {}  # one post per instant: 100,000 posts share few minutes
    start = now.timestamp()
    for post in posts:
        if post.date is None or post.status == "withdrawn":
            continue
        ts = post.date.timestamp()
        if ts >= start and (ts not in first or post.path < first[ts]):
            first[ts] = post.path
    for ts, path in first.items():
        found.append(Due(_utc(dt.datetime.fromtimestamp(ts, dt.timezone.utc)), f"post {path}"))
    return sorted(found, key=lambda d: (d.when, d.why))


def changing_months(zone_name: str, year: int) -> set[int]:
    """The months in which `zone_name` changes its UTC offset in this or the next years
    (the day moves from year to year, so the whole month gets both offsets' lines)."""
    from ..content.timeparse import zone

    tz, found = zone(zone_name), set()
    for each in range(year, min(year + 3, 9998)):
        for month in range(1, 13):
            first = dt.datetime(each, month, 1, tzinfo=tz)
            after = dt.datetime(each + month // 12, month % 12 + 1, 1, tzinfo=tz)
            if first.utcoffset() != after.utcoffset():
                found.add(month)
    return found


def _utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.timezone.utc).replace(second=0, microsecond=0)


def _list(values: Iterable[int]) -> str:
    """`1,3-5,7`: a cron list with runs of three or more as ranges."""
    ordered, parts = sorted(set(values)), []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{ordered[i]}-{ordered[j]}")
        else:
            parts.extend(str(v) for v in ordered[i : j + 1])
        i = j + 1
    return ",".join(parts)


def derive(due: list[Due]) -> list[Line]:
    """The cron lines (each DELAY after its instants) that cover every due instant, then
    the fixed lines. Slots become weekly lines limited to the months their UTC time holds
    (both offsets in a month that changes); posts off every slot get a line of their own."""
    weekly: dict[tuple[int, int, int], tuple[set[int], set[str]]] = {}
    keys_of: dict[str, set[tuple[int, int, int]]] = {}
    for item in due:
        if item.why.startswith("slot "):
            run = item.when + DELAY
            key = (run.minute, run.hour, run.isoweekday() % 7)
            months, whys = weekly.setdefault(key, (set(), set()))
            months.add(run.month)
            whys.add(item.why)
            keys_of.setdefault(item.zone, set()).add(key)
    for zone_name, keys in keys_of.items():
        for key in keys:  # a month its zone changes offset in some year: both lines run
            weekly[key][0].update(changing_months(zone_name, due[0].when.year))
    merged: dict[tuple[int, int, str], tuple[set[int], set[str]]] = {}
    for (minute, hour, weekday), (months, whys) in weekly.items():
        days, reasons = merged.setdefault((minute, hour, _list(months)), (set(), set()))
        days.add(weekday)
        reasons.update(whys)
    lines = [
        Line(f"{m} {h} * {'*' if months == '1-12' else months} {_list(days)}", _why(whys))
        for (m, h, months), (days, whys) in sorted(merged.items(), key=lambda kv: kv[0][1::-1])
    ]
    lines += _post_lines(due, Index(Cron.parse(line.cron) for line in lines))
    return lines + [Line(cron, why) for cron, why in FIXED]


def _post_lines(due: list[Due], slots: Index) -> list[Line]:
    dated: dict[tuple[int, int, int], tuple[set[int], list[str]]] = {}
    for item in due:
        run = item.when + DELAY
        if not item.why.startswith("post ") or slots.fires(run):
            continue
        days, whys = dated.setdefault((run.minute, run.hour, run.month), (set(), []))
        days.add(run.day)
        whys.append(item.why)
    return [
        Line(f"{m} {h} {_list(days)} {month} *", _why(whys))
        for (m, h, month), (days, whys) in sorted(dated.items(), key=lambda kv: kv[0][::-1])
    ]


def _why(whys: Iterable[str]) -> str:
    shown = sorted(set(whys))
    return "; ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "")


class Index:
    """Lines by the (hour, minute) they fire at: "does any line fire then" without trying
    every line (a plan of 100,000 posts asks it for each distinct instant)."""

    def __init__(self, lines: Iterable[Cron]):
        self.at: dict[tuple[int, int], list[Cron]] = {}
        for c in lines:
            for hour in c.hours:
                for minute in c.minutes:
                    self.at.setdefault((hour, minute), []).append(c)

    def fires(self, when: dt.datetime) -> bool:
        return any(c.on_day(when) for c in self.at.get((when.hour, when.minute), ()))


def uncovered(due: list[Due], lines: list[Cron]) -> list[Due]:
    """The due instants no line starts a run for within WINDOW after them (never before)."""
    index, missed = Index(lines), {}
    steps = int(WINDOW.total_seconds() // 60)
    for when in sorted({item.when for item in due}):
        minutes = (when + dt.timedelta(minutes=k) for k in range(steps + 1))
        missed[when] = not any(index.fires(m) for m in minutes)
    return [item for item in due if missed[item.when]]


def runs_in(lines: list[Cron], start: dt.date, days: int) -> dict[str, int]:
    """How many runs each line starts in `days` days from `start`."""
    counts = {c.text: 0 for c in lines}
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for c in lines:
            if c.on_day(day):
                counts[c.text] += c.runs_per_day()
    return counts
