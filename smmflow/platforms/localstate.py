"""Capabilities kept on this machine between runs, never in the repository: a TikTok
upload URL (valid an hour), a YouTube upload session (valid about a week). Each works
without the account's token, so neither may go into the ledger, which git pushes; the
ledger holds only a reference to it. A run on another machine finds nothing here and
falls back to what the platform can be asked (docs/platforms/tiktok.md, youtube.md).

One private file (mode 0600) per entry under `<state dir>/<kind>/`, named by a hash of
its key; an entry older than `max_age` seconds is not given out.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path


class Capabilities:
    def __init__(self, state: Path, repository: Path, kind: str, max_age: float):
        self.folder = state / kind
        self.repository = repository
        self.max_age = max_age

    def _file(self, key: str) -> Path:
        return self.folder / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".txt")

    def _inside_repository(self) -> bool:
        try:
            self.folder.resolve().relative_to(self.repository.resolve())
        except ValueError:
            return False
        return True

    def keep(self, key: str, value: str) -> bool:
        """Best effort (False when it could not be kept: a later run then asks the platform
        instead); never inside the repository."""
        if self._inside_repository():
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
