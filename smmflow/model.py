"""The typed, frozen picture of a content repository: groups, accounts, posts, media.

Only the schema modules (`groups`, `posts`) build these; everything else reads them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_TYPES = ("informative", "sales", "entertaining", "announcement")
STATUSES = ("draft", "ready", "withdrawn")
ON_EDIT = ("flag", "ignore", "repost")  # a group's choice for an edit a platform cannot make


@dataclass(frozen=True)
class Account:
    """One place a group publishes to: `telegram-promo` on platform `telegram`."""

    name: str
    platform: str
    settings: tuple[tuple[str, str], ...] = ()
    line: int = 0

    def get(self, key: str, default: str | None = None) -> str | None:
        return dict(self.settings).get(key, default)

    @property
    def secret_envs(self) -> dict[str, str]:
        """Setting name -> environment variable holding that secret (`token_env` etc.)."""
        return {k: v for k, v in self.settings if k.endswith("_env")}


@dataclass(frozen=True)
class MixRule:
    """Content-plan rule for one post type, checked per calendar month."""

    type: str
    max_share: float | None = None
    min_share: float | None = None
    max_in_a_row: int | None = None


@dataclass(frozen=True)
class Slot:
    weekday: int  # Monday = 0
    time: dt.time
    text: str  # as written, e.g. "mon 10:00"


@dataclass(frozen=True)
class Billing:
    """What a client pays for a month (`billing:` in the group file; docs/format.md).

    Amounts are exact decimals in `currency` (ISO 4217); None: that price is not charged."""

    currency: str
    symbol: str = ""  # shown instead of the code in the client's pages, e.g. "lei"
    base_fee: Decimal | None = None  # per month
    per_post: Decimal | None = None  # per post published (on any of its accounts)
    per_platform: Decimal | None = None  # per account that published in the month
    per_video: Decimal | None = None  # per published post with a video
    per_revision_round: Decimal | None = None  # per round of changes beyond the free ones
    free_revision_rounds: int = 0  # rounds per post included in the price
    per_campaign: Decimal | None = None  # per ads campaign that ran in the month
    per_inbox_item: Decimal | None = None  # per community item answered


@dataclass(frozen=True)
class Group:
    """One client's pages: `schedules/<id>.yml`."""

    id: str
    name: str
    timezone: str
    path: str  # schedules/<id>.yml, relative to the repository root
    accounts: tuple[Account, ...]
    approvers: tuple[str, ...] = ()
    slots: tuple[Slot, ...] = ()
    mix: tuple[MixRule, ...] = ()
    max_delay: dt.timedelta = dt.timedelta(hours=24)
    types: tuple[str, ...] = DEFAULT_TYPES
    lines: tuple[tuple[str, int], ...] = ()
    language: str = "en"  # what the client reads: reports, plan site, feed, previews
    billing: Billing | None = None
    on_edit: str = "flag"  # an edit a platform cannot make: flag | ignore | repost

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def account(self, name: str) -> Account | None:
        return next((a for a in self.accounts if a.name == name), None)

    def line(self, key: str) -> int:
        return dict(self.lines).get(key, 1)


@dataclass(frozen=True)
class Media:
    src: str  # as written, relative to content/<group>/
    alt: str
    file: Path  # absolute, resolved, known to be inside the group's folder
    size: int
    line: int = 0

    @property
    def kind(self) -> str:
        return "video" if self.file.suffix.lower() in VIDEO_SUFFIXES else "image"


VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"})


@dataclass(frozen=True)
class Post:
    """One Markdown post: `content/<group>/<YYYY-MM-DD>-<slug>.md`."""

    path: str  # relative to the repository root, forward slashes
    group: str
    date: dt.datetime  # aware, in the group's timezone
    type: str
    platforms: tuple[str, ...]  # account names
    status: str = "ready"
    media: tuple[Media, ...] = ()
    body: str = ""
    title: str = ""
    sha256: str = ""  # of the file's exact bytes: what an approval approves
    blob: str = ""  # git's blob id of those bytes: compared with the publish branch
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)
    body_line: int = 1
    # A platform's own keys (`youtube: {tags: [...]}`), as checked and normalised by
    # content/platformkeys: (platform, key, value); a value is a string or a tuple of them.
    options: tuple[tuple[str, str, str | tuple[str, ...]], ...] = ()
    # `first_comment:`: (account or platform name, text); "" names every account.
    first_comment: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        """Stable identity across runs: the path without `content/` and `.md`."""
        found = self.__dict__.get("_id")
        if found is None:
            stem = self.path[len("content/") :] if self.path.startswith("content/") else self.path
            found = self.__dict__["_id"] = stem[:-3] if stem.endswith(".md") else stem
        return found

    @property
    def slug(self) -> str:
        return Path(self.path).stem

    @property
    def utc(self) -> dt.datetime:
        return self.date.astimezone(dt.timezone.utc)

    @property
    def ts(self) -> float:
        """POSIX seconds of `date`, computed once: the sort key of large repositories."""
        found = self.__dict__.get("_ts")
        if found is None:
            found = self.__dict__["_ts"] = self.date.timestamp()
        return found

    def line(self, key: str) -> int:
        return dict(self.lines).get(key, 1)

    def comment_for(self, account: Account) -> str:
        """The first comment this post gives `account` ("" for none): the account's own, its
        platform's, or the one for every account (docs/format.md, `first_comment`)."""
        given = dict(self.first_comment)
        for name in (account.name, account.platform, ""):
            if name in given:
                return given[name]
        return ""

    def option(self, platform: str, key: str, default=None):
        """The value of `<platform>: {<key>: ...}` in the front matter, else `default`."""
        for name, option, value in self.options:
            if name == platform and option == key:
                return value
        return default
