"""Typed reading of one YAML document, collecting every problem instead of stopping."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..errors import Problem
from .yamlread import Doc


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def one_of(choices: Iterable[str]) -> str:
    return ", ".join(sorted(choices))


class Fields:
    """Converts raw values of `doc` into typed ones; problems land in `problems`."""

    def __init__(self, path: str, doc: Doc, problems: list[Problem]):
        self.path = path
        self.doc = doc
        self.problems = problems

    def line(self, key: str, value: bool = True) -> int:
        if value and f"{key}#value" in self.doc.lines:
            return self.doc.lines[f"{key}#value"] + self.doc.offset
        return self.doc.line(key)

    def error(self, key: str, message: str, code: str = "", *, value: bool = True) -> None:
        self.problems.append(Problem(self.path, self.line(key, value), key, message, code=code))

    def unknown_keys(self, mapping: dict, allowed: Iterable[str], prefix: str = "") -> None:
        allowed = tuple(allowed)
        for key in mapping:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                self.error(
                    prefix + key,
                    f"unknown key {key!r}{hint}; allowed: {one_of(allowed)}",
                    "unknown-key",
                    value=False,
                )

    def string(self, key: str, value: object, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.error(key, "is required", "missing")
            return None
        if not isinstance(value, str):
            kind = "a list" if isinstance(value, list) else "a mapping"
            self.error(key, f"must be a single value, not {kind}", "type")
            return None
        return value

    def strings(self, key: str, value: object) -> tuple[str, ...] | None:
        """A list of words; a single word is taken as a list of one."""
        if value is None:
            return None
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(key, "must be a list of words, like [telegram, feed]", "type")
            return None
        return tuple(value)

    def number(self, key: str, value: object, low: float, high: float) -> float | None:
        text = self.string(key, value)
        if text is None:
            return None
        try:
            number = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        except ValueError:
            self.error(key, f"{text!r} is not a number", "type")
            return None
        if not low <= number <= high:
            self.error(key, f"{text} is out of range ({low:g} to {high:g})", "range")
            return None
        return number

    def integer(self, key: str, value: object, low: int) -> int | None:
        text = self.string(key, value)
        if text is None:
            return None
        digits = text.strip()
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 9) or int(digits) < low:
            self.error(key, f"{text!r} must be a whole number of at least {low}", "type")
            return None
        return int(text)

    def mapping(self, key: str, value: object) -> dict | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(key, "must be a mapping of `key: value` lines", "type")
            return None
        return value
