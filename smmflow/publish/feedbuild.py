"""The feed site rebuilt from the ledger at the end of every sync: each group's Atom feed and
index list what the ledger says went out on its `feed` account, and a page missing from
public/ (a fresh clone) is written again from the publish branch."""

from __future__ import annotations

import datetime as dt
import functools

from ..content import overrides
from ..ledger.renames import first_name
from ..outputs import writing
from ..platforms import feedsite
from ..platforms.feed import Feed


def rebuild(repo, records, public, committed=None) -> int:
    """Rewrite every group's feed and index from the ledger; restore missing pages.

    `records` maps (post id, account) to ledger records. Returns the number of entries.
    With `committed` (the publish branch, committed.Committed), a missing page is restored
    only for a post whose bytes and media are exactly the branch's, media read from it.
    """
    with writing(public):
        return _rebuild(repo, records, public, committed)


def _rebuild(repo, records, public, committed=None) -> int:

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
                post = overrides.view(post, account)  # its `<!-- feed -->` text, if any
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
