"""Bluesky (AT Protocol): com.atproto.repo.createRecord with a client-chosen rkey."""

from __future__ import annotations

from .base import Limits, Platform


class Bluesky(Platform):
    name = "bluesky"
    title = "Bluesky"
    style = "bluesky"
    # app.bsky.feed.post: 300 graphemes and 3000 UTF-8 bytes; blobs of images up to 1,000,000 bytes.
    limits = Limits(
        text=300,
        unit="graphemes",
        text_bytes=3000,
        media_max=4,
        image_bytes=1_000_000,
        video_bytes=100_000_000,
        media_suffixes=frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4"}),
    )
    required = ("handle", "password_env")
    optional = ("pds",)
    docs = "docs/platforms/bluesky.md"
