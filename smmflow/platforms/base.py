"""The platform contract: limits as data, rendering, and (for publishers) publishing.

A platform is a class registered under the `smmflow.platforms` entry-point group; the
built-in ones register exactly like a third-party package would (see pyproject.toml).
`check` reads `limits`, `style` and `settings`; the sync engine calls the publishing half.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ..model import IMAGE_SUFFIXES, VIDEO_SUFFIXES, Account, Group, Media, Post
from ..render import bluesky_facets, rich, to_html
from ..textcount import graphemes

if TYPE_CHECKING:
    from ..http import Http

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
    style: ClassVar[str] = "plain"  # plain | telegram | bluesky | html
    limits: ClassVar[Limits] = Limits()
    required: ClassVar[tuple[str, ...]] = ()  # account settings that must be present
    optional: ClassVar[tuple[str, ...]] = ()
    urls: ClassVar[tuple[str, ...]] = ()  # settings that must be http(s) URLs with a host
    docs: ClassVar[str] = ""  # page under docs/platforms/

    @classmethod
    def settings(cls) -> tuple[str, ...]:
        return ("platform", *cls.required, *cls.optional)

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


@dataclass
class Context:
    """What a publisher may use: never global state, so tests can inject all of it."""

    root: Path  # the content repository
    group: Group
    http: Http
    environ: Mapping[str, str]
    redact: Callable[[object], str] = str
    public: Path | None = None  # where the feed site is written (default root/public)
    # (group id, media) -> the bytes to send. Sync reads them from the publish branch's
    # blobs; None (publisher tests, doctor) reads the file.
    media_bytes: Callable[[str, Media], bytes] | None = None


class Publisher(Platform):
    """A platform that can publish. Subclasses implement `publish` (and what they can)."""

    idempotent: ClassVar[bool] = False  # re-sending with the same key never duplicates
    can_verify: ClassVar[bool] = False  # `verify` can tell whether an unknown send went out
    can_delete: ClassVar[bool] = False
    # Seconds the platform remembers an idempotency key (None: forever). A stopped run's
    # claim older than this is not resent blindly: it is verified or handed to a person.
    key_ttl: ClassVar[float | None] = None

    def __init__(self, account: Account, ctx: Context):
        self.account = account
        self.ctx = ctx
        # Set by the engine before each `publish`: what a stopped run saved for this pair
        # (e.g. an Instagram container id), and how to save such progress now.
        self.prior_remote_id = ""
        self.checkpoint: Callable[[str], None] = lambda remote_id: None

    def secret(self, setting: str) -> str:
        from ..secrets import secret

        return secret(self.account.get(setting), setting, self.account.name, self.ctx.environ)

    def read_media(self, media: Media) -> bytes:
        """The bytes of `media` to send: during sync, the publish branch's blob (never the
        working tree's file, which may hold an uncommitted change)."""
        from ..http import FAIL, PublishError

        try:
            if self.ctx.media_bytes is not None:
                return self.ctx.media_bytes(self.ctx.group.id, media)
            return media.file.read_bytes()
        except LookupError as exc:
            raise PublishError(FAIL, f"cannot send {media.src}: {exc}") from None
        except OSError as exc:
            raise PublishError(FAIL, f"cannot read {media.src}: {exc.strerror}") from None

    def payload(self, post: Post, rendered: Rendered, key: str) -> dict:
        """What would be sent (shown by `sync --dry-run`; must not touch the network)."""
        return {"text": rendered.text}

    def publish(self, post: Post, rendered: Rendered, key: str) -> Receipt:
        raise NotImplementedError

    def verify(self, post: Post, key: str, remote_id: str) -> Receipt | None:
        """The post if it is on the platform, None if it is certainly not."""
        raise NotImplementedError

    def delete(self, remote_id: str, key: str) -> None:
        raise NotImplementedError

    def doctor(self) -> list[Finding]:
        """Secrets present and valid (a harmless read call), permissions, token expiry.

        The default only checks that the secrets are set; network platforms override it.
        """
        return doctor_secrets(self)


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
