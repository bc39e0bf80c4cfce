"""What identifies a publication attempt, where posts count from, what a platform can do."""

from __future__ import annotations

import hashlib

from . import due, platforms
from .gitstore import Store


def idempotency_key(post_id: str, account: str, generation: int) -> str:
    """Stable for one attempt of one pair, so a resumed send is recognised as the same."""
    raw = f"smmflow:{post_id}:{account}:{generation}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def publish_branch(store: Store, wanted: str | None) -> str:
    for candidate in [wanted] if wanted else ["main", "master", store.current_branch()]:
        if candidate and store.rev(candidate):
            return candidate
    from .errors import UsageError

    raise UsageError(
        f"no publish branch {wanted or 'main'}: commit your content first (or pass --branch)"
    )


def _capabilities(name: str) -> due.Capabilities:
    cls = platforms.get(name)
    return due.Capabilities(
        bool(getattr(cls, "idempotent", False)),
        bool(getattr(cls, "can_verify", False)),
        bool(getattr(cls, "can_delete", False)),
        getattr(cls, "key_ttl", None),
    )
