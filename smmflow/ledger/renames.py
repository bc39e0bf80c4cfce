"""A post's identity survives `git mv`: a renamed post keeps the records of its old name.

Records are keyed by the post's path (`shop/2026-12-04-sale`). A post with no record of
its own on an account takes the record of a former name that no post has any more:

1. the names git's rename detection finds in the branch's history (`git log -M`: moved
   with at most half of the file changed), followed back through every rename; else
2. a name whose record says it sent exactly these bytes (`content_sha256`): a move git
   did not pair up, e.g. a delete and an add in different commits.

The records that follow a post without being one of its publications (its promotions:
`ads-meta`, `ads-vk`) go with it: once a post's former name is known (found now, or noted
in a record carried earlier), every record of that name the post lacks is carried too, so
a renamed promoted post keeps its campaign instead of getting a second one.

A copy (the original still there) is a new post; so is a post whose former name holds a
post again. `sync` writes the carried record under the new name (history: "renamed from
…") before planning, so a renamed post is never sent again and keeps its idempotency key;
`status` shows it under the new name; `check` says so (`check.renamed`; docs/sync.md,
"Renamed posts").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ..model import Post
from . import gitlog
from .branch import Ledger
from .gitstore import Store
from .records import Record

NOTE = "renamed from "


@dataclass(frozen=True)
class Carried:
    post: Post  # under its current name
    account: str
    former: str  # the post id the record was made under
    record: Record  # that record, as it is on the ledger

    def adopted(self) -> Record:
        """The record under the post's current name."""
        moved = replace(self.record, post=self.post.id)
        return moved.moved(self.record.state, NOTE + self.former)


def _post_id(path: str) -> str | None:
    parts = path.split("/")
    if parts[0] != "content" or len(parts) < 3 or not path.endswith(".md") or "media" in parts:
        return None
    return path[len("content/") : -len(".md")]


class _Present:
    """`in`: a loaded post's id, or one `present` knows of."""

    def __init__(self, loaded: set[str], present: Callable[[str], bool]):
        self.loaded, self.present = loaded, present

    def __contains__(self, post_id: object) -> bool:
        return post_id in self.loaded or self.present(str(post_id))


def former_names(store: Store, rev: str) -> dict[str, str]:
    """post id -> the id it had before its newest rename on `rev` (one `git log`)."""
    found: dict[str, str] = {}
    for old, new in gitlog.renames(store, rev, "content"):
        old_id, new_id = _post_id(old), _post_id(new)
        if old_id and new_id:
            found.setdefault(new_id, old_id)  # newest first
    return found


def carried(
    posts: Iterable[Post],
    records: dict[tuple[str, str], Record],
    store: Store | None,
    rev: str | None,
    wanted: Callable[[Post], bool] = lambda post: True,
    present: Callable[[str], bool] | None = None,
) -> list[Carried]:
    """The records renamed posts take over. Cheap when nothing was renamed: nothing is
    done unless some record's post is gone, and git is asked only if a wanted post also
    lacks a record of one of its platforms. `present` says whether a post id has a file
    when `posts` are only some of them (a sync's window)."""
    posts = list(posts)
    loaded = {p.id for p in posts}
    ids: set[str] | _Present = loaded if present is None else _Present(loaded, present)
    left: dict[str, list[tuple[str, Record]]] = {}  # a gone name -> its records
    for (post, account), record in records.items():
        if post not in ids:
            left.setdefault(post, []).append((account, record))
    if not left:
        return []
    orphans = set(left)
    chosen = [post for post in posts if wanted(post)]
    todo = [
        (post, account)
        for post in chosen
        for account in post.platforms
        if (post.id, account) not in records
    ]
    found = _publications(todo, ids, orphans, records, store, rev) if todo else []
    return found + _followers(chosen, left, records, found)


def _publications(
    todo: list[tuple[Post, str]],
    ids: set[str] | _Present,
    orphans: set[str],
    records: dict[tuple[str, str], Record],
    store: Store | None,
    rev: str | None,
) -> list[Carried]:
    """The publication records the (post, account) pairs in `todo` take over."""
    formers = former_names(store, rev) if store is not None and rev else {}
    sent = {  # an account is the group's: records never cross to another group
        (post.split("/", 1)[0], r.content_sha256, account): (post, r)
        for (post, account), r in records.items()
        if post in orphans and r.content_sha256
    }
    found: list[Carried] = []
    for post, account in todo:
        former, seen = formers.get(post.id), {post.id}
        while former and former not in seen and former.split("/", 1)[0] == post.group:
            if former in ids:  # the old name is a post again: it keeps its records
                break
            if (former, account) in records:
                found.append(Carried(post, account, former, records[(former, account)]))
                break
            seen.add(former)
            former = formers.get(former)
        else:
            match = sent.get((post.group, post.sha256, account))
            if match:
                found.append(Carried(post, account, match[0], match[1]))
    return found


def _followers(
    posts: list[Post],
    left: dict[str, list[tuple[str, Record]]],
    records: dict[tuple[str, str], Record],
    found: list[Carried],
) -> list[Carried]:
    """The other records of a former name (promotions), for each post whose former name
    is known: from `found`, or noted in a record it took over in an earlier run."""
    by_id = {post.id: post for post in posts}
    formers = {(c.post.id, c.former) for c in found}
    noted = {post for post, _ in formers}
    groups = _left_behind(left, posts)
    for post in posts if groups else ():
        if post.group not in groups or post.id in noted:
            continue
        # One record a post: the adoption that carried it noted the former name.
        first = next(
            (records[(post.id, a)] for a in post.platforms if (post.id, a) in records), None
        )
        if first is not None and NOTE in "\n".join(first.history):
            former = renamed_from(first)
            if former in left:
                formers.add((post.id, former))
    taken = {(c.post.id, c.account) for c in found}
    more: list[Carried] = []
    for post, former in sorted(formers):
        for account, record in left.get(former, ()):
            if (post, account) not in records and (post, account) not in taken:
                taken.add((post, account))
                more.append(Carried(by_id[post], account, former, record))
    return more


def _left_behind(left: dict[str, list[tuple[str, Record]]], posts: list[Post]) -> set[str]:
    """The groups where a gone name holds records on accounts no post publishes to
    (promotions), which a post carried over earlier may have left behind."""
    published = {account for post in posts for account in post.platforms}
    return {
        former.split("/", 1)[0]
        for former, entries in left.items()
        if any(account not in published for account, _ in entries)
    }


def adopt(
    ledger: Ledger,
    posts: list[Post],
    rev: str,
    now: dt.datetime,
    write: bool,
    present: Callable[[str], bool] | None = None,
) -> int:
    """Before a sync plans: write the records renamed posts take over (in one commit), or,
    for a dry run, only into this run's view. Only posts that are due or withdrawn are
    looked at (a future post is looked at when it is due). How many records moved."""
    now_ts = now.timestamp()

    def wanted(post: Post) -> bool:
        return post.ts <= now_ts or post.status == "withdrawn"

    found = carried(posts, ledger.records, ledger.store, rev, wanted, present)
    if not found:
        return 0
    if not write:
        ledger.records.update({(c.post.id, c.account): c.adopted() for c in found})
        return len(found)

    def decide(records: dict) -> list[Record] | None:
        return [
            c.adopted()
            for c in found
            if (c.post.id, c.account) not in records
            and records.get((c.former, c.account)) == c.record
        ] or None

    names = sorted({f"{c.former} -> {c.post.id}" for c in found})
    done = ledger.transact(decide, "renamed: " + "; ".join(names))
    return len(done or ())


def _formers(record: Record | None) -> list[str]:
    """The post ids this record was carried over from, newest first."""
    found = []
    for entry in reversed((record.history if record else ()) or ()):
        _, _, rest = str(entry).partition(" ")
        _, _, note = rest.partition(" ")
        if note.startswith(NOTE):
            found.append(note[len(NOTE) :])
    return found


def renamed_from(record: Record | None) -> str | None:
    """The former post id, when this record was carried over from it."""
    return next(iter(_formers(record)), None)


def first_name(record: Record | None) -> str | None:
    """The post id this record was first made under, if it was carried over since."""
    formers = _formers(record)
    return formers[-1] if formers else None
