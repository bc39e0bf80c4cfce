"""Mastodon: POST /api/v1/statuses with an Idempotency-Key."""

from __future__ import annotations

from ..textcount import mastodon_length
from .base import MB, Limits, Platform


class Mastodon(Platform):
    name = "mastodon"
    title = "Mastodon"
    # Instance defaults (configurable per instance): 500 characters, 4 images or 1 video.
    limits = Limits(
        text=500,
        count=mastodon_length,
        unit="characters (a link counts 23)",
        media_max=4,
        image_bytes=16 * MB,
        video_bytes=99 * MB,
    )
    required = ("instance", "token_env")
    optional = ("visibility", "language")
    docs = "docs/platforms/mastodon.md"
