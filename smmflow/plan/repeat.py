"""`smmflow repeat`: concrete dated copies of a post, one new file per date.

A repeated post is not a rule that publishes by itself: every copy is an ordinary post
file that a writer can edit and a client reviews. Each copy keeps the original's local
wall-clock time in the group's timezone (the way people plan: "every Monday at 10:00"),
so across a DST change its UTC instant moves by an hour. A date on which that wall time
does not exist or exists twice is an error naming the date; nothing is written then.

Monthly copies of a post on the 29th-31st skip the months that lack that day, as
iCalendar's `RRULE:FREQ=MONTHLY` does, rather than moving to another day silently.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..content.posts import load_post
from ..content.repo import Repo, find_post_id, rel
from ..content.timeparse import TimeError, localize
from ..errors import UsageError
from ..model import Group, Post
from ..outputs import OutputError

MAX_COPIES = 100
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}-")
_DATE_LINE = re.compile(
    r"^(?P<key>\s*date\s*:[ \t]*)(?P<value>\"[^\"]*\"|'[^']*'|[^#\r\n]*?)(?P<rest>[ \t]*(?:#.*)?)(?P<eol>\r?\n?)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class Copy:
    when: dt.datetime  # aware, in the group's timezone
    path: Path
    data: bytes


@dataclass
class Copies:
    copies: list[Copy] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # months without the day, for people


def find_post(repo: Repo, given: str) -> Post:
    """A post by its file path (from here), id (`group/slug`) or file name."""
    candidate = Path(given)
    if candidate.is_file():
        try:
            relpath = rel(repo.root, candidate.resolve())
        except ValueError:
            raise UsageError(f"{given}: not inside this content repository") from None
        found = next((p for p in repo.posts if p.path == relpath), None)
        if found is None:
            raise UsageError(f"{given}: not a post that loads; run `smmflow check {given}`")
        return found
    post_id = find_post_id(repo, given)
    return next(p for p in repo.posts if p.id == post_id)


def _add_months(day: dt.date, months: int) -> dt.date | None:
    index = day.month - 1 + months
    try:
        return day.replace(year=day.year + index // 12, month=index % 12 + 1)
    except ValueError:  # no such day in that month (31st, 30th, 29 February)
        return None


def dates(start: dt.date, every: str, until: dt.date | None, count: int | None, skipped: list[str]):
    """The dates after `start`, up to `until` (inclusive) and at most `count` of them."""
    step = 0
    made = 0
    while True:
        step += 1
        if every == "week":
            day: dt.date | None = start + dt.timedelta(weeks=step)
        else:
            day = _add_months(start, step)
            if day is None:
                first = _add_months(start.replace(day=1), step)
                assert first is not None
                if until is not None and first > until:
                    return
                skipped.append(f"{first:%Y-%m}: it has no day {start.day}")
                continue
        if until is not None and day > until:
            return
        if made >= MAX_COPIES:
            raise UsageError(
                f"more than {MAX_COPIES} copies at once; give a nearer --until or --count"
            )
        yield day
        made += 1
        if count is not None and made >= count:
            return


def _with_date(text: str, line: int, value: str) -> str:
    """The file's text with the value on its `date:` line replaced, comment and EOL kept."""
    lines = text.splitlines(keepends=True)
    match = _DATE_LINE.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if match is None:
        raise UsageError(f"cannot find the `date:` line (line {line}); is it on one line?")
    lines[line - 1] = match.group("key") + value + match.group("rest") + match.group("eol")
    return "".join(lines)


def copy_name(post: Post, day: dt.date) -> str:
    rest = _DATED.sub("", post.slug) or post.type
    return f"{day:%Y-%m-%d}-{rest}.md"


def plan_copies(
    root: Path, group: Group, post: Post, every: str, until: dt.date | None, count: int | None
) -> Copies:
    """Every copy, checked as the loader will read it; raises before anything is written."""
    if until is None and count is None:
        raise UsageError("give --until DATE or --count N (or both): how far to repeat")
    source = root / post.path
    text = source.read_bytes().decode("utf-8")
    wall = post.date.replace(tzinfo=None)
    result = Copies()
    for day in dates(wall.date(), every, until, count, result.skipped):
        naive = dt.datetime.combine(day, wall.time())
        try:
            when = localize(naive, group.tz)
        except TimeError as exc:
            raise UsageError(
                f"{exc.args[0].split(';')[0]}: the copy for {day} needs another time; "
                f"stop before it with --until {day - dt.timedelta(days=1)}, or write that post by hand"
            ) from None
        path = source.parent / copy_name(post, day)
        value = f"{naive:%Y-%m-%d %H:%M}" + (f":{naive:%S}" if naive.second else "")
        data = _with_date(text, post.line("date"), value).encode("utf-8")
        relpath = rel(root, path)
        loaded, problems = load_post(root, relpath, data, group, group.id)
        if loaded is None or loaded.date != when:
            detail = "; ".join(p.format() for p in problems) or "its date reads differently"
            raise UsageError(f"{relpath}: the copy would not load as intended: {detail}")
        result.copies.append(Copy(when, path, data))
    if not result.copies:
        raise UsageError("no dates to write: --until is before the first repeat")
    existing = [rel(root, c.path) for c in result.copies if c.path.exists()]
    if existing:
        raise UsageError(
            f"not overwriting existing file(s): {', '.join(existing)}; nothing written"
        )
    return result


def write_copies(root: Path, copies: Copies) -> list[str]:
    """Create each file (exclusive create: a file that appeared meanwhile is never replaced)."""
    written = []
    for copy in copies.copies:
        try:
            with open(copy.path, "xb") as handle:
                handle.write(copy.data)
        except FileExistsError:
            raise UsageError(
                f"{rel(root, copy.path)} appeared meanwhile; not overwritten "
                f"(written before it: {', '.join(written) or 'none'})"
            ) from None
        except OSError as exc:
            raise OutputError(
                f"cannot write {rel(root, copy.path)}: {exc.strerror or type(exc).__name__} "
                f"(written before it: {', '.join(written) or 'none'})"
            ) from None
        written.append(rel(root, copy.path))
    return written
