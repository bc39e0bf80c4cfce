"""A group's community files, reviewed in pull requests like posts, read with every problem
at its line: `community/<group>.yml` (retention, `answer_within`, moderation rules) and
the answer templates `community/<group>/answers/<name>.md` (docs/format.md, "Community").

`files` are the repository paths under `community/` and their bytes: the working tree's
(`check`, `inbox`, `reply`) or the publish branch's (`moderate` acts only on merged rules).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..content.fields import Fields, did_you_mean, one_of
from ..content.timeparse import TimeError, parse_duration
from ..content.yamlread import YamlProblem, parse
from ..errors import Problem
from ..model import Group
from ..text.guard import bidi_problems
from . import answers
from .rules import Rule, rule_from

FOLDER = "community"
KEYS = ("retention", "answer_within", "watch", "rules")
RETENTION = dt.timedelta(days=90)
WATCH = dt.timedelta(days=14)
MAX_FILE = 256 * 1024


@dataclass(frozen=True)
class Community:
    """What a group's community file says (the defaults when it has none)."""

    group: str
    path: str = ""
    retention: dt.timedelta = RETENTION
    answer_within: dt.timedelta | None = None
    watch: dt.timedelta = WATCH  # posts published this recently are read for comments
    rules: tuple[Rule, ...] = ()
    templates: dict[str, answers.Template] = field(default_factory=dict)


def working_tree(root: Path) -> dict[str, bytes]:
    """Every file under community/ in the working tree (small text files only)."""
    found: dict[str, bytes] = {}
    base = root / FOLDER
    for folder, dirs, names in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if name.startswith(".") or not path.is_file() or path.is_symlink():
                continue
            rel = path.relative_to(root).as_posix()
            found[rel] = path.read_bytes()[: MAX_FILE + 1]
    return found


def load(files: dict[str, bytes], groups: dict[str, Group]) -> tuple[dict, list[Problem]]:
    """Group id -> `Community` for every group (defaults where there is no file), and
    every problem of the files."""
    problems: list[Problem] = []
    found = {gid: Community(gid) for gid in groups}
    for rel in sorted(files):
        parts = rel.split("/")
        if len(parts) == 2 and rel.endswith((".yml", ".yaml")):
            continue  # below, with its templates
        if len(parts) == 4 and parts[2] == "answers" and rel.endswith(".md"):
            continue
        problems.append(Problem(rel, 0, "", _where_files_go(), code="community-file"))
    for rel, data in sorted(files.items()):
        parts = rel.split("/")
        if len(parts) != 2 or not rel.endswith((".yml", ".yaml")):
            continue
        gid = parts[1].rsplit(".", 1)[0]
        if gid not in groups:
            hint = did_you_mean(gid, groups)
            message = f"no group {gid!r}{hint}: name the file after schedules/<group>.yml"
            problems.append(Problem(rel, 0, "", message, code="community-group"))
            continue
        templates = _templates(files, gid, problems)
        found[gid] = _community(rel, gid, _text(rel, data, problems), templates, problems)
    for gid in groups:
        if not found[gid].path and any(r.startswith(f"{FOLDER}/{gid}/") for r in files):
            found[gid] = Community(gid, templates=_templates(files, gid, problems))
    return found, problems


def _where_files_go() -> str:
    return (
        "not a community file: rules go in community/<group>.yml, answer templates in "
        "community/<group>/answers/<name>.md"
    )


def _text(rel: str, data: bytes, problems: list[Problem]) -> str | None:
    if len(data) > MAX_FILE:
        problems.append(Problem(rel, 0, "", f"is larger than {MAX_FILE // 1024} KB"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(rel, 0, "", "not UTF-8 text; save the file as UTF-8"))
        return None


def _templates(files: dict[str, bytes], gid: str, problems: list[Problem]) -> dict:
    found = {}
    prefix = f"{FOLDER}/{gid}/answers/"
    for rel, data in sorted(files.items()):
        if rel.startswith(prefix) and rel.endswith(".md") and "/" not in rel[len(prefix) :]:
            text = _text(rel, data, problems)
            if text is not None:
                template = answers.read(rel, text, problems)
                if template is not None:
                    found[template.name] = template
    return found


def _community(rel, gid, text, templates, problems) -> Community:
    base = Community(gid, rel, templates=templates)
    if text is None:
        return base
    try:
        doc = parse(text)
    except YamlProblem as exc:
        problems.append(Problem(rel, exc.line, exc.field, exc.message, code="yaml"))
        return base
    if doc.data is None:
        return base
    if not isinstance(doc.data, dict):
        problems.append(Problem(rel, 1, "", "must be a mapping of `key: value` lines"))
        return base
    f = Fields(rel, doc, problems)
    f.unknown_keys(doc.data, KEYS)
    raw = doc.data
    rules = _rules(f, raw.get("rules"), templates)
    return Community(
        gid,
        rel,
        _duration(f, "retention", raw.get("retention"), RETENTION) or RETENTION,
        _duration(f, "answer_within", raw.get("answer_within"), None),
        _duration(f, "watch", raw.get("watch"), WATCH) or WATCH,
        tuple(rules),
        templates,
    )


def _duration(f: Fields, key: str, raw: object, default):
    text = f.string(key, raw)
    if text is None:
        return default
    try:
        value = parse_duration(text)
    except TimeError as exc:
        f.error(key, str(exc), "duration")
        return default
    if value <= dt.timedelta(0):
        f.error(key, "must be longer than zero", "duration")
        return default
    return value


def _rules(f: Fields, raw: object, templates: dict) -> list[Rule]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        f.error("rules", "must be a list of rules (each starts with `- `)", "type")
        return []
    found = []
    for index, item in enumerate(raw):
        key = f"rules.{index}"
        if not isinstance(item, dict):
            f.error(key, "a rule is a mapping: conditions and an `action`", "type")
            continue
        for name, value in item.items():
            if isinstance(value, str):
                for problem in bidi_problems(
                    f.path, f"{key}.{name}", value, f.line(f"{key}.{name}")
                ):
                    f.problems.append(problem)
        rule = rule_from(f, key, item, index)
        if rule is None:
            continue
        if rule.action == "reply" and rule.template not in templates:
            known = one_of(templates) or "none yet"
            hint = did_you_mean(rule.template, templates)
            f.error(
                f"{key}.action.reply",
                f"no answer template {rule.template!r}{hint} in community/{Path(f.path).stem}/"
                f"answers/ (known: {known})",
                "template",
            )
            continue
        found.append(rule)
    return found
