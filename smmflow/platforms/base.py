"""The platform contract: limits as data, rendering, and (for publishers) publishing.

A platform is a class registered under the `smmflow.platforms` entry-point group; the
built-in ones register exactly like a third-party package would (see pyproject.toml).
`check` reads `limits`, `style` and `settings`; the sync engine calls the publishing half.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from ..model import IMAGE_SUFFIXES, VIDEO_SUFFIXES, Post
from ..render import bluesky_facets, rich, to_html
from ..textcount import graphemes

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


class Platform:
    """Base of every platform. Subclasses set the class attributes."""

    name: ClassVar[str]
    title: ClassVar[str]
    style: ClassVar[str] = "plain"  # plain | telegram | bluesky | html
    limits: ClassVar[Limits] = Limits()
    required: ClassVar[tuple[str, ...]] = ()  # account settings that must be present
    optional: ClassVar[tuple[str, ...]] = ()
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
