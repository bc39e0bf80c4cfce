"""Where every post stands on every account, as rows: what `smmflow status` prints and what
`plan` and `site` show per account (each row read from the state table, `states`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from ..content.repo import Repo
from ..model import Account, Post
from .branch import BRANCH
from .records import Record
from .renames import renamed_from
from .states import Clock, Hold, Standing, offline, standing

ADVICE = {
    "unknown": "check {account} for this post, then run `smmflow resolve {post} {account} "
    "--published URL` if it is there, or `--retry` if it is not",
    "failed": "fix the cause, then `smmflow resolve {post} {account} --retry`",
    "missed": "publish by hand, or `smmflow resolve {post} {account} --retry` to send it late",
    "corrupt": "the ledger record is damaged: `smmflow resolve {post} {account} --published URL|--retry|--skip` rewrites it",
}


@dataclass(frozen=True)
class Row:
    post: str
    group: str
    date: str  # local, with the zone's abbreviation
    utc: str
    account: str
    state: str  # a `states.Standing.state`
    detail: str = ""
    url: str = ""

    @classmethod
    def of(cls, post: Post, account: str, state: str, detail: str = "", url: str = "") -> Row:
        """A row for `post` on `account`, dates formatted the one way status shows them."""
        return cls(
            post.id,
            post.group,
            post.date.strftime("%Y-%m-%d %H:%M %Z"),
            post.utc.strftime("%Y-%m-%dT%H:%MZ"),
            account,
            state,
            detail,
            url,
        )

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def rows(
    repo: Repo,
    records: dict[tuple[str, str], Record] | None,
    clock: Clock,
    hold: Hold = lambda post: None,
    group: str | None = None,
    month: str | None = None,
    erased: dict[tuple[str, str], str] | None = None,
    branch: str = BRANCH,
) -> list[Row]:
    """Every (post, account) row, each read from the state table (`states.standing`).
    `records` None: there is no ledger here (`plan` outside git), so only what the files
    say. `erased` maps pairs whose record was deleted from the ledger branch to the
    deleting commit (`identity.erased`)."""
    found = []
    deleted = erased or {}
    for post in sorted(repo.posts, key=lambda p: (p.utc, p.path)):
        if (group and post.group != group) or (month and post.date.strftime("%Y-%m") != month):
            continue
        owner = repo.groups[post.group]
        for name in post.platforms:
            if records is None:
                found.append(_row(post, name, offline(post, clock.now)))
                continue
            record = records.get((post.id, name))
            account = owner.account(name) or Account(name, "")
            lookup = functools.partial(deleted.get, (post.id, name))
            pair = standing(
                post, account, record, owner.max_delay, clock, hold, lookup, branch, owner.on_edit
            )
            found.append(_renamed(_row(post, name, pair), record))
    return found


def _row(post: Post, account: str, pair: Standing) -> Row:
    """A row as `status` shows it: what a person should do next, after the detail."""
    detail, advice = pair.detail, ADVICE.get(pair.state)
    if advice:
        advice = advice.format(post=post.id, account=account)
        detail = f"{detail}; {advice}" if detail else advice
    return Row.of(post, account, pair.state, detail, pair.url)


def _renamed(row: Row, record: Record | None) -> Row:
    """A renamed post's row says under which name its record was made."""
    former = renamed_from(record)
    if former is None:
        return row
    note = f"renamed from {former}"
    return replace(row, detail=f"{note}; {row.detail}" if row.detail else note)
