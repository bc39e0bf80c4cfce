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
from .states import PUBLISH, Clock, Hold, Standing, offline, standing

ADVICE = {
    "unknown": "check {account} for this post, then run `smmflow resolve {post} {account} "
    "--published URL` if it is there, or `--retry` if it is not",
    "failed": "fix the cause, then `smmflow resolve {post} {account} --retry`",
    "missed": "publish by hand, or `smmflow resolve {post} {account} --retry` to send it late",
    "corrupt": "the ledger record is damaged: `smmflow resolve {post} {account} --published URL|--retry|--skip` rewrites it",
    # A failure sync retries by itself (a missing secret, a server error, a changed post).
    "retrying": "nothing to do by hand: the next sync retries it (once its cause is fixed)",
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
    hint: str = ""  # the `ADVICE` key whose advice ends `detail`, "" for none

    @classmethod
    def of(
        cls, post: Post, account: str, state: str, detail: str = "", url: str = "", hint: str = ""
    ) -> Row:
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
            hint,
        )

    @property
    def cause(self) -> str:
        """`detail` without its advice: what happened, for a table that says the advice once."""
        if not self.hint:
            return self.detail
        advice = advice_for(self.hint, self.post, self.account)
        return self.detail.removesuffix(advice).removesuffix("; ")

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


def advice_for(hint: str, post: str = "POST", account: str = "ACCOUNT") -> str:
    """What a person should do about a row with this `hint` (`ADVICE`)."""
    return ADVICE[hint].format(post=post, account=account) if hint in ADVICE else ""


def _row(post: Post, account: str, pair: Standing) -> Row:
    """A row as `status` shows it: what a person should do next, after the detail. A
    failure the next sync retries by itself asks nothing of anyone (docs/sync.md)."""
    hint = "retrying" if pair.state == "failed" and pair.action == PUBLISH else pair.state
    advice = advice_for(hint, post.id, account)
    detail = pair.detail
    if advice:
        detail = f"{detail}; {advice}" if detail else advice
    return Row.of(post, account, pair.state, detail, pair.url, hint if advice else "")


def _renamed(row: Row, record: Record | None) -> Row:
    """A renamed post's row says under which name its record was made."""
    former = renamed_from(record)
    if former is None:
        return row
    note = f"renamed from {former}"
    return replace(row, detail=f"{note}; {row.detail}" if row.detail else note)
