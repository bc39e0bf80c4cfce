"""Facebook Pages through the Graph API: /{page-id}/feed and /{page-id}/photos."""

from __future__ import annotations

from .base import MB, Limits, Platform


class Facebook(Platform):
    name = "facebook"
    title = "Facebook Page"
    limits = Limits(
        text=63206,
        media_max=10,
        image_bytes=10 * MB,
        video_bytes=1024 * MB,
    )
    required = ("page", "token_env")
    optional = ("api",)
    docs = "docs/platforms/facebook.md"
