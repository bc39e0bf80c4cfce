"""A post's own keys for one platform (`youtube: {title: ..., tags: [...]}`), read and
checked with their lines.

Each platform declares the keys it takes as `post_options` (platforms/base.Option); this
module is the one reader of them: unknown keys, wrong types, choices and dates are
reported as `path:line: <platform>.<key>: ...`, and the values are normalised so that a
platform never parses YAML (a flag becomes "true"/"false", a datetime the group's wall time
as `YYYY-MM-DDTHH:MM`). Rules between keys (an offer needs its end) are the platform's own
`post_problems`, which `check` runs on the loaded post.
"""

from __future__ import annotations

from ..model import Group
from ..platforms import registry
from ..platforms.base import Option
from .fields import Fields, did_you_mean, one_of
from .groups import url_problem
from .overrides import RESERVED
from .timeparse import TimeError, parse_datetime

Value = str | tuple[str, ...]
YES = ("true", "yes", "on")
NO = ("false", "no", "off")


def names() -> tuple[str, ...]:
    """The platforms that take keys of their own in a post's front matter."""
    return tuple(n for n, cls in registry.classes().items() if cls.post_options)


def read(f: Fields, raw: dict, group: Group) -> tuple[tuple[str, str, Value], ...]:
    """Every `<platform>: {...}` block of a post's front matter `raw`, checked."""
    found: list[tuple[str, str, Value]] = []
    for platform in names():
        if platform not in raw:
            continue
        block = f.mapping(platform, raw[platform])
        if not block:
            continue
        if not any(a.platform == platform for a in group.accounts):
            f.error(
                platform,
                f"{group.id} has no {platform} account, so these keys are never used",
                "unused-keys",
                value=False,
            )
        options = registry.get(platform).post_options  # type: ignore[union-attr]
        f.unknown_keys(block, (*options, *RESERVED), prefix=f"{platform}.")
        for key, option in options.items():
            if key in block:
                value = _value(f, f"{platform}.{key}", block[key], option, group)
                if value is not None:
                    found.append((platform, key, value))
    return tuple(found)


def _value(f: Fields, key: str, raw: object, option: Option, group: Group) -> Value | None:
    if option.kind == "words":
        words = f.strings(key, raw)
        return tuple(w.strip() for w in words) if words is not None else None
    text = f.string(key, raw)
    if text is None:
        return None
    text = text.strip()
    if option.kind == "choice":
        if text in option.choices:
            return text
        hint = did_you_mean(text, option.choices)
        f.error(key, f"{text!r} is not one of: {one_of(option.choices)}{hint}", "choice")
        return None
    if option.kind == "flag":
        if text.lower() in YES + NO:
            return "true" if text.lower() in YES else "false"
        f.error(key, f"{text!r} is not yes or no", "type")
        return None
    if option.kind == "datetime":
        try:
            when = parse_datetime(text, group.tz)
        except TimeError as exc:
            f.error(key, str(exc), "date")
            return None
        return when.replace(tzinfo=None).isoformat(timespec="minutes")
    if option.kind == "url" and (wrong := url_problem(text)):
        f.error(key, wrong, "url")
        return None
    if option.kind == "number" and not (text.isascii() and text.isdigit() and len(text) < 9):
        f.error(key, f"{text!r} must be a whole number", "type")
        return None
    return text
