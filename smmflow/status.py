"""Where every post stands on every account: the data behind `smmflow status`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .identity import erased_note
from .ledger import Record
from .model import Post
from .repo import Repo

ADVICE = {
    "unknown": "check {account} for this post, then run `smmflow resolve {post} {account} "
    "--published URL` if it is there, or `--retry` if it is not",
    "failed": "fix the cause, then `smmflow resolve {post} {account} --retry`",
    "held": "merge it to the publish branch (and get it approved)",
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
    state: str  # published | due | scheduled | draft | held | claimed | failed | unknown | missed | withdrawn | skipped | corrupt
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
    records: dict[tuple[str, str], Record],
    now: dt.datetime,
    hold: Callable[[Post], str | None] = lambda post: None,
    group: str | None = None,
    month: str | None = None,
    erased: dict[tuple[str, str], str] | None = None,
    branch: str = "smmflow/ledger",
) -> list[Row]:
    """Every (post, account) row; `erased` maps pairs whose record was deleted from the
    ledger branch to the deleting commit (`Ledger.erased`)."""
    found = []
    held = _group_first(repo, hold)
    for post in sorted(repo.posts, key=lambda p: (p.utc, p.path)):
        if group and post.group != group:
            continue
        if month and post.date.strftime("%Y-%m") != month:
            continue
        for account in post.platforms:
            late = now - post.utc > repo.groups[post.group].max_delay
            record = records.get((post.id, account))
            commit = (erased or {}).get((post.id, account))
            if record is None and commit and post.status == "ready" and post.utc <= now:
                found.append(_row_erased(post, account, erased_note(commit, branch)))
                continue
            found.append(_renamed(_row(post, account, record, now, held, late), record))
    return found


def _group_first(repo: Repo, hold: Callable[[Post], str | None]) -> Callable[[Post], str | None]:
    """A post of a group whose file has errors is held for that, whatever else holds."""

    def held(post: Post) -> str | None:
        return repo.group_error(post.group) or hold(post)

    return held


def _renamed(row: Row, record: Record | None) -> Row:
    """A renamed post's row says under which name its record was made."""
    from dataclasses import replace

    from .renames import renamed_from

    former = renamed_from(record)
    if former is None:
        return row
    note = f"renamed from {former}"
    return replace(row, detail=f"{note}; {row.detail}" if row.detail else note)


def _row_erased(post: Post, account: str, note: str) -> Row:
    advice = ADVICE["unknown"].format(post=post.id, account=account)
    return Row.of(post, account, "unknown", f"{note}; {advice}")


def _row(
    post: Post, account: str, record: Record | None, now: dt.datetime, hold, late: bool
) -> Row:
    def row(state: str, detail: str = "", url: str = "") -> Row:
        advice = ADVICE.get(state)
        if advice and state != "held":
            advice = advice.format(post=post.id, account=account)
            detail = f"{detail}; {advice}" if detail else advice
        return Row.of(post, account, state, detail, url)

    if record is not None:
        if record.state == "published" and post.status == "withdrawn":
            why = hold(post)  # a withdrawal counts only as committed (and approved)
            note = (
                f"withdrawn here, not acted on: {why}"
                if why
                else "withdrawn: the next sync deletes it"
            )
            return row("published", note, record.url)
        if record.state in ("published", "withdrawn", "skipped"):
            return row(record.state, record.error, record.url)
        if record.state in ("failed", "unknown", "missed", "corrupt"):
            return row(record.state, record.error, record.url)
        if record.state == "claimed":
            return row("claimed", f"being sent by run {record.run.get('id', '?')}")
    if post.status == "draft":
        return row("draft")
    if post.status == "withdrawn":
        return row("withdrawn", "never published")
    reason = hold(post)
    if post.utc > now:
        return row("scheduled", f"held now: {reason}" if reason else "")
    if reason:
        return row("held", reason)
    if late:
        return row("missed", "later than the group's max_delay; the next sync records it")
    return row("due")
