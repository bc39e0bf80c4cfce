"""What a sync must do now, decided without side effects: `actions(...)`.

Each (post, account) pair gets at most one action: the one its state calls for
(`ledger.states.standing`, where every rule lives; status and plan read the same table).
Most pairs of a large repository are in the future with no record: they are passed over
here without building anything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..ledger.branch import BRANCH
from ..ledger.records import Record
from ..ledger.states import Clock, Hold, standing
from ..model import Account, Group, Post

Pair = tuple[str, str]


@dataclass(frozen=True)
class Action:
    kind: str  # one of ledger.states' actions: publish, verify, unknown, missed, ...
    post: Post
    account: Account
    record: Record | None
    reason: str = ""

    @property
    def pair(self) -> Pair:
        return self.post.id, self.account.name


def actions(
    posts: Iterable[Post],
    groups: dict[str, Group],
    records: dict[Pair, Record],
    clock: Clock,
    hold: Hold = lambda post: None,
    erased: Callable[[], dict[Pair, str]] = dict,
    branch: str = BRANCH,
) -> list[Action]:
    """Every action this run should take, oldest post first. `erased` (pair -> the commit
    that deleted its record) is called at most once, and only if a new pair is due."""
    found: list[Action] = []
    now_ts = clock.now.timestamp()
    accounts = {gid: {a.name: a for a in g.accounts} for gid, g in groups.items()}
    deleted = functools.cache(erased)
    for post in sorted(posts, key=lambda p: (p.ts, p.path)):
        if post.status == "draft":
            continue
        future = post.ts > now_ts
        for name in post.platforms:
            account = accounts[post.group].get(name)
            record = records.get((post.id, name))
            if account is None or (record is None and future and post.status != "withdrawn"):
                continue
            lookup = functools.partial(_erased, deleted, (post.id, name))
            max_delay = groups[post.group].max_delay
            on_edit = groups[post.group].on_edit
            pair = standing(post, account, record, max_delay, clock, hold, lookup, branch, on_edit)
            if pair.action:
                found.append(Action(pair.action, post, account, record, pair.why))
    return found


def _erased(deleted: Callable[[], dict[Pair, str]], pair: Pair) -> str | None:
    return deleted().get(pair)
