"""The platform registry: every class under the `smmflow.platforms` entry-point group.

Built-in platforms register through the same entry points as third-party ones
(pyproject.toml); `BUILTIN` repeats them so that a source tree that was never installed
still finds them (tests/test_platform_contract.py keeps the two lists equal).
"""

from __future__ import annotations

import functools
import importlib

from .base import Platform

GROUP = "smmflow.platforms"
BUILTIN = {
    "feed": "smmflow.platforms.feed:Feed",
    "webhook": "smmflow.platforms.webhook:Webhook",
    "mastodon": "smmflow.platforms.mastodon:Mastodon",
    "bluesky": "smmflow.platforms.bluesky:Bluesky",
    "telegram": "smmflow.platforms.telegram:Telegram",
    "facebook": "smmflow.platforms.facebook:Facebook",
    "instagram": "smmflow.platforms.instagram:Instagram",
    "vk": "smmflow.platforms.vk:VK",
    "x": "smmflow.platforms.x:X",
    "linkedin": "smmflow.platforms.linkedin:LinkedIn",
    "threads": "smmflow.platforms.threads:Threads",
    "tiktok": "smmflow.platforms.tiktok:TikTok",
    "youtube": "smmflow.platforms.youtube:YouTube",
    "google_business": "smmflow.platforms.google_business:GoogleBusiness",
}


def _load(target: str) -> type[Platform]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@functools.lru_cache(maxsize=1)
def classes() -> dict[str, type[Platform]]:
    """name -> platform class, for every registered platform (loaded once)."""
    from importlib.metadata import entry_points  # ~30 ms: imported when first asked

    found: dict[str, str] = dict(BUILTIN)
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.value
    return {name: _load(target) for name, target in sorted(found.items())}


def names() -> list[str]:
    return list(classes())


def get(name: str) -> type[Platform] | None:
    return classes().get(name)
