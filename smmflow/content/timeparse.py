"""Explicit time: dates as written by people, resolved in a group's IANA timezone.

A naive local time that does not exist (the spring DST gap) or exists twice (the autumn
fold) is refused with a message that asks for an explicit offset, never guessed.

Every date and month smmflow reads (posts, `--now`, `--date`, `--month`, `--until`) lies
in the years `FIRST_YEAR` to `LAST_YEAR`: a plan needs the month before and after a date,
and Python's dates end with the year 9999, so nearer the edges a command would fail on
arithmetic instead of saying what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DATE = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_DURATION = re.compile(r"(\d+)\s*([dhms])", re.IGNORECASE)
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
FIRST_YEAR, LAST_YEAR = 1970, 9998
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLOT = re.compile(r"^\s*([a-z]+)\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


class TimeError(ValueError):
    """A time a person wrote that cannot be used; the text says what to write instead."""


def zone(name: str) -> ZoneInfo:
    try:
        if not name or name.startswith(("/", ".")) or ".." in name or len(name) > 64:
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of the database
        close = suggest_zone(name)
        hint = (
            f"did you mean {close!r}? (an IANA name)"
            if close
            else "use an IANA name such as Europe/Bucharest"
        )
        raise TimeError(f"unknown timezone {name!r}: {hint}") from None


def suggest_zone(name: str) -> str | None:
    """The IANA name closest to a misspelled one (its case, its city, a typo), or None."""
    import difflib
    from zoneinfo import available_timezones

    names = sorted(
        n for n in available_timezones() if "/" in n and not n.startswith(("posix/", "right/"))
    )
    folded = {n.casefold(): n for n in names}
    wanted = str(name).strip().replace(" ", "_").casefold()
    if wanted in folded:
        return folded[wanted]
    cities = {n.rsplit("/", 1)[-1].casefold(): n for n in names}
    close = difflib.get_close_matches(wanted, list(folded), n=1, cutoff=0.75)
    if close:
        return folded[close[0]]
    city = difflib.get_close_matches(wanted.rsplit("/", 1)[-1], list(cities), n=1, cutoff=0.75)
    return cities[city[0]] if city else None


def _offset(text: str) -> dt.timezone:
    if text.upper() == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise TimeError(f"offset {text} is not a valid UTC offset")
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def localize(naive: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Attach `tz` to a wall-clock time, refusing times in a DST gap or fold."""
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        # In a gap the wall time never shows on a clock: the round trip moves it.
        back = early.astimezone(dt.timezone.utc).astimezone(tz).replace(tzinfo=None)
        stamp = naive.strftime("%Y-%m-%d %H:%M")
        if back != naive:
            raise TimeError(
                f"{stamp} does not exist in {tz.key} (clocks jump forward then); "
                f"write an explicit offset, e.g. {stamp}{_fmt(early.utcoffset())}"
            )
        raise TimeError(
            f"{stamp} happens twice in {tz.key} (clocks go back then); write an "
            f"explicit offset: {stamp}{_fmt(early.utcoffset())} or "
            f"{stamp}{_fmt(late.utcoffset())}"
        )
    return early


def _fmt(delta: dt.timedelta | None) -> str:
    total = int((delta or dt.timedelta()).total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def parse_datetime(text: str, tz: ZoneInfo) -> dt.datetime:
    """`2026-12-04 10:00`, with optional seconds, `T` and offset, as an aware datetime."""
    match = _DATE.match(text)
    if not match:
        raise TimeError(f"{text!r} is not a date and time; write it as 2026-12-04 10:00")
    year, month, day, hour, minute, second, offset = match.groups()
    date = _date(text, int(year), int(month), int(day))
    if hour is None:
        raise TimeError(f"{text.strip()!r} has no time of day; write e.g. {text.strip()} 10:00")
    try:
        naive = dt.datetime.combine(date, dt.time(int(hour), int(minute), int(second or 0)))
    except ValueError as exc:
        raise TimeError(f"{text.strip()!r} is not a real date and time ({exc})") from None
    try:
        if offset:
            when = naive.replace(tzinfo=_offset(offset)).astimezone(tz)
        else:
            when = localize(naive, tz)
        utc = when.astimezone(dt.timezone.utc)
    except OverflowError:
        raise TimeError(_out_of_range(text)) from None
    _in_range(text, when.year)  # as written back in the zone (by `new`)
    _in_range(text, utc.year)
    return when


def _out_of_range(text: str) -> str:
    return (
        f"{text.strip()!r} is out of range: smmflow handles the years {FIRST_YEAR} to {LAST_YEAR}"
    )


def _in_range(text: str, year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise TimeError(_out_of_range(text))


def end_of_range(tz: ZoneInfo) -> dt.datetime:
    """The first instant after the years smmflow handles, in `tz` and in UTC alike."""
    local = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=tz)
    return min(local, dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.timezone.utc))


def _date(text: str, year: int, month: int, day: int) -> dt.date:
    """A real calendar date within the years smmflow handles, or a TimeError saying why."""
    _in_range(text, year)
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise TimeError(f"{text.strip()!r} is not a real date ({exc})") from None


def parse_date(text: str) -> dt.date:
    """`2027-03-31`: a calendar date (no time of day)."""
    match = _DATE.match(text)
    if not match or match.group(4) is not None or match.group(7) is not None:
        raise TimeError(f"{text!r} is not a date; write it like 2027-03-31")
    return _date(text, *(int(part) for part in match.groups()[:3]))


def parse_month(text: str) -> tuple[int, int]:
    """`2026-12` as (year, month)."""
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise TimeError(f"{text!r} is not a month; write it like 2026-12")
    _in_range(text, int(match.group(1)))
    return int(match.group(1)), int(match.group(2))


def parse_now(text: str | None, tz: ZoneInfo | None = None) -> dt.datetime:
    """The `--now` option: an instant. Naive input is read as UTC unless `tz` is given."""
    if text is None:
        return dt.datetime.now(dt.timezone.utc)
    return parse_datetime(text, tz or ZoneInfo("UTC")).astimezone(dt.timezone.utc)


def parse_duration(text: str) -> dt.timedelta:
    """`24h`, `90m`, `1d 12h`, `2h30m`."""
    cleaned = text.strip()
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise TimeError(f"{text!r} is not a duration; write it like 24h, 90m or 2d")
    try:
        return dt.timedelta(seconds=sum(int(n) * _UNITS[u.lower()] for n, u in parts))
    except (OverflowError, ValueError):
        raise TimeError(f"{text!r} is far too long a duration") from None


def format_duration(delta: dt.timedelta) -> str:
    """`24h`, `90m`, `2d`: a duration the way group files write it (`parse_duration` reads
    it back)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % 1440 == 0 and minutes >= 2880:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def parse_slot(text: str) -> tuple[int, dt.time]:
    """`mon 10:00` as (weekday 0-6, time)."""
    match = _SLOT.match(text)
    day = match.group(1).lower()[:3] if match else ""
    if not match or day not in WEEKDAYS:
        raise TimeError(f'{text!r} is not a slot; write it like "mon 10:00"')
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise TimeError(f"{text!r} has an impossible time of day")
    return WEEKDAYS.index(day), dt.time(hour, minute)
