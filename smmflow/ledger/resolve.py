"""`smmflow resolve`: a person settles a pair that smmflow could not settle by itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..content import repo as repo_module
from ..content.repo import Repo, find_post_id
from ..errors import UsageError
from ..platforms.secrets import env_secrets
from .branch import Ledger, open_ledger
from .records import LEASE, Record
from .remotes import default_remote


def settle(
    root: Path,
    given: str,
    account: str,
    *,
    published: str | None,
    retry: bool,
    skip: bool,
    remote: str | None,
    wall: dt.datetime,
) -> Record:
    """`smmflow resolve`: `given` names the post (id, path or file name); the ledger is the
    shared one the commands that publish use."""
    loaded = repo_module.load(root)
    redact = env_secrets(loaded.groups.values())
    store, ledger = open_ledger(root, remote or default_remote(), redact, shared=True)
    try:
        post_id = find_post_id(loaded, given)
        choice = {"published": published, "retry": retry, "skip": skip}
        return resolve(loaded, ledger, post_id, account, **choice, wall=wall)
    finally:
        store.close()


def resolve(
    repo: Repo,
    ledger: Ledger,
    post_id: str,
    account: str,
    *,
    published: str | None,
    retry: bool,
    skip: bool,
    wall: dt.datetime,
) -> Record:
    """Record what a person says of `post_id` on `account`: it is out at `published`, send
    it again (`retry`, with a new key) or never (`skip`). `wall`: the real time now (a
    claim younger than the lease belongs to a sync that may still be sending it)."""
    if sum(bool(x) for x in (published, retry, skip)) != 1:
        raise UsageError("give exactly one of --published URL, --retry, --skip")
    post = next(p for p in repo.posts if p.id == post_id)
    acc = repo.groups[post.group].account(account)
    if acc is None or account not in post.platforms:
        raise UsageError(f"{post_id} does not go to an account named {account!r}")
    if published is not None and not published.startswith(("http://", "https://")):
        raise UsageError("--published needs the post's URL (http:// or https://)")

    def change(records: dict) -> list[Record]:
        base = records.get((post_id, account))
        if base is None or base.state == "corrupt":
            generation = base.generation if base else 0
            base = Record(post_id, account, acc.platform, "skipped", generation=generation)
        if base.state == "claimed" and base.held_by_live_run(LEASE, wall):
            raise UsageError(f"{post_id} on {account} is being sent by a running sync; wait for it")
        return [_settled(base, published, retry)]

    done = ledger.transact(change, f"resolve: {post_id} on {account}")
    assert done
    return done[0]


def _settled(base: Record, published: str | None, retry: bool) -> Record:
    if published:
        return base.moved(
            "published",
            "resolved by a person",
            url=published,
            # a published record keeps its post id; any other holds at most a checkpoint
            # (uploaded media, a container, when a send left), which names no post
            remote_id=base.remote_id if _names_post(base) else published,
            error="",
            retryable=False,
            run={},
            doing="",  # an edit or a first comment a stopped run held: the person saw it
            comment_id=base.comment_id or ("resolved" if base.doing == "comment" else ""),
        )
    if retry and base.doing:  # an edit, a first comment or a repost: tried again, not the post
        note = f"retry of its {base.doing} asked by a person"
        return base.moved("published", note, doing="", run={}, error="", retryable=True)
    if retry:
        return base.moved(
            "failed",
            "retry asked by a person",
            generation=base.generation + 1,
            key="",  # the old key belongs to the attempt given up; the next gets a new one
            error="retry asked by a person",
            retryable=True,
            run={},
            doing="",
        )
    return base.moved("skipped", "skipped by a person", error="", run={}, doing="")


def _names_post(base: Record) -> bool:
    """The record's remote id names the publication (a published post, or one whose edit
    or first comment was being sent): `--published` keeps it."""
    return bool(base.remote_id) and (base.state == "published" or bool(base.doing))
