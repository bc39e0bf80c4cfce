"""Where a platform that fetches media itself finds a post's files: a public URL.

Instagram, TikTok photo posts and Google Business Profile photos are not uploaded: the
platform downloads them from a URL. That URL is the account's `media_base_url` + the
media's `src` (wherever `content/<group>/` is served), else the group's feed site
(`base_url` of its `feed` account) when the post goes there too, since the feed copies
every post's media to its site.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import quote

from ..model import Account, Group, Media, Post
from .base import Finding
from .http import RETRY, PublishError


def feed_account(group: Group) -> Account | None:
    """The group's feed account that has a public `base_url`, if any."""
    return next((a for a in group.accounts if a.platform == "feed" and a.get("base_url")), None)


def has_source(account: Account, group: Group) -> bool:
    """Whether media can have a public URL at all (for `check` and `doctor`)."""
    return bool(account.get("media_base_url")) or feed_account(group) is not None


def missing_source(account: Account, group: Group, level: str, which: str) -> list[Finding]:
    """`doctor`'s line when media can have no public URL here (`has_source`); `which`
    says the posts that need one."""
    if has_source(account, group):
        return []
    return [
        Finding(
            level,
            f"no public URL for media: {which} need media_base_url on this account or "
            "base_url on the group's feed account",
        )
    ]


def media_urls(
    account: Account, group: Group, post: Post, media: tuple[Media, ...], who: str, docs: str
) -> list[str]:
    """The public URL of each of `media`, or a RETRY error saying what to configure
    (retryable: the next run succeeds once the setting is there)."""
    base = (account.get("media_base_url") or "").strip()
    if base:
        if not base.startswith(("https://", "http://")):
            raise PublishError(RETRY, f"media_base_url of {account.name} must be an http(s) URL")
        return [f"{base.rstrip('/')}/{href(m.src)}" for m in media]
    feed = feed_account(group)
    if feed is not None and feed.name in post.platforms:
        from . import feedsite

        base = str(feed.get("base_url"))
        return [feedsite.media_url(post.group, m.src, base) for m in media]
    hint = ""
    if feed is not None:
        hint = (
            f"the feed account {feed.name} has base_url, but this post does not go to it, "
            f"so its media is not on the site: add {feed.name} to the post's platforms or "
        )
    raise PublishError(
        RETRY,
        f"{who} fetches media from a public URL and {account.name} has none: "
        f"{hint}set media_base_url on {account.name} (where content/{post.group}/ is "
        f"served) or base_url on the group's feed account ({docs})",
    )


def href(src: str) -> str:
    """A media `src` as a URL path, each part percent-encoded."""
    parts = [p for p in PurePosixPath(src.replace("\\", "/")).parts if p not in (".", "/")]
    return "/".join(quote(p, safe="") for p in parts)
