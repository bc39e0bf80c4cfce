"""One fault-injecting reverse proxy for every publisher's loopback server (issue #8).

`FaultProxy(upstream, dialect)` listens on 127.0.0.1 (a free port) and forwards each
request unchanged to `upstream` (an origin such as `http://127.0.0.1:8123`), relaying the
answer unchanged, except for requests a test has scripted a fault for:

    proxy = FaultProxy(server_origin, DIALECTS["mastodon"]).start()
    proxy.script("POST", r"/api/v1/statuses$", "reset-after")   # the next matching request
    proxy.always("POST", r"/api/v1/statuses$", "500")           # every matching request

A fault says what the platform gets (nothing, the request right away, or the request only
after a pause) and what the client gets (the platform's own error body, a rate limit in
the platform's own words, silence past the read timeout, a TCP reset, a cut-off or
mislabelled answer, an HTML error page). Error bodies and rate-limit signals come from the
platform's `Dialect`, so every publisher is tested against what its platform really sends:

- webhook: `{"error": "..."}`, `Retry-After`;
- Mastodon: `{"error": "..."}` (entities/Error), `X-RateLimit-Reset` as an ISO 8601 instant;
- Telegram: `{"ok": false, "error_code": N, "description": "..."}`,
  `parameters.retry_after` in the JSON only;
- Graph (Facebook, Instagram): `{"error": {"message", "type", "code", "fbtrace_id"}}`,
  rate limits as codes 4/17/32 with `X-App-Usage` / `X-Business-Use-Case-Usage`;
- XRPC (Bluesky): `{"error": "Name", "message": "..."}`, `RateLimit-*` and `Retry-After`;
- VK: `{"error": {"error_code", "error_msg", "request_params"}}` inside HTTP 200 (code 6
  per second, 29 the daily quota), nginx HTML pages for gateway trouble;
- X: problem JSON (`title`, `detail`, `type`), `x-rate-limit-reset` as a Unix time;
- LinkedIn: `{"status", "serviceErrorCode", "code", "message"}`, a bare 429 (a DAY limit
  named in its message);
- Threads: Graph's error object (codes 17/4 for rate limits), like Instagram.
- TikTok: `{"data": {}, "error": {"code", "message", "log_id"}}`, 429 `rate_limit_exceeded`
  for a minute, 403 `spam_risk_too_many_posts` for the day, no headers;
- YouTube: Google's `{"error": {"code", "message", "errors": [{"reason"}], "status"}}`, 403
  `rateLimitExceeded` / `quotaExceeded` (until midnight Pacific), no headers;
- Google Business Profile: `{"error": {"code", "message", "status", "details"}}` with a v4
  `ValidationError`, 429 `RESOURCE_EXHAUSTED` (a per-day quota named in `ErrorInfo`).

Everything that arrives is kept in `proxy.seen` (an `Exchange` per request: what it was,
which fault it met, whether it reached the platform), so a test counts what reached the
platform, and `wait_idle()` waits for late forwards (a "slow-forward" still sleeping).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from servers.loopback import close, listen

HOLD = 1.5  # seconds a "timeout" keeps the client waiting: past SMMFLOW_TIMEOUT=1
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}
HTML_502 = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
)


# -- faults ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fault:
    """What one scripted request meets.

    forward: "no" (the platform never sees it), "first" (the platform acts on it, then the
    answer is replaced), "late" (the proxy sleeps `hold`, then forwards it: the platform
    acts on it after the client has given up).
    answer: "error" (the dialect's error body for `status`), "rate-limit" (the dialect's
    429 asking for `wait` seconds), "relay" (the platform's answer, after `hold` seconds),
    "silence" (nothing for `hold` seconds, then a close), "reset" (TCP RST), "truncate"
    (Content-Length larger than what is sent, then a close), "text-plain" (the JSON
    answer labelled text/plain), "not-json" (a JSON content type over a body that is not
    JSON), "bad-encoding" (`Content-Encoding: gzip` over a body that is not gzip),
    "empty" (the platform's status and headers with no body), "html" (a 502 HTML error
    page from a gateway).
    """

    name: str
    forward: str = "no"
    answer: str = "error"
    status: int = 0
    wait: float = 0.0
    hold: float = 0.0

    @property
    def processed(self) -> bool:
        """Whether the platform acts on the request (the post may be out)."""
        return self.forward != "no"


def _faults() -> dict[str, Fault]:
    found = {str(s): Fault(str(s), status=s) for s in (400, 401, 403, 404, 409, 413, 422)}
    found.update({str(s): Fault(str(s), status=s) for s in (500, 502, 503)})
    for fault in (
        Fault("429", answer="rate-limit", status=429, wait=1.0),
        Fault("429-long", answer="rate-limit", status=429, wait=3600.0),
        Fault("500-after", forward="first", answer="error", status=500),
        Fault("timeout", answer="silence", hold=HOLD),
        Fault("timeout-after", forward="first", answer="relay", hold=HOLD),
        Fault("slow-forward", forward="late", answer="relay", hold=HOLD),
        Fault("reset", answer="reset"),
        Fault("reset-after", forward="first", answer="reset"),
        Fault("truncated", forward="first", answer="truncate"),
        Fault("text-plain", forward="first", answer="text-plain"),
        Fault("not-json", forward="first", answer="not-json"),
        Fault("bad-encoding", forward="first", answer="bad-encoding"),
        Fault("empty", forward="first", answer="empty"),
        Fault("html", answer="html", status=502),
    ):
        found[fault.name] = fault
    return found


FAULTS: dict[str, Fault] = _faults()


# -- how each platform words its errors ------------------------------------------------------
@dataclass(frozen=True)
class Dialect:
    """A platform's error bodies and rate-limit signal.

    `messages[status]` is the platform's own text for that status (a test looks for it in
    `smmflow status`); `error(status)` the (body, headers) it answers with;
    `rate_limit(wait)` the (status, body, headers) of its "slow down, for `wait` seconds";
    `wait_in_seconds`: whether that signal can say a wait in seconds (Graph speaks in
    minutes only, so a short rate limit there says "now" and the client backs off).
    """

    name: str
    messages: dict[int, str]
    body: Callable[[int, str], dict | bytes]  # bytes: an HTML page (a gateway's)
    rate_limit: Callable[[float], tuple[int, dict, dict]]
    wait_in_seconds: bool = True
    # The HTTP status an error of `status` comes with: its own, except on a platform that
    # answers its errors inside HTTP 200 (VK).
    status_of: Callable[[int], int] = lambda status: status

    def message(self, status: int) -> str:
        return self.messages.get(status) or http.client.responses.get(status, "Error")

    def error(self, status: int) -> tuple[bytes, dict]:
        made = self.body(status, self.message(status))
        if isinstance(made, bytes):
            return made, {"Content-Type": "text/html"}
        body = json.dumps(made, ensure_ascii=False)
        return body.encode("utf-8"), {"Content-Type": "application/json; charset=utf-8"}


def _iso(when: float) -> str:
    stamp = dt.datetime.fromtimestamp(when, dt.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


WEBHOOK = Dialect(
    "webhook",
    {
        400: "invalid payload: the post has no title",
        401: "bad signature",
        403: "this key may not publish to the news channel",
        404: "no such hook",
        409: "a post with this id is being edited",
        413: "payload too large for our CMS",
        422: "unprocessable: text is longer than our CMS accepts",
        500: "server trouble",
        502: "upstream CMS did not answer",
        503: "down for maintenance",
    },
    lambda status, message: {"error": message},
    lambda wait: (
        429,
        {"error": "slow down"},
        {"Retry-After": str(math.ceil(wait))},
    ),
)

MASTODON = Dialect(
    "mastodon",
    {
        400: "param is missing or the value is empty: status",
        401: "The access token is invalid",
        403: "This action is outside the authorized scopes",
        404: "Record not found",
        409: "Conflict: the status is being edited",
        413: "Request Entity Too Large",
        422: "Validation failed: Text character limit of 500 exceeded",
        500: "We're sorry, but something went wrong on our end.",
        502: "Bad Gateway",
        503: "There was a temporary problem serving your request, please try again",
    },
    lambda status, message: {"error": message},
    # Mastodon sends no Retry-After: only X-RateLimit-* (rate_limit_headers.rb).
    lambda wait: (
        429,
        {"error": "Too many requests"},
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": _iso(time.time() + wait),
        },
    ),
)

TELEGRAM = Dialect(
    "telegram",
    {
        400: "Bad Request: message text is empty",
        401: "Unauthorized",
        403: "Forbidden: bot is not a member of the channel chat",
        404: "Not Found",
        409: "Conflict: terminated by other getUpdates request",
        413: "Request Entity Too Large",
        422: "Unprocessable Entity",
        500: "Internal Server Error: restart",
        502: "Bad Gateway",
        503: "Service Unavailable",
    },
    lambda status, message: {"ok": False, "error_code": status, "description": message},
    # Only in the JSON: parameters.retry_after (Bot API, "ResponseParameters").
    lambda wait: (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {math.ceil(wait)}",
            "parameters": {"retry_after": math.ceil(wait)},
        },
        {},
    ),
)


def _graph(title: str, permission: str, limit_code: int, long_code: int) -> Dialect:
    codes = {400: 100, 401: 190, 403: 200, 404: 803, 409: 100, 413: 100, 422: 100}
    codes.update({500: 1, 502: 2, 503: 2})
    subcodes = {401: 463}

    def body(status: int, message: str) -> dict:
        error = {
            "message": message,
            "type": "OAuthException" if status < 500 else "GraphMethodException",
            "code": codes.get(status, 100),
            "fbtrace_id": "AFaultProxyTrace",
        }
        if status in subcodes:
            error["error_subcode"] = subcodes[status]
        if status >= 500:
            error["is_transient"] = True
        return {"error": error}

    def rate_limit(wait: float) -> tuple[int, dict, dict]:
        # Graph speaks in minutes (estimated_time_to_regain_access); 0 means "now".
        minutes = 0 if wait < 60 else math.ceil(wait / 60)
        code = limit_code if minutes == 0 else long_code
        usage = {"call_count": 100, "total_cputime": 30, "total_time": 30}
        buc = {
            "0": [
                {
                    "type": title.lower(),
                    "call_count": 100,
                    "total_cputime": 30,
                    "total_time": 30,
                    "estimated_time_to_regain_access": minutes,
                }
            ]
        }
        error = {
            "message": {
                4: "(#4) Application request limit reached",
                17: "(#17) User request limit reached",
                32: "(#32) Page request limit reached",
            }[code],
            "type": "OAuthException",
            "code": code,
            "is_transient": True,
            "fbtrace_id": "AFaultProxyTrace",
        }
        headers = {
            "X-App-Usage": json.dumps(usage),
            "X-Business-Use-Case-Usage": json.dumps(buc),
        }
        return 400, {"error": error}, headers  # Graph rate limits come as HTTP 400

    return Dialect(
        title.lower(),
        {
            400: "(#100) Invalid parameter",
            401: "Error validating access token: Session has expired on Friday, 04-Dec-26 "
            "01:00:00 PST.",
            403: f"(#200) Requires {permission} permission to manage the object",
            404: "(#803) Some of the aliases you requested do not exist: 1234",
            409: "(#100) The object was changed by another request",
            413: "(#100) The request is too large",
            422: "(#100) Param message is not valid",
            500: "An unknown error has occurred.",
            502: "An unexpected error has occurred. Please retry your request later.",
            503: "Service temporarily unavailable",
        },
        body,
        rate_limit,
        wait_in_seconds=False,
    )


FACEBOOK = _graph("Facebook", "pages_manage_posts", 4, 32)
INSTAGRAM = _graph("Instagram", "instagram_content_publish", 17, 4)

XRPC = Dialect(
    "bluesky",
    {
        400: "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes",
        401: "Authentication Required",
        403: "Bad token scope",
        404: "Could not find repo",
        409: "Record was changed by another request",
        413: "request entity too large",
        422: "Unprocessable record",
        500: "Internal Server Error",
        502: "Upstream Failure",
        503: "Service Unavailable",
    },
    lambda status, message: {
        "error": {
            400: "InvalidRequest",
            401: "AuthenticationRequired",
            403: "Forbidden",
            404: "RepoNotFound",
            409: "Conflict",
            413: "PayloadTooLarge",
            422: "InvalidRequest",
            500: "InternalServerError",
            502: "UpstreamFailure",
            503: "NotEnoughResources",
        }.get(status, "InvalidRequest"),
        "message": message,
    },
    lambda wait: (
        429,
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        {
            "RateLimit-Limit": "30",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(int(time.time() + wait)),
            "RateLimit-Policy": "30;w=300",
            "Retry-After": str(math.ceil(wait)),
        },
    ),
)


def _nginx(status: int) -> bytes:
    title = f"{status} {http.client.responses.get(status, 'Error')}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}"
        "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


# VK's error codes for each refusal the matrix makes, answered inside HTTP 200 (the API's
# errors.json); gateway trouble is nginx's HTML page with its own status.
VK_CODES = {400: 100, 401: 5, 403: 15, 404: 104, 409: 214, 413: 100, 422: 222, 500: 10}


def _vk_error(code: int, message: str) -> dict:
    params = [{"key": "method", "value": "wall.post"}, {"key": "oauth", "value": "1"}]
    return {"error": {"error_code": code, "error_msg": message, "request_params": params}}


VK = Dialect(
    "vk",
    {
        400: "One of the parameters specified was missing or invalid: message is empty",
        401: "User authorization failed: invalid access_token (4).",
        403: "Access denied: you are not an editor of this community",
        404: "Not found",
        409: "Access to adding post denied: no more than 50 posts a day",
        413: "One of the parameters specified was missing or invalid: message is too long",
        422: "Hyperlinks are forbidden",
        500: "Internal server error",
    },
    lambda status, message: (
        _vk_error(VK_CODES[status], message) if status in VK_CODES else _nginx(status)
    ),
    # 6 "Too many requests per second" says no wait; 29 "Rate limit reached" is the
    # method's daily quota.
    lambda wait: (
        200,
        _vk_error(6, "Too many requests per second")
        if wait < 60
        else _vk_error(29, "Rate limit reached"),
        {},
    ),
    wait_in_seconds=False,
    status_of=lambda status: 200 if status in VK_CODES else status,
)


def _x_problem(status: int, message: str) -> dict | bytes:
    if status == 502:
        return HTML_502  # X's edge answers gateway trouble with a page
    if status == 400:
        return {
            "errors": [{"parameters": {"text": [""]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.x.com/2/problems/invalid-request",
        }
    title = http.client.responses.get(status, "Error")
    return {"title": title, "detail": message, "type": "about:blank", "status": status}


X = Dialect(
    "x",
    {
        400: "$.text: is missing but it is required",
        401: "Unauthorized",
        403: "You are not permitted to perform this action.",
        404: "Could not find user with id: [1460000000000000000].",
        409: "The request conflicts with the state of the resource.",
        413: "Request Entity Too Large",
        422: "Unprocessable Entity",
        500: "Internal Server Error",
        503: "Service Unavailable",
    },
    _x_problem,
    # x-rate-limit-reset is a Unix time in whole seconds: rounded up, never early.
    lambda wait: (
        429,
        {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(math.ceil(time.time() + wait)),
        },
    ),
)

LINKEDIN_CODES = {
    401: (65602, "EXPIRED_ACCESS_TOKEN"),
    403: (100, "ACCESS_DENIED"),
    404: (0, "NOT_FOUND"),
    422: (100, "UNPROCESSABLE_ENTITY"),
}

LINKEDIN = Dialect(
    "linkedin",
    {
        400: "Invalid query parameters passed to request",
        401: "The token used in the request has expired",
        403: "Not enough permissions to access: partnerApiPostsExternal.CREATE.20260101",
        404: "No virtual resource found",
        409: "The post was modified by another request",
        413: "Request entity too large",
        422: "ERROR :: /commentary :: field is required but not found",
        500: "Internal Server Error",
        503: "Service Unavailable",
    },
    lambda status, message: (
        _nginx(status)
        if status == 502
        else {
            "status": status,
            **(
                {"serviceErrorCode": LINKEDIN_CODES[status][0], "code": LINKEDIN_CODES[status][1]}
                if status in LINKEDIN_CODES
                else {}
            ),
            "message": message,
        }
    ),
    # A bare 429: no Retry-After, no rate-limit header; the daily limits name DAY.
    lambda wait: (
        429,
        {
            "status": 429,
            "serviceErrorCode": 101,
            "message": "Resource level throttle APPLICATION DAY limit for calls to this "
            "resource is reached."
            if wait >= 60
            else "Too many requests",
        },
        {},
    ),
    wait_in_seconds=False,
)

THREADS = _graph("Threads", "threads_content_publish", 17, 4)

TIKTOK_CODES = {
    400: "invalid_params",
    401: "access_token_invalid",
    403: "unaudited_client_can_only_post_to_private_accounts",
    404: "invalid_publish_id",
    409: "invalid_params",
    413: "invalid_params",
    422: "invalid_params",
    500: "internal_error",
    502: "internal_error",
    503: "internal_error",
}


def _tiktok_body(code: str, message: str) -> dict:
    # Every TikTok answer: {"data": {...}, "error": {"code", "message", "log_id"}}.
    return {
        "data": {},
        "error": {"code": code, "message": message, "log_id": "20261204090000AB12CD"},
    }


def _tiktok_limit(wait: float) -> tuple[int, dict, dict]:
    # No rate-limit headers (doc/tiktok-api-v2-rate-limit): a minute's limit is a 429; the
    # creator's daily cap is `spam_risk_too_many_posts` (403 on init), for hours.
    if wait < 60:
        body = _tiktok_body("rate_limit_exceeded", "The API rate limit was exceeded.")
        return 429, body, {}
    message = "The daily post cap from the API is reached for the current user."
    return 403, _tiktok_body("spam_risk_too_many_posts", message), {}


TIKTOK = Dialect(
    "tiktok",
    {
        400: "The request parameters are invalid: post_info.title is longer than 2200 UTF-16 runes",
        401: "The access token is invalid or not found in the request.",
        403: "Unaudited clients can only post to a private account with SELF_ONLY privacy.",
        404: "The publish_id does not exist",
        409: "The request conflicts with the state of the resource",
        413: "The request body is too large",
        422: "post_info.privacy_level is required",
        500: "Something went wrong. Please try again later.",
        502: "Bad Gateway",
        503: "Service Unavailable",
    },
    lambda status, message: _tiktok_body(TIKTOK_CODES.get(status, "invalid_params"), message),
    _tiktok_limit,
    wait_in_seconds=False,
)

GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
}
YOUTUBE_REASONS = {
    400: ("invalidTitle", "youtube.video"),
    401: ("authError", "global"),
    403: ("forbidden", "youtube.video"),
    404: ("notFound", "global"),
    409: ("conflict", "global"),
    413: ("uploadTooLarge", "global"),
    422: ("invalidVideoMetadata", "youtube.video"),
    500: ("backendError", "global"),
    502: ("backendError", "global"),
    503: ("backendError", "global"),
}


def _youtube_body(status: int, message: str) -> dict:
    # {"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}
    reason, domain = YOUTUBE_REASONS.get(status, ("badRequest", "global"))
    item = {"message": message, "domain": domain, "reason": reason}
    error = {"code": status, "message": message, "errors": [item]}
    return {"error": {**error, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}}


def _youtube_rate(wait: float) -> tuple[int, dict, dict]:
    # A short throttle is 403 rateLimitExceeded; the day's quota is 403 quotaExceeded,
    # back at midnight Pacific time. YouTube sends no Retry-After.
    if wait < 60:
        message, reason, domain = "Rate Limit Exceeded", "rateLimitExceeded", "usageLimits"
    else:
        message = "The request cannot be completed because you have exceeded your quota."
        reason, domain = "quotaExceeded", "youtube.quota"
    item = {"message": message, "domain": domain, "reason": reason}
    error = {"code": 403, "message": message, "errors": [item], "status": "PERMISSION_DENIED"}
    return 403, {"error": error}, {}


YOUTUBE = Dialect(
    "youtube",
    {
        400: "The request metadata specifies an invalid or empty video title.",
        401: "Request had invalid authentication credentials.",
        403: "The request is not properly authorized to upload to this channel.",
        404: "Not Found",
        409: "The request conflicts with another upload.",
        413: "The uploaded file is too large.",
        422: "The request metadata is invalid.",
        500: "Backend Error",
        502: "Bad Gateway",
        503: "Backend Error",
    },
    _youtube_body,
    _youtube_rate,
    wait_in_seconds=False,
)


def _gbp_body(status: int, message: str) -> dict:
    # Business Profile: {"error": {"code", "message", "status"[, "details"]}}; v4 semantic
    # errors carry a google.mybusiness.v4.ValidationError.
    error: dict = {
        "code": status,
        "message": message,
        "status": GOOGLE_STATUS.get(status, "UNKNOWN"),
    }
    if status == 400:
        detail = {"code": 2, "field": "summary", "message": "Must be at most 1500 characters"}
        kind = "type.googleapis.com/google.mybusiness.v4.ValidationError"
        error["details"] = [{"@type": kind, "errorDetails": [detail]}]
    return {"error": error}


def _gbp_limit(wait: float) -> tuple[int, dict, dict]:
    # 429 RESOURCE_EXHAUSTED; a quota for the day names it in its ErrorInfo.
    body = _gbp_body(429, "Resource has been exhausted (e.g. check quota).")
    if wait >= 60:
        info = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_limit": "DefaultRequestsPerDayPerProject",
                "quota_limit_value": "1000",
            },
        }
        body["error"]["details"] = [info]
    return 429, body, {}


GOOGLE_BUSINESS = Dialect(
    "google_business",
    {
        400: "Request contains an invalid argument.",
        401: "Request had invalid authentication credentials.",
        403: "The caller does not have permission",
        404: "Requested entity was not found.",
        409: "The post is being changed by another request.",
        413: "Request payload too large.",
        422: "Request contains an invalid argument (unprocessable).",
        500: "Internal error encountered.",
        502: "Bad Gateway",
        503: "The service is currently unavailable.",
    },
    _gbp_body,
    _gbp_limit,
    wait_in_seconds=False,
)


DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        WEBHOOK,
        MASTODON,
        TELEGRAM,
        FACEBOOK,
        INSTAGRAM,
        XRPC,
        VK,
        X,
        LINKEDIN,
        THREADS,
        TIKTOK,
        YOUTUBE,
        GOOGLE_BUSINESS,
    )
}


# -- the proxy ---------------------------------------------------------------------------
@dataclass
class Exchange:
    """One request as it reached the proxy, and what became of it."""

    method: str
    path: str  # without the query string
    query: str
    headers: dict
    body: bytes
    arrived: float  # time.monotonic()
    fault: str = ""  # the fault it met ("" when passed through)
    forwarded: bool = False  # the platform got it
    upstream_status: int = 0  # what the platform answered (0: not forwarded)


@dataclass
class _Rule:
    method: str
    pattern: re.Pattern
    faults: list[str]
    forever: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and bool(self.pattern.search(path))


@dataclass
class FaultProxy:
    upstream: str  # scheme://host:port of the platform's loopback server
    dialect: Dialect
    hold: float = HOLD
    seen: list[Exchange] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    busy: int = 0

    # -- scripting -----------------------------------------------------------------------
    def script(self, method: str, pattern: str, *faults: str) -> FaultProxy:
        """The next len(faults) requests matching METHOD and PATH regex meet these faults."""
        for name in faults:
            _known(name)
        with self.lock:
            self.rules.append(_Rule(method, re.compile(pattern), list(faults)))
        return self

    def always(self, method: str, pattern: str, fault: str) -> FaultProxy:
        """Every matching request meets `fault` (until `clear`)."""
        _known(fault)
        with self.lock:
            self.rules.append(_Rule(method, re.compile(pattern), [fault], forever=True))
        return self

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def _take(self, method: str, path: str) -> Fault | None:
        for rule in self.rules:
            if rule.faults and rule.matches(method, path):
                name = rule.faults[0] if rule.forever else rule.faults.pop(0)
                return FAULTS[name]
        return None

    # -- reading back --------------------------------------------------------------------
    def requests(self, method: str | None = None, pattern: str | None = None) -> list[Exchange]:
        with self.lock:
            return [
                e
                for e in self.seen
                if (method is None or e.method == method)
                and (pattern is None or re.search(pattern, e.path))
            ]

    def forwarded(self, method: str | None = None, pattern: str | None = None) -> list[Exchange]:
        return [e for e in self.requests(method, pattern) if e.forwarded]

    def wait_idle(self, timeout: float = 15.0) -> None:
        """Until no request is being handled (a late forward has reached the platform)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if self.busy == 0:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"the fault proxy was still busy after {timeout}s")
            time.sleep(0.02)

    # -- running -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FaultProxy:
        proxy = self
        target = urlsplit(self.upstream)
        assert target.scheme == "http" and target.hostname, self.upstream

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            # -- reading and forwarding ------------------------------------------------
            def _body(self) -> bytes:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    parts = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(parts)
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _forward(self, exchange: Exchange) -> tuple[int, str, list, bytes]:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                headers["Host"] = target.netloc
                if exchange.body or self.command in ("POST", "PUT", "PATCH"):
                    headers["Content-Length"] = str(len(exchange.body))
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=exchange.body, headers=headers)
                    answer = conn.getresponse()
                    raw = answer.read()
                    kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
                    status, reason = answer.status, answer.reason
                finally:
                    conn.close()
                exchange.forwarded = True
                exchange.upstream_status = status
                return status, reason, kept, raw

            # -- answering -------------------------------------------------------------
            def _write(
                self,
                status: int,
                headers: list[tuple[str, str]],
                body: bytes,
                length: int | None = None,
            ) -> None:
                try:
                    self.send_response_only(status)
                    for key, value in headers:
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body) if length is None else length))
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                except OSError:
                    self.close_connection = True  # the client gave up: nothing to answer

            def _reset(self) -> None:
                """A TCP RST: SO_LINGER 0, then the last reference to the socket closed."""
                self.close_connection = True
                try:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                except OSError:
                    pass
                self.connection.close()
                self.rfile.close()

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                exchange = Exchange(
                    self.command,
                    parts.path,
                    parts.query,
                    dict(self.headers),
                    self._body(),
                    time.monotonic(),
                )
                with proxy.lock:
                    proxy.seen.append(exchange)
                    fault = proxy._take(self.command, parts.path)
                    proxy.busy += 1
                try:
                    if fault is None:
                        status, _, headers, raw = self._forward(exchange)
                        return self._write(status, headers, raw)
                    exchange.fault = fault.name
                    self._fault(fault, exchange)
                finally:
                    with proxy.lock:
                        proxy.busy -= 1

            def _fault(self, fault: Fault, exchange: Exchange) -> None:
                relayed = None
                if fault.forward == "late":
                    time.sleep(fault.hold or proxy.hold)
                if fault.forward in ("first", "late"):
                    relayed = self._forward(exchange)
                dialect = proxy.dialect
                if fault.answer == "error":
                    body, headers = dialect.error(fault.status)
                    status = dialect.status_of(fault.status)
                    return self._write(status, list(headers.items()), body)
                if fault.answer == "rate-limit":
                    status, answer, headers = dialect.rate_limit(fault.wait)
                    body = json.dumps(answer).encode()
                    kind = [("Content-Type", "application/json; charset=utf-8")]
                    return self._write(status, kind + list(headers.items()), body)
                if fault.answer == "html":
                    kind = [("Content-Type", "text/html")]
                    return self._write(fault.status, kind, HTML_502)
                if fault.answer == "silence":
                    time.sleep(fault.hold or proxy.hold)
                    self.close_connection = True
                    return
                if fault.answer == "reset":
                    return self._reset()
                assert relayed is not None, fault
                status, _, headers, raw = relayed
                if fault.answer == "relay":
                    if fault.forward == "first":
                        time.sleep(fault.hold or proxy.hold)
                    return self._write(status, headers, raw)
                if fault.answer == "truncate":
                    self.close_connection = True
                    return self._write(status, headers, raw[: len(raw) // 2], len(raw) + 64)
                if fault.answer == "text-plain":
                    kept = [(k, v) for k, v in headers if k.lower() != "content-type"]
                    return self._write(status, [*kept, ("Content-Type", "text/plain")], raw)
                if fault.answer == "not-json":
                    kept = [(k, v) for k, v in headers if k.lower() != "content-type"]
                    kind = ("Content-Type", "application/json; charset=utf-8")
                    return self._write(status, [*kept, kind], b"OK")
                if fault.answer == "bad-encoding":
                    kept = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
                    return self._write(status, [*kept, ("Content-Encoding", "gzip")], raw)
                if fault.answer == "empty":
                    return self._write(status, headers, b"")
                raise AssertionError(f"unknown answer {fault.answer!r}")

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.server = listen(Handler)
        return self

    def stop(self) -> None:
        close(self.server)


def _known(name: str) -> None:
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
