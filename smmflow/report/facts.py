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
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..content import repo as repo_module
from ..content.repo import Repo
from ..errors import UsageError
from ..ledger import status
from ..ledger.branch import Ledger, open_ledger
from ..ledger.committed import Committed, publish_branch
from ..ledger.gitstore import Store
from ..ledger.states import Clock
from ..metrics import store as metrics_store
from ..model import Account, Group, Post
from ..plan import month as plan_month
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


@dataclass
class Facts:
    root: Path
    group: Group
    year: int
    month: int
    now: dt.datetime
    plan: plan_month.MonthPlan
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
    def posts(self) -> list[Post]:
        return [item.post for item in self.plan.planned]

    def published_posts(self) -> list[Post]:
        out = {p.post.id for p in self.pairs if p.state == "published"}
        return [post for post in self.posts if post.id in out]


def month_files(year: int, month: int) -> Callable[[str], bool]:
    """Post paths worth reading for a month: names dated in it or a day either side (the
    name is the local date; a post whose name and date disagree is `check`'s name-date
    warning, found under its name's month), and every name without a date."""
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    low, high = (
        f"{first - dt.timedelta(days=1):%Y-%m-%d}",
        f"{last + dt.timedelta(days=1):%Y-%m-%d}",
    )

    def wanted(path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        return not _DATED.match(name) or low <= name[:10] <= high

    return wanted


def load_month(root: Path, year: int, month: int) -> Repo:
    return repo_module.load(root, only=month_files(year, month))


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
    rows = status.rows(loaded, ledger.records, clock, hold, group.id, label)
    plan = plan_month.build(group, loaded.posts_of(group.id), rows, year, month, clock.now)
    pairs = tuple(_pairs(plan, group, ledger))
    series = metrics_store.series(
        ledger.read_file(metrics_store.path_of(group.id, label)),
        ledger.read_file(metrics_store.path_of(group.id, metrics_store.next_month(label))),
    )
    reviews, note = clientside.for_posts(
        committed, group, [item.post for item in plan.planned], github
    )
    extras = {name: _extra(module, root, group, year, month) for name, module in EXTRAS.items()}
    return Facts(root, group, year, month, clock.now, plan, pairs, series, reviews, note, extras)


def _pairs(plan: plan_month.MonthPlan, group: Group, ledger: Ledger) -> list[Pair]:
    found = []
    for item in plan.planned:
        for row in item.states:
            account = group.account(row.account) or Account(row.account, "")
            record = ledger.records.get((item.post.id, row.account))
            published = None
            if row.state == "published" and record is not None and record.published_at:
                try:
                    stamp = dt.datetime.strptime(record.published_at, "%Y-%m-%dT%H:%M:%SZ")
                    published = stamp.replace(tzinfo=dt.timezone.utc)
                except ValueError:
                    published = None
            found.append(Pair(item.post, account, row.state, published, row.url))
    return found


def _extra(module: str, root: Path, group: Group, year: int, month: int) -> dict | None:
    """A later feature's figures for the month (`month_summary(root, group, year, month)`),
    or None when that feature is not installed or has nothing for the month."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError:
        return None
    summary = getattr(found, "month_summary", None)
    result = summary(root, group, year, month) if callable(summary) else None
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


def open_sources(root: Path, year: int, month: int, remote: str | None) -> Sources:
    loaded = load_month(root, year, month)
    store, ledger = open_ledger(root, remote, env_secrets(loaded.groups.values()), shared=True)
    try:
        try:
            committed = Committed(store, publish_branch(store, None))
        except UsageError:  # no commit yet: nothing is on a publish branch
            committed = None
        return Sources(loaded, store, ledger, committed, GitHub.from_env())
    except Exception:
        store.close()
        raise
