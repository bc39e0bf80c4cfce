"""What follows a publication: an edit of the published post, its first comment, a repost.

A published pair whose post file changed since (its bytes are not the record's
`content_sha256`) was **edited after publication**. Where the platform edits
(`Publisher.can_edit`), the next sync sends the edit, exactly once; elsewhere the group's
`on_edit` decides: `flag` (the default: `status`, `check` and the preview say the edit
cannot reach the platform), `ignore` (said in `status` only), or `repost` (delete, then
publish again). A published pair whose post has a `first_comment:` for its account that
was not sent yet gets it. Every one of these obeys `hold`, like a publication.

A claim for one of them is marked with the record's `doing`; a run that stopped while
holding one resumes it (edits and deletes are safe to repeat: the contract says so) or,
for a comment the platform can neither deduplicate nor find, hands it to a person.

Pure: `states` asks, nothing here reads git or the network.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from ..model import Account, Post
from ..platforms import registry
from .records import Record

EDIT = "edit"  # send the approved new text as an edit of the published post
COMMENT = "comment"  # send the post's first comment under it
REPOST = "repost"  # delete the publication, then publish the post again (`on_edit: repost`)
# How a refused edit or comment begins its record's `error`: not tried again until the
# post changes (publish/followups writes them).
EDIT_REFUSED = "edit {sha} refused: "
COMMENT_REFUSED = "first comment refused: "


@dataclass(frozen=True)
class Abilities:
    """What a platform can do after publishing (its publisher's class attributes)."""

    title: str
    can_edit: bool = False
    can_delete: bool = False
    comments: bool = False  # `first_comment:` can be written under its posts
    comment_idempotent: bool = False  # a resent comment with the same key is not doubled
    can_find_comment: bool = False  # a comment that may have gone out can be looked up


@functools.cache
def abilities(platform: str) -> Abilities:
    cls = registry.get(platform)
    return Abilities(
        str(getattr(cls, "title", platform) or platform),
        bool(getattr(cls, "can_edit", False)),
        bool(getattr(cls, "can_delete", False)),
        getattr(cls, "comment_limit", None) is not None,
        bool(getattr(cls, "comment_idempotent", False)),
        bool(getattr(cls, "can_find_comment", False)),
    )


# (state, detail, action, reason): states.Standing's fields, built there.
Found = tuple[str, str, str, str]


def edited(post: Post, record: Record) -> bool:
    """The post's bytes are not those its publication was made from."""
    return bool(record.content_sha256) and record.content_sha256 != post.sha256


def published(
    post: Post,
    account: Account,
    record: Record,
    on_edit: str,
    hold: Callable[[Post], str | None],
) -> Found | None:
    """What a published pair of a `ready` post still needs, or None (nothing)."""
    can = abilities(account.platform)
    refused = record.error if not record.retryable else ""
    if edited(post, record):
        if refused.startswith(EDIT_REFUSED.format(sha=post.sha256[:12])):
            return "published", f"edited after publication; {refused}", "", ""
        if can.can_edit:
            return _held(post, hold, "the next sync edits it", EDIT, "edited after publication")
        return _cannot(post, account, can, on_edit, hold)
    if refused.startswith(COMMENT_REFUSED):
        return None
    if post.comment_for(account) and not record.comment_id and can.comments:
        return _held(post, hold, "its first comment is sent next", COMMENT, "first comment")
    return None


def _cannot(
    post: Post, account: Account, can: Abilities, on_edit: str, hold: Callable
) -> Found | None:
    gone = f"published; this edit cannot reach {can.title}"
    if on_edit == "ignore":
        return "published", f"edited after publication; {gone} (on_edit: ignore)", "", ""
    if on_edit == "repost" and can.can_delete:
        return _held(post, hold, "on_edit: repost: deleted and published again next", REPOST,
                     "edited after publication")  # fmt: skip
    return "published", f"edited after publication; {gone} (on_edit: {on_edit or 'flag'})", "", ""


def _held(post: Post, hold: Callable, then: str, action: str, what: str) -> Found:
    why = hold(post)
    if why:
        return "published", f"{what}, not sent: {why}", "held", f"{what} not sent: {why}"
    return "published", f"{what}; {then}", action, what


def claimed(post: Post, account: Account, record: Record) -> Found:
    """A stale claim for an edit, a comment or a repost (no live run holds it)."""
    can = abilities(account.platform)
    stopped = f"a run stopped while sending its {record.doing}"
    if record.doing == COMMENT and not (can.comment_idempotent or can.can_find_comment):
        check = f"check the comments under {record.url or record.remote_id} by hand"
        return "claimed", f"{stopped}; {check}", "unknown", f"{stopped}; {check}"
    if post.status == "withdrawn":
        return "claimed", stopped, "delete", "withdrawn after publishing"
    return "claimed", stopped, record.doing, f"resuming: {stopped}"
