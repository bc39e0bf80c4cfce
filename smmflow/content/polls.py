"""`poll:` in a post's front matter, read with its lines.

    poll:
      options: [Cozonac, Pască, Amândouă]   # 2 or more answers, each different
      duration: 1d                           # how long it stays open (default 1d)
      multiple: false                        # readers may pick more than one (default no)

What holds for every platform is checked here; each platform's own bounds (how many
options, how long each, how long open) are its `polls` (platforms/polls.PollLimits), which
`check` applies per account (check/variants).
"""

from __future__ import annotations

from ..model import Poll
from .fields import Fields
from .timeparse import TimeError, parse_duration

KEYS = ("options", "duration", "multiple")
DEFAULT_SECONDS = 86400
YES, NO = ("true", "yes", "on"), ("false", "no", "off")


def read(f: Fields, raw: object) -> Poll | None:
    """The post's poll, or None (none, or refused: the problem is in `f`)."""
    if raw is None:
        return None
    block = f.mapping("poll", raw)
    if not block:
        if block is not None:
            f.error("poll", "is empty: give it `options:`, or remove it", "poll")
        return None
    f.unknown_keys(block, KEYS, "poll.")
    options = _options(f, block.get("options"))
    seconds = _seconds(f, block.get("duration"))
    multiple = _flag(f, block.get("multiple"))
    if options is None or seconds is None or multiple is None:
        return None
    return Poll(options, seconds, multiple, f.line("poll", value=False))


def _options(f: Fields, raw: object) -> tuple[str, ...] | None:
    if raw is None:
        f.error("poll.options", "is required: the answers readers choose from", "missing")
        return None
    options = f.strings("poll.options", raw)
    if options is None:
        return None
    cleaned = tuple(o.strip() for o in options)
    if len(cleaned) < 2:
        f.error("poll.options", "a poll needs at least 2 options", "poll-options")
        return None
    for i, option in enumerate(cleaned):
        if not option:
            f.error(f"poll.options.{i}", "an empty option", "poll-options")
            return None
        if option in cleaned[:i]:
            f.error(f"poll.options.{i}", f"{option!r} is there twice", "poll-options")
            return None
    return cleaned


def _seconds(f: Fields, raw: object) -> int | None:
    text = f.string("poll.duration", raw)
    if raw is None:
        return DEFAULT_SECONDS
    if text is None:
        return None
    try:
        seconds = int(parse_duration(text).total_seconds())
    except TimeError as exc:
        f.error("poll.duration", str(exc), "duration")
        return None
    if seconds <= 0:
        f.error("poll.duration", "must be longer than nothing", "duration")
        return None
    return seconds


def _flag(f: Fields, raw: object) -> bool | None:
    if raw is None:
        return False
    text = f.string("poll.multiple", raw)
    if text is None:
        return None
    if text.strip().lower() in YES + NO:
        return text.strip().lower() in YES
    f.error("poll.multiple", f"{text!r} is not yes or no", "type")
    return None
