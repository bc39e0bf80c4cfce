"""The inbox as people read it: lines for a terminal, JSON for tools, rows for the page.

Every text from outside (a comment, a name) is inert wherever it is shown: in a terminal
its control, escape and direction characters are written as `\\u` escapes
(`text.escape.terminal`), in JSON they are JSON escapes, on the page they are escaped
(`page`). Words people read are kept in `LABELS`, in one place, for translation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from ..text.escape import terminal
from .config import Community
from .store import Stored

LABELS = {
    "overdue": "overdue",
    "question": "question",
    "no_post": "not under a post smmflow published",
    "more": "and {n} more (--limit, --since or --group show others)",
    "empty": "nothing in the inbox",
    "title": "Inbox",
}
LIST_WIDTH = 300  # characters of a comment shown per line in a terminal
_JSON_INVISIBLE = re.compile("[\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


@dataclass(frozen=True)
class Row:
    """One item, ready to show."""

    item: Stored
    age: str
    overdue: bool

    def as_dict(self) -> dict:
        s = self.item
        return {
            "id": s.id, "group": s.grp, "account": s.account, "platform": s.platform,
            "kind": s.kind, "author": s.author, "author_id": s.author_id, "text": s.text,
            "created": _iso(s.created), "age": self.age, "state": s.state,
            "question": bool(s.question), "overdue": self.overdue, "url": s.url,
            "post": {"id": s.post_id, "title": s.post_title, "url": s.post_url},
            "note": s.note,
        }  # fmt: skip


def rows(items: list[Stored], communities: dict[str, Community], now: float) -> list[Row]:
    found = []
    for item in items:
        within = communities.get(item.grp).answer_within if item.grp in communities else None
        late = bool(
            within and item.question and item.state == "new"
            and now - item.created > within.total_seconds()
        )  # fmt: skip
        found.append(Row(item, age(now - item.created), late))
    return found


def age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _iso(stamp: float) -> str:
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_text(found: list[Row], more: int) -> str:
    lines = []
    for row in found:
        s = row.item
        marks = [m for m, on in (("?", s.question), (LABELS["overdue"], row.overdue)) if on]
        head = f"{s.id}  {s.state:<8} {s.grp} {s.account} ({s.platform})  {row.age:>4}  "
        lines.append(head + one_line(s.author, 60) + ("  " + " ".join(marks) if marks else ""))
        lines.append("    " + one_line(s.text, LIST_WIDTH))
        if s.post_id:
            lines.append(f"    ↳ {one_line(s.post_title, 80)}  {terminal(s.post_url)}")
        elif s.kind != "message":
            lines.append(f"    ↳ {LABELS['no_post']}" + (f"  {terminal(s.url)}" if s.url else ""))
        if s.note:
            lines.append(f"    note: {one_line(s.note, 200)}")
    if more > 0:
        lines.append(LABELS["more"].format(n=more))
    return "\n".join(lines) if lines else LABELS["empty"]


def one_line(text: str, width: int) -> str:
    """A text from outside on one line, inert, cut to `width` characters."""
    flat = " ⏎ ".join(part.strip() for part in text.splitlines() if part.strip())
    cut = flat[:width] + ("…" if len(flat) > width else "")
    return terminal(cut)


def as_json(found: list[Row]) -> str:
    """JSON with every invisible or direction character written as a JSON escape."""
    text = json.dumps([r.as_dict() for r in found], ensure_ascii=False, indent=2)
    return _JSON_INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
