"""OAuth 2 access tokens from refresh tokens, for platforms whose access tokens are short-lived
(Google: one hour; TikTok: two hours).

The environment holds the long-lived parts (client id and secret, refresh token); a run
asks the platform's token endpoint for an access token once, keeps it in memory while it
is valid, and never writes it anywhere. Every token obtained is added to the run's
redactor, so no message can show it.

TikTok rotates refresh tokens: each refresh returns a new one and the old one stops
working. Its caller keeps the newest one in `tokenstore` (the one store of rotated tokens).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
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
