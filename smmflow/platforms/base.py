"""The platform contract: limits as data, rendering, and (for publishers) publishing.

A platform is a class registered under the `smmflow.platforms` entry-point group; the
built-in ones register exactly like a third-party package would (see pyproject.toml).
`check` reads `limits`, `style` and `settings`; the sync engine calls the publishing half.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ..errors import Problem, Severity
from ..model import IMAGE_SUFFIXES, VIDEO_SUFFIXES, Account, Group, Media, Post
from ..text.count import graphemes
from ..text.render import bluesky_facets, rich, to_html
from .http import FAIL, Http, PublishError
from .secrets import secret

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a platform accepts, as its docs state it."""

    text: int | None = None  # longest text, counted by `count`
    count: Callable[[str], int] = graphemes
    unit: str = "characters"
    caption: int | None = None  # longest text when media is attached
    text_bytes: int | None = None  # longest text in UTF-8 bytes
    media_max: int = 4
    media_suffixes: frozenset[str] = IMAGE_SUFFIXES | VIDEO_SUFFIXES
    image_bytes: int | None = None
    video_bytes: int | None = None
    media_required: bool = False
    videos_max: int = 1  # videos per post (most platforms: one, and then no images)
    hashtags_max: int | None = None


@dataclass(frozen=True)
class Option:
    """One key a post may give a platform in its front matter (`youtube: {tags: [a, b]}`).

    `kind`: text | choice (one of `choices`) | flag (yes/no) | words (a list) | datetime
    (`2026-12-01 08:00`, the group's wall time) | url | number. content/platformkeys reads
    and checks them (path:line); a value reaches the platform as a string (a flag as
    "true"/"false", a datetime as `YYYY-MM-DDTHH:MM`) or, for words, a tuple of strings.
    """

    kind: str = "text"
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Rendered:
    """Exactly what one platform receives for one post."""

    platform: str
    text: str  # the text field as sent (Telegram: its HTML subset)
    visible: str  # what a reader sees; limits are counted on it
    length: int  # `visible` counted the platform's way
    limit: int | None  # the limit that applies (caption limit when media is attached)
    unit: str
    facets: tuple[dict, ...] = field(default=(), compare=False)
    parse_mode: str | None = None

    def too_long(self) -> str | None:
        """Why this text must not be sent (longer than the platform takes), or None. The
        engine refuses such a pair itself rather than let the platform cut or refuse it."""
        if self.limit is None or self.length <= self.limit:
            return None
        return (
            f"too long for {self.platform}: {self.length} of {self.limit} {self.unit} "
            "(`smmflow check` says so too); shorten it — nothing was sent"
        )


class Platform:
    """Base of every platform. Subclasses set the class attributes."""

    name: ClassVar[str]
    title: ClassVar[str]
    style: ClassVar[str] = "plain"  # plain | telegram | bluesky | html (or a `render` of its own)
    limits: ClassVar[Limits] = Limits()
    required: ClassVar[tuple[str, ...]] = ()  # account settings that must be present
    optional: ClassVar[tuple[str, ...]] = ()
    urls: ClassVar[tuple[str, ...]] = ()  # settings that must be http(s) URLs with a host
    docs: ClassVar[str] = ""  # page under docs/platforms/
    # Keys a post may set under `<name>:` in its front matter (see `Option`).
    post_options: ClassVar[dict[str, Option]] = {}

    @classmethod
    def settings(cls) -> tuple[str, ...]:
        return ("platform", *cls.required, *cls.optional)

    @classmethod
    def post_problems(cls, post: Post, account: Account, group: Group) -> list[Problem]:
        """What this platform refuses in `post` beyond `limits` (a video it needs, dates an
        offer needs, a choice the account does not offer), each with its path:line. `check`
        reports them and a publisher refuses to send such a post (one home for the rule)."""
        return []

    @classmethod
    def render(cls, post: Post) -> Rendered:
        body = rich(post.body)
        facets: tuple[dict, ...] = ()
        parse_mode = None
        if cls.style == "telegram":
            text, visible, parse_mode = body.html, body.text, "HTML"
        elif cls.style == "bluesky":
            text = visible = body.text
            facets = tuple(bluesky_facets(body.text, body.links))
        elif cls.style == "html":
            text, visible = to_html(post.body), body.plain
        else:
            text = visible = body.plain
        lim = cls.limits
        limit = lim.caption if (post.media and lim.caption) else lim.text
        return Rendered(
            cls.name, text, visible, lim.count(visible), limit, lim.unit, facets, parse_mode
        )


@dataclass(frozen=True)
class Receipt:
    """Where a published post lives on the platform."""

    remote_id: str
    url: str = ""
    note: str = ""  # said with the outcome (e.g. "TikTok issued a new refresh token")


@dataclass
class Context:
    """What a publisher may use for an account: never global state, so tests can inject
    all of it."""

    root: Path  # the content repository
    group: Group
    http: Http
    environ: Mapping[str, str]
    redact: Callable[[object], str] = str
    public: Path | None = None  # where the feed site is written (default root/public)


def _keep_nothing(remote_id: str) -> None:
    """The checkpoint of an attempt nobody records (a test, a dry run)."""


@dataclass(frozen=True)
class Attempt:
    """One try at one (post, account) pair, as the engine hands it to a publisher.

    The engine claims the pair in the ledger before `publish` and records the outcome
    after; a publisher never sets or reads anything else of the engine's.
    """

    key: str  # idempotency key: the same for every try of one attempt (a resumed run too)
    # What the ledger holds for the pair: for `publish`, what a stopped run saved with
    # `checkpoint` (e.g. uploaded media ids; "" on a first try); for `verify` and `delete`,
    # the id a publication was recorded with.
    remote_id: str = ""
    # Save progress before the request that publishes (kept as the pair's `remote_id`).
    checkpoint: Callable[[str], None] = _keep_nothing
    # The bytes to send for a media file. Sync reads the publish branch's blob, never the
    # working tree's file (which may hold an uncommitted change); None reads the file.
    media: Callable[[Media], bytes] | None = None

    def read_media(self, media: Media) -> bytes:
        """The bytes of `media` to send; a `PublishError` (FAIL) when they cannot be had."""
        try:
            return self.media(media) if self.media is not None else media.file.read_bytes()
        except LookupError as exc:  # committed.NotCommitted: not on the publish branch
            raise PublishError(FAIL, f"cannot send {media.src}: {exc}") from None
        except OSError as exc:
            raise PublishError(FAIL, f"cannot read {media.src}: {exc.strerror}") from None

    def upload(self, media: Media) -> tuple[str, bytes, str]:
        """(file name, bytes, MIME type) of `media`: a multipart file, as bytes (not a
        handle), so that a retried request sends it again."""
        kind = mimetypes.guess_type(media.file.name)[0] or "application/octet-stream"
        return media.file.name, self.read_media(media), kind


@dataclass(frozen=True)
class Measurement:
    """What a platform counts for one account (`smmflow metrics`): numbers only.

    `posts` maps a publication's remote id (as `Receipt.remote_id` gave it) to its counts,
    named as in the publisher's `post_metrics`; a post the platform no longer has is left
    out. `account` holds `followers` (members, subscribers: whatever the page counts).
    `notes` say what could not be read and why (a permission the token lacks)."""

    posts: dict[str, dict[str, int]] = field(default_factory=dict)
    account: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


class Publisher(Platform):
    """A platform that can publish: docs/platforms/writing-a-publisher.md is the contract.

    Subclasses implement `publish` (and `verify`, `delete`, `doctor_account` where the
    platform can) and say what they can do in the class attributes below.
    """

    idempotent: ClassVar[bool] = False  # re-sending with the same key never duplicates
    can_verify: ClassVar[bool] = False  # `verify` can tell whether an unknown send went out
    can_delete: ClassVar[bool] = False
    # Seconds the platform remembers an idempotency key (None: forever). A stopped run's
    # claim older than this is not resent blindly: it is verified or handed to a person.
    key_ttl: ClassVar[float | None] = None
    # After publishing (docs/platforms/writing-a-publisher.md, "Edits and first comments"):
    # `edit` changes the published post's text in place, and is safe to call again after
    # a stop (it reads the post first, or the platform refuses an edit that changes
    # nothing); `comment` writes the post's first comment, at most `comment_limit`
    # characters (None: the platform has no comments smmflow writes), deduplicated by the
    # attempt's key where `comment_idempotent`, else looked up by `find_comment`.
    can_edit: ClassVar[bool] = False
    comment_limit: ClassVar[int | None] = None
    comment_idempotent: ClassVar[bool] = False
    can_find_comment: ClassVar[bool] = False
    # Reading and answering comments ("module:Class" of its `community.Inbox`; "" when
    # smmflow cannot read the platform's comments): writing-a-publisher.md, "The community part".
    community: ClassVar[str] = ""
    # Metrics (optional; docs/platforms/writing-a-publisher.md, "Metrics"): the counts
    # `measure` reads per post and per account, and what the platform does not give.
    post_metrics: ClassVar[tuple[str, ...]] = ()
    account_metrics: ClassVar[tuple[str, ...]] = ()
    not_measured: ClassVar[str] = ""  # e.g. "Telegram's Bot API gives no views"

    def __init__(self, account: Account, ctx: Context):
        self.account = account
        self.ctx = ctx

    def secret(self, setting: str) -> str:
        return secret(self.account.get(setting), setting, self.account.name, self.ctx.environ)

    def refuse_problems(self, post: Post) -> None:
        """Refuse (FAIL) before anything is sent a post whose `post_problems` are errors."""
        found = self.post_problems(post, self.account, self.ctx.group)
        wrong = [p.message for p in found if p.severity is Severity.ERROR]
        if wrong:
            raise PublishError(FAIL, "; ".join(wrong))

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        """What would be sent (shown by `sync --dry-run`; must not touch the network)."""
        return {"text": rendered.text}

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        """Send the post once; raise a classified `PublishError` when it does not go out."""
        raise NotImplementedError

    def verify(self, post: Post, attempt: Attempt) -> Receipt | None:
        """The post if it is on the platform, None if it is certainly not (`can_verify`)."""
        raise NotImplementedError

    def delete(self, attempt: Attempt) -> None:
        """Remove the publication `attempt.remote_id` (`can_delete`); gone already is done."""
        raise NotImplementedError

    def edit(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        """Give the publication `attempt.remote_id` the text `rendered` (`can_edit`)."""
        raise NotImplementedError

    def comment(self, text: str, attempt: Attempt) -> Receipt:
        """Write `text` under the publication `attempt.remote_id`, as the account, once
        (`comment_limit`); the receipt names the comment."""
        raise NotImplementedError

    def find_comment(self, text: str, attempt: Attempt) -> Receipt | None:
        """The account's comment `text` under `attempt.remote_id`, if it is there
        (`can_find_comment`: a comment a stopped run may have sent)."""
        raise NotImplementedError

    @classmethod
    def can_measure(cls) -> bool:
        return bool(cls.post_metrics or cls.account_metrics)

    def measure(self, remote_ids: Sequence[str]) -> Measurement:
        """The counts of the publications `remote_ids` and of the account, read with
        harmless calls; a classified `PublishError` when nothing could be read."""
        raise NotImplementedError

    def doctor_metrics(self) -> list[Finding]:
        """Whether the token may read what `measure` reads: a `warning` naming a missing
        permission (publishing still works), asked of the platform. Default: nothing."""
        return []

    def doctor(self) -> list[Finding]:
        """`smmflow doctor` for this account: every `*_env` secret set, then (only if they
        are) what `doctor_account` finds with a harmless read call, and whether `metrics`
        may read the account's numbers."""
        found = doctor_secrets(self)
        if any(f.level == "error" for f in found):
            return found
        found = self.doctor_account(found)
        if self.can_measure() and not any(f.level == "error" for f in found):
            found = [*found, *self.doctor_metrics()]
        return found

    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        """Secrets valid, permissions, token expiry, asked of the platform; `secrets` are the
        lines saying each `*_env` is set (usually kept first). The default asks nothing."""
        return secrets


@dataclass(frozen=True)
class Finding:
    """One line of `smmflow doctor` for an account."""

    level: str  # ok | warning | error
    message: str


def doctor_secrets(publisher: Publisher) -> list[Finding]:
    """The check every account gets: each `*_env` variable is set (values never shown)."""
    found = []
    for setting, variable in publisher.account.secret_envs.items():
        value = publisher.ctx.environ.get(variable, "")
        if value.strip():
            found.append(Finding("ok", f"{variable} is set ({setting})"))
        else:
            found.append(Finding("error", f"{variable} is not set ({setting})"))
    return found
