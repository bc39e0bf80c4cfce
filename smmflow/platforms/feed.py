"""Built-in `feed`: a static site with an Atom feed under public/<group>/. No credentials.

Publishing writes the post's page and copies its media; the group's feed and index are
rebuilt from the ledger at the end of every sync (`publish.feedbuild`), so the site is
whole on a fresh clone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from ..model import Post
from . import feedsite
from .base import Attempt, Limits, Publisher, Receipt, Rendered
from .http import RETRY, PublishError


class Feed(Publisher):
    name = "feed"
    title = "Feed (static site + Atom)"
    style = "html"
    limits = Limits(text=None, media_max=20)
    optional = ("base_url",)  # the public URL where public/ is served, e.g. GitHub Pages
    urls = ("base_url",)
    docs = "docs/platforms/feed.md"
    idempotent = True  # writing the same page twice gives the same page
    can_delete = True
    can_edit = True  # an edit writes the page again (the same page, however often)

    @property
    def public(self) -> Path:
        return self.ctx.public or self.ctx.root / "public"

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        url = feedsite.post_url(post.group, post.slug, self.account.get("base_url"))
        return {"page": url, "html": rendered.text}

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        base_url = self.account.get("base_url")
        with _writing():
            feedsite.write_post(self.public, self.ctx.group, post, base_url, attempt.read_media)
        return Receipt(post.id, feedsite.post_url(post.group, post.slug, base_url))

    def edit(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        return self.publish(post, rendered, attempt)

    def delete(self, attempt: Attempt) -> None:
        slug = attempt.remote_id.rsplit("/", 1)[-1]
        with _writing():
            feedsite.remove_post(self.public, self.ctx.group, slug)


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """A folder that cannot be written fails the pair with the reason (retried next run)."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or "public/"
        reason = exc.strerror or type(exc).__name__
        raise PublishError(RETRY, f"cannot write {where}: {reason}") from None
