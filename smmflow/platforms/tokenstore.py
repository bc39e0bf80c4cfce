"""OAuth tokens a platform rotates (X, TikTok), kept on this machine: the one store.

X's and TikTok's refresh tokens are single-use: each refresh answers a new access token
*and* a new refresh token, and the old one stops working. The environment holds what a
person set up (a repository secret a run cannot rewrite); after the first refresh smmflow
keeps the newest pair here, under `<state dir>/tokens/` (`localstate.state_dir`: never in
the repository, never printed), one private JSON file (mode 0600, written atomically) per
chain. A chain is (platform, client id, the refresh token the environment holds): a person
who puts a new token in the environment starts a new chain.

A machine that forgets the folder when the job ends (a GitHub-hosted runner) would lose
the newest token with it and leave the next run a spent one, so `guard` refuses to
refresh there before anything is sent (docs/sync.md, "Tokens a platform rotates").
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from .http import FAIL, PublishError
from .localstate import forgetful, inside, state_dir

DOCS = "docs/sync.md#tokens-a-platform-rotates"


@dataclass(frozen=True)
class Stored:
    refresh_token: str
    access_token: str = ""  # kept only where the platform's access token outlives a run (X)
    expires_at: float = 0.0  # epoch seconds; 0 when the platform did not say
    scope: str = ""
    refreshed_at: float = 0.0

    def fresh(self, margin: float = 120.0, now: float | None = None) -> bool:
        """Whether the access token still has `margin` seconds to live."""
        now = time.time() if now is None else now
        return bool(self.access_token) and (not self.expires_at or self.expires_at - margin > now)


class TokenStore:
    """The rotated tokens of one platform's chains on this machine."""

    def __init__(self, environ: Mapping[str, str], repository: Path, platform: str):
        self.environ = environ
        self.folder = state_dir(environ) / "tokens"
        self.repository = repository
        self.platform = platform

    def file(self, client: str, origin: str) -> Path:
        key = f"{self.platform}\0{client}\0{origin}".encode()
        return self.folder / f"{hashlib.sha256(key).hexdigest()[:24]}.json"

    def load(self, client: str, origin: str) -> Stored | None:
        """The newest pair of the chain that began with `origin`; None when none is kept
        (or the file is damaged: the environment's token is then tried)."""
        try:
            data = json.loads(self.file(client, origin).read_text(encoding="utf-8"))
            stored = Stored(**data)
        except (OSError, ValueError, TypeError):
            return None
        return stored if stored.refresh_token else None

    def current(self, client: str, origin: str) -> str:
        """The refresh token to use: the newest of the chain, else `origin` itself."""
        kept = self.load(client, origin)
        return kept.refresh_token if kept else origin

    def guard(self, variable: str) -> None:
        """Refuse a refresh whose new token this machine would forget (FAIL), before the
        platform is asked: the token in the environment then still works elsewhere."""
        problem = self.forgotten(variable)
        if problem:
            raise PublishError(FAIL, problem)

    def forgotten(self, variable: str) -> str:
        """What is wrong when this machine forgets the store, else ""."""
        if not forgetful(self.environ):
            return ""
        name = {"x": "X", "tiktok": "TikTok"}.get(self.platform, self.platform)
        return (
            f"{name} rotates refresh tokens and this GitHub-hosted runner forgets {self.folder} "
            f"when the job ends: the next run would hold a spent token instead of {variable}. "
            "Publish this account from a self-hosted runner or `smmflow run` on a machine that "
            "keeps its disk, or set SMMFLOW_STATE_DIR to a folder you bring back privately "
            f"({DOCS})"
        )

    def save(self, client: str, origin: str, stored: Stored) -> Path:
        """Write atomically, owner-only (a crash leaves the old pair or the new one); a
        FAIL saying why it could not be kept."""
        if inside(self.folder, self.repository):
            raise PublishError(
                FAIL,
                f"SMMFLOW_STATE_DIR ({self.folder.parent}) is inside the repository: a refresh "
                "token must never be kept where git could commit it; point it elsewhere",
            )
        file = self.file(client, origin)
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temp = tempfile.mkstemp(dir=self.folder, prefix=".tokens-")
            try:
                os.fchmod(handle, 0o600)
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(asdict(stored), out)
                os.replace(temp, file)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise PublishError(
                FAIL, f"could not keep the new refresh token in {self.folder}: {exc.strerror}"
            ) from None
        return file
