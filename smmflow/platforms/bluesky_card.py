"""Bluesky's link card: an `app.bsky.embed.external` for the post's first link.

A Bluesky record has one embed, so a post with images or a video gets no card (its
pictures win). The card's title, description and image come from the post's `card:`
(content/cards) where it gives them, else from the page's Open Graph tags
(platforms/linkcard); the image is prepared like any media (platforms/mediaprep: metadata
removed, at most Bluesky's 1,000,000 bytes) and uploaded as the card's `thumb` blob.
Nothing here blocks the post: a page that cannot be read gives a post without a card, and
a note in the outcome.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Post
from . import linkcard, mediaprep
from .base import Attempt, Limits, Rendered
from .http import PublishError

EXTERNAL = "app.bsky.embed.external"
LINK = "app.bsky.richtext.facet#link"


def first_link(rendered: Rendered) -> str:
    """The URI of the text's first link facet ("" when it has none)."""
    for facet in sorted(rendered.facets, key=lambda f: f["index"]["byteStart"]):
        for feature in facet.get("features", []):
            if feature.get("$type") == LINK and feature.get("uri"):
                return str(feature["uri"])
    return ""


def planned(post: Post, rendered: Rendered) -> dict | None:
    """What `sync --dry-run` shows of the card, without fetching anything."""
    if post.media or linkcard.card_off(post):
        return None
    url = str(post.option(linkcard.KEY, "url") or first_link(rendered))
    if not url:
        return None
    title = post.option(linkcard.KEY, "title") or "(from the page's Open Graph tags)"
    return {"$type": EXTERNAL, "external": {"uri": url, "title": str(title)}}


def external(
    post: Post,
    rendered: Rendered,
    attempt: Attempt,
    session,
    upload: Callable[[bytes, str], dict],
    limits: Limits,
) -> tuple[dict | None, str]:
    """(the embed, or None; a note for the outcome, "" when there is nothing to say)."""
    if post.media or linkcard.card_off(post):
        return None, ""
    url = str(post.option(linkcard.KEY, "url") or first_link(rendered))
    if not url:
        return None, ""
    title = str(post.option(linkcard.KEY, "title") or "")
    description = str(post.option(linkcard.KEY, "description") or "")
    own_image = linkcard.card_media(post)
    page: linkcard.Page | str = linkcard.Page(url, title, description)
    if not title or own_image is None:
        page = linkcard.fetch_page(session, url)
        if isinstance(page, str):
            if not title:
                return None, f"no link card: {page}"
            page, note = linkcard.Page(url, title, description), f"card without page: {page}"
        else:
            note = ""
    else:
        note = ""
    card = {
        "uri": url,
        "title": title or page.title,
        "description": description or page.description,
    }
    thumb, why = _thumb(attempt, own_image, page, session, upload, limits)
    if thumb is not None:
        card["thumb"] = thumb
    note = "; ".join(n for n in (note, why) if n)
    return {"$type": EXTERNAL, "external": card}, note


def _thumb(attempt, own_image, page, session, upload, limits) -> tuple[dict | None, str]:
    """The uploaded `thumb` blob, or None and why."""
    if own_image is not None:
        ready = attempt.prepared(own_image, _Target(limits))
        return upload(ready.data, ready.mime or "application/octet-stream"), ""
    if not page.image:
        return None, ""
    data = linkcard.fetch_image(session, page.image)
    if isinstance(data, str):
        return None, f"card without image: {data}"
    try:
        ready = mediaprep.prepare(data, "thumb.jpg", limits.fit())
    except ValueError as exc:
        return None, f"card without image: {exc}"
    if not ready.mime.startswith("image/"):
        return None, f"card without image: {page.image} is not a picture"
    try:
        return upload(ready.data, ready.mime), ""
    except PublishError as exc:
        return None, f"card without image: {exc.message}"


class _Target:
    """What `Attempt.prepared` reads of a platform: its limits."""

    def __init__(self, limits: Limits):
        self.limits = limits
