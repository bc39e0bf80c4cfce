"""Writing new files for people: a post from a template (`new`)."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

from ..errors import UsageError
from ..model import Group
from ..outputs import writing

POST_TEMPLATE = """---
date: {date}
type: {type}
status: draft  # change to `ready` when the text is final
{platforms}---
{body}
"""

DEFAULT_BODY = (
    "Write the post here. **Bold**, _italic_, [links](https://example.com) and #hashtags work;\n"
    "`smmflow check` tells you if it is too long for any platform."
)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-") or "post"


def write_post(
    root: Path,
    group: Group,
    when: dt.datetime,
    post_type: str,
    *,
    title: str = "",
    platforms: tuple[str, ...] = (),
    body: str = "",
) -> Path:
    """Create `content/<group>/<date>-<slug>.md`; never overwrites an existing file."""
    if post_type not in group.types:
        raise UsageError(
            f"unknown type {post_type!r} for {group.id}; its types: {', '.join(group.types)}"
        )
    for name in platforms:
        if group.account(name) is None:
            known = ", ".join(a.name for a in group.accounts)
            raise UsageError(f"{name!r} is not an account of {group.id}; its accounts: {known}")
    local = when.astimezone(group.tz)
    folder = root / "content" / group.id
    with writing(folder):
        return _write_new(folder, local, post_type, title, platforms, body)


def _write_new(
    folder: Path,
    local: dt.datetime,
    post_type: str,
    title: str,
    platforms: tuple[str, ...],
    body: str,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{local:%Y-%m-%d}-{slugify(title or post_type)}"
    path = folder / f"{base}.md"
    counter = 2
    while path.exists():
        path = folder / f"{base}-{counter}.md"
        counter += 1
    lines = f"platforms: [{', '.join(platforms)}]\n" if platforms else ""
    if title:
        lines = f"title: {json.dumps(title, ensure_ascii=False)}\n" + lines
    text = POST_TEMPLATE.format(
        date=f"{local:%Y-%m-%d %H:%M}", type=post_type, platforms=lines, body=body or DEFAULT_BODY
    )
    path.write_text(text, encoding="utf-8")
    return path
