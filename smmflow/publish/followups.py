"""After a publication: an edit, the first comment, a repost, each claim → send → record once.

The pair's record is claimed with `doing` set (ledger/afterwards decides what is due and
what a stopped run's claim becomes), the request is sent, and the record goes back to
`published` with what changed: the new `content_sha256` of an edit, the `comment_id` of a
first comment. A repost deletes, saves that as a checkpoint (a claim for a new
generation, with a new idempotency key), then publishes through the engine like any post.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..ledger.afterwards import (
    COMMENT,
    COMMENT_REFUSED,
    EDIT,
    EDIT_REFUSED,
    REPOST,
    abilities,
)
from ..ledger.branch import Ledger
from ..ledger.records import Record, now_utc, this_run
from ..ledger.states import PUBLISH
from ..model import Media, Post
from ..platforms.base import Attempt, Publisher, Receipt
from ..platforms.http import FAIL, RETRY, UNKNOWN, PublishError
from ..platforms.secrets import MissingSecret
from . import crashpoints
from .attempts import attempt, idempotency_key
from .claims import Claims
from .decide import Action
from .outcomes import Outcome


class Engine(Protocol):
    """What the follow-ups use of the engine (publish/engine.py), which calls them."""

    ledger: Ledger
    claims: Claims

    @property
    def redact(self) -> Callable[[object], str]: ...
    def publisher(self, action: Action) -> Publisher: ...
    def media_of(self, post: Post) -> Callable[[Media], bytes] | None: ...
    def _publish(self, action: Action) -> Outcome | None: ...


KINDS = (EDIT, COMMENT, REPOST)


def do(engine: Engine, action: Action) -> Outcome | None:
    """Carry out an EDIT, COMMENT or REPOST action."""
    if action.kind == EDIT:
        return _edit(engine, action)
    if action.kind == COMMENT:
        return _comment(engine, action)
    return _repost(engine, action)


def after_publish(engine: Engine, action: Action, outcome: Outcome | None) -> Outcome | None:
    """The first comment, in the same run, right after the post went out (or was edited)."""
    post, account = action.post, action.account
    if outcome is None or outcome.state not in ("published", "edited"):
        return outcome
    if not post.comment_for(account):
        return outcome
    record = engine.ledger.records.get(action.pair)
    if not abilities(account.platform).comments or record is None or record.comment_id:
        return outcome
    said = _comment(engine, Action(COMMENT, post, account, record, "first comment"))
    if said is None or said.state == "commented":
        detail = "; ".join(x for x in (outcome.detail, "first comment sent") if x)
        return Outcome(*action.pair, outcome.state, detail, outcome.url)
    return Outcome(*action.pair, said.state, f"{outcome.state}; {said.detail}", outcome.url)


def _claim(engine: Engine, action: Action, doing: str) -> Record | None:
    """The pair claimed for `doing`; it keeps the publication's key (a first comment's
    own key is derived from it in `_comment`)."""
    base = action.record
    assert base is not None
    key = base.key or idempotency_key(action.post.id, base.account, base.generation)

    def change(records: dict) -> list[Record] | None:
        if records.get(action.pair) != base:
            return None  # someone else acted on this pair since we planned
        note = f"{doing}: run {this_run()['id']}"
        moved = base.moved("claimed", note, doing=doing, key=key, attempts=base.attempts + 1,
                           claimed_at=now_utc(), run=this_run())  # fmt: skip
        return [moved]

    crashpoints.point("before-claim")
    engine.claims.unless_diverged()
    done = engine.ledger.transact(change, f"claim {doing}: {action.post.id} on {base.account}")
    if done:
        crashpoints.point("after-claim")
    return done[0] if done else None


def _busy(action: Action) -> Outcome:
    return Outcome(*action.pair, "busy", "another run acted on it first")


def _edit(engine: Engine, action: Action) -> Outcome | None:
    post = action.post
    claimed = _claim(engine, action, EDIT)
    if claimed is None:
        return _busy(action)
    publisher = engine.publisher(action)
    try:
        rendered = publisher.render(post)
        if refused := rendered.too_long():
            raise PublishError(FAIL, refused)
        crashpoints.point("before-send")
        receipt = publisher.edit(post, rendered, attempt(claimed, media=engine.media_of(post)))
        crashpoints.point("after-send")
    except (PublishError, MissingSecret) as exc:
        start = EDIT_REFUSED.format(sha=post.sha256[:12])
        return _back(engine, action, claimed, exc, start, "edit")
    old = claimed.content_sha256[:12]
    url = receipt.url or claimed.url
    note = f"edited: {old} -> {post.sha256[:12]}"
    engine.claims.record(claimed, "published", note, content_sha256=post.sha256, doing="",
                         url=url, error="", retryable=False, run={})  # fmt: skip
    done = Outcome(*action.pair, "edited", "the published post now has the new text", url)
    return after_publish(engine, action, done)


def _comment(engine: Engine, action: Action) -> Outcome | None:
    post, account = action.post, action.account
    can = abilities(account.platform)
    resumed = action.record is not None and action.record.state == "claimed"
    claimed = _claim(engine, action, COMMENT)
    if claimed is None:
        return _busy(action)
    publisher, text = engine.publisher(action), post.comment_for(account)
    # The comment's own idempotency key: stable for the pair's generation, so a resumed
    # run sends the same one.
    said = Attempt(idempotency_key(f"{claimed.key}#comment", account.name, 0), claimed.remote_id)
    try:
        found: Receipt | None = None
        if resumed and can.can_find_comment:  # a key the platform may have forgotten
            found = publisher.find_comment(text, said)
        if found is None:
            crashpoints.point("before-send")
            found = publisher.comment(text, said)
            crashpoints.point("after-send")
    except (PublishError, MissingSecret) as exc:
        return _back(engine, action, claimed, exc, COMMENT_REFUSED, "first comment")
    engine.claims.record(claimed, "published", "first comment sent", doing="", run={},
                         comment_id=found.remote_id or found.url, error="", retryable=False)  # fmt: skip
    return Outcome(*action.pair, "commented", "first comment sent", found.url or claimed.url)


def _back(
    engine: Engine, action: Action, claimed: Record, exc: Exception, start: str, what: str
) -> Outcome:
    """The publication stands: the record is `published` again, with why `what` failed.
    A refusal is not tried again until the post changes; a retryable failure (and an
    unknown outcome where repeating is safe) is tried by the next run."""
    kind = exc.kind if isinstance(exc, PublishError) else RETRY
    message = engine.redact(exc.message if isinstance(exc, PublishError) else str(exc))
    can = abilities(action.account.platform)
    safe = what != "first comment" or can.comment_idempotent or can.can_find_comment
    retryable = kind == RETRY or (kind == UNKNOWN and safe)
    changes: dict = {"doing": "", "run": {}, "retryable": retryable}
    if kind == UNKNOWN and not safe:
        message = f"{message}: it may have been posted; check the comments under {claimed.url}"
        changes["comment_id"] = "unknown"  # never sent again blindly
    error = f"{start}{message}" if not retryable else f"{what} failed: {message}"
    engine.claims.record(claimed, "published", f"{what} failed", error=error, **changes)
    state = "unknown" if kind == UNKNOWN and not safe else "failed"
    return Outcome(*action.pair, state, f"{what} not sent: {message}", claimed.url)


def _repost(engine: Engine, action: Action) -> Outcome | None:
    post, account = action.post, action.account
    claimed = _claim(engine, action, REPOST)
    if claimed is None:
        return _busy(action)
    try:
        crashpoints.point("before-send")
        engine.publisher(action).delete(attempt(claimed))
        crashpoints.point("after-send")
    except (PublishError, MissingSecret) as exc:
        start = EDIT_REFUSED.format(sha=post.sha256[:12])  # not tried again until it changes
        return _back(engine, action, claimed, exc, start, "repost")
    generation = claimed.generation + 1
    fresh = engine.claims.record(
        claimed, "claimed", f"deleted {claimed.remote_id} for a repost", doing="", remote_id="",
        url="", comment_id="", generation=generation, run=claimed.run,
        key=idempotency_key(post.id, account.name, generation),
    )  # fmt: skip
    again = Action(PUBLISH, post, account, fresh, "on_edit: repost")
    outcome = after_publish(engine, again, engine._publish(again))
    if outcome is not None and outcome.state == "published":
        return Outcome(*action.pair, "reposted", outcome.detail, outcome.url)
    return outcome
