"""One place for HTTP: a shared session, timeouts, retries with backoff, rate-limit waits.

Every failure becomes a `PublishError` of one of four kinds, which decide what happens
to the post: RETRY (safe to send again), FAIL (the platform refused; its reason is kept),
REAUTH (the credentials are wrong: a person must fix them) and UNKNOWN (the request may
have been processed: never re-sent blindly on a platform without idempotency).
"""

from __future__ import annotations

import email.utils
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from . import __version__
from .secrets import clip

Redact = Callable[[object], str]

RETRY, FAIL, REAUTH, UNKNOWN = "retry", "fail", "reauth", "unknown"


class PublishError(Exception):
    """A publishing failure, classified; `str()` is safe to show (already redacted)."""

    def __init__(self, kind: str, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Policy:
    attempts: int = 4  # sends of one request, the first included
    backoff: float = 1.0  # seconds before the 2nd attempt; doubles, with jitter
    max_wait: float = 120.0  # longest single wait; a longer rate limit fails for a later run
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    @classmethod
    def from_env(cls) -> Policy:
        env = os.environ
        return cls(
            attempts=int(env.get("SMMFLOW_RETRIES", cls.attempts)),
            backoff=float(env.get("SMMFLOW_BACKOFF", cls.backoff)),
            max_wait=float(env.get("SMMFLOW_MAX_WAIT", cls.max_wait)),
            read_timeout=float(env.get("SMMFLOW_TIMEOUT", cls.read_timeout)),
            connect_timeout=min(
                float(env.get("SMMFLOW_TIMEOUT", cls.connect_timeout)), cls.connect_timeout
            ),
        )


def retry_after_header(response: requests.Response) -> float | None:
    """`Retry-After` as seconds or an HTTP date (RFC 9110)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


def default_classify(
    response: requests.Response, idempotent: bool, redact: Redact
) -> PublishError | None:
    """Map an HTTP status to a kind; None for success."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    reason = f"HTTP {status}: {short_body(response, redact)}"
    if status == 429:
        return PublishError(RETRY, f"rate limited ({reason})")
    if status in (401, 403):
        return PublishError(REAUTH, f"credentials refused ({reason})")
    if status in (408, 503):
        return PublishError(RETRY, reason)
    if status >= 500:
        return PublishError(RETRY if idempotent else UNKNOWN, reason)
    return PublishError(FAIL, reason)


def short_body(response: requests.Response, redact: Redact, limit: int = 300) -> str:
    """The body of an answer on one line, redacted and then cut to `limit` characters."""
    kind = response.headers.get("Content-Type", "")
    text = response.text or response.reason or ""
    if "html" in kind.lower() or text.lstrip().lower().startswith(("<!doctype", "<html")):
        return f"{redact(response.reason or 'error')} (an HTML error page)"
    return clip(text, redact, limit)


class Http:
    """A shared session. `request` retries within the policy and raises `PublishError`."""

    def __init__(
        self,
        redact: Redact = str,
        policy: Policy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"smmflow/{__version__}"
        self.redact = redact
        self.policy = policy or Policy.from_env()
        self.sleep = sleep
        self.waits: list[float] = []  # every wait taken, for reports and tests

    def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        classify: Callable[[requests.Response], PublishError | None] | None = None,
        retry_after: Callable[[requests.Response], float | None] = retry_after_header,
        **kwargs: object,
    ) -> requests.Response:
        policy = self.policy
        kwargs.setdefault("timeout", (policy.connect_timeout, policy.read_timeout))
        last: PublishError | None = None
        for attempt in range(1, policy.attempts + 1):
            try:
                response = self.session.request(method, url, **kwargs)  # type: ignore[arg-type]
                error = (classify or (lambda r: default_classify(r, idempotent, self.redact)))(
                    response
                )
                if error is None:
                    return response
                if error.kind == RETRY and error.retry_after is None:
                    error.retry_after = retry_after(response)
            except requests.exceptions.ConnectTimeout:
                error = PublishError(RETRY, "could not connect (timed out)")
            except requests.exceptions.ReadTimeout:
                error = PublishError(
                    RETRY if idempotent else UNKNOWN, "no answer in time (timed out)"
                )
            except requests.exceptions.ConnectionError as exc:
                error = _connection_error(exc, idempotent)
            except requests.exceptions.ChunkedEncodingError:
                error = PublishError(
                    RETRY if idempotent else UNKNOWN, "the answer was cut off (truncated body)"
                )
            except requests.exceptions.ContentDecodingError:
                # The request went out and an answer came back: it may have been acted on.
                error = PublishError(
                    RETRY if idempotent else UNKNOWN,
                    "the answer could not be decoded (a broken Content-Encoding)",
                )
            except requests.exceptions.RequestException as exc:
                error = PublishError(FAIL, f"request failed: {type(exc).__name__}")
            error.message = self.redact(error.message)
            error.args = (error.message,)
            last = error
            if error.kind != RETRY or attempt == policy.attempts:
                break
            wait = error.retry_after
            if wait is None:
                wait = policy.backoff * (2 ** (attempt - 1)) * (0.75 + random.random() / 2)
            if wait > policy.max_wait:
                error.message = f"{error.message}; retry in {wait:.0f}s is beyond this run's limit"
                error.args = (error.message,)
                break
            self.waits.append(wait)
            self.sleep(wait)
        assert last is not None
        if last.kind == RETRY:
            last.message = f"{last.message} (after {attempt} attempt{'s' * (attempt > 1)})"
            last.args = (last.message,)
        raise last


def _connection_error(exc: Exception, idempotent: bool) -> PublishError:
    text = repr(exc)
    before_send = any(
        marker in text
        for marker in ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError")
    )
    if before_send or "Connection refused" in text:
        return PublishError(RETRY, "could not connect (connection refused)")
    return PublishError(
        RETRY if idempotent else UNKNOWN, "the connection was reset before an answer came"
    )
