"""Where page activity is kept: one JSON file per group and month on the ledger branch.

`metrics/<group>/<YYYY-MM>.json` holds numbers only (counts are not personal data, so they
may live in git and a report made anywhere sees the same): for each day, for each account,
the account's numbers (`followers`) and each measured post's (`likes`, `replies`, ...).
A day's snapshot is written by compare-and-swap like the records (`Ledger.update_file`);
measuring twice on one day updates that day's snapshot instead of adding a second one.

    {"format": 1, "group": "g", "month": "2026-12",
     "days": {"2026-12-05": {"mastodon": {"followers": 120,
                                          "posts": {"g/2026-12-01-x": {"favourites": 3}}}}}}
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

FORMAT = 1
PREFIX = "metrics/"


def path_of(group: str, month: str) -> str:
    return f"{PREFIX}{group}/{month}.json"


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


@dataclass
class Snapshot:
    """One account's numbers on one day, as measured."""

    account: str
    numbers: dict[str, int] = field(default_factory=dict)  # followers, ...
    posts: dict[str, dict[str, int]] = field(default_factory=dict)  # post id -> metric -> n

    def as_json(self) -> dict:
        found: dict = dict(sorted(self.numbers.items()))
        if self.posts:
            found["posts"] = {p: dict(sorted(m.items())) for p, m in sorted(self.posts.items())}
        return found


def _count(value: object) -> int | None:
    """A count as stored: a whole number ≥ 0 (bools and anything else are dropped)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _counts(raw: object) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): n for k, v in raw.items() if (n := _count(v)) is not None}


def parse(data: bytes | None) -> dict[str, dict[str, Snapshot]]:
    """day -> account -> `Snapshot` of a month file; whatever is damaged is left out (a
    hand edit can never make a report crash, only show fewer numbers)."""
    if not data:
        return {}
    try:
        raw = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    days = raw.get("days") if isinstance(raw, dict) else None
    found: dict[str, dict[str, Snapshot]] = {}
    for day, accounts in (days or {}).items() if isinstance(days, dict) else ():
        if not _is_day(day) or not isinstance(accounts, dict):
            continue
        for account, body in accounts.items():
            if not isinstance(body, dict):
                continue
            posts = body.get("posts")
            measured = (
                {str(p): _counts(m) for p, m in (posts or {}).items()}
                if isinstance(posts, dict)
                else {}
            )
            numbers = _counts({k: v for k, v in body.items() if k != "posts"})
            found.setdefault(day, {})[str(account)] = Snapshot(str(account), numbers, measured)
    return found


def _is_day(text: object) -> bool:
    try:
        dt.date.fromisoformat(str(text))
    except ValueError:
        return False
    return len(str(text)) == 10


def dump(group: str, month: str, days: dict[str, dict[str, Snapshot]]) -> bytes:
    """The file's bytes: sorted keys, one value per line (a readable, stable git diff)."""
    body = {
        "format": FORMAT,
        "group": group,
        "month": month,
        "days": {
            day: {name: snap.as_json() for name, snap in sorted(accounts.items())}
            for day, accounts in sorted(days.items())
        },
    }
    return (json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def merged(
    group: str, month: str, current: bytes | None, day: str, snapshots: list[Snapshot]
) -> bytes:
    """The month file with `snapshots` as the numbers of `day`: an account measured again
    that day gets its numbers updated (one snapshot per account and day, the latest)."""
    days = parse(current)
    today = days.setdefault(day, {})
    for snap in snapshots:
        before = today.get(snap.account) or Snapshot(snap.account)
        posts = {**before.posts, **snap.posts}
        today[snap.account] = Snapshot(snap.account, {**before.numbers, **snap.numbers}, posts)
    return dump(group, month, days)


@dataclass(frozen=True)
class Series:
    """What a report reads of a month: followers per account and day, and each post's
    latest numbers per account (from the month's file and the next one's, since a post
    goes on collecting likes after its month ends)."""

    followers: dict[str, dict[str, int]]  # account -> day -> followers
    posts: dict[tuple[str, str], dict[str, int]]  # (post id, account) -> metric -> n
    days: tuple[str, ...]  # days with a snapshot in the month

    @property
    def empty(self) -> bool:
        return not self.followers and not self.posts


def series(month_file: bytes | None, next_file: bytes | None = None) -> Series:
    """The `Series` of a month from its file (and the next month's)."""
    this = parse(month_file)
    followers: dict[str, dict[str, int]] = {}
    for day, accounts in sorted(this.items()):
        for name, snap in accounts.items():
            if "followers" in snap.numbers:
                followers.setdefault(name, {})[day] = snap.numbers["followers"]
    posts: dict[tuple[str, str], dict[str, int]] = {}
    for source in (this, parse(next_file)):
        for _day, accounts in sorted(source.items()):
            for name, snap in accounts.items():
                for post, numbers in snap.posts.items():
                    posts[(post, name)] = numbers
    return Series(followers, posts, tuple(sorted(this)))
