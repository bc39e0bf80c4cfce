"""One attempt at a pair: the idempotency key it is sent with, and the `Attempt` a publisher
is handed (key, what the ledger holds, how to checkpoint, where media bytes come from)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from ..ledger.records import Record
from ..model import Media
from ..platforms.base import Attempt


def idempotency_key(post_id: str, account: str, generation: int) -> str:
    """Stable for one attempt of one pair, so a resumed send is recognised as the same; a
    new generation (`resolve --retry`, an edited post) is a new attempt."""
    raw = f"smmflow:{post_id}:{account}:{generation}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def key_of(post_id: str, account: str, record: Record | None) -> str:
    """The key a send of this pair uses now: its claim's, else its generation's."""
    generation = record.generation if record else 0
    return (record.key if record else "") or idempotency_key(post_id, account, generation)


def attempt(
    record: Record,
    checkpoint: Callable[[str], None] | None = None,
    media: Callable[[Media], bytes] | None = None,
) -> Attempt:
    """The attempt of a claimed (or, for `delete`, published) pair."""
    if checkpoint is None:
        return Attempt(record.key, record.remote_id, media=media)
    return Attempt(record.key, record.remote_id, checkpoint, media)
