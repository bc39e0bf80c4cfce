"""X (Twitter) API v2: POST /2/tweets."""

from __future__ import annotations

from ..text.count import x_weighted
from .base import MB, Limits, Platform


class X(Platform):
    name = "x"
    title = "X"
    limits = Limits(
        text=280,
        count=x_weighted,
        unit="weighted characters (links 23, emoji and CJK 2)",
        media_max=4,
        image_bytes=5 * MB,
        video_bytes=512 * MB,
    )
    required = ("token_env",)
    optional = ("api",)
    docs = "docs/platforms/x.md"
