"""Mastodon's wire details: the instance URL, error bodies, rate-limit resets, scopes.

Kept apart from the publisher so that what Mastodon answers (and how smmflow classifies
it) reads in one place. Sources: Mastodon's API docs (methods/statuses, methods/media,
api/rate-limits, entities/Error) and its server code (post_status_service.rb,
rate_limit_headers.rb, Api::ErrorHandling).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .http import (
    FAIL,
    REAUTH,
    RETRY,
    Classify,
    Http,
    PublishError,
    Redact,
    json_body,
    retry_after_header,
    short_body,
)
from .secrets import clip

if TYPE_CHECKING:
    import requests

# A token with `write` holds every `write:*` scope; these are the ones publishing needs.
NEEDED_SCOPES = {
    "write:statuses": "to publish posts",
    "write:media": "to upload images and video",
}
VISIBILITIES = ("public", "unlisted", "private", "direct")
# Mastodon's answer while an upload is still being processed (POST /api/v2/media → 202,
# then GET /api/v1/media/:id → 206 until it is done), and the 422 for posting too early.
NOT_READY = "not finished processing"


def base_url(instance: str) -> str:
    """`https://mastodon.social` from `mastodon.social`, `https://mastodon.social/`, …"""
    text = instance.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PublishError(FAIL, f"instance {instance!r} is not a URL like https://mastodon.social")
    return text


def error_text(response: requests.Response, redact: Redact) -> str:
    """Mastodon's `error` field (entities/Error), or a short rendering of the body; redacted
    before it is cut."""
    body = json_body(response)
    if isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"].strip():
        return clip(body["error"], redact)
    return short_body(response, redact)


def parse_reset(value: str, now: float | None = None) -> float | None:
    """Seconds until `X-RateLimit-Reset`: an ISO 8601 instant on Mastodon
    (`2026-12-01T03:30:00.000000Z`); GoToSocial and some forks send a Unix time instead."""
    value = value.strip()
    if not value:
        return None
    now = time.time() if now is None else now
    try:
        number = float(value)
    except ValueError:
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:  # Mastodon always sends an offset; assume UTC otherwise
            when = when.replace(tzinfo=dt.timezone.utc)
        return max(0.0, when.timestamp() - now)
    # A Unix time is far larger than any sensible "seconds from now".
    return max(0.0, number - now) if number > 1e9 else max(0.0, number)


def rate_limit_wait(
    response: requests.Response, now: Callable[[], float] = time.time
) -> float | None:
    """How long a 429 asks us to wait: `X-RateLimit-Reset` first (Mastodon sends no
    `Retry-After`), then `Retry-After` where a proxy in front of the instance added one."""
    reset = response.headers.get("X-RateLimit-Reset")
    if reset:
        wait = parse_reset(reset, now())
        if wait is not None:
            return wait
    return retry_after_header(response)


def classify(response: requests.Response, idempotent: bool, redact: Redact) -> PublishError | None:
    """One Mastodon answer → None (success) or a classified `PublishError` (the shape of
    `http.default_classify`; `idempotent` does not change anything here, see below).

    Every request smmflow sends to Mastodon is safe to repeat: statuses carry the
    `Idempotency-Key`, a repeated upload only leaves an unattached file (Mastodon removes
    those after a day), reads and DELETE are idempotent. So 5xx and 503 (Mastodon's answer
    to a concurrent request with the same key) are retried, never `unknown`.
    """
    status = response.status_code
    if 200 <= status < 300:
        if status == 204:
            return None
        # Every answer smmflow reads is a JSON entity: an empty or broken one is an answer
        # lost on the way, so it is retried here (with the same Idempotency-Key).
        if not response.content.strip():
            return PublishError(RETRY, f"HTTP {status} with an empty body")
        if json_body(response) is None:
            return PublishError(RETRY, f"HTTP {status} with a malformed JSON body")
        return None
    reason = error_text(response, redact)
    if status == 429:
        reset = response.headers.get("X-RateLimit-Reset", "")
        where = f"; the limit resets at {reset}" if reset else ""
        return PublishError(
            RETRY,
            f"rate limited by the instance (HTTP 429: {reason}{where})",
            rate_limit_wait(response),
        )
    if status == 401:
        return PublishError(REAUTH, f"the instance refused the token (HTTP 401: {reason})")
    if status == 403:
        return PublishError(
            REAUTH,
            f"the instance does not allow this (HTTP 403: {reason}); the token needs the "
            "scopes write:statuses and write:media, and the account must be active",
        )
    if status == 422:
        if NOT_READY in reason:
            return PublishError(RETRY, f"the media is still being processed (HTTP 422: {reason})")
        return PublishError(FAIL, f"Mastodon refused it (HTTP 422: {reason})")
    if status in (408, 425) or status >= 500:
        return PublishError(RETRY, f"HTTP {status}: {reason}")
    return PublishError(FAIL, f"HTTP {status}: {reason}")


def accept_all(
    response: requests.Response, idempotent: bool, redact: Redact
) -> PublishError | None:
    """For `doctor`: every HTTP answer is looked at by the caller, except 5xx/429 (retried)."""
    if response.status_code == 429 or response.status_code >= 500:
        return classify(response, idempotent, redact)
    return None


def missing_scopes(scopes: list[str] | str) -> list[str]:
    """The publishing scopes a token lacks. `write` covers every `write:*`."""
    held = set(scopes.split() if isinstance(scopes, str) else scopes)
    if "write" in held:
        return []
    return [scope for scope in NEEDED_SCOPES if scope not in held]


class Client:
    """Mastodon's REST API for one account: the instance, its token, the shared Http.
    Every call is safe to repeat (see `classify`), so every call is `idempotent`."""

    def __init__(self, http: Http, instance: str, token: Callable[[], str]):
        self.http = http
        self.base = base_url(instance)
        self._token = token

    def request(
        self, method: str, path: str, *, classify: Classify = classify, **kwargs: object
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        headers["Authorization"] = f"Bearer {self._token()}"
        return self.http.request(
            method,
            self.base + path,
            idempotent=True,
            classify=classify,
            retry_after=rate_limit_wait,
            headers=headers,
            **kwargs,
        )
