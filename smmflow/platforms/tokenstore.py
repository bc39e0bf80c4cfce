"""OAuth tokens a platform rotates, kept on this machine (never in git, never printed).

X's OAuth 2.0 access tokens live two hours; its refresh tokens are single-use: each
refresh answers a new access token *and* a new refresh token, and the old one stops
working. The environment holds what a person set up; after the first refresh smmflow
keeps the newest pair here, in `.git/smmflow/tokens/` of the content repository (or
`$SMMFLOW_TOKEN_DIR`), one JSON file per account, readable by its owner only.

A stored pair is used only while it descends from the refresh token the environment
holds now (`seed`): a person who puts a new token in the environment starts afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stored:
    seed: str  # fingerprint of the environment's refresh token this pair descends from
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds; 0 when the platform did not say
    scope: str = ""
    refreshed_at: float = 0.0

    def fresh(self, margin: float = 120.0, now: float | None = None) -> bool:
        """Whether the access token still has `margin` seconds to live."""
        now = time.time() if now is None else now
        return not self.expires_at or self.expires_at - margin > now


def seed_of(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()[:16]


def directory(root: Path) -> Path:
    if os.environ.get("SMMFLOW_TOKEN_DIR"):
        return Path(os.environ["SMMFLOW_TOKEN_DIR"])
    git = root / ".git"
    return git / "smmflow" / "tokens" if git.is_dir() else root / ".smmflow-tokens"


def path(root: Path, platform: str, group: str, account: str) -> Path:
    return directory(root) / f"{platform}-{group}-{account}.json"


def load(file: Path, seed: str) -> Stored | None:
    """The stored pair, if there is one descending from `seed`; anything else is None."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        stored = Stored(**data)
    except (OSError, ValueError, TypeError):
        return None
    return stored if stored.seed == seed and stored.refresh_token else None


def save(file: Path, stored: Stored) -> None:
    """Write atomically, owner-only: a crash leaves the old pair or the new one."""
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=file.parent, prefix=".tokens-")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(asdict(stored), out)
        os.replace(temp, file)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
