"""`check`'s warnings about a post's identity: a renamed post keeps the ledger records of its
former name (and is not published again where it went out), and a byte-for-byte copy of
another post of the group is a new post that is published again.

Offline: renames are asked of this clone's history (HEAD) against the ledger it has
(`branch.offline_records`); copies need neither.
"""

from __future__ import annotations

from ..errors import Problem, Severity
from ..ledger.gitstore import Store
from ..ledger.offline import offline_records
from ..ledger.renames import Carried, carried
from ..ledger.states import recorded
from ..model import Post


def renamed_posts(posts: list[Post], store: Store | None) -> list[Problem]:
    records = offline_records(store, {p.id for p in posts}) if store is not None else {}
    head = store.rev("HEAD") if store is not None else None
    by_post: dict[str, list[Carried]] = {}
    for c in carried(posts, records, store, head):
        by_post.setdefault(c.post.id, []).append(c)
    out = [_renamed(items) for items in by_post.values()]
    return out + _copies(posts)


def _renamed(items: list[Carried]) -> Problem:
    post, former = items[0].post, items[0].former
    states = {c.account: recorded(c.record).state for c in items}
    done = sorted(account for account, state in states.items() if state == "published")
    rest = sorted(f"{account}: {state}" for account, state in states.items() if account not in done)
    message = f"renamed from content/{former}.md; it keeps that name's ledger records"
    if done:
        message += f": already published on {', '.join(done)}, not published there again"
    if rest:
        message += f" ({'; '.join(rest)})"
    return _warning(post, message, "renamed")


def _copies(posts: list[Post]) -> list[Problem]:
    out = []
    same: dict[tuple[str, str], list[Post]] = {}  # a copy in another group is another client's
    for post in posts:
        same.setdefault((post.group, post.sha256), []).append(post)
    for found in same.values():
        copies = sorted(found, key=lambda p: p.path) if len(found) > 1 else ()
        for post in copies:
            others = ", ".join(p.path for p in copies if p is not post)
            message = (
                f"the same bytes as {others}: a copy is a new post and is published again; "
                "change it or delete one"
            )
            out.append(_warning(post, message, "copy"))
    return sorted(out, key=lambda p: p.path)


def _warning(post: Post, message: str, code: str) -> Problem:
    return Problem(post.path, 1, "", message, Severity.WARNING, code)
