"""X's wire details: API v2 calls, problem answers, rate-limit resets, OAuth 2.0 refresh.

Sources: xdevplatform/docs (openapi.json; x-api/fundamentals/rate-limits and
response-codes-and-errors; x-api/media/quickstart/media-upload-chunked;
fundamentals/authentication/oauth-2-0/authorization-code).

Errors are problem objects (`{"title", "detail", "type", "status"}`, details in
`errors[]`); every answer carries `x-rate-limit-limit/remaining/reset`, the reset as a
Unix time. So:

- 429 → RETRY until `x-rate-limit-reset` (or `x-user-limit-24hour-reset` when the 24-hour
  cap is what ran out);
- 401 → REAUTH (after one refresh, when the account has a refresh token);
- 403 → FAIL: "duplicate content" (X refuses the same text twice), a missing scope, an
  app-only token;
- 5xx, 408 → RETRY on a call that is safe to repeat, UNKNOWN on `POST /2/tweets`
  (X has no idempotency key: the post may be out);
- 400, 404 and the rest → FAIL with X's own words.
"""

from __future__ import annotations

import base64
import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .http import (
    FAIL,
    REAUTH,
    RETRY,
    UNKNOWN,
    Http,
    PublishError,
    Redact,
    epoch_reset_wait,
    json_body,
    json_object,
    short_body,
)
from .secrets import clip
from .tokenstore import Stored, TokenStore

if TYPE_CHECKING:
    import requests

DEFAULT_API = "https://api.x.com"
SCOPES = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
DUPLICATE = "duplicate content"


def words(response: requests.Response, redact: Redact) -> str:
    """X's own words for an error: the problem's detail (or title) and each error's message."""
    body = json_body(response)
    if not isinstance(body, dict):
        return short_body(response, redact)
    said = [str(body.get("detail") or body.get("title") or "")]
    said += [str(e.get("message")) for e in body.get("errors") or [] if isinstance(e, dict)]
    said += [str(body.get("error_description") or "")]
    text = "; ".join(dict.fromkeys(s for s in said if s and s != "None"))
    return clip(text, redact) if text else short_body(response, redact)


def rate_limit_wait(response: requests.Response) -> float | None:
    """Until the limit that ran out resets: the 24-hour cap, else the 15-minute window."""
    if response.headers.get("x-user-limit-24hour-remaining") == "0":
        return epoch_reset_wait(response, "x-user-limit-24hour-reset")
    return epoch_reset_wait(response, "x-rate-limit-reset")


def classify(
    response: requests.Response, idempotent: bool, redact: Redact, *, what: str
) -> PublishError | None:
    """One X answer → None (success) or a classified error (the shape of
    `http.default_classify`; `what` names the call for the message)."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    said = f"X {what}: HTTP {status}: {words(response, redact)}"
    if status == 429:
        return PublishError(RETRY, f"rate limited ({said})", rate_limit_wait(response))
    if status == 401:
        return PublishError(REAUTH, f"X refused the access token ({said})")
    if status == 403:
        if DUPLICATE in said.lower():
            return PublishError(FAIL, f"X refused a duplicate of a recent post ({said})")
        if "unsupported-authentication" in response.text:
            return PublishError(REAUTH, f"an app-only token cannot post: use a user token ({said})")
        return PublishError(
            FAIL,
            f"X does not permit this ({said}): the token needs the scopes "
            f"{' '.join(SCOPES[:4])}, and the account must be allowed to post",
        )
    if status == 408 or status >= 500:
        return PublishError(RETRY if idempotent else UNKNOWN, said)
    return PublishError(FAIL, f"X refused it ({said})")


class Tokens:
    """The account's OAuth 2.0 user tokens: the environment's, or the newest pair a
    refresh gave (kept in the `TokenStore`, its chain begun by the environment's refresh
    token); `refresh` rotates them."""

    def __init__(
        self,
        http: Http,
        api: str,
        access: str,
        refresh: str = "",
        client_id: str = "",
        client_secret: str = "",
        store: TokenStore | None = None,
        variable: str = "",
    ):
        self.http, self.api = http, api
        self.env_access, self.env_refresh = access, refresh
        self.client_id, self.client_secret = client_id, client_secret
        self.store, self.variable = store, variable
        self.kept = store.load(client_id, refresh) if (store and refresh) else None
        if self.kept is not None:
            self._hide(self.kept.access_token, self.kept.refresh_token)

    @property
    def can_refresh(self) -> bool:
        return bool(self.env_refresh and self.client_id and self.store)

    def access(self) -> str:
        """The access token to send now (refreshed first when the kept one ran out)."""
        if self.kept is not None:
            if self.kept.fresh():
                return self.kept.access_token
            return self.refresh()
        return self.env_access

    def refresh(self) -> str:
        """Rotate: a new access token and refresh token from X, kept; the new access token."""
        if not self.can_refresh:
            raise PublishError(REAUTH, "X refused the access token and no refresh is set up")
        assert self.store is not None
        self.store.guard(self.variable)
        current = self.kept.refresh_token if self.kept else self.env_refresh
        form = {"grant_type": "refresh_token", "refresh_token": current}
        headers = {}
        if self.client_secret:  # a confidential client: HTTP Basic
            pair = f"{self.client_id}:{self.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        else:  # a public client (PKCE): its id in the body
            form["client_id"] = self.client_id
        response = self.http.request(
            "POST",
            f"{self.api}/2/oauth2/token",
            idempotent=False,  # a refresh token works once: never sent twice
            classify=_refresh_classify,
            data=form,
            headers=headers,
        )
        answer = json_object(response, "X's token endpoint", REAUTH)
        access, rotated = (
            str(answer.get("access_token") or ""),
            str(answer.get("refresh_token") or ""),
        )
        if not access:
            raise PublishError(REAUTH, "X's token endpoint answered without an access token")
        self._hide(access, rotated)
        try:
            expires = time.time() + float(answer.get("expires_in") or 0)
        except (TypeError, ValueError):
            expires = 0.0
        self.kept = Stored(
            rotated or current, access, expires, str(answer.get("scope") or ""), time.time()
        )
        self.store.save(self.client_id, self.env_refresh, self.kept)
        return access

    def _hide(self, *values: str) -> None:
        add = getattr(self.http.redact, "add", None)
        for value in values:
            if add is not None and value:
                add(value)


def _refresh_classify(
    response: requests.Response, idempotent: bool, redact: Redact
) -> PublishError | None:
    if 200 <= response.status_code < 300:
        return None
    said = f"HTTP {response.status_code}: {words(response, redact)}"
    if response.status_code >= 500 or response.status_code == 429:
        return PublishError(RETRY, f"X's token endpoint: {said}")
    return PublishError(
        REAUTH,
        f"X refused the refresh token ({said}); refresh tokens work once, so another copy "
        "of smmflow may have used it: authorize the app again and set new tokens",
    )


class Client:
    """X API v2 for one account."""

    def __init__(self, http: Http, api: str, tokens: Tokens):
        self.http, self.api, self.tokens = http, api.rstrip("/"), tokens

    def request(
        self, method: str, path: str, *, what: str, publish: bool = False, **kwargs: object
    ) -> dict:
        """The JSON object X answered; one refresh and one more try after a 401."""
        send: Callable[[], requests.Response] = functools.partial(
            self._send, method, path, what, publish, kwargs
        )
        try:
            response = send()
        except PublishError as exc:
            if exc.kind != REAUTH or "HTTP 401" not in exc.message or not self.tokens.can_refresh:
                raise
            self.tokens.refresh()
            response = send()
        return json_object(response, f"X {what}", UNKNOWN if publish else RETRY)

    def _send(
        self, method: str, path: str, what: str, publish: bool, kwargs: dict
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens.access()}"}
        return self.http.request(
            method,
            self.api + path,
            idempotent=not publish,
            classify=functools.partial(classify, what=what),
            retry_after=rate_limit_wait,
            headers=headers,
            **kwargs,
        )
