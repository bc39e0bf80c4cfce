"""Reading `content/<group>/<date>-<slug>.md` into a `Post`, every problem with its line."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import Problem
from ..model import STATUSES, Group, Post
from ..text.guard import bidi_problems
from . import firstcomment as first_comment
from .fields import Fields, did_you_mean
from .media import media_list
from .platformkeys import names as platform_keys
from .platformkeys import read as read_platform_keys
from .timeparse import TimeError, parse_datetime
from .yamlread import Split, YamlProblem, parse, split_front_matter

KEYS = (
    "date",
    "type",
    "platforms",
    "group",
    "status",
    "media",
    "title",
    "promote",
    "first_comment",
)
KB, MB = 1024, 1024 * 1024
# Limits no real post comes near (docs/format.md, "Limits"). The largest platform text is
# Facebook's 63,206 characters, at most ~250 KB of UTF-8; a bigger body is a mistake (a
# pasted file), and refusing it while loading keeps it from every renderer and publisher.
MAX_BODY_BYTES = 256 * KB
MAX_FRONT_MATTER_BYTES = 64 * KB


def _decode(rel: str, data: bytes) -> tuple[str | None, list[Problem]]:
    if not data.strip():
        return None, [
            Problem(
                rel, 0, "", "the file is empty: a post needs front matter and a body", code="empty"
            )
        ]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                rel,
                line,
                "",
                f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                code="encoding",
            )
        ]


def blob_id(data: bytes) -> str:
    """The id git gives these bytes (compared with the publish branch's blobs)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def load_post(
    root: Path, rel: str, data: bytes, group: Group | None, folder: str
) -> tuple[Post | None, list[Problem]]:
    """Build a `Post` from the bytes of the file at `rel` (in `content/<folder>/`)."""
    text, problems = _decode(rel, data)
    if text is None:
        return None, problems
    split = split_front_matter(text)
    if split.front_matter is None or not split.closed:
        return None, [_no_front_matter(rel, split)]
    problems += _sizes(rel, split)
    if any(p.code == "too-big" and p.field == "" for p in problems):
        return None, problems  # the front matter is too big to read
    try:
        doc = parse(split.front_matter, split.offset)
    except YamlProblem as exc:
        return None, [*problems, Problem(rel, exc.line, exc.field, exc.message, code="yaml")]
    if not isinstance(doc.data, dict):
        return None, [*problems, _not_a_mapping(rel, doc.data)]
    raw = doc.data
    f = Fields(rel, doc, problems)
    f.unknown_keys(raw, KEYS + platform_keys())
    _group_key(f, raw, folder)
    if group is None:
        line, field = (f.line("group"), "group") if "group" in raw else (0, "")
        message = f"no group {folder!r}: schedules/{folder}.yml does not exist"
        return None, [*problems, Problem(rel, line, field, message, code="unknown-group")]
    values = _values(f, raw, group, root / "content" / folder)
    if any(p.severity.value == "error" for p in problems):
        return None, problems
    post = Post(
        path=rel,
        group=group.id,
        body=split.body,
        sha256=hashlib.sha256(data).hexdigest(),
        blob=blob_id(data),
        lines=tuple((k, v + doc.offset) for k, v in doc.lines.items() if "#" not in k),
        body_line=split.body_line,
        **values,
    )
    return post, problems


def _no_front_matter(rel: str, split: Split) -> Problem:
    if split.front_matter is None:
        message = "no front matter: a post starts with a `---` line, then `date:`, `type:` ..., then `---`"
    else:
        message = "the front matter is never closed: add a `---` line after it"
    return Problem(rel, 1, "", message, code="front-matter")


def _sizes(rel: str, split: Split) -> list[Problem]:
    """The body and the front matter within their limits (and no invisible control in a
    body that is)."""
    found = []
    body_size = len(split.body.encode("utf-8"))
    if body_size > MAX_BODY_BYTES:
        message = (
            f"the body is {body_size:,} bytes; a post's body may be at most "
            f"{MAX_BODY_BYTES:,} bytes ({MAX_BODY_BYTES // KB} KB)"
        )
        found.append(Problem(rel, split.body_line, "body", message, code="too-big"))
    else:
        found += bidi_problems(rel, "body", split.body, split.body_line)
    front_size = len((split.front_matter or "").encode("utf-8"))
    if front_size > MAX_FRONT_MATTER_BYTES:
        message = (
            f"the front matter is {front_size:,} bytes; it may be at most "
            f"{MAX_FRONT_MATTER_BYTES:,} bytes ({MAX_FRONT_MATTER_BYTES // KB} KB)"
        )
        found.append(Problem(rel, 1, "", message, code="too-big"))
    return found


def _not_a_mapping(rel: str, data: object) -> Problem:
    kind = "a list" if isinstance(data, list) else "empty" if data is None else "a single value"
    message = f"the front matter is {kind}; it must be `key: value` lines (date:, type:, ...)"
    return Problem(rel, 2, "", message, code="front-matter")


def _group_key(f: Fields, raw: dict, folder: str) -> None:
    named = f.string("group", raw.get("group"))
    if named is not None and named != folder:
        message = (
            f"says {named!r} but the post is in content/{folder}/; move the file or fix `group`"
        )
        f.error("group", message, "group-mismatch")


def _values(f: Fields, raw: dict, group: Group, folder: Path) -> dict:
    """The typed front matter of a post of `group` (problems land in `f`)."""
    date = None
    date_text = f.string("date", raw.get("date"), required=True)
    if date_text is not None:
        try:  # also refuses years outside timeparse's range (typos, overflowing arithmetic)
            date = parse_datetime(date_text, group.tz)
        except TimeError as exc:
            f.error("date", str(exc), "date")
    post_type = f.string("type", raw.get("type"), required=True)
    if post_type is not None and post_type not in group.types:
        hint = did_you_mean(post_type, group.types)
        message = f"unknown type {post_type!r}{hint}; this group's types: {', '.join(group.types)}"
        f.error("type", message, "unknown-type")
    status = f.string("status", raw.get("status")) or "ready"
    if status not in STATUSES:
        hint = did_you_mean(status, STATUSES)
        f.error(
            "status",
            f"unknown status {status!r}{hint}; use one of: {', '.join(STATUSES)}",
            "status",
        )
    platforms = _platforms(f, raw, group)
    media = media_list(f, raw.get("media"), folder)
    title = f.string("title", raw.get("title")) or ""
    f.problems.extend(bidi_problems(f.path, "title", title, f.line("title")))
    return {
        "date": date,
        "type": post_type or "",
        "platforms": platforms,
        "status": status,
        "media": media,
        "title": title,
        "options": read_platform_keys(f, raw, group),
        "first_comment": first_comment.read(f, raw.get("first_comment"), group),
    }


def _platforms(f: Fields, raw: dict, group: Group) -> tuple[str, ...]:
    names = [a.name for a in group.accounts]
    chosen = f.strings("platforms", raw.get("platforms"))
    if chosen is None and "platforms" not in raw:
        chosen = tuple(names)
    for i, name in enumerate(chosen or ()):
        if name not in names:
            hint = did_you_mean(name, names)
            message = (
                f"{name!r} is not an account of {group.id}{hint}; its accounts: {', '.join(names)}"
            )
            f.error(f"platforms.{i}", message, "unknown-platform")
    if chosen is not None and not chosen and "platforms" in raw:
        f.error(
            "platforms",
            "is empty: name at least one account, or leave it out to use all",
            "platforms",
        )
    return tuple(dict.fromkeys(chosen or ()))
