"""Built-in `webhook`: a signed JSON POST to any URL (Zapier, Make, an in-house system)."""

from __future__ import annotations

from .base import Limits, Platform


class Webhook(Platform):
    name = "webhook"
    title = "Webhook"
    limits = Limits(text=None, media_max=20)
    required = ("url",)
    optional = ("secret_env",)
    docs = "docs/platforms/webhook.md"
