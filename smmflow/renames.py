"""A post's identity survives `git mv`: a renamed post keeps the records of its old name.

Records are keyed by the post's path (`shop/2026-12-04-sale`). A post with no record of
its own on an account takes the record of a former name that no post has any more:

1. the names git's rename detection finds in the branch's history (`git log -M`: moved
   with at most half of the file changed), followed back through every rename; else
2. a name whose record says it sent exactly these bytes (`content_sha256`): a move git
   did not pair up, e.g. a delete and an add in different commits.

A copy (the original still there) is a new post; so is a post whose former name holds a
post again. `sync` writes the carried record under the new name (history: "renamed from
…") before planning, so a renamed post is never sent again and keeps its idempotency key;
`status` shows it under the new name; `check` says so (docs/sync.md, "Renamed posts").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from . import gitlog
from .errors import Problem, Severity
from .gitstore import Store
from .ledger import Ledger, Record
from .model import Post

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
) -> list[Carried]:
    """The records renamed posts take over. Cheap when nothing was renamed: git is asked
    only if some record's post is gone and a wanted post lacks a record."""
    posts = list(posts)
    ids = {p.id for p in posts}
    orphans = {post for post, _ in records if post not in ids}
    todo = [
        (post, account)
        for post in posts
        if wanted(post)
        for account in post.platforms
        if (post.id, account) not in records
    ]
    if not orphans or not todo:
        return []
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


def adopt(ledger: Ledger, posts: list[Post], rev: str, now: dt.datetime, write: bool) -> int:
    """Before a sync plans: write the records renamed posts take over (in one commit), or,
    for a dry run, only into this run's view. Only posts that are due or withdrawn are
    looked at (a future post is looked at when it is due). How many records moved."""
    now_ts = now.timestamp()

    def wanted(post: Post) -> bool:
        return post.ts <= now_ts or post.status == "withdrawn"

    found = carried(posts, ledger.records, ledger.store, rev, wanted)
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


def problems(posts: list[Post], records: dict, store: Store | None, rev: str | None) -> list:
    """What `check` says: a renamed post keeps its old name's records (and is not
    published again where it was), and posts that are byte-for-byte copies of another."""
    by_post: dict[str, list[Carried]] = {}
    for c in carried(posts, records, store, rev):
        by_post.setdefault(c.post.id, []).append(c)
    out = []
    for items in by_post.values():
        post, former = items[0].post, items[0].former
        done = sorted(c.account for c in items if c.record.state == "published")
        rest = sorted(f"{c.account}: {c.record.state}" for c in items if c.account not in done)
        message = f"renamed from content/{former}.md; it keeps that name's ledger records"
        if done:
            message += f": already published on {', '.join(done)}, not published there again"
        if rest:
            message += f" ({'; '.join(rest)})"
        out.append(_warning(post, message, "renamed"))
    same: dict[tuple[str, str], list[Post]] = {}  # a copy in another group is another client's
    for post in sorted(posts, key=lambda p: p.path):
        same.setdefault((post.group, post.sha256), []).append(post)
    for copies in same.values():
        for post in copies if len(copies) > 1 else ():
            others = ", ".join(p.path for p in copies if p is not post)
            message = (
                f"the same bytes as {others}: a copy is a new post and is published again; "
                "change it or delete one"
            )
            out.append(_warning(post, message, "copy"))
    return out


def _warning(post: Post, message: str, code: str) -> Problem:
    return Problem(post.path, 1, "", message, Severity.WARNING, code)


def check_repo(repo) -> list[Problem]:
    """`check`'s view, offline: renames against the ledger this clone has (the fetched
    remote one, else the local branch) and the history of HEAD; copies need neither."""
    from .ledger import BRANCH
    from .records import PREFIX, parse_record

    if not (repo.root / ".git").exists():
        return problems(repo.posts, {}, None, None)
    try:
        store = Store(repo.root)
    except Exception:  # not a usable repository: only what needs no git
        return problems(repo.posts, {}, None, None)
    try:
        refs = store.run("for-each-ref", "--format=%(refname)", "refs/remotes/").split()
        tips = [r for r in refs if r.endswith("/" + BRANCH)] + [f"refs/heads/{BRANCH}"]
        tip = next((t for t in map(store.rev, tips) if t), None)
        records: dict[tuple[str, str], Record] = {}
        ids = {p.id for p in repo.posts}
        for path, sha in (store.tree_blobs(tip, PREFIX.rstrip("/")) if tip else {}).items():
            post, _, account = path[len(PREFIX) : -len(".json")].rpartition("/")
            if post in ids:  # only whether it exists matters
                records[(post, account)] = Record(post, account, "", "skipped")
            elif path.endswith(".json"):
                records[(post, account)] = parse_record(path, store.read_blob(sha))
        head = store.rev("HEAD")
        return problems(repo.posts, records, store, head)
    finally:
        store.close()
