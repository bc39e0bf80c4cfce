"""Problems as text, JSON (schema in docs/check-json.md) or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from ..errors import Problem, Severity

JSON_VERSION = 1


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_text(problems: list[Problem], show: Callable[[str], str]) -> str:
    lines = []
    for p in problems:
        where = f"{show(p.path)}:{p.line}" if p.line else show(p.path)
        tag = " warning:" if p.severity is Severity.WARNING else ""
        field = f" {p.shown_field}:" if p.field else ""
        lines.append(f"{where}:{tag}{field} {p.message}")
    return "\n".join(lines)


def as_github(problems: list[Problem], show: Callable[[str], str]) -> str:
    lines = []
    for p in problems:
        level = "error" if p.severity is Severity.ERROR else "warning"
        props = [f"file={_escape_property(show(p.path))}"]
        if p.line:
            props.append(f"line={p.line}")
        if p.field:
            props.append(f"title={_escape_property(p.shown_field)}")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(p.message)}")
    return "\n".join(lines)


def as_json(problems: list[Problem], show: Callable[[str], str], checked: dict[str, int]) -> str:
    errors = sum(p.severity is Severity.ERROR for p in problems)
    doc = {
        "version": JSON_VERSION,
        "ok": errors == 0,
        "checked": checked,
        "errors": errors,
        "warnings": len(problems) - errors,
        "problems": [
            {
                "path": show(p.path),
                "line": p.line,
                "field": p.field,
                "severity": p.severity.value,
                "code": p.code,
                "message": p.message,
            }
            for p in problems
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def errors(problems: Iterable[Problem]) -> int:
    return sum(p.severity is Severity.ERROR for p in problems)


def summary(problems: Iterable[Problem], posts: int, groups: int) -> str:
    problems = list(problems)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    scope = f"{counted(posts, 'post')} in {counted(groups, 'group')}"
    if not problems:
        return f"ok: {scope}, no problems"
    return f"{counted(errors, 'error')}, {counted(warnings, 'warning')} ({scope})"


def counted(n: int, word: str) -> str:
    """`1 post`, `2 posts`, `0 posts`."""
    return f"{n} {word}{'s' * (n != 1)}"
