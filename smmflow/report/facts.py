"""Everything one client's monthly report is made of, read once: pure data for the sections.

From git: the group file and the month's posts (only the files whose names carry a date
in or next to the month are read: `month_files`), and the publish branch. From the ledger
branch (a remote's, when one holds it, so a report made anywhere sees the same): each
(post, account) pair's state and publication time, and the month's numbers
(`metrics.store`). From GitHub, when it can be reached: the pull requests and reviews that
brought each post (`clientside`). From later features, when installed: the inbox's and the
ads' figures (`extras`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..check import mix as mix_module
from ..content import repo as repo_module
from ..content.repo import Repo
from ..content.slottimes import slot_times
from ..errors import UsageError
from ..ledger.branch import Ledger, open_ledger
from ..ledger.committed import Committed, publish_branch
from ..ledger.gitstore import Store
from ..ledger.states import Clock, Hold, standing
from ..metrics import store as metrics_store
from ..model import Account, Group, Post, Slot
from ..plan.month import month_bounds
from ..plan.slots import taken_minutes
from ..platforms.secrets import env_secrets
from ..review import hold as hold_module
from ..review.github import GitHub
from ..text.i18n import Words, words
from . import clientside

ON_TIME = dt.timedelta(minutes=30)  # published at most this late counts as on time
_DATED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# Figures of later features, found when they are installed: module -> what they count.
EXTRAS = {"community": "smmflow.community.summary", "ads": "smmflow.ads.summary"}


@dataclass(frozen=True)
class Pair:
    """One post on one account: where it stands, and when it went out."""

    post: Post
    account: Account
    state: str  # a `ledger.states.Standing.state`
    published: dt.datetime | None = None  # aware UTC, from the ledger record
    url: str = ""

    @property
    def delay(self) -> dt.timedelta | None:
        return None if self.published is None else self.published - self.post.utc

    @property
    def on_time(self) -> bool | None:
        delay = self.delay
        return None if delay is None else delay <= ON_TIME


@dataclass(frozen=True)
class Month:
    """A group's month as the report needs it: its posts (withdrawn ones left out), the
    slots left empty, the type mix against the group's rules (`check.mix`)."""

    posts: tuple[Post, ...]
    gaps: tuple[tuple[dt.datetime, Slot], ...]  # local slot instants with no post
    mix: mix_module.Mix

    @classmethod
    def of(cls, group: Group, posts: list[Post], year: int, month: int) -> Month:
        start, end = month_bounds(group, year, month)
        mine = tuple(
            sorted(
                (p for p in posts if p.status != "withdrawn" and start <= p.date < end),
                key=lambda p: (p.ts, p.path),
            )
        )
        taken = taken_minutes(mine)
        slots = {(s.weekday, s.time): s for s in group.slots}
        gaps = tuple(
            (when, slots[(when.weekday(), when.time())])
            for when in slot_times(group, start, end)
            if when.astimezone(dt.timezone.utc) not in taken
        )
        return cls(mine, gaps, mix_module.evaluate(group, mine))


@dataclass
class Facts:
    root: Path
    group: Group
    year: int
    month: int
    now: dt.datetime
    plan: Month
    pairs: tuple[Pair, ...]
    metrics: metrics_store.Series
    reviews: dict[str, clientside.Review] | None  # None: not available (see reviews_note)
    reviews_note: str = ""
    extras: dict[str, dict | None] = field(default_factory=dict)

    @property
    def words(self) -> Words:
        return words(self.group.language)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def posts(self) -> tuple[Post, ...]:
        return self.plan.posts

    def published_posts(self) -> list[Post]:
        out = {p.post.id for p in self.pairs if p.state == "published"}
        return [post for post in self.posts if post.id in out]


def month_files(year: int, month: int, group: str | None = None) -> Callable[[str], bool]:
    """Post paths worth reading for a month (of one group's folder): names dated in it or
    a day either side (the name is the local date; a post whose name and date disagree is
    `check`'s name-date warning, found under its name's month), and every name without a
    date. Folders end with `/`."""
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    low, high = (
        f"{first - dt.timedelta(days=1):%Y-%m-%d}",
        f"{last + dt.timedelta(days=1):%Y-%m-%d}",
    )

    inside = f"content/{group}/"

    def wanted(path: str) -> bool:  # asked of every file of a large repository: cheap first
        if path[-1] == "/":  # content/<group>/, and folders below it
            return group is None or path.startswith(inside)
        name = path[path.rfind("/") + 1 :]
        if low <= name[:10] <= high:
            return True
        return _DATED.match(name) is None

    return wanted


def load_month(root: Path, year: int, month: int, group: str | None = None) -> Repo:
    return repo_module.load(root, only=month_files(year, month, group))


def gather(
    root: Path,
    loaded: Repo,
    group: Group,
    year: int,
    month: int,
    clock: Clock,
    ledger: Ledger,
    committed: Committed | None,
    github: GitHub | None,
) -> Facts:
    """The facts of one group's month."""
    hold = hold_module.build(loaded, committed) if committed else (lambda post: None)
    label = f"{year:04d}-{month:02d}"
    plan = Month.of(group, loaded.posts_of(group.id), year, month)
    pairs = tuple(_pairs(plan, group, ledger, clock, hold))
    series = metrics_store.series(
        ledger.read_file(metrics_store.path_of(group.id, label)),
        ledger.read_file(metrics_store.path_of(group.id, metrics_store.next_month(label))),
    )
    reviews, note = clientside.for_posts(committed, group, list(plan.posts), github)
    context = {"ledger": ledger, "now": clock.now}
    extras = {
        name: _extra(module, root, group, year, month, context) for name, module in EXTRAS.items()
    }
    return Facts(root, group, year, month, clock.now, plan, pairs, series, reviews, note, extras)


def _pairs(plan: Month, group: Group, ledger: Ledger, clock: Clock, hold: Hold) -> list[Pair]:
    """Each post on each of its accounts, where it stands (`ledger.states`, the one state
    table `status` reads too) and when it went out."""
    found = []
    for post in plan.posts:
        for name in post.platforms:
            account = group.account(name) or Account(name, "")
            record = ledger.records.get((post.id, name))
            pair = standing(
                post, account, record, group.max_delay, clock, hold, branch=ledger.branch
            )
            published = None
            if pair.state == "published" and record is not None:
                published = _stamp(record.published_at)
            found.append(Pair(post, account, pair.state, published, pair.url))
    return found


def _stamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def _extra(
    module: str, root: Path, group: Group, year: int, month: int, context: dict
) -> dict | None:
    """A later feature's figures for the month (`month_summary(root, group, year, month)`),
    or None when that feature is not installed or has nothing for the month. The keyword
    arguments it names of `context` are given too: `ledger` (the report's, already
    read: no second fetch) and `now` (the report's `--now`)."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError:
        return None
    summary = getattr(found, "month_summary", None)
    if not callable(summary):
        return None
    accepted = inspect.signature(summary).parameters
    given = {k: v for k, v in context.items() if k in accepted}
    result = summary(root, group, year, month, **given)
    return result if isinstance(result, dict) else None


@dataclass
class Sources:
    """What every group's report reads, opened once: the repository, ledger and GitHub."""

    loaded: Repo
    store: Store
    ledger: Ledger
    committed: Committed | None
    github: GitHub | None

    def close(self) -> None:
        self.store.close()


def open_sources(
    root: Path, year: int, month: int, remote: str | None, group: str | None = None
) -> Sources:
    loaded = load_month(root, year, month, group)
    store, ledger = open_ledger(root, remote, env_secrets(loaded.groups.values()), shared=True)
    try:
        try:
            folder = f"content/{group}" if group else "content"  # one group: its folder only
            committed = Committed(store, publish_branch(store, None), folder)
        except UsageError:  # no commit yet: nothing is on a publish branch
            committed = None
        return Sources(loaded, store, ledger, committed, GitHub.from_env())
    except Exception:
        store.close()
        raise
