"""Fetch what people wrote since the last run, for every chosen account, into the store.

Accounts are asked in parallel (one thread each: they wait on the network); the store is
written by the calling thread only. Each account's posts come from the ledger (the pairs
published in the group's `watch` window, read offline: no fetch of the ledger branch),
so comments are shown under the post they answer, with its headline.
"""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..content.posts import load_post
from ..ledger.gitstore import Store as GitStore
from ..ledger.offline import offline_tip
from ..ledger.records import PREFIX, parse_record
from ..model import Account, Group
from ..platforms.community import Fetched, Watched
from ..platforms.http import PublishError
from ..platforms.secrets import MissingSecret
from ..text.headline import headline
from .accounts import Accounts
from .config import Community
from .questions import is_question
from .store import Store

_DATED = re.compile(r"/(\d{4}-\d{2}-\d{2})[^/]*$")


@dataclass
class Fetch:
    """What one account's fetch did."""

    group: str
    account: str
    platform: str
    new: int = 0
    deleted: int = 0
    requests: int = 0
    error: str = ""


def fetch(
    accounts: Accounts,
    store: Store,
    chosen: list[tuple[Group, Account]],
    now: dt.datetime,
    since: dt.datetime | None = None,
) -> list[Fetch]:
    """Fetch every chosen account that smmflow can read; one `Fetch` each."""
    work = [(g, a, accounts.inbox(g, a)) for g, a in chosen]
    work = [(g, a, inbox) for g, a, inbox in work if inbox is not None]
    if not work:
        return []
    watched = _watched(accounts.root, [g for g, _, _ in work], accounts.communities, now)
    jobs = []
    for group, account, inbox in work:
        start = since or now - accounts.communities[group.id].watch
        posts = watched.get((group.id, account.name), {})
        cursor = store.cursor(group.id, account.name)
        jobs.append((group, account, inbox, cursor, posts, start.timestamp()))
    with ThreadPoolExecutor(max_workers=min(32, len(jobs)), thread_name_prefix="inbox") as pool:
        answers = list(pool.map(lambda job: _ask(accounts, *job), jobs))
    return [_keep(store, job, answer) for job, answer in zip(jobs, answers, strict=True)]


def _ask(accounts: Accounts, group, account, inbox, cursor, posts, since) -> Fetched | str:
    listing = [Watched(remote, info[2]) for remote, info in posts.items()]
    try:
        return inbox.fetch(cursor, listing, since)
    except (PublishError, MissingSecret) as exc:
        return accounts.redact(str(exc))


def _keep(store: Store, job: tuple, answer: Fetched | str) -> Fetch:
    group, account, _, _, posts, _ = job
    done = Fetch(group.id, account.name, account.platform)
    if isinstance(answer, str):
        done.error = answer
        return done
    done.requests = answer.requests
    done.new = store.add(group.id, account.name, account.platform, answer.items, posts, is_question)
    store.answered(account.platform, [own.parent for own in answer.own if own.parent])
    for post, present in answer.complete.items():
        done.deleted += store.gone(account.name, account.platform, post, present)
    store.set_cursor(group.id, account.name, answer.cursor)
    return done


def _watched(
    root: Path, groups: list[Group], communities: dict[str, Community], now: dt.datetime
) -> dict[tuple[str, str], dict[str, tuple[str, str, str]]]:
    """(group, account) -> {remote id: (post id, headline, url)} of the posts published
    within each group's `watch` window, from the ledger as this clone has it."""
    found: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {}
    if not (root / ".git").exists():
        return found
    store = GitStore(root)
    try:
        tip = offline_tip(store)
        for group in {g.id: g for g in groups}.values():
            start = now - communities[group.id].watch
            oldest = (start - group.max_delay - dt.timedelta(days=1)).strftime("%Y-%m-%d")
            blobs = store.tree_blobs(tip, f"{PREFIX}{group.id}") if tip else {}
            for path, sha in blobs.items():
                dated = _DATED.search(path.rsplit("/", 1)[0])
                if dated and dated.group(1) < oldest:
                    continue  # named for a day before the window: published before it too
                record = parse_record(path, store.read_blob(sha))
                if record.state != "published" or not record.remote_id:
                    continue
                if record.published_at < start.strftime("%Y-%m-%dT%H:%M:%SZ"):
                    continue
                title = _title(root, group, record.post)
                key = (group.id, record.account)
                found.setdefault(key, {})[record.remote_id] = (record.post, title, record.url)
    finally:
        store.close()
    return found


def _title(root: Path, group: Group, post_id: str) -> str:
    rel = f"content/{post_id}.md"
    try:
        post, _ = load_post(root, rel, (root / rel).read_bytes(), group, post_id.split("/")[0])
    except OSError:
        post = None
    return headline(post) if post is not None else post_id.rsplit("/", 1)[-1]
