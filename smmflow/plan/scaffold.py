"""Writing new files for people: a post from a template (`new`)."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

from ..check.rules import PLACEHOLDER
from ..errors import UsageError
from ..model import Group
from ..outputs import writing

POST_TEMPLATE = """---
date: {date}  # local time in {timezone} (or add an offset: {time}{offset})
type: {type}  # this group's types: {types}
status: draft  # draft is never published; set `ready` when the text is final
{title}{platforms}{media}---
{body}
"""

DEFAULT_BODY = (
    PLACEHOLDER + " **Bold**, _italic_, [links](https://example.com) and #hashtags work;\n"
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
    text = post_text(group, local, post_type, title, platforms, body)
    with writing(folder):
        return _write_new(folder, f"{local:%Y-%m-%d}-{slugify(title or post_type)}", text)


def post_text(
    group: Group,
    local: dt.datetime,
    post_type: str,
    title: str = "",
    platforms: tuple[str, ...] = (),
    body: str = "",
) -> str:
    """A new post's file: the front matter with a comment on each key, and the keys a
    writer may need next (`platforms:`, `media:`) shown commented out."""
    chosen = platforms or tuple(a.name for a in group.accounts)
    needs = [a.name for a in group.accounts if a.name in chosen and _needs_media(a.platform)]
    lead = "" if platforms else "# "
    listed = (
        f"{lead}platforms: [{', '.join(chosen)}]  # which of the client's accounts; "
        "leave out for all of them\n"
    )
    why = f"  # {', '.join(needs)} need{'s' * (len(needs) == 1)} an image" if needs else ""
    media = (
        f"# media:{why}\n"
        f"#   - src: media/photo.jpg  # a file inside content/{group.id}/\n"
        "#     alt: what the picture shows  # required: describe the picture\n"
    )
    return POST_TEMPLATE.format(
        date=f"{local:%Y-%m-%d %H:%M}",
        timezone=group.timezone,
        time=f"{local:%H:%M}",
        offset=f"{local:%z}"[:3] + ":" + f"{local:%z}"[3:5],
        type=post_type,
        types=", ".join(group.types),
        title=f"title: {json.dumps(title, ensure_ascii=False)}\n" if title else "",
        platforms=listed,
        media=media,
        body=body or DEFAULT_BODY,
    )


def _needs_media(platform: str) -> bool:
    from ..platforms import registry

    cls = registry.get(platform)
    return bool(cls is not None and cls.limits.media_required)


def _write_new(folder: Path, base: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{base}.md"
    counter = 2
    while path.exists():
        path = folder / f"{base}-{counter}.md"
        counter += 1
    path.write_text(text, encoding="utf-8")
    return path
