"""LinkedIn's wire details: the versioned REST API, its error bodies, its bare 429.

Sources: learn.microsoft.com/linkedin (marketing/versioning; shared/api-guide/concepts/
error-handling and rate-limits; community-management/shares/posts-api, images-api,
videos-api; organizations/organization-access-control-by-role;
shared/authentication/token-introspection).

Every call carries `Authorization: Bearer`, `LinkedIn-Version: YYYYMM` and
`X-Restli-Protocol-Version: 2.0.0`. Errors are `{"status", "serviceErrorCode", "code",
"message"}`:

- 429 carries no Retry-After and no rate-limit header; LinkedIn's limits are daily and
  reset at midnight UTC, so a 429 that names a DAY limit waits until then (the next run),
  any other is retried with the usual backoff;
- 401 (INVALID/REVOKED/EXPIRED_ACCESS_TOKEN) → REAUTH; 403 ACCESS_DENIED → FAIL naming
  the scope and the page role;
- 5xx → RETRY where the call is safe to repeat, UNKNOWN on `POST /rest/posts` (no
  idempotency key: the post may be out); 426 (a retired LinkedIn-Version) → FAIL;
- 422 DUPLICATE_POST ("Content is a duplicate of urn:li:share:N") → FAIL, keeping the URN
  for a resumed send; the rest → FAIL with LinkedIn's own words.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from typing import TYPE_CHECKING
from urllib.parse import quote

from .base import Finding
from .http import (
    FAIL,
    REAUTH,
    RETRY,
    UNKNOWN,
    Http,
    PublishError,
    Redact,
    json_body,
    json_object,
    short_body,
)
from .secrets import clip

if TYPE_CHECKING:
    import requests

DEFAULT_API = "https://api.linkedin.com/rest"
DEFAULT_OAUTH = "https://www.linkedin.com/oauth/v2"
# The LinkedIn-Version sent (YYYYMM); a version works for about a year after it starts.
VERSION = "202601"
POSTER_ROLES = ("ADMINISTRATOR", "CONTENT_ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER")
SCOPE = "w_organization_social"
EXPIRY_WARNING_DAYS = 7
_DUPLICATE_OF = re.compile(r"duplicate of (urn:li:(?:share|ugcPost):\d+)")


class LinkedInError(PublishError):
    """A classified LinkedIn answer that keeps LinkedIn's `code` (DUPLICATE_POST, ...)."""

    def __init__(self, kind: str, message: str, retry_after: float | None, code: str):
        super().__init__(kind, message, retry_after)
        self.code = code

    @property
    def duplicate_of(self) -> str:
        """The post LinkedIn says this one duplicates, or ""."""
        found = _DUPLICATE_OF.search(self.message) if self.code == "DUPLICATE_POST" else None
        return found.group(1) if found else ""


def until_midnight_utc(now: float | None = None) -> float:
    now = time.time() if now is None else now
    today = dt.datetime.fromtimestamp(now, dt.timezone.utc).date()
    midnight = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    return midnight.timestamp() - now


def classify(
    response: requests.Response, idempotent: bool, redact: Redact, *, what: str
) -> LinkedInError | None:
    """One LinkedIn answer → None (success) or a classified error (the shape of
    `http.default_classify`; `what` names the call for the message)."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    body = json_body(response)
    body = body if isinstance(body, dict) else {}
    code = str(body.get("code") or "")
    message = body.get("message")
    text = clip(str(message), redact) if message else short_body(response, redact)
    said = f"LinkedIn {what}: HTTP {status}{' ' + code if code else ''}: {text}"
    if status == 429:
        daily = " DAY " in f" {text} "
        wait = max(60.0, until_midnight_utc()) if daily else None
        when = "; LinkedIn's daily limits reset at 00:00 UTC" if daily else ""
        return LinkedInError(RETRY, f"rate limited ({said}){when}", wait, code)
    if status == 401:
        return LinkedInError(REAUTH, f"LinkedIn refused the access token ({said})", None, code)
    if status == 403:
        return LinkedInError(
            FAIL,
            f"LinkedIn denied it ({said}): the token needs the {SCOPE} permission and its "
            "member a page role (administrator or content administrator) on the organization",
            None,
            code,
        )
    if status == 408 or status >= 500:
        return LinkedInError(RETRY if idempotent else UNKNOWN, said, None, code)
    return LinkedInError(FAIL, f"LinkedIn refused it ({said})", None, code)


def encode(urn: str) -> str:
    """A URN in a path, URL-encoded as Rest.li 2.0 wants (`urn%3Ali%3Ashare%3A1`)."""
    return quote(urn, safe="")


class Client:
    """LinkedIn's versioned REST API for one token."""

    def __init__(self, http: Http, api: str, token: str):
        self.http, self.api, self.token = http, api.rstrip("/"), token

    def request(
        self, method: str, path: str, *, what: str, publish: bool = False, **kwargs: object
    ) -> requests.Response:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "LinkedIn-Version": VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
            **dict(kwargs.pop("headers", None) or {}),  # type: ignore[call-overload]
        }
        return self.http.request(
            method,
            path if path.startswith(("http://", "https://")) else self.api + path,
            idempotent=not publish,
            classify=functools.partial(classify, what=what),
            headers=headers,
            **kwargs,
        )

    def read(self, method: str, path: str, *, what: str, **kwargs: object) -> dict:
        return json_object(self.request(method, path, what=what, **kwargs), f"LinkedIn {what}")


def token_findings(
    http: Http, oauth: str, client_id: str, secret: str, token: str
) -> list[Finding]:
    """The token's scopes and expiry (LinkedIn's tokens live 60 days), asked of the token
    introspection endpoint (`POST /oauth/v2/introspectToken`). Never raises."""
    form = {"client_id": client_id, "client_secret": secret, "token": token}
    try:
        response = http.request("POST", f"{oauth}/introspectToken", idempotent=True, data=form)
        info = json_object(response, "LinkedIn's introspectToken")
    except PublishError as exc:
        return [Finding("warning", f"could not read the token's expiry ({exc.message})")]
    if not info.get("active"):
        status = info.get("status") or "not active"
        return [Finding("error", f"the token is {status}: make a new one")]
    found = []
    scopes = str(info.get("scope") or "").replace(",", " ").split()
    if SCOPE not in scopes:
        found.append(Finding("error", f"the token lacks the {SCOPE} permission"))
    try:
        when = float(info.get("expires_at") or 0)
    except (TypeError, ValueError):
        when = 0.0
    return found + expiry(when)


def expiry(when: float, now: float | None = None) -> list[Finding]:
    """An error for an expired token, a warning within `EXPIRY_WARNING_DAYS`, else ok."""
    if not when:
        return []
    now = time.time() if now is None else now
    days = (when - now) / 86400
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))
    if days <= 0:
        return [Finding("error", f"the token expired on {stamp}: make a new one")]
    if days <= EXPIRY_WARNING_DAYS:
        message = f"the token expires on {stamp} (in {days:.1f} days): make a new one"
        return [Finding("warning", message)]
    return [Finding("ok", f"the token expires on {stamp} (in {days:.0f} days)")]
