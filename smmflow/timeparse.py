"""Explicit time: dates as written by people, resolved in a group's IANA timezone.

A naive local time that does not exist (the spring DST gap) or exists twice (the autumn
fold) is refused with a message that asks for an explicit offset, never guessed.
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
_DURATION = re.compile(r"(\d+)\s*([dhms])", re.IGNORECASE)
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
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
        raise TimeError(
            f"unknown timezone {name!r}: use an IANA name such as Europe/Bucharest"
        ) from None


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
    if hour is None:
        raise TimeError(f"{text.strip()!r} has no time of day; write e.g. {text.strip()} 10:00")
    try:
        naive = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
        )
    except ValueError as exc:
        raise TimeError(f"{text.strip()!r} is not a real date and time ({exc})") from None
    if offset:
        return naive.replace(tzinfo=_offset(offset)).astimezone(tz)
    return localize(naive, tz)


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
