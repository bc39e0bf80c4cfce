"""The plan as iCalendar (RFC 5545): one VEVENT per post, to subscribe to in any calendar.

Written by hand (a few dozen lines) rather than with a library: the format is small and
smmflow takes no runtime dependency for it. What RFC 5545 asks and this module does:
CRLF line ends (3.1), lines folded at 75 octets without splitting a UTF-8 character
(3.1), TEXT values with `\\`, `;`, `,` and newlines escaped (3.3.11), times in UTC with
`Z` (3.3.5), and per event UID, DTSTAMP and DTSTART (3.6.1).

Output is deterministic: events sorted, DTSTAMP given by the caller, so a re-run with
the same content writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from ..content.repo import Repo
from ..errors import UsageError
from ..model import Group, Post
from ..text.headline import headline
from ..text.render import rich

PRODID = f"-//smmflow//smmflow {__version__}//EN"
DURATION = "PT15M"  # a post is an instant; 15 minutes makes it visible in day views
COMBINED = "all"  # OUT/all.ics
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
# TEXT may not hold controls but HTAB; bidi overrides are dropped too (they reorder text)


def escape(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded to at most 75 octets per physical line, CRLF-terminated."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            pieces.append(current)
            current, size = " ", 1  # the continuation's leading space counts too
        current += char
        size += width
    pieces.append(current)
    return "\r\n".join(pieces) + "\r\n"


def stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def page_names(posts: Iterable[Post]) -> dict[str, str]:
    """post id -> its page's name in plan/<group>/posts/: the slug, made unique per group."""
    names: dict[str, str] = {}
    used: set[tuple[str, str]] = set()
    for post in sorted(posts, key=lambda p: p.id):
        name, n = post.slug, 2
        while (post.group, name) in used:
            name, n = f"{post.slug}-{n}", n + 1
        used.add((post.group, name))
        names[post.id] = name
    return names


def page_url(post: Post, page: str, base_url: str | None) -> str:
    """The post's page in the plan site: `<group>/posts/<page>.html` under plan/."""
    tail = f"{quote(post.group, safe='')}/posts/{quote(page, safe='')}.html"
    return f"{base_url.rstrip('/')}/plan/{tail}" if base_url else tail


def event(post: Post, group: Group, dtstamp: dt.datetime, url: str) -> list[str]:
    local = post.date.astimezone(group.tz)
    accounts = ", ".join(post.platforms)
    description = (
        f"{group.name}: {post.type} post to {accounts}\n"
        f"Local time: {local:%Y-%m-%d %H:%M %Z} ({group.timezone})\n"
        f"Status: {post.status}\nFile: {post.path}\n\n{rich(post.body).plain}"
    )
    return [
        "BEGIN:VEVENT",
        f"UID:{escape(post.id + '@smmflow')}",
        f"DTSTAMP:{stamp(dtstamp)}",
        f"DTSTART:{stamp(post.date)}",
        f"DURATION:{DURATION}",
        f"SUMMARY:{escape(headline(post))}",
        f"DESCRIPTION:{escape(description)}",
        f"CATEGORIES:{escape(post.type)}",
        f"STATUS:{'TENTATIVE' if post.status == 'draft' else 'CONFIRMED'}",
        f"URL:{url}",
        "END:VEVENT",
    ]


def calendar(
    name: str,
    posts: Iterable[Post],
    groups: dict[str, Group],
    dtstamp: dt.datetime,
    url_of: Callable[[Post], str],
) -> bytes:
    """A whole VCALENDAR; withdrawn posts are left out (a subscriber sees them vanish)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"NAME:{escape(name)}",  # RFC 7986
        f"X-WR-CALNAME:{escape(name)}",  # what most calendar apps read
    ]
    chosen = sorted((p for p in posts if p.status != "withdrawn"), key=lambda p: (p.utc, p.id))
    for post in chosen:
        lines += event(post, groups[post.group], dtstamp, url_of(post))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines).encode("utf-8")


def check_names(groups: Iterable[Group]) -> None:
    if any(g.id == COMBINED for g in groups):
        raise UsageError(
            f"a group named {COMBINED!r} would overwrite {COMBINED}.ics (every group's "
            "calendar); rename schedules/all.yml and content/all/"
        )


def write_calendars(
    out: Path,
    repo: Repo,
    groups: list[Group],
    dtstamp: dt.datetime,
    base_url: str | None,
    combined: bool = True,
    pages: dict[str, str] | None = None,
) -> list[Path]:
    """OUT/<group>.ics for each group, and OUT/all.ics with all of them when `combined`."""
    from ..outputs import writing
    from .sitehtml import write_file

    check_names(groups)
    pages = pages if pages is not None else page_names(repo.posts)

    def url_of(post: Post) -> str:
        return page_url(post, pages[post.id], base_url)

    written = []
    with writing(out):
        for group in groups:
            data = calendar(
                f"{group.name} · plan", repo.posts_of(group.id), repo.groups, dtstamp, url_of
            )
            written.append(write_file(out / f"{group.id}.ics", data))
        if combined:
            wanted = {g.id for g in groups}
            posts = [p for p in repo.posts if p.group in wanted]
            data = calendar("Content plan · all groups", posts, repo.groups, dtstamp, url_of)
            written.append(write_file(out / f"{COMBINED}.ics", data))
    return written
