"""Reading `content/<group>/<date>-<slug>.md` into a `Post`, every problem with its line."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import Problem
from .fields import Fields, did_you_mean
from .media import MAX_MEDIA_BYTES, MEDIA_KEYS, MEDIA_SUFFIXES, _media  # noqa: F401  (re-exported)
from .model import STATUSES, Group, Post
from .textguard import BIDI_CONTROLS, INVISIBLE, _bidi, invisible  # noqa: F401  (re-exported)
from .timeparse import TimeError, parse_datetime
from .yamlread import YamlProblem, parse, split_front_matter

KEYS = ("date", "type", "platforms", "group", "status", "media", "title")
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


def load_post(
    root: Path, rel: str, data: bytes, group: Group | None, folder: str
) -> tuple[Post | None, list[Problem]]:
    """Build a `Post` from the bytes of the file at `rel` (in `content/<folder>/`)."""
    text, problems = _decode(rel, data)
    if text is None:
        return None, problems
    split = split_front_matter(text)
    if split.front_matter is None:
        return None, [
            Problem(
                rel,
                1,
                "",
                "no front matter: a post starts with a `---` line, then `date:`, `type:` ..., then `---`",
                code="front-matter",
            )
        ]
    if not split.closed:
        return None, [
            Problem(
                rel,
                1,
                "",
                "the front matter is never closed: add a `---` line after it",
                code="front-matter",
            )
        ]
    body_size = len(split.body.encode("utf-8"))
    if body_size > MAX_BODY_BYTES:
        problems.append(
            Problem(
                rel,
                split.body_line,
                "body",
                f"the body is {body_size:,} bytes; a post's body may be at most "
                f"{MAX_BODY_BYTES:,} bytes ({MAX_BODY_BYTES // KB} KB)",
                code="too-big",
            )
        )
    else:
        problems.extend(_bidi(rel, "body", split.body, split.body_line))
    front_size = len(split.front_matter.encode("utf-8"))
    if front_size > MAX_FRONT_MATTER_BYTES:
        problems.append(
            Problem(
                rel,
                1,
                "",
                f"the front matter is {front_size:,} bytes; it may be at most "
                f"{MAX_FRONT_MATTER_BYTES:,} bytes ({MAX_FRONT_MATTER_BYTES // KB} KB)",
                code="too-big",
            )
        )
        return None, problems
    try:
        doc = parse(split.front_matter, split.offset)
    except YamlProblem as exc:
        return None, [*problems, Problem(rel, exc.line, exc.field, exc.message, code="yaml")]
    if not isinstance(doc.data, dict):
        kind = (
            "a list"
            if isinstance(doc.data, list)
            else "empty"
            if doc.data is None
            else "a single value"
        )
        return None, [
            *problems,
            Problem(
                rel,
                2,
                "",
                f"the front matter is {kind}; it must be `key: value` lines (date:, type:, ...)",
                code="front-matter",
            ),
        ]
    raw = doc.data
    f = Fields(rel, doc, problems)
    f.unknown_keys(raw, KEYS)
    named_group = f.string("group", raw.get("group"))
    if named_group is not None and named_group != folder:
        f.error(
            "group",
            f"says {named_group!r} but the post is in content/{folder}/; move the file or fix `group`",
            "group-mismatch",
        )
    if group is None:
        problems.append(
            Problem(
                rel,
                f.line("group") if "group" in raw else 0,
                "group" if "group" in raw else "",
                f"no group {folder!r}: schedules/{folder}.yml does not exist",
                code="unknown-group",
            )
        )
        return None, problems
    date = None
    date_text = f.string("date", raw.get("date"), required=True)
    if date_text is not None:
        try:  # also refuses years outside timeparse's range (typos, overflowing arithmetic)
            date = parse_datetime(date_text, group.tz)
        except TimeError as exc:
            f.error("date", str(exc), "date")
    post_type = f.string("type", raw.get("type"), required=True)
    if post_type is not None and post_type not in group.types:
        f.error(
            "type",
            f"unknown type {post_type!r}{did_you_mean(post_type, group.types)}; this group's types: {', '.join(group.types)}",
            "unknown-type",
        )
    status = f.string("status", raw.get("status")) or "ready"
    if status not in STATUSES:
        f.error(
            "status",
            f"unknown status {status!r}{did_you_mean(status, STATUSES)}; use one of: {', '.join(STATUSES)}",
            "status",
        )
    account_names = [a.name for a in group.accounts]
    chosen = f.strings("platforms", raw.get("platforms"))
    if chosen is None and "platforms" not in raw:
        chosen = tuple(account_names)
    for i, name in enumerate(chosen or ()):
        if name not in account_names:
            f.error(
                f"platforms.{i}",
                f"{name!r} is not an account of {group.id}{did_you_mean(name, account_names)}; its accounts: {', '.join(account_names)}",
                "unknown-platform",
            )
    if chosen is not None and not chosen and "platforms" in raw:
        f.error(
            "platforms",
            "is empty: name at least one account, or leave it out to use all",
            "platforms",
        )
    media = _media(f, raw.get("media"), root / "content" / folder)
    title = f.string("title", raw.get("title")) or ""
    problems.extend(_bidi(rel, "title", title, f.line("title")))
    if problems and any(p.severity.value == "error" for p in problems):
        return None, problems
    post = Post(
        path=rel,
        group=group.id,
        date=date,  # type: ignore[arg-type]  # set: no error was reported
        type=post_type or "",
        platforms=tuple(dict.fromkeys(chosen or ())),
        status=status,
        media=media,
        body=split.body,
        title=title,
        sha256=hashlib.sha256(data).hexdigest(),
        blob=hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
        lines=tuple((k, v + doc.offset) for k, v in doc.lines.items() if "#" not in k),
        body_line=split.body_line,
    )
    return post, problems
