"""Writing new files for people: a post from a template, a new content repository."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
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


GROUP_TEMPLATE = """\
name: {name}
timezone: {timezone}
approvers: []                        # GitHub logins whose approval counts as the client's
slots: ["mon 10:00", "wed 18:30", "fri 12:00"]
mix:
  sales: {{max_share: 0.4, max_in_a_row: 1}}
  informative: {{min_share: 0.4}}
max_delay: 24h
accounts:
  feed: {{}}                           # built in: a static site + Atom feed, no token needed
  # telegram: {{chat: "@mychannel", token_env: MY_TELEGRAM_TOKEN}}
  # mastodon: {{instance: https://mastodon.social, token_env: MY_MASTODON_TOKEN}}
"""

FIRST_POST = """\
---
date: {date}
type: informative
---
Hello from **{name}**! This first post was made by `smmflow init`.

#hello
"""


def init_repo(target: Path, group_id: str, name: str, timezone: str, today: dt.date) -> list[Path]:
    """Scaffold a content repository in `target` (which must not hold one already)."""
    if (target / "schedules").exists():
        raise UsageError(f"{target}: already has a schedules/ folder")
    from ..content.timeparse import zone

    zone(timezone)
    with writing(target):
        return _write_repo(target, group_id, name, timezone, today)


def _write_repo(
    target: Path, group_id: str, name: str, timezone: str, today: dt.date
) -> list[Path]:
    made = []
    for folder in ("schedules", f"content/{group_id}/media", ".github/workflows"):
        (target / folder).mkdir(parents=True, exist_ok=True)
    files = {
        f"schedules/{group_id}.yml": GROUP_TEMPLATE.format(name=name, timezone=timezone),
        f"content/{group_id}/{today:%Y-%m-%d}-hello.md": FIRST_POST.format(
            date=f"{today:%Y-%m-%d} 10:00", name=name
        ),
        f"content/{group_id}/media/.gitkeep": "",
        ".github/workflows/.gitkeep": "",
        ".gitignore": "public/\n.smmflow-cache/\n.smmflow/\n",  # .smmflow/: the inbox store
    }
    for rel, text in files.items():
        path = target / rel
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            made.append(path)
    if not (target / ".git").exists():
        try:
            subprocess.run(
                ["git", "init", "-q", "-b", "main", str(target)], check=True, capture_output=True
            )
        except (OSError, subprocess.CalledProcessError):
            pass  # git is optional for scaffolding; sync will say it needs a repository
    return made
