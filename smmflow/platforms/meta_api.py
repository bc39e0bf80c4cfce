"""What Facebook and Instagram share: one Graph API client, its error codes, usage headers.

Graph answers errors as `{"error": {"message", "type", "code", "error_subcode",
"error_user_title", "error_user_msg", "is_transient", "fbtrace_id"}}`, often with HTTP 400
even when the cause is passing, so the kind is decided on `code` (developers.facebook.com
graph-api/guides/error-handling), not on the status:

- 4, 17, 32, 613, 80000-80014 (app, user, page and business use case rate limits), 341
  (app limit), 368 (temporarily blocked) → RETRY, waiting what the usage headers' `estimated_time_to_regain_access`
  says (minutes) when they say it, else the shared backoff;
- 190, 102 (token invalid or expired) → REAUTH;
- 10, 200-299 (a permission is missing) → FAIL, naming the permission;
- 506 (duplicate post) → FAIL;
- Instagram's media download failures (subcodes 2207003, 2207052) and its 24-hour
  publishing limit (2207042) → RETRY (a later run may succeed);
- 1, 2, -1, -2 (unknown / service trouble) and 5xx → UNKNOWN on a call that publishes (it
  may have gone through), RETRY on any other call;
- anything else → FAIL with Graph's own words.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .base import Finding
from .http import (
    FAIL,
    REAUTH,
    RETRY,
    UNKNOWN,
    Http,
    PublishError,
    Redact,
    default_classify,
    json_body,
    json_object,
)

if TYPE_CHECKING:
    import requests

# Current version (introduced 2026-11-04; v21.0 stops working on 2027-01-21). An account's
# `api` setting overrides it, e.g. https://graph.instagram.com/v27.0 for Instagram Login.
DEFAULT_API = "https://graph.facebook.com/v27.0"

RATE_LIMITS = frozenset({4, 17, 32, 341, 368, 613, *range(80000, 80015)})
TOKEN = frozenset({102, 190})
PERMISSION = frozenset({10, *range(200, 300)})
DUPLICATE = 506
AMBIGUOUS = frozenset({1, 2, -1, -2})
# Instagram subcodes worth another try later (instagram-platform error-codes reference):
# the media download timed out or failed (e.g. the site was not deployed yet), and the
# 24-hour publishing limit (code 9) — with the wait in seconds, None for the usual backoff.
RETRY_SUBCODES = {2207003: None, 2207052: None, 2207042: 3600.0}
USAGE_HEADERS = (
    "X-Business-Use-Case-Usage",
    "X-App-Usage",
    "X-Page-Usage",
    "X-Ad-Account-Usage",
)
_PERMISSION_NAME = re.compile(
    r"\b(pages_[a-z_]+|instagram_[a-z_]+|publish_video|business_management|"
    r"ads_management|ads_read|read_insights)\b"
)
EXPIRY_WARNING_DAYS = 7


@dataclass(frozen=True)
class GraphErrorBody:
    """Graph's error object, as far as it was sent."""

    code: int | None
    subcode: int | None
    message: str
    type: str = ""
    user_title: str = ""
    user_msg: str = ""
    transient: bool = False
    fbtrace_id: str = ""

    def short(self) -> str:
        code = "" if self.code is None else f"{self.code}"
        if self.subcode:
            code += f"/{self.subcode}"
        text = self.message or "no message"
        extra = " ".join(x for x in (self.user_title, self.user_msg) if x and x not in text)
        if extra:
            text = f"{text} ({extra})"
        trace = f" [fbtrace_id {self.fbtrace_id}]" if self.fbtrace_id else ""
        return f"code {code}: {text}{trace}" if code else f"{text}{trace}"


class GraphError(PublishError):
    """A classified Graph failure that keeps Graph's code and subcode for the caller."""

    def __init__(
        self,
        kind: str,
        message: str,
        retry_after: float | None = None,
        code: int | None = None,
        subcode: int | None = None,
    ):
        super().__init__(kind, message, retry_after)
        self.code = code
        self.subcode = subcode


def error_body(response: requests.Response) -> GraphErrorBody | None:
    """The `error` object of a Graph answer, or None when there is none."""
    data = json_body(response)
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None

    def number(key: str) -> int | None:
        try:
            return int(error.get(key))
        except (TypeError, ValueError):
            return None

    def text(key: str) -> str:
        value = error.get(key)
        return " ".join(str(value).split()) if value not in (None, "") else ""

    return GraphErrorBody(
        number("code"),
        number("error_subcode"),
        text("message"),
        text("type"),
        text("error_user_title"),
        text("error_user_msg"),
        bool(error.get("is_transient")),
        text("fbtrace_id"),
    )


def usage(headers: Mapping[str, str]) -> list[dict]:
    """Every usage entry of the rate-limit headers, flattened: `[{"header", "type", ...}]`.

    `X-App-Usage` and `X-Page-Usage` hold one object of percentages;
    `X-Business-Use-Case-Usage` maps business ids to lists of objects with `type`,
    `call_count`, `total_cputime`, `total_time`, `estimated_time_to_regain_access` (minutes).
    """
    found: list[dict] = []
    for header in USAGE_HEADERS:
        raw = headers.get(header)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        if any(isinstance(v, list) for v in data.values()):
            for owner, entries in data.items():
                for entry in entries if isinstance(entries, list) else ():
                    if isinstance(entry, dict):
                        found.append({"header": header, "owner": owner, **entry})
        else:
            found.append({"header": header, **data})
    return found


def usage_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds until access comes back, from the usage headers; None when they do not say."""
    longest = 0.0
    for entry in usage(headers):
        for key, scale in (("estimated_time_to_regain_access", 60.0), ("reset_time_duration", 1.0)):
            try:
                longest = max(longest, float(entry.get(key) or 0) * scale)
            except (TypeError, ValueError):
                continue
    return longest or None


def busiest(headers: Mapping[str, str]) -> int:
    """The highest usage percentage any usage header reports (0 when none)."""
    top = 0
    for entry in usage(headers):
        for key in ("call_count", "total_cputime", "total_time", "acc_id_util_pct"):
            try:
                top = max(top, int(float(entry.get(key) or 0)))
            except (TypeError, ValueError):
                continue
    return top


def classify(
    response: requests.Response, idempotent: bool, redact: Redact, *, title: str
) -> PublishError | None:
    """The kind of a Graph answer (None for success), the shape of `http.default_classify`:
    `idempotent` False means the call creates a post; `title` names the platform."""
    status = response.status_code
    body = error_body(response)
    if body is None:
        if 200 <= status < 300:
            return None
        error = default_classify(response, idempotent, redact)
        if error is not None:
            error.message = f"{title}: {error.message}"
            error.args = (error.message,)
        return error
    kind, text, wait = _kind(body, response, publish=not idempotent)
    return GraphError(kind, f"{title} {text}", wait, body.code, body.subcode)


def _kind(
    body: GraphErrorBody, response: requests.Response, *, publish: bool
) -> tuple[str, str, float | None]:
    """(kind, words, seconds to wait) of a Graph error object, decided on its code."""
    code, sub, short = body.code, body.subcode, body.short()
    if sub in RETRY_SUBCODES:
        return (
            RETRY,
            f"could not take it now ({short})",
            usage_wait(response.headers) or RETRY_SUBCODES[sub],
        )
    if code in RATE_LIMITS:
        wait = usage_wait(response.headers)
        if wait is None and code in (341, 368):
            wait = 3600.0  # app limit / temporary block: hours, never seconds
        return RETRY, f"rate limit ({short})", wait
    if code in TOKEN:
        return REAUTH, f"refused the access token ({short})", None
    if code in PERMISSION:
        names = sorted(set(_PERMISSION_NAME.findall(f"{body.message} {body.user_msg}")))
        which = f"permission {', '.join(names)}" if names else "a permission"
        return (
            FAIL,
            f"refused: the token lacks {which} ({short}); grant it to the app and make a new token",
            None,
        )
    if code == DUPLICATE:
        return FAIL, f"says this is a duplicate of a recent post ({short})", None
    if code in AMBIGUOUS or response.status_code >= 500 or body.transient:
        return (UNKNOWN if publish else RETRY), f"answered with a server error ({short})", None
    return FAIL, f"refused the request ({short})", None


class Graph:
    """A Graph API client for one account: the base URL, its token, the shared Http."""

    def __init__(self, http: Http, api: str, token: str, title: str):
        self.http = http
        self.api = api.rstrip("/")
        self.token = token
        self.title = title
        self.last: requests.Response | None = None  # the latest answer (doctor reads its headers)

    def url(self, path: str) -> str:
        return f"{self.api}/{path.lstrip('/')}"

    def _call(
        self,
        method: str,
        path: str,
        *,
        publish: bool,
        params: dict | None = None,
        data: dict | None = None,
        files: dict | None = None,
    ) -> dict:
        # The token travels as the documented `access_token` parameter: in the body of a
        # POST, in the query otherwise. Every message is redacted by Http.
        if method == "POST":
            data = {**(data or {}), "access_token": self.token}
        else:
            params = {**(params or {}), "access_token": self.token}
        response = self.http.request(
            method,
            self.url(path),
            idempotent=not publish,
            classify=functools.partial(classify, title=self.title),
            retry_after=lambda r: usage_wait(r.headers),
            params=params,
            data=data,
            files=files,
        )
        self.last = response
        return json_object(response, self.title, UNKNOWN if publish else RETRY)

    def get(self, path: str, **params: object) -> dict:
        return self._call("GET", path, publish=False, params=params)

    def post(self, path: str, data: dict, *, publish: bool, files: dict | None = None) -> dict:
        return self._call("POST", path, publish=publish, data=data, files=files)

    def delete(self, path: str) -> dict:
        return self._call("DELETE", path, publish=False)


def token_findings(
    graph: Graph, needed: tuple[str, ...], now: float | None = None
) -> list[Finding]:
    """Permissions the token lacks and how soon it expires, read with `debug_token`
    (falling back to `/me/permissions`, which has no expiry). Never raises."""
    now = time.time() if now is None else now
    found: list[Finding] = []
    scopes: set[str] | None = None
    try:
        info = graph.get("debug_token", input_token=graph.token).get("data") or {}
    except PublishError as exc:
        info = {}
        try:
            rows = graph.get("me/permissions").get("data") or []
            scopes = {
                str(r.get("permission"))
                for r in rows
                if isinstance(r, dict) and r.get("status") == "granted"
            }
        except PublishError:
            found.append(
                Finding(
                    "warning",
                    f"could not read the token's permissions or expiry ({exc.message})",
                )
            )
            return found
    else:
        if info.get("is_valid") is False:
            found.append(Finding("error", "the token is not valid (debug_token says so)"))
        scopes = {str(s) for s in info.get("scopes") or []}
    missing = [p for p in needed if p not in scopes]
    if missing:
        message = f"the token lacks permission {', '.join(missing)}: grant it to the app and make a new token"
        found.append(Finding("error", message))
    else:
        found.append(Finding("ok", f"permissions {', '.join(needed)} granted"))
    return found + _expiry(info, now)


def _expiry(info: dict, now: float) -> list[Finding]:
    """An error for a token (or its data access) that expired, a warning for one that soon
    will; nothing for one that never does."""
    found = []
    for key, what in (("expires_at", "token"), ("data_access_expires_at", "data access")):
        try:
            when = float(info.get(key) or 0)
        except (TypeError, ValueError):
            continue
        if not when:
            continue  # 0: never expires (a Page token from a long-lived user token)
        days = (when - now) / 86400
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))
        if days <= 0:
            found.append(Finding("error", f"the {what} expired on {stamp}: make a new token"))
        elif days <= EXPIRY_WARNING_DAYS:
            message = f"the {what} expires on {stamp} (in {days:.1f} days): make a new token"
            found.append(Finding("warning", message))
    return found


def usage_findings(graph: Graph) -> list[Finding]:
    """A warning when the latest answer's usage headers say the limits are close."""
    if graph.last is None:
        return []
    top = busiest(graph.last.headers)
    wait = usage_wait(graph.last.headers)
    if wait:
        return [Finding("warning", f"rate limited: access returns in about {wait / 60:.0f} min")]
    if top >= 80:
        return [Finding("warning", f"API usage at {top}% of the rate limit")]
    return []
