"""Answer templates: `community/<group>/answers/<name>.md`, Markdown with placeholders.

Placeholders: `{author}` (the name of whoever wrote the comment), `{group}` (the client's
name), `{post}` (the title of the post the comment is under) and `{link}` (that post's
address); `{{` and `}}` are literal braces. The template is rendered to plain text first
and the values are put in afterwards, so nothing a commenter chose as a name can become
markup, a link or a mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Problem
from ..text.escape import BIDI
from ..text.guard import bidi_problems

PLACEHOLDERS = ("author", "group", "post", "link")
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}|[{}]")
NAME_MAX = 40
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Template:
    name: str
    path: str
    body: str  # the Markdown as written


def read(rel: str, text: str, problems: list[Problem]) -> Template | None:
    """A template, or None when it has errors (each said at its line)."""
    before = len(problems)
    name = rel.rsplit("/", 1)[-1][: -len(".md")]
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        message = f"template name {name!r}: use lowercase letters, digits, - and _"
        problems.append(Problem(rel, 0, "", message, code="template"))
    if not text.strip():
        problems.append(Problem(rel, 1, "", "an answer template cannot be empty", code="template"))
    problems.extend(bidi_problems(rel, "", text, 1))
    for match in _FIELD.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            message = f"a lone {token!r}: write {token * 2} for a brace"
            problems.append(Problem(rel, line, "", message, code="template"))
        elif match.group(1) not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            message = f"unknown placeholder {token}; known: {known}"
            problems.append(Problem(rel, line, "", message, code="template"))
    return Template(name, rel, text) if len(problems) == before else None


def safe_name(name: str) -> str:
    """A commenter's name as it may appear in an answer: one line, no controls or
    direction overrides, no `@` (it would mention someone), at most 40 characters."""
    text = _CONTROL.sub(" ", BIDI.sub("", name)).replace("@", "")
    text = " ".join(text.split())
    return text[:NAME_MAX].strip() or "there"


def fill(template: Template, values: dict[str, str]) -> str:
    """The answer's plain text. The client's own values (`group`, `post`, `link`) go into
    the Markdown (a link may be a target); the template is rendered; the commenter's name
    goes into the rendered text, where it can only be text."""
    ours = {k: v for k, v in values.items() if k != "author"}

    def before(match: re.Match) -> str:
        token = match.group(0)
        if token in ("{{", "}}") or match.group(1) == "author":
            return token
        return ours.get(match.group(1) or "", "")

    from ..text.render import rich

    def after(match: re.Match) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return safe_name(values.get("author", "")) if match.group(1) == "author" else token

    return _FIELD.sub(after, rich(_FIELD.sub(before, template.body)).plain).strip()


def plain(text: str) -> str:
    """A person's `--text` as it is sent: Markdown rendered to plain text, like templates."""
    from ..text.render import rich

    return rich(text).plain.strip()
