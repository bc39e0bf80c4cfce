"""Talking to Google APIs (YouTube Data API v3, Business Profile): OAuth access tokens from
a refresh token, and Google's error envelope read into the four kinds.

Errors come as `{"error": {"code", "message", "status", "errors": [{"reason", "domain",
"message"}], "details": [...]}}` (developers.google.com/youtube/v3/docs/errors,
cloud.google.com/apis/design/errors). The kind is decided on the reason, not the status
alone: YouTube answers a spent daily quota with 403 `quotaExceeded` (it comes back at
midnight Pacific time), a short throttle with 403 `rateLimitExceeded`; Business Profile
answers a rate limit with 429 `RESOURCE_EXHAUSTED` (a per-day quota named in its
`ErrorInfo`; a limit of "0" means the project was never granted API access), a disabled
API with 403 `SERVICE_DISABLED`, a location the user may not manage with 403
`PERMISSION_DENIED`. A 5xx after a request that publishes is UNKNOWN.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from . import oauth
from .http import FAIL, REAUTH, RETRY, UNKNOWN, Http, PublishError, Redact, default_classify
from .http import json_body as _json_body
from .secrets import clip

if TYPE_CHECKING:
    import requests

HOSTS = {
    "oauth": "https://oauth2.googleapis.com",
    "youtube": "https://www.googleapis.com",
    "mybusiness": "https://mybusiness.googleapis.com",
    "accounts": "https://mybusinessaccountmanagement.googleapis.com",
    "info": "https://mybusinessbusinessinformation.googleapis.com",
}
PACIFIC = ZoneInfo("America/Los_Angeles")
THROTTLES = {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}
SCOPES_MISSING = {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}
TOKEN_REFUSED = {"authError", "required", "UNAUTHENTICATED"}


def until_pacific_midnight(now: float | None = None) -> float:
    """Seconds until Google's daily quotas reset (midnight, Pacific time)."""
    here = dt.datetime.fromtimestamp(time.time() if now is None else now, PACIFIC)
    midnight = dt.datetime.combine(here.date() + dt.timedelta(days=1), dt.time(), PACIFIC)
    return max(60.0, (midnight - here).total_seconds())


@dataclass(frozen=True)
class GoogleError:
    """Google's error object, as far as it was sent."""

    code: int
    message: str
    status: str = ""
    reasons: tuple[str, ...] = ()  # errors[].reason and ErrorInfo reasons
    quota_limit: str = ""  # ErrorInfo metadata.quota_limit (e.g. "...PerDayPerProject")
    quota_value: str = ""
    details: tuple[str, ...] = field(default=())  # fieldViolations / errorDetails, as text

    def said(self, redact: Redact) -> str:
        text = self.message or self.status or f"HTTP {self.code}"
        if self.details:
            text += " (" + "; ".join(self.details) + ")"
        reason = f"{self.reasons[0]}: " if self.reasons else ""
        return clip(reason + text, redact)


def error_body(response: requests.Response) -> GoogleError | None:
    body = _json_body(response)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    reasons, details, limit, value = [], [], "", ""
    for item in error.get("errors") or ():
        if isinstance(item, dict) and item.get("reason"):
            reasons.append(str(item["reason"]))
    for item in error.get("details") or ():
        if not isinstance(item, dict):
            continue
        if item.get("reason"):
            reasons.append(str(item["reason"]))
            meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
            limit, value = (
                str(meta.get("quota_limit") or ""),
                str(meta.get("quota_limit_value") or ""),
            )
        for v in item.get("fieldViolations") or ():
            if isinstance(v, dict):
                details.append(f"{v.get('field', '')}: {v.get('description', '')}")
        for v in item.get("errorDetails") or ():
            if isinstance(v, dict):
                details.append(f"{v.get('field', '')}: {v.get('message', '')}")
    return GoogleError(
        int(error.get("code") or response.status_code),
        " ".join(str(error.get("message") or "").split()),
        str(error.get("status") or ""),
        tuple(reasons),
        limit,
        value,
        tuple(details),
    )


def classify(
    response: requests.Response, idempotent: bool, redact: Redact, *, title: str
) -> PublishError | None:
    """The kind of a Google answer (None for success); `idempotent` False: it publishes."""
    status = response.status_code
    if 200 <= status < 300 or status == 308:  # 308: "Resume Incomplete" of an upload
        return None
    body = error_body(response)
    if body is None:
        error = default_classify(response, idempotent, redact)
        assert error is not None
        error.message = f"{title}: {error.message}"
        error.args = (error.message,)
        return error
    kind, words, wait = _kind(body, status, idempotent)
    return PublishError(kind, f"{title} {words} ({body.said(redact)})", wait)


def _kind(body: GoogleError, status: int, idempotent: bool) -> tuple[str, str, float | None]:
    reasons = set(body.reasons)
    if "quotaExceeded" in reasons or "PerDay" in body.quota_limit:
        return (
            RETRY,
            "daily quota spent; it comes back at midnight Pacific time",
            (until_pacific_midnight()),
        )
    if status == 429 and body.quota_value == "0":
        return FAIL, "API access is not granted to this Cloud project yet (quota 0)", None
    if reasons & THROTTLES or status == 429:
        return RETRY, "rate limit", None
    if "uploadLimitExceeded" in reasons:
        return RETRY, "says the channel uploaded as many videos as it may today", 3600.0
    if status == 401 or reasons & TOKEN_REFUSED:
        return REAUTH, "refused the access token", None
    if reasons & SCOPES_MISSING:
        return REAUTH, "says the token lacks a permission (scope); authorise it again", None
    if "SERVICE_DISABLED" in reasons:
        return FAIL, "says the API is not enabled in the Cloud project", None
    if status == 403:
        return REAUTH, "refused: permission denied to the token's user", None
    if status >= 500:
        return (RETRY if idempotent else UNKNOWN), "answered with a server error", None
    return FAIL, "refused the request", None


class Google:
    """One Google user's access (client id and secret, refresh token) against Google's
    hosts; `api` stands for every host at once (a proxy, a loopback test server)."""

    def __init__(
        self,
        http: Http,
        client: tuple[str, str],
        refresh_token: str,
        title: str,
        api: str | None = None,
        learn: Callable[[str], None] = lambda secret: None,
    ):
        self.http = http
        self.client = client
        self.refresh_token = refresh_token
        self.title = title
        self.api = api.rstrip("/") if api else None
        self.learn = learn
        self.tokens: oauth.Tokens | None = None

    def host(self, name: str) -> str:
        return self.api or HOSTS[name]

    def token(self) -> str:
        if self.tokens is None or not self.tokens.fresh(time.time()):
            form = {
                "client_id": self.client[0],
                "client_secret": self.client[1],
                "refresh_token": self.refresh_token,
            }
            url = f"{self.host('oauth')}/token"
            self.tokens = oauth.refresh(self.http, url, form, "Google", self.learn)
        return self.tokens.access

    def call(
        self, method: str, url: str, *, publish: bool, auth: bool = True, **kwargs: object
    ) -> requests.Response:
        """One request; `publish`: it may make a post (never repeated blindly)."""
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        kwargs.setdefault("classify", functools.partial(classify, title=self.title))
        return self.http.request(method, url, idempotent=not publish, headers=headers, **kwargs)
