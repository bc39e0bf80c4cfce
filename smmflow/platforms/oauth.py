"""OAuth 2 access tokens from refresh tokens, for platforms whose access tokens are short-lived
(Google: one hour; TikTok: two hours).

The environment holds the long-lived parts (client id and secret, refresh token); a run
asks the platform's token endpoint for an access token once, keeps it in memory while it
is valid, and never writes it anywhere. Every token obtained is added to the run's
redactor, so no message can show it.

TikTok rotates refresh tokens: each refresh returns a new one and the old one stops
working. `RotatedTokens` keeps the newest refresh token of each chain in a private file
on this machine (never in the repository), so that the next run on the same machine can
refresh again; docs/platforms/tiktok.md says what that means on GitHub-hosted runners.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .http import FAIL, REAUTH, RETRY, Http, PublishError, Redact, json_body, json_object
from .secrets import clip

if TYPE_CHECKING:
    import requests

MARGIN = 300.0  # seconds: an access token this close to its end is refreshed first


def classify(
    response: requests.Response, idempotent: bool, redact: Redact, *, who: str
) -> PublishError | None:
    """A token endpoint's answer: `{"error": "invalid_grant", "error_description": ...}`
    (RFC 6749 §5.2) means the refresh token or the client is refused: a person fixes it."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    body = json_body(response)
    error = body.get("error") if isinstance(body, dict) else None
    said = ""
    if isinstance(body, dict):
        said = clip(f"{error or ''}: {body.get('error_description') or ''}".strip(": "), redact)
    if status == 429 or status >= 500:
        return PublishError(RETRY, f"{who}'s token endpoint answered HTTP {status} {said}".strip())
    if error in ("invalid_grant", "invalid_client", "unauthorized_client") or status in (401, 403):
        return PublishError(REAUTH, f"{who} refused the refresh token or the client ({said})")
    return PublishError(FAIL, f"{who}'s token endpoint refused the request ({said or status})")


@dataclass
class Tokens:
    """What one refresh gave: the access token, when it ends, and the refresh token to use
    next time (the same one unless the platform rotated it)."""

    access: str
    expires_at: float
    refresh: str

    def fresh(self, now: float) -> bool:
        return now < self.expires_at - MARGIN


def refresh(
    http: Http,
    url: str,
    form: dict[str, str],
    who: str,
    learn: Callable[[str], None] = lambda secret: None,
) -> Tokens:
    """POST the refresh-token grant (`form` holds the client's fields and the refresh
    token); `learn` is told every new secret before anything else can show it."""
    response = http.request(
        "POST",
        url,
        idempotent=True,
        classify=functools.partial(classify, who=who),
        data={**form, "grant_type": "refresh_token"},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    body = json_object(response, f"{who}'s token endpoint")
    access, rotated = str(body.get("access_token") or ""), str(body.get("refresh_token") or "")
    for secret in (access, rotated):
        if secret:
            learn(secret)
    if not access:
        raise PublishError(RETRY, f"{who}'s token endpoint answered without an access token")
    try:
        lifetime = float(body.get("expires_in") or 3600)
    except (TypeError, ValueError):
        lifetime = 3600.0
    return Tokens(access, time.time() + lifetime, rotated or form["refresh_token"])


def state_dir(environ: Mapping[str, str]) -> Path:
    """Where smmflow keeps what must outlive a run on this machine (never the repository):
    `SMMFLOW_STATE_DIR`, else `$XDG_STATE_HOME/smmflow`, else `~/.local/state/smmflow`."""
    if environ.get("SMMFLOW_STATE_DIR"):
        return Path(environ["SMMFLOW_STATE_DIR"])
    base = environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local/state")
    return Path(base) / "smmflow"


class RotatedTokens:
    """The newest refresh token of each chain that began with a refresh token from the
    environment, one private file per chain (mode 0600) under `folder/tokens/`."""

    def __init__(self, folder: Path, repository: Path):
        self.folder = folder / "tokens"
        self.repository = repository

    def _file(self, client: str, origin: str) -> Path:
        digest = hashlib.sha256(f"{client}\0{origin}".encode()).hexdigest()[:24]
        return self.folder / f"{digest}.token"

    def _inside_repository(self) -> bool:
        try:
            self.folder.resolve().relative_to(self.repository.resolve())
        except ValueError:
            return False
        return True

    def current(self, client: str, origin: str) -> str:
        """The refresh token to use: the newest of the chain, else `origin` itself."""
        try:
            kept = self._file(client, origin).read_text(encoding="utf-8").strip()
        except OSError:
            return origin
        return kept or origin

    def keep(self, client: str, origin: str, newest: str) -> Path:
        """Save `newest` as the chain's refresh token; the file, or a FAIL saying why not."""
        if self._inside_repository():
            raise PublishError(
                FAIL,
                f"SMMFLOW_STATE_DIR ({self.folder.parent}) is inside the repository: a refresh "
                "token must never be kept where git could commit it; point it elsewhere",
            )
        path = self._file(client, origin)
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            spare = path.with_suffix(".new")
            fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(newest + "\n")
            os.replace(spare, path)
        except OSError as exc:
            raise PublishError(
                FAIL, f"could not keep the new refresh token in {self.folder}: {exc.strerror}"
            ) from None
        return path
