"""Instagram through the Graph API: a media container, then media_publish."""

from __future__ import annotations

from .base import MB, Limits, Platform


class Instagram(Platform):
    name = "instagram"
    title = "Instagram"
    # Captions 2200 characters and 30 hashtags; images must be JPEG; media is required.
    limits = Limits(
        text=2200,
        media_max=10,
        media_required=True,
        media_suffixes=frozenset({".jpg", ".jpeg", ".mp4", ".mov"}),
        image_bytes=8 * MB,
        video_bytes=300 * MB,
        hashtags_max=30,
    )
    required = ("user", "token_env")
    optional = ("api", "media_base_url")
    docs = "docs/platforms/instagram.md"
