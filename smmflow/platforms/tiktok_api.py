"""Talking to TikTok's Content Posting API: the token, the `{"data", "error"}` envelope,
creator info, init, the upload, the status.

Every answer is `{"data": {...}, "error": {"code": "ok", "message": "", "log_id": "..."}}`
and success is `error.code == "ok"`, not the HTTP status alone: creator_info answers a
daily cap with HTTP 200 (developers.tiktok.com doc/tiktok-api-v2-error-handling,
content-posting-api-reference-*). The kinds:

- `rate_limit_exceeded` (429; 6 inits and 30 status reads a minute per token) → RETRY;
- `spam_risk_too_many_posts` (the creator's daily cap, ~15 posts), `reached_active_user_cap`
  (the app's daily publishing users; 5 for an unaudited app) → RETRY in an hour: a later
  run posts it;
- `access_token_invalid`, `scope_not_authorized`, `scope_permission_missed` → REAUTH;
- `unaudited_client_can_only_post_to_private_accounts`, `privacy_level_option_mismatch`,
  `url_ownership_unverified`, `spam_risk_user_banned_from_posting`, `invalid_param(s)` and
  other refusals → FAIL with TikTok's words and what to do;
- `internal_error` and 5xx → RETRY on a call that publishes nothing, UNKNOWN otherwise.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import oauth
from .http import (
    FAIL,
    REAUTH,
    RETRY,
    UNKNOWN,
    Http,
    PublishError,
    Redact,
    default_classify,
    json_object,
)
from .http import json_body as _json_body
from .secrets import clip

if TYPE_CHECKING:
    import requests

DEFAULT_API = "https://open.tiktokapis.com"
HINTS = {
    "unaudited_client_can_only_post_to_private_accounts": (
        "TikTok has not audited this app, so it has no permission to post publicly: it may "
        "post only SELF_ONLY to a private account (docs/platforms/tiktok.md, the audit)"
    ),
    "privacy_level_option_mismatch": (
        "the post's privacy level is not one the creator offers now (smmflow doctor lists them)"
    ),
    "url_ownership_unverified": (
        "TikTok fetches photos only from a domain or URL prefix verified for the app: verify "
        "the host of media_base_url in the TikTok developer portal"
    ),
    "spam_risk_user_banned_from_posting": "TikTok has banned this account from posting",
}
LATER = {
    "spam_risk_too_many_posts": "the creator's daily posting cap is reached",
    "reached_active_user_cap": "the app's daily cap of posting users is reached",
}
TOKEN = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}


def envelope(response: requests.Response) -> tuple[str, str, str] | None:
    """(code, message, log_id) of an answer's `error`, or None without one."""
    body = _json_body(response)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not error.get("code"):
        return None
    message = " ".join(str(error.get("message") or "").split())
    return str(error["code"]), message, str(error.get("log_id") or error.get("logid") or "")


def classify(
    response: requests.Response, idempotent: bool, redact: Redact, *, what: str
) -> PublishError | None:
    """The kind of a TikTok answer; `what` names the call, `idempotent` False: it may post."""
    found = envelope(response)
    if found is None or (found[0] == "ok" and 200 <= response.status_code < 300):
        if found is not None or 200 <= response.status_code < 300:
            return None
        error = default_classify(response, idempotent, redact)
        assert error is not None
        error.message = f"TikTok {what}: {error.message}"
        error.args = (error.message,)
        return error
    code, message, log_id = found
    said = clip(f"{code}: {message}" + (f" [log_id {log_id}]" if log_id else ""), redact)
    if code == "rate_limit_exceeded" or response.status_code == 429:
        return PublishError(RETRY, f"TikTok {what}: rate limited ({said})")
    if code in LATER:
        return PublishError(
            RETRY, f"TikTok {what}: {LATER[code]}; a later run posts it ({said})", 3600.0
        )
    if code in TOKEN or response.status_code == 401:
        return PublishError(
            REAUTH, f"TikTok {what}: refused the access token or its scope ({said})"
        )
    if code in HINTS:
        return PublishError(FAIL, f"TikTok {what}: {HINTS[code]} ({said})")
    if code == "internal_error" or response.status_code >= 500:
        kind = RETRY if idempotent else UNKNOWN
        return PublishError(kind, f"TikTok {what}: server error ({said})")
    return PublishError(FAIL, f"TikTok {what}: refused ({said})")


def upload_classify(
    response: requests.Response, idempotent: bool, redact: Redact
) -> PublishError | None:
    """A chunk's answer: 206 (more expected), 201 (all there) and 416 (not where the upload
    stands: its `Content-Range` says where) are read by the uploader; 403 means the upload
    URL's hour is over (a new init starts again); the rest as `classify`."""
    if response.status_code in (201, 206, 416):
        return None
    if response.status_code == 403:
        return PublishError(RETRY, "TikTok upload: the upload URL expired; starting again")
    return classify(response, True, redact, what="upload")


class TikTokApi:
    """One creator's access: client key and secret plus a refresh token (rotated by
    TikTok; `keep` is told each new one), against `api`."""

    def __init__(
        self,
        http: Http,
        api: str,
        client: tuple[str, str],
        refresh_token: str,
        keep: Callable[[str], None],
        learn: Callable[[str], None] = lambda secret: None,
    ):
        self.http = http
        self.api = api.rstrip("/")
        self.client = client
        self.refresh_token = refresh_token
        self.keep = keep
        self.learn = learn
        self.tokens: oauth.Tokens | None = None
        self.rotated = False  # this run got a new refresh token from TikTok

    def token(self) -> str:
        if self.tokens is None or not self.tokens.fresh(time.time()):
            form = {
                "client_key": self.client[0],
                "client_secret": self.client[1],
                "refresh_token": self.refresh_token,
            }
            url = f"{self.api}/v2/oauth/token/"
            self.tokens = oauth.refresh(self.http, url, form, "TikTok", self.learn)
            if self.tokens.refresh != self.refresh_token:
                self.keep(self.tokens.refresh)
                self.refresh_token, self.rotated = self.tokens.refresh, True
        return self.tokens.access

    def post(self, path: str, body: dict, *, what: str, publish: bool = False) -> dict:
        """The `data` of `POST {api}{path}`; `publish`: the call may make a post. An answer
        lost on the way is asked again where that is safe (`publish` False)."""
        policy = self.http.policy
        for attempt in range(1, policy.attempts + 1):
            response = self.http.request(
                "POST",
                f"{self.api}{path}",
                idempotent=not publish,
                classify=functools.partial(classify, what=what),
                json=body,
                headers={
                    "Authorization": f"Bearer {self.token()}",
                    "Content-Type": "application/json; charset=UTF-8",
                },
            )
            try:
                answer = json_object(response, f"TikTok {what}", UNKNOWN if publish else RETRY)
            except PublishError:
                if publish or attempt == policy.attempts:
                    raise
                self.http.sleep(policy.backoff * 2 ** (attempt - 1))
                continue
            data = answer.get("data")
            return data if isinstance(data, dict) else {}
        raise AssertionError("unreachable")

    def creator_info(self) -> dict:
        return self.post("/v2/post/publish/creator_info/query/", {}, what="creator_info")

    def status(self, publish_id: str) -> dict:
        body = {"publish_id": publish_id}
        return self.post("/v2/post/publish/status/fetch/", body, what="status")

    def put(self, url: str, chunk: bytes, first: int, total: int, kind: str) -> requests.Response:
        """One chunk of a FILE_UPLOAD (`upload_url` needs no token: it carries its own)."""
        last = first + len(chunk) - 1
        return self.http.request(
            "PUT",
            url,
            idempotent=True,  # a chunk sent twice is refused (416), never stored twice
            classify=upload_classify,
            data=chunk,
            headers={
                "Content-Type": kind,
                "Content-Length": str(len(chunk)),
                "Content-Range": f"bytes {first}-{last}/{total}",
            },
        )
