"""A small AT Protocol (XRPC) client for the Bluesky publisher: one session per account and
run, refreshed when it expires; errors turned into `PublishError` kinds.

Everything goes through `smmflow.http.Http` (timeouts, retries, rate-limit waits, redaction).
XRPC errors are JSON `{"error": "<Name>", "message": "..."}`; a 429 carries `Retry-After`
(seconds) and `RateLimit-Reset` (Unix seconds), and either one sets the wait.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    retry_after_header,
    short_body,
)

if TYPE_CHECKING:
    import requests

POST = "app.bsky.feed.post"
DEFAULT_PDS = "https://bsky.social"
PDS = "the PDS"  # who answered, in messages
# Record keys of posts are TIDs: 13 characters of base32-sortable (atproto "tid" syntax).
S32 = "234567abcdefghijklmnopqrstuvwxyz"
TID_MAX_MICROS = 2**53 - 1


# -- record keys ---------------------------------------------------------------------------
def tid(micros: int, clock_id: int) -> str:
    """The TID of a 64-bit integer: top bit 0, 53 bits of microseconds since the Unix epoch,
    10 bits of clock id; 13 characters, most significant first."""
    if not 0 <= micros <= TID_MAX_MICROS:
        raise ValueError(f"a TID holds 0..2**53-1 microseconds, not {micros}")
    if not 0 <= clock_id < 1024:
        raise ValueError(f"a TID clock id is 0..1023, not {clock_id}")
    value = (micros << 10) | clock_id
    return "".join(S32[(value >> shift) & 31] for shift in range(60, -1, -5))


def tid_parts(text: str) -> tuple[int, int]:
    """(microseconds, clock id) of a TID; ValueError if it is not one."""
    if len(text) != 13 or any(c not in S32 for c in text) or text[0] not in S32[:16]:
        raise ValueError(f"not a TID: {text!r}")
    value = 0
    for char in text:
        value = (value << 5) | S32.index(char)
    return value >> 10, value & 1023


def micros(when: dt.datetime) -> int:
    """Exact microseconds since the Unix epoch of an aware datetime (no float rounding)."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return (when - epoch) // dt.timedelta(microseconds=1)


def clock_id(key: str) -> int:
    """The engine's idempotency key (hex) mod 1024; any other key through SHA-256."""
    try:
        return int(key, 16) % 1024
    except ValueError:
        return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 1024


def rkey_for(when: dt.datetime, key: str, probe: int = 0) -> str:
    """The record key of a post: its time and the engine's key, so a resumed run finds the
    same key. `probe` > 0 steps the clock id when another post already holds that key."""
    return tid(micros(when), (clock_id(key) + probe) % 1024)


def at_uri(did: str, rkey: str, collection: str = POST) -> str:
    return f"at://{did}/{collection}/{rkey}"


def parse_at_uri(uri: str) -> tuple[str, str, str]:
    """(repo, collection, rkey) of `at://repo/collection/rkey`."""
    if not uri.startswith("at://"):
        raise ValueError(f"not an at:// URI: {uri!r}")
    parts = uri[len("at://") :].split("/")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"not an at://repo/collection/rkey URI: {uri!r}")
    return parts[0], parts[1], parts[2]


def now_rfc3339() -> str:
    """`createdAt`: now, UTC, milliseconds, `Z` (RFC 3339, as the official clients write it)."""
    now = dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


# -- errors --------------------------------------------------------------------------------
class SessionExpired(PublishError):
    """The access token expired (`ExpiredToken`) or was not accepted (`InvalidToken`):
    refresh the session (or log in again) and send once more. Never retried as is."""

    def __init__(self, error: str, message: str):
        super().__init__(FAIL, message)
        self.error = error


class RateLimited(PublishError):
    """A 429: the PDS did not act on the request; send nothing more before the wait."""


def xrpc_error(response: requests.Response, redact: Redact) -> tuple[str, str]:
    """(error name, message) of an XRPC error answer; a short body when it is not JSON."""
    body = json_body(response)
    if isinstance(body, dict):
        name = str(body.get("error") or "")
        message = str(body.get("message") or "")
        if name or message:
            return name, message
    return "", short_body(response, redact)


def rate_limit_wait(response: requests.Response) -> float | None:
    """Seconds to wait after a 429: `Retry-After`, else `RateLimit-Reset` (Unix seconds)."""
    wait = retry_after_header(response)
    if wait is not None:
        return wait
    reset = response.headers.get("RateLimit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - time.time())
        except ValueError:
            return None
    return None


def classify(response: requests.Response, idempotent: bool, redact: Redact) -> PublishError | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    name, message = xrpc_error(response, redact)
    text = f"{name}: {message}" if name and message else (name or message)
    reason = f"HTTP {status} {text}".strip()
    if name in ("ExpiredToken", "InvalidToken"):
        return SessionExpired(name, reason)
    if status == 429 or name == "RateLimitExceeded":
        return RateLimited(RETRY, f"rate limited ({reason})", rate_limit_wait(response))
    if status in (401, 403) or name in ("AuthenticationRequired", "AccountTakedown"):
        return PublishError(REAUTH, f"credentials refused ({reason})")
    if status in (408, 502, 503, 504):
        return PublishError(RETRY, reason)
    if status >= 500:
        return PublishError(RETRY if idempotent else UNKNOWN, reason)
    return PublishError(FAIL, reason)


def token_scope(jwt: str) -> str:
    """The `scope` claim of a JWT, read without verifying it (for `doctor` hints only)."""
    try:
        payload = jwt.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return str(json.loads(base64.urlsafe_b64decode(payload)).get("scope", ""))
    except (IndexError, ValueError, AttributeError):
        return ""


# -- the client ----------------------------------------------------------------------------
@dataclass
class Session:
    did: str
    handle: str
    access: str
    refresh: str


class Client:
    """XRPC calls for one account. `session` is made once (createSession) and kept: a run
    logs in once however many posts it sends; an expired access token is refreshed."""

    def __init__(
        self,
        http: Http,
        pds: str,
        handle: str,
        password: Callable[[], str],
        on_secret: Callable[[str], None] = lambda value: None,
    ):
        self.http = http
        self.pds = (pds or DEFAULT_PDS).rstrip("/")
        self.handle = handle
        self._password = password
        self._on_secret = on_secret
        self.session: Session | None = None
        self.logins = 0  # createSession calls made (tests and `doctor` read it)
        self.refreshes = 0

    def url(self, nsid: str) -> str:
        return f"{self.pds}/xrpc/{nsid}"

    def _send(
        self, method: str, nsid: str, *, idempotent: bool, token: str | None = None, **kwargs
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(
            method,
            self.url(nsid),
            idempotent=idempotent,
            classify=classify,
            retry_after=rate_limit_wait,
            headers=headers,
            **kwargs,
        )

    def _keep(self, answer: dict) -> Session:
        try:
            session = Session(
                str(answer["did"]),
                str(answer.get("handle") or self.handle),
                str(answer["accessJwt"]),
                str(answer["refreshJwt"]),
            )
        except (KeyError, TypeError) as exc:
            raise PublishError(RETRY, f"the PDS answered without a session ({exc})") from None
        self._on_secret(session.access)
        self._on_secret(session.refresh)
        self.session = session
        return session

    def login(self) -> Session:
        """com.atproto.server.createSession with the handle and the app password."""
        self.logins += 1
        body = {"identifier": self.handle, "password": self._password()}
        try:
            response = self._send(
                "POST", "com.atproto.server.createSession", idempotent=True, json=body
            )
        except PublishError as exc:
            if exc.kind == REAUTH or isinstance(exc, SessionExpired):
                raise PublishError(
                    REAUTH, f"app password refused for @{self.handle} by {self.pds} ({exc.message})"
                ) from None
            raise
        return self._keep(json_object(response, PDS))

    def refresh(self) -> Session:
        """com.atproto.server.refreshSession with the refresh token; a new login if that
        token is no longer accepted either."""
        if self.session is None:
            return self.login()
        self.refreshes += 1
        try:
            response = self._send(
                "POST",
                "com.atproto.server.refreshSession",
                idempotent=True,
                token=self.session.refresh,
            )
        except PublishError as exc:
            if isinstance(exc, SessionExpired) or exc.kind == REAUTH:
                self.session = None
                return self.login()
            raise
        return self._keep(json_object(response, PDS))

    def ensure(self) -> Session:
        return self.session or self.login()

    def call(self, method: str, nsid: str, *, idempotent: bool, **kwargs) -> requests.Response:
        """One XRPC call with the account's session; refreshed (or logged in again) once when
        the PDS says the access token expired or is no longer valid."""
        token = self.ensure().access
        try:
            return self._send(method, nsid, idempotent=idempotent, token=token, **kwargs)
        except SessionExpired as exc:
            if exc.error == "ExpiredToken":
                self.refresh()
            else:
                self.session = None
                self.login()
        assert self.session is not None
        try:
            return self._send(
                method, nsid, idempotent=idempotent, token=self.session.access, **kwargs
            )
        except SessionExpired as exc:
            raise PublishError(REAUTH, f"a fresh session was refused too ({exc.message})") from None

    # -- the calls the publisher makes ---------------------------------------------------
    def get_session(self) -> dict:
        return json_object(self.call("GET", "com.atproto.server.getSession", idempotent=True), PDS)

    def resolve_handle(self, handle: str) -> str | None:
        """The DID of a handle; None when the PDS says it does not resolve (400)."""
        try:
            response = self._send(
                "GET",
                "com.atproto.identity.resolveHandle",
                idempotent=True,
                params={"handle": handle},
            )
        except PublishError as exc:
            if exc.kind == FAIL:
                return None
            raise
        did = json_object(response, PDS).get("did")
        return str(did) if isinstance(did, str) and did.startswith("did:") else None

    def get_record(self, repo: str, rkey: str, collection: str = POST) -> dict | None:
        """The record (`uri`, `cid`, `value`), or None when there is none (RecordNotFound)."""
        try:
            response = self._send(
                "GET",
                "com.atproto.repo.getRecord",
                idempotent=True,
                params={"repo": repo, "collection": collection, "rkey": rkey},
            )
        except PublishError as exc:
            if exc.kind == FAIL and ("RecordNotFound" in exc.message or "HTTP 404" in exc.message):
                return None
            raise
        return json_object(response, PDS)

    def upload_blob(self, data: bytes, mime: str) -> dict:
        response = self.call(
            "POST",
            "com.atproto.repo.uploadBlob",
            idempotent=True,  # blobs are content-addressed: the same bytes, the same blob
            data=data,
            headers={"Content-Type": mime},
        )
        blob = json_object(response, PDS).get("blob")
        if not isinstance(blob, dict):
            raise PublishError(RETRY, "uploadBlob answered without a blob")
        return blob

    def create_record(self, repo: str, rkey: str, record: dict, collection: str = POST) -> dict:
        body = {"repo": repo, "collection": collection, "rkey": rkey, "record": record}
        # Not repeated blindly: a repeat of a create that went through answers 500 (the key
        # is taken). The publisher asks getRecord instead, then sends again if it is not there.
        response = self.call("POST", "com.atproto.repo.createRecord", idempotent=False, json=body)
        return json_object(response, PDS)

    def delete_record(self, repo: str, rkey: str, collection: str = POST) -> None:
        body = {"repo": repo, "collection": collection, "rkey": rkey}
        self.call("POST", "com.atproto.repo.deleteRecord", idempotent=True, json=body)
