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
from typing import TYPE_CHECKING

from .. import __version__
from .secrets import clip

if TYPE_CHECKING:  # imported when a session is made: commands that send nothing skip it
    import requests

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


def epoch_reset_wait(
    response: requests.Response, header: str, now: float | None = None
) -> float | None:
    """Seconds until the Unix time a rate-limit header names (X's `x-rate-limit-reset`,
    `x-user-limit-24hour-reset`); None when the header is missing or not a number."""
    try:
        when = float(response.headers.get(header) or "")
    except ValueError:
        return None
    return max(0.0, when - (time.time() if now is None else now))


def default_classify(
    response: requests.Response, idempotent: bool, redact: Redact
) -> PublishError | None:
    """Map an HTTP status to a kind; None for success. Every platform's `classify` has
    this shape (its own context, such as a Bot API method, bound by keyword)."""
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


Classify = Callable[["requests.Response", bool, Redact], "PublishError | None"]


class Http:
    """A shared session. `request` retries within the policy and raises `PublishError`."""

    def __init__(
        self,
        redact: Redact = str,
        policy: Policy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        import requests

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
        classify: Classify = default_classify,
        retry_after: Callable[[requests.Response], float | None] = retry_after_header,
        **kwargs: object,
    ) -> requests.Response:
        """Send until an answer `classify` accepts, a kind other than RETRY, or the end of
        the policy; the last error is raised (its text redacted)."""
        policy = self.policy
        kwargs.setdefault("timeout", (policy.connect_timeout, policy.read_timeout))
        for attempt in range(1, policy.attempts + 1):
            response, error = self._send(method, url, idempotent, classify, kwargs)
            if error is None:
                return response  # type: ignore[return-value]
            if error.kind == RETRY and error.retry_after is None and response is not None:
                error.retry_after = retry_after(response)
            _say(error, self.redact(error.message))
            if error.kind != RETRY or attempt == policy.attempts:
                break
            wait = error.retry_after
            if wait is None:
                wait = policy.backoff * (2 ** (attempt - 1)) * (0.75 + random.random() / 2)
            if wait > policy.max_wait:
                _say(error, f"{error.message}; retry in {wait:.0f}s is beyond this run's limit")
                break
            self.waits.append(wait)
            self.sleep(wait)
        if error.kind == RETRY:
            _say(error, f"{error.message} (after {attempt} attempt{'s' * (attempt > 1)})")
        raise error

    def _send(
        self, method: str, url: str, idempotent: bool, classify: Classify, kwargs: dict
    ) -> tuple[requests.Response | None, PublishError | None]:
        """One request: the answer and what `classify` says of it, or the failure."""
        import requests

        try:
            response = self.session.request(method, url, **kwargs)
        except requests.exceptions.RequestException as exc:
            return None, _failure(exc, idempotent)
        return response, classify(response, idempotent, self.redact)


def _say(error: PublishError, message: str) -> None:
    error.message = message
    error.args = (message,)


def _failure(exc: requests.exceptions.RequestException, idempotent: bool) -> PublishError:
    """A request that got no usable answer, classified: sent again only if that is safe."""
    import requests

    maybe = RETRY if idempotent else UNKNOWN  # the request may have been acted on
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return PublishError(RETRY, "could not connect (timed out)")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return PublishError(maybe, "no answer in time (timed out)")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return _connection_error(exc, idempotent)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return PublishError(maybe, "the answer was cut off (truncated body)")
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        # The request went out and an answer came back: it may have been acted on.
        return PublishError(maybe, "the answer could not be decoded (a broken Content-Encoding)")
    return PublishError(FAIL, f"request failed: {type(exc).__name__}")


def json_body(response: requests.Response) -> object | None:
    """The JSON of an answer, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def json_object(response: requests.Response, who: str, kind: str = RETRY) -> dict:
    """The JSON object an answer holds; `PublishError(kind)` when the answer is not JSON
    (lost or broken on the way), `{}` when it is JSON but not an object."""
    body = json_body(response)
    if body is None and response.content.strip() != b"null":
        raise PublishError(kind, f"{who} answered with malformed JSON")
    return body if isinstance(body, dict) else {}


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
