"""Telegram channels through the Bot API: sendMessage / sendPhoto / sendMediaGroup."""

from __future__ import annotations

from ..textcount import utf16_units
from .base import MB, Limits, Platform


class Telegram(Platform):
    name = "telegram"
    title = "Telegram"
    style = "telegram"
    # 4096 characters per message, 1024 per media caption, after entity parsing (UTF-16 units).
    limits = Limits(
        text=4096,
        caption=1024,
        count=utf16_units,
        unit="characters",
        media_max=10,
        image_bytes=10 * MB,
        video_bytes=50 * MB,
        videos_max=10,
    )
    required = ("chat", "token_env")
    optional = ("api", "silent")
    docs = "docs/platforms/telegram.md"
