"""Built-in `feed`: a static site with an Atom feed under public/<group>/. No credentials.

Publishing writes the post's page and copies its media; the group's feed and index are
rebuilt from the ledger at the end of every sync, so the site is whole on a fresh clone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..http import RETRY, PublishError
from ..model import Post
from .base import Limits, Publisher, Receipt, Rendered


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

    @property
    def public(self):
        return self.ctx.public or self.ctx.root / "public"

    def payload(self, post: Post, rendered: Rendered, key: str) -> dict:
        from .. import feedsite

        url = feedsite.post_url(post.group, post.slug, self.account.get("base_url"))
        return {"page": url, "html": rendered.text}

    def publish(self, post: Post, rendered: Rendered, key: str) -> Receipt:
        from .. import feedsite

        base_url = self.account.get("base_url")
        with _writing():
            feedsite.write_post(self.public, self.ctx.group, post, base_url, self.read_media)
        url = feedsite.post_url(post.group, post.slug, self.account.get("base_url"))
        return Receipt(post.id, url)

    def delete(self, remote_id: str, key: str) -> None:
        from .. import feedsite

        slug = remote_id.rsplit("/", 1)[-1]
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


def rebuild(repo, records, public, committed=None) -> int:
    """Rewrite every group's feed and index from the ledger; restore missing pages.

    `records` maps (post id, account) to ledger records. Returns the number of entries.
    With `committed` (the publish branch, committed.Committed), a missing page is restored
    only for a post whose bytes and media are exactly the branch's, media read from it.
    """
    from ..outputs import writing

    with writing(public):
        return _rebuild(repo, records, public, committed)


def _rebuild(repo, records, public, committed=None) -> int:
    import datetime as dt
    import functools

    from .. import feedsite
    from ..renames import first_name

    posts = {p.id: p for p in repo.posts}
    total = 0
    for group in repo.groups.values():
        for account in group.accounts:
            if account.platform != Feed.name:
                continue
            base_url = account.get("base_url")
            entries = []
            for (post_id, name), record in records.items():
                post = posts.get(post_id)
                if name != account.name or record.state != "published" or post is None:
                    continue
                if post.group != group.id:
                    continue
                page = public / group.id / "posts" / f"{post.slug}.html"
                if not page.exists() and (committed is None or committed.hold(post) is None):
                    read = None
                    if committed is not None:
                        read = functools.partial(committed.media_bytes, group.id)
                    feedsite.write_post(public, group, post, base_url, read)
                when = dt.datetime.strptime(record.published_at, "%Y-%m-%dT%H:%M:%SZ")
                stamp = when.replace(tzinfo=dt.timezone.utc)
                # Atom readers know an entry by its id: a renamed post keeps its first one.
                entries.append(feedsite.Entry(post, stamp, first_name(record) or post.id))
            if entries or (public / group.id).exists():
                feedsite.write_index(public, group, entries, base_url)
            total += len(entries)
    return total
