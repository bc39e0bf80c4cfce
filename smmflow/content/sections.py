"""A post's body cut into its versions: the post's own text, and the `<!-- name -->`
sections a platform or an account gets instead, each split at its `<!-- part -->` lines
into the parts of a thread; every unknown, repeated or empty section and every empty part
reported at its line (docs/format.md, "Per-platform text, media and threads")."""

from __future__ import annotations

import dataclasses
import re

from ..errors import Problem, Severity
from ..model import Group
from ..platforms import registry
from .fields import Fields, did_you_mean

PART = "part"  # `<!-- part -->`: the next part of a thread
# `<!-- Bluesky -->` too: a marker never reaches a platform as text (names are lowercase)
_MARKER = re.compile(r"^<!--\s*([A-Za-z0-9][A-Za-z0-9_-]*)\s*-->\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


@dataclasses.dataclass
class Section:
    name: str  # "" for the post's own text
    line: int
    lines: list[str] = dataclasses.field(default_factory=list)
    parts: list[tuple[int, list[str]]] = dataclasses.field(default_factory=list)

    def text(self) -> tuple[str, tuple[tuple[str, int], ...]]:
        """(the text, its parts joined; the parts, (Markdown, line) each, when there are
        several). Empty parts are left out (`empty_parts` names them)."""
        parts = tuple(
            ("\n".join(lines).strip("\n"), _first(line, lines)) for line, lines in self.parts
        )
        if len(parts) == 1:
            return parts[0][0], ()
        kept = tuple(p for p in parts if p[0].strip())
        return "\n\n".join(text for text, _ in kept), kept

    def empty_parts(self) -> list[int]:
        """The lines of `<!-- part -->` parts with no text."""
        if len(self.parts) == 1:
            return []
        return [line - 1 for line, lines in self.parts if not "\n".join(lines).strip()]


def _first(line: int, lines: list[str]) -> int:
    """The line of the first written line of a part (blank lines before it skipped)."""
    blank = next((i for i, text in enumerate(lines) if text.strip()), 0)
    return line + blank


def sections(body: str, body_line: int) -> list[Section]:
    """The body cut at its `<!-- name -->` lines (outside code fences); the first section is
    the post's own text (name "")."""
    found = [Section("", body_line)]
    found[0].parts.append((body_line, []))
    fence = ""
    for number, line in enumerate(body.split("\n"), start=body_line):
        opened = _FENCE.match(line)
        if opened and (not fence or opened.group(1) == fence):
            fence = "" if fence else opened.group(1)
        marker = None if fence else _MARKER.match(line)
        name = marker.group(1).lower() if marker else ""
        if marker is None:
            found[-1].parts[-1][1].append(line)
        elif name == PART:
            found[-1].parts.append((number + 1, []))
        else:
            found.append(Section(name, number))
            found[-1].parts.append((number + 1, []))
    return found


def own_body(body: str) -> str:
    """The post's own text of a raw body (sections left out, parts joined)."""
    if "<!--" not in body:
        return body
    return sections(body, 1)[0].text()[0]


def read_body(f: Fields, body: str, body_line: int, group: Group) -> tuple[str, tuple, dict]:
    """(the post's own text, its parts, {target: (text, parts, line, first line)}), every
    unknown, repeated or empty section reported at its line."""
    if "<!--" not in body:
        return body, (), {}
    cut = sections(body, body_line)
    own, parts = cut[0].text()
    for section in cut:
        for line in section.empty_parts():
            where = dict(path=f.path, line=max(line, body_line))
            message = "an empty part: write its text, or remove the `<!-- part -->` line"
            problem_at(f, where, "body", message, "empty-part")
    names = targets(group)
    texts: dict[str, tuple[str, tuple, int]] = {}
    for section in cut[1:]:
        key = f"body.{section.name}"
        where = dict(path=f.path, line=section.line)
        if section.name not in names and section.name in registry.names():
            message = f"{group.id} has no {section.name} account, so this text is never used"
            problem_at(f, where, key, message, "unused-section", Severity.WARNING)
            continue
        if section.name not in names:
            hint = did_you_mean(section.name, names)
            problem_at(
                f,
                where,
                key,
                f"<!-- {section.name} --> names no account or platform of {group.id}{hint}; its accounts: {', '.join(a.name for a in group.accounts)}",
                "unknown-section",
            )
            continue
        if section.name in texts:
            problem_at(
                f,
                where,
                key,
                f"a second <!-- {section.name} --> section (the first is at line {texts[section.name][2]})",
                "duplicate-section",
            )
            continue
        text, its_parts = section.text()
        if not text.strip():
            problem_at(
                f,
                where,
                key,
                "the section is empty: write the text this platform gets, or remove the line",
                "empty-section",
            )
            continue
        first = _first(section.line + 1, section.parts[0][1])
        texts[section.name] = (text, its_parts, section.line, first)
    return own, parts, texts


def problem_at(
    f: Fields, where: dict, key: str, message: str, code: str, severity=Severity.ERROR
) -> None:
    f.problems.append(Problem(where["path"], where["line"], key, message, severity, code))


def targets(group: Group | None) -> tuple[str, ...]:
    """The group's account names and their platforms: what a section or block may name."""
    if group is None:
        return ()
    names = [a.name for a in group.accounts]
    return tuple(dict.fromkeys([*names, *(a.platform for a in group.accounts)]))
