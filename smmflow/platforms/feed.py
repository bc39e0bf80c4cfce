"""Built-in `feed`: a static site with an Atom feed under public/<group>/. No credentials."""

from __future__ import annotations

from .base import Limits, Platform


class Feed(Platform):
    name = "feed"
    title = "Feed (static site + Atom)"
    style = "html"
    limits = Limits(text=None, media_max=20)
    optional = ("base_url",)  # the public URL where public/ is served, e.g. GitHub Pages
    docs = "docs/platforms/feed.md"
