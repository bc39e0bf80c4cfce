"""LinkedIn: POST /rest/posts (commentary in the "little" text format)."""

from __future__ import annotations

from .base import MB, Limits, Platform


class LinkedIn(Platform):
    name = "linkedin"
    title = "LinkedIn"
    limits = Limits(text=3000, media_max=20, image_bytes=36 * MB, video_bytes=5120 * MB)
    required = ("author", "token_env")
    optional = ("api",)
    docs = "docs/platforms/linkedin.md"
