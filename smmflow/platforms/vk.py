"""VK community walls: wall.post with a guid."""

from __future__ import annotations

from .base import MB, Limits, Platform


class VK(Platform):
    name = "vk"
    title = "VK"
    limits = Limits(text=16384, media_max=10, image_bytes=50 * MB, video_bytes=2048 * MB)
    required = ("owner", "token_env")
    optional = ("api",)
    docs = "docs/platforms/vk.md"
