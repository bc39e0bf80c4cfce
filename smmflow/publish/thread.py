"""A post split into parts (`<!-- part -->`) sent as a thread, exactly once per part.

The parts go out in order, each a reply to the one before (`Attempt.reply`), each with an
idempotency key of its own (`threading.part_key`). After each part the remote ids sent so
far are checkpointed in the ledger (the pair's `remote_id` while it is claimed), so a run
that stops between parts, or inside one, resumes with the next part and never sends one
twice: a part being sent keeps its publisher's own checkpoint inside the thread's (Mastodon's
uploaded media, X's send mark), and its key makes a resend find it (Mastodon's
Idempotency-Key, Bluesky's record key, Threads' container; X's `verify`).
"""

from __future__ import annotations

from ..content import overrides
from ..model import Account, Post
from ..platforms.base import Attempt, Publisher, Receipt
from ..platforms.http import FAIL, PublishError
from ..platforms.threading import Progress, Reply, part_key
from . import crashpoints


def refused(publisher: Publisher, post: Post, view: Post, account: Account) -> str | None:
    """Why `view` (what `account` gets of `post`) must not be sent to this platform: a
    split it cannot carry, a poll it cannot carry without a text of its own. `check` says
    the same (check/variants)."""
    if view.parts and not publisher.thread_style:
        return (
            f"split into {len(view.parts)} parts, and {publisher.title} cannot post a thread "
            "(`smmflow check` says so too); nothing was sent"
        )
    if post.poll and publisher.polls is None and not overrides.own_text(post, account):
        return (
            f"{publisher.title} cannot carry the post's poll, and it has no text of its own "
            "(`smmflow check` says so too); nothing was sent"
        )
    return None


def send(publisher: Publisher, post: Post, attempt: Attempt, verify: bool = False) -> Receipt:
    """Send the parts of `post` not yet sent (as `attempt.remote_id` saved them); the
    receipt of the thread is its first part's."""
    progress = Progress.decode(attempt.remote_id)
    count = len(post.parts)
    resumed_at = len(progress.ids)
    for index in range(resumed_at, count):
        piece = overrides.part(post, index)
        rendered = publisher.render(piece)
        if refusal := rendered.too_long():
            raise PublishError(FAIL, f"part {index + 1} of {count}: {refusal}")
        reply = Reply(progress.ids[0], progress.ids[-1], index) if progress.ids else None

        def checkpoint(inner: str) -> None:
            progress.inner = inner
            attempt.checkpoint(progress.encode())

        key = part_key(attempt.key, index)
        one = Attempt(key, progress.inner, checkpoint, attempt.media, reply)
        receipt = None
        if verify and index == resumed_at and publisher.can_verify:
            receipt = publisher.verify(piece, one)
        if receipt is None:
            receipt = publisher.publish(piece, rendered, one)
        progress.ids.append(receipt.remote_id)
        progress.url = progress.url or receipt.url
        progress.inner = ""
        if index + 1 < count:
            attempt.checkpoint(progress.encode())
            crashpoints.point("between-parts")
    return Receipt(progress.ids[0], progress.url, note=f"a thread of {count} parts")


def payload(publisher: Publisher, post: Post, attempt: Attempt) -> dict:
    """What would be sent (`sync --dry-run`): the post's payload, or each part's."""
    if not (post.parts and publisher.thread_style == "reply"):
        return publisher.payload(post, publisher.render(post), attempt)
    parts = []
    for index in range(len(post.parts)):
        piece = overrides.part(post, index)
        one = Attempt(part_key(attempt.key, index))
        parts.append(publisher.payload(piece, publisher.render(piece), one))
    return {"thread": parts}
