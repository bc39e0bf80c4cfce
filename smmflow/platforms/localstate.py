"""What smmflow keeps on this machine between runs, never in the repository: the one rule
for where (`state_dir`), whether this machine forgets it when the job ends (`forgetful`),
and capabilities kept there — a TikTok upload URL (valid an hour), a YouTube upload
session (valid about a week). Rotated OAuth tokens live under the same folder
(`tokenstore`).

A capability works without the account's token, so none may go into the ledger, which git
pushes; the ledger holds only a reference to it. A run on another machine finds nothing
here and falls back to what the platform can be asked (docs/platforms/tiktok.md,
youtube.md). One private file (mode 0600) per entry under `<state dir>/<kind>/`, named by a
hash of its key; an entry older than `max_age` seconds is not given out.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from pathlib import Path


def state_dir(environ: Mapping[str, str]) -> Path:
    """Where smmflow keeps what must outlive a run on this machine (never the repository):
    `SMMFLOW_STATE_DIR`, else `$XDG_STATE_HOME/smmflow`, else `~/.local/state/smmflow`."""
    if environ.get("SMMFLOW_STATE_DIR"):
        return Path(environ["SMMFLOW_STATE_DIR"])
    base = environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local/state")
    return Path(base) / "smmflow"


def forgetful(environ: Mapping[str, str]) -> bool:
    """Whether this machine forgets the state folder when the job ends: a GitHub-hosted
    runner (`RUNNER_ENVIRONMENT=github-hosted`), unless `SMMFLOW_STATE_DIR` says a person
    brings the folder back themselves."""
    hosted = environ.get("RUNNER_ENVIRONMENT") == "github-hosted"
    return hosted and not environ.get("SMMFLOW_STATE_DIR")


def inside(folder: Path, repository: Path) -> bool:
    """Whether `folder` lies inside the repository's work tree (where git could commit it)."""
    try:
        folder.resolve().relative_to(repository.resolve())
    except ValueError:
        return False
    return True


class Capabilities:
    def __init__(self, state: Path, repository: Path, kind: str, max_age: float):
        self.folder = state / kind
        self.repository = repository
        self.max_age = max_age

    def _file(self, key: str) -> Path:
        return self.folder / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".txt")

    def keep(self, key: str, value: str) -> bool:
        """Best effort (False when it could not be kept: a later run then asks the platform
        instead); never inside the repository."""
        if inside(self.folder, self.repository):
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self._file(key), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(value)
        except OSError:
            return False
        return True

    def find(self, key: str) -> str:
        """The value kept for `key` while it is younger than `max_age`, else ""."""
        path = self._file(key)
        try:
            if time.time() - path.stat().st_mtime > self.max_age:
                return ""
            return path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""
