"""A loopback X API v2 (api.x.com) for posting, written from X's own documentation.

Sources: xdevplatform/docs @2871328 (Aug 2026): `openapi.json` (request and response
schemas of /2/tweets, /2/media/upload[/initialize|/{id}/append|/{id}/finalize],
/2/media/metadata, /2/users/me, /2/users/{id}/tweets|mentions, /2/tweets/{id}/hidden;
security scopes), `x-api/media/quickstart/media-upload-chunked.mdx` (INIT/APPEND/
FINALIZE/STATUS, answers), `best-practices.mdx` (4 photos or 1 GIF or 1 video; image
5 MB, GIF 15 MB, video 512 MB), `fundamentals/counting-characters.mdx` (with
twitter/twitter-text config v3: see xtext.py), `x-api/fundamentals/rate-limits.mdx` and
`response-codes-and-errors.mdx` (x-rate-limit-* on every answer, reset in epoch
seconds; problem JSON), `fundamentals/authentication/oauth-2-0/authorization-code.mdx`
(scopes, 2 h access tokens, refresh with `grant_type=refresh_token`),
`x-api/posts/manage-tweets/*` (self-serve reply restriction since Feb 2026, at most one
cashtag), `x-api/fundamentals/edit-posts.mdx` (30 minutes, 5 edits, a new id per edit),
`x-api/posts/hide-replies/*`. Field names follow the narrative docs and the live API
(`tweet.fields`, `edit_history_tweet_ids`, `referenced_tweets`, `retweet_count`,
`tweet_count`); the 2026 openapi's renamed `post.fields` is accepted too.

What it does like X:

- OAuth 2.0 user-context Bearer tokens with scopes (`tweet.read tweet.write users.read
  media.write tweet.moderate.write offline.access`); a missing, unknown or expired token
  is 401 `{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail":
  "Unauthorized"}`; an app-only token on a user-context endpoint is 403
  `unsupported-authentication`; a missing scope 403 "You are not permitted to perform
  this action." (unconfirmed for this case). `POST /2/oauth2/token` with
  `grant_type=refresh_token` (public client: `client_id` in the body; confidential:
  HTTP Basic) rotates: a new access and refresh token, the old refresh token dead
  (`{"error": "invalid_request", "error_description": "Value passed for the token was
  invalid."}`).
- `POST /2/tweets` (JSON only): the schema's properties and types (networknt-style
  messages, unconfirmed wording); text counted like twitter-text (280 weighted; an
  account's `max_weighted` may be raised for long posts); too long is 400 "Your Tweet
  text is too long. ..." (one report says 403: unconfirmed); the same text as a live post
  of the account within `duplicate_window` is 403 "You are not allowed to create a
  Tweet with duplicate content."; `media.media_ids` (own, finished, unexpired; at most
  4 photos, or 1 GIF or 1 video) else 400 "Your media IDs are invalid."; replies
  (`reply.in_reply_to_tweet_id`) to one's own posts make threads, replies to others only
  when "summoned" (self-serve, 403 otherwise); `edit_options.previous_post_id` within 30
  minutes, 5 edits. Answers 201 `{"data": {"id", "text", "edit_history_tweet_ids"}}`
  where `text` is X's rendering: URLs as 23-character t.co links, `&<>` as HTML entities,
  and a t.co link to the media at the end when media is attached.
- `DELETE /2/tweets/:id` -> `{"data": {"deleted": true}}` (the whole edit chain); gone or
  unknown is 404 resource-not-found (unconfirmed); someone else's post 403.
- `GET /2/tweets/:id`, `GET /2/tweets?ids=`: `tweet.fields` (created_at, author_id,
  conversation_id, in_reply_to_user_id, referenced_tweets, attachments, entities,
  public_metrics, edit_controls, reply_settings, lang), `expansions`
  (attachments.media_keys, author_id, referenced_tweets.id), `media.fields` (alt_text,
  url, type ...); a deleted post answers 200 with `errors` (resource-not-found).
- `GET /2/users/me` (`user.fields=public_metrics,...`), `GET /2/users/:id/tweets` (newest
  first, `max_results` 5-100, `pagination_token`/`next_token`, `since_id`, `until_id`,
  `exclude`, 3,200 most recent), `GET /2/users/:id/mentions` (800 most recent).
  `timeline_lag` hides a new post from that many timeline reads (unconfirmed: timelines
  are served from caches and can lag behind a post just made; 0 by default).
- `PUT /2/tweets/:id/hidden` `{"hidden": bool}` on replies in a conversation the user
  started (scope tweet.moderate.write).
- Media: one-shot `POST /2/media/upload` (multipart `media` + `media_category`, or JSON
  base64); chunked both ways the docs show: `command=INIT|APPEND|FINALIZE` on
  /2/media/upload with `GET ?command=STATUS&media_id=`, and /2/media/upload/initialize,
  /{id}/append, /{id}/finalize. Segments must add up to `total_bytes`; video and GIF
  go pending -> in_progress -> succeeded over `processing_polls` STATUS reads (or
  `failed` when `fail_processing` is set); media expires after 24 h. Alt text with
  `POST /2/media/metadata` `{"id", "metadata": {"alt_text": {"text"}}}` (<= 1000).
- Rate limits per user and endpoint with the documented 15-minute limits (`limits`, a
  test may lower them): every answer carries `x-rate-limit-limit/remaining/reset`
  (reset in epoch seconds); past the limit 429 `{"title": "Too Many Requests", "detail":
  "Too Many Requests", "type": "about:blank", "status": 429}` (the docs page shows the
  v1.1-style `{"errors": [{"code": 88, ...}]}`; the v2 problem is what clients report).
  With `daily_limit` set, POST /2/tweets also carries `x-user-limit-24hour-limit/
  remaining/reset` (3P: seen by clients on some tiers, absent on pay-per-use).

Unknown paths (the retired v1.1 `upload.twitter.com/1.1/media/upload.json` included)
answer 404 `{"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}`.
`server.url` (also `server.api`) is the origin to put before `/2/...`.

What it does not do: OAuth 1.0a, the authorization-code exchange, polls beyond shape
checks, quote-post rules, search, DMs, streams, subtitles, real media decoding (type
from magic bytes; sizes from the byte count), app-level (per-app) limits.

Faults: `server.fail(route, *faults)` queues faults for one route: "tweets", "delete",
"lookup", "hidden", "me", "timeline", "mentions", "upload", "status", "initialize",
"append", "finalize", "metadata", "token". Each is "429" (rate limit now, reset in
`reset_in` seconds), "429-daily" (the 24-hour cap), "401" (the token refused as
expired), "403" (not permitted), "500", "503" (problem JSON), "502" (HTML gateway
page), "500-after" (done, then 500), "reset" (dropped, nothing done), "reset-after"
(done, then dropped), "slow" (answered after `slow` s, done only then), "slow-after"
(done, answered after `slow` s), or "ok".
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.parser
import email.policy
import json
import re
import socket
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

try:  # `python -m pytest` from the repository root
    from tests.servers import xtext
    from tests.servers.imagesize import image_size
except ImportError:  # tests/ itself on sys.path
    from servers import xtext  # type: ignore[no-redef]
    from servers.imagesize import image_size  # type: ignore[no-redef]

PROBLEMS = "https://api.x.com/2/problems/"
EPOCH_MS = 1288834974657  # snowflake epoch
WINDOW = 900
ALL_SCOPES = (
    "tweet.read",
    "tweet.write",
    "users.read",
    "media.write",
    "tweet.moderate.write",
    "offline.access",
)
LIMITS = {  # per user, per 15 minutes (x-api/fundamentals/rate-limits.mdx)
    "tweets": 100,
    "delete": 50,
    "lookup": 900,
    "lookup-many": 5000,
    "hidden": 50,
    "me": 75,
    "timeline": 900,
    "mentions": 300,
    "upload": 500,
    "status": 1000,
    "initialize": 1875,
    "append": 1875,
    "finalize": 1875,
    "metadata": 500,
}
SCOPES = {
    "tweets": ("tweet.read", "tweet.write", "users.read"),
    "delete": ("tweet.read", "tweet.write", "users.read"),
    "lookup": ("tweet.read", "users.read"),
    "lookup-many": ("tweet.read", "users.read"),
    "hidden": ("tweet.read", "tweet.moderate.write", "users.read"),
    "me": ("tweet.read", "users.read"),
    "timeline": ("tweet.read", "users.read"),
    "mentions": ("tweet.read", "users.read"),
}
APP_OK = {"lookup", "lookup-many", "timeline", "mentions"}  # app-only Bearer allowed
ROUTES = [
    ("POST", r"/2/tweets", "tweets"),
    ("GET", r"/2/tweets", "lookup-many"),
    ("DELETE", r"/2/tweets/(\d{1,19})", "delete"),
    ("GET", r"/2/tweets/(\d{1,19})", "lookup"),
    ("PUT", r"/2/tweets/(\d{1,19})/hidden", "hidden"),
    ("GET", r"/2/users/me", "me"),
    ("GET", r"/2/users/(\d{1,19})/tweets", "timeline"),
    ("GET", r"/2/users/(\d{1,19})/mentions", "mentions"),
    ("POST", r"/2/media/upload", "upload"),
    ("GET", r"/2/media/upload", "status"),
    ("POST", r"/2/media/upload/initialize", "initialize"),
    ("POST", r"/2/media/upload/(\d{1,19})/append", "append"),
    ("POST", r"/2/media/upload/(\d{1,19})/finalize", "finalize"),
    ("POST", r"/2/media/metadata", "metadata"),
    ("POST", r"/2/oauth2/token", "token"),
]
MEDIA_TYPES = {
    "image/jpeg": "photo",
    "image/pjpeg": "photo",
    "image/png": "photo",
    "image/webp": "photo",
    "image/bmp": "photo",
    "image/tiff": "photo",
    "image/gif": "animated_gif",
    "video/mp4": "video",
    "video/quicktime": "video",
    "video/webm": "video",
    "video/mp2t": "video",
}
CATEGORIES = ("tweet_image", "tweet_gif", "tweet_video", "amplify_video")
CATEGORIES += ("dm_image", "dm_gif", "dm_video", "subtitles")
MAX_BYTES = {"photo": 5 * 1024 * 1024, "animated_gif": 15 * 1024 * 1024}
MAX_BYTES["video"] = 512 * 1024 * 1024
KEY_PREFIX = {"photo": "3", "animated_gif": "16", "video": "7"}
TWEET_FIELDS = {"attachments", "author_id", "conversation_id", "created_at", "edit_controls"}
TWEET_FIELDS |= {"entities", "in_reply_to_user_id", "lang", "public_metrics", "reply_settings"}
TWEET_FIELDS |= {"referenced_tweets", "possibly_sensitive", "source", "text", "id"}
TWEET_FIELDS |= {"edit_history_tweet_ids"}
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text "
    "length see https://github.com/twitter/twitter-text."
)
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
NOT_PERMITTED = "You are not permitted to perform this action."
NOT_SUMMONED = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)
GATEWAY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)


class Problem(Exception):
    """An X error answer: HTTP status, JSON body, extra headers."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(body.get("detail", ""))
        self.status, self.body, self.headers = status, body, headers or {}


def problem(status: int, title: str, detail: str, kind: str = "about:blank", **extra) -> Problem:
    body = {"title": title, "detail": detail, "type": kind, "status": status, **extra}
    return Problem(status, body)


def invalid(message: str, parameters: dict | None = None) -> Problem:
    """400 invalid-request: the shape X uses for a bad parameter or body."""
    error = {"parameters": parameters or {}, "message": message}
    body = {
        "errors": [error],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }
    return Problem(400, body)


def not_found(kind: str, value: str, parameter: str = "id") -> dict:
    return {
        "value": value,
        "detail": f"Could not find {kind} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": kind,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "resource-not-found",
    }


@dataclass
class Account:
    user_id: str
    username: str
    name: str
    followers: int = 0
    following: int = 0
    max_weighted: int = xtext.MAX_WEIGHTED
    created_at: str = "2015-03-02T10:00:00.000Z"
    description: str = ""


@dataclass
class Token:
    value: str
    user_id: str = ""
    scopes: tuple[str, ...] = ALL_SCOPES
    kind: str = "user"  # "user" (OAuth 2.0 user context) | "app" (app-only Bearer)
    expires_at: float = 0.0  # epoch seconds on the server's clock; 0: never
    client_id: str = ""
    valid: bool = True


@dataclass
class Hit:
    """One request as it arrived."""

    method: str
    path: str
    route: str
    query: dict
    headers: dict
    form: dict
    files: dict
    json: object = None
    arg: str = ""  # the id in the path
    status: int = 0  # what it was answered (0: dropped)


@dataclass
class XServer:
    accounts: dict[str, Account] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, dict] = field(default_factory=dict)
    clients: dict[str, str | None] = field(default_factory=dict)  # id -> secret (None: public)
    tweets: dict[str, dict] = field(default_factory=dict)
    media: dict[str, dict] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=lambda: dict(LIMITS))
    windows: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    daily_limit: int | None = None
    duplicate_window: float = 86400.0  # (unconfirmed: X does not say how far back)
    timeline_lag: int = 0  # a new post is missing from that many timeline reads
    access_ttl: int = 7200
    processing_polls: int = 2
    fail_processing: bool = False
    self_serve: bool = True
    clock: float = 0.0
    slow: float = 3.0
    reset_in: float = 2.0
    lock: threading.RLock = field(default_factory=threading.RLock)
    _seq: int = 0

    # -- setup ---------------------------------------------------------------------------
    def add_account(self, user_id: str, username: str, name: str = "", **kw) -> Account:
        self.accounts[user_id] = Account(user_id, username, name or username.title(), **kw)
        return self.accounts[user_id]

    def add_token(self, value: str, user_id: str = "", **kw) -> Token:
        self.tokens[value] = Token(value, user_id, **kw)
        return self.tokens[value]

    def add_client(self, client_id: str, secret: str | None = None) -> None:
        self.clients[client_id] = secret

    def add_refresh_token(self, value: str, user_id: str, client_id: str, scopes=ALL_SCOPES):
        self.refresh_tokens[value] = {"user_id": user_id, "client_id": client_id}
        self.refresh_tokens[value]["scopes"] = tuple(scopes)

    def fail(self, route: str, *faults: str) -> None:
        with self.lock:
            self.faults.setdefault(route, []).extend(faults)

    def now(self) -> float:
        return time.time() + self.clock

    # -- reading back --------------------------------------------------------------------
    def timeline(self, user_id: str) -> list[dict]:
        """The account's live posts (latest edit of each), newest first."""
        with self.lock:
            found = [t for t in self.tweets.values() if t["author_id"] == user_id and _live(t)]
        return sorted(found, key=lambda t: int(t["id"]), reverse=True)

    def reader_text(self, tweet: dict) -> str:
        """What a reader sees: the text as posted (NFC), links expanded."""
        return tweet["text_sent"]

    def media_of(self, tweet: dict) -> list[dict]:
        return [self.media[m] for m in tweet["media_ids"]]

    def of(self, route: str) -> list[Hit]:
        return [h for h in self.hits if h.route == route]

    # -- test helpers --------------------------------------------------------------------
    def post_as(self, user_id: str, text: str, reply_to: str = "", quote: str = "") -> dict:
        """Someone (any account) posts: a mention, a reply under a post, a quote."""
        with self.lock:
            return self._create(self.accounts[user_id], text, [], reply_to, quote)

    def set_metrics(self, tweet_id: str, **counts) -> None:
        """like_count, retweet_count, bookmark_count, impression_count ..."""
        with self.lock:
            self.tweets[tweet_id]["metrics"].update(counts)

    # -- serving -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    api = url

    def __enter__(self) -> XServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> XServer:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _take_fault(self, route: str) -> str:
        with self.lock:
            queue = self.faults.get(route) or []
            return queue.pop(0) if queue else "ok"

    def _id(self) -> str:
        self._seq += 1
        return str(((int(self.now() * 1000) - EPOCH_MS) << 22) + self._seq)

    # -- rate limits ---------------------------------------------------------------------
    def limit_headers(self, key: str, route: str, spend: bool) -> tuple[dict, bool]:
        """(x-rate-limit-* headers, whether this request is past the limit)."""
        if route not in self.limits:
            return {}, False
        with self.lock:
            window = self.windows.get((key, route))
            if window is None or self.now() >= window[0] + WINDOW:
                window = self.windows[(key, route)] = [self.now(), 0]
            over = spend and window[1] >= self.limits[route]
            if spend and not over:
                window[1] += 1
            headers = {
                "x-rate-limit-limit": str(self.limits[route]),
                "x-rate-limit-remaining": str(max(0, self.limits[route] - window[1])),
                "x-rate-limit-reset": str(int(window[0] + WINDOW)),
            }
            return headers, over

    def daily_headers(self, user_id: str, spend: bool) -> tuple[dict, bool]:
        if self.daily_limit is None:
            return {}, False
        with self.lock:
            window = self.windows.get((user_id, "24h"))
            if window is None or self.now() >= window[0] + 86400:
                window = self.windows[(user_id, "24h")] = [self.now(), 0]
            over = spend and window[1] >= self.daily_limit
            if spend and not over:
                window[1] += 1
            return {
                "x-user-limit-24hour-limit": str(self.daily_limit),
                "x-user-limit-24hour-remaining": str(max(0, self.daily_limit - window[1])),
                "x-user-limit-24hour-reset": str(int(window[0] + 86400)),
            }, over

    # -- authentication ------------------------------------------------------------------
    def authenticate(self, hit: Hit) -> Token:
        scheme, _, value = hit.headers.get("Authorization", "").partition(" ")
        token = self.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        expired = token is not None and token.expires_at and self.now() >= token.expires_at
        if token is None or not token.valid or expired:
            raise problem(401, "Unauthorized", "Unauthorized")
        if token.kind == "app" and hit.route not in APP_OK:
            raise problem(
                403,
                "Unsupported Authentication",
                "Authenticating with OAuth 2.0 Application-Only is forbidden for this "
                "endpoint.  Supported authentication types are [OAuth 1.0a User Context, "
                "OAuth 2.0 User Context].",
                PROBLEMS + "unsupported-authentication",
            )
        needed = SCOPES.get(hit.route, ("media.write",))
        if token.kind == "user" and not set(needed) <= set(token.scopes):
            raise problem(403, "Forbidden", NOT_PERMITTED)
        return token

    def refresh(self, hit: Hit) -> dict:
        """POST /2/oauth2/token, grant_type=refresh_token: rotate both tokens."""
        form = hit.form
        client = _basic_client(hit.headers.get("Authorization", ""), self.clients)
        client_id = client or form.get("client_id", "")
        if client_id not in self.clients:
            raise Problem(401, _oauth("unauthorized_client", "Missing valid authorization header"))
        if self.clients[client_id] is not None and not client:
            raise Problem(401, _oauth("unauthorized_client", "Missing valid authorization header"))
        if form.get("grant_type") != "refresh_token":
            raise Problem(
                400, _oauth("invalid_request", "Missing required parameter [grant_type].")
            )
        held = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if held is None or held["client_id"] != client_id:
            if held is not None:  # the wrong client: the token stays valid for its own
                self.refresh_tokens[form["refresh_token"]] = held
            raise Problem(400, _oauth("invalid_request", "Value passed for the token was invalid."))
        self._seq += 1
        access = f"at-{self._seq}-{int(self.now())}"
        self.tokens[access] = Token(
            access, held["user_id"], held["scopes"], expires_at=self.now() + self.access_ttl
        )
        answer = {
            "token_type": "bearer",
            "expires_in": self.access_ttl,
            "access_token": access,
            "scope": " ".join(held["scopes"]),
        }
        if "offline.access" in held["scopes"]:
            rotated = f"rt-{self._seq}-{int(self.now())}"
            self.refresh_tokens[rotated] = dict(held)
            answer["refresh_token"] = rotated
        return answer

    # -- posts ---------------------------------------------------------------------------
    def _create(self, account: Account, text: str, media_ids: list, reply_to: str, quote: str):
        tweet_id = self._id()
        text = unicodedata.normalize("NFC", text)
        slug = iter(range(100))
        shown, urls = xtext.shortened(text, lambda n: _slug(tweet_id, next(slug)))
        if media_ids:
            shown = (shown + " " if shown else "") + "https://t.co/" + _slug(tweet_id, 99)
        parent = self.tweets.get(reply_to) if reply_to else None
        tweet = {
            "id": tweet_id,
            "author_id": account.user_id,
            "text_sent": text,
            "text": shown,
            "urls": urls,
            "created": self.now(),
            "media_ids": list(media_ids),
            "reply_to": reply_to,
            "reply_to_user": parent["author_id"] if parent else "",
            "conversation_id": parent["conversation_id"] if parent else tweet_id,
            "quote_of": quote,
            "deleted": False,
            "hidden": False,
            "superseded_by": "",
            "edit_history": [tweet_id],
            "metrics": dict.fromkeys(
                ("retweet_count", "like_count", "bookmark_count", "impression_count"), 0
            ),
            "reply_settings": "everyone",
            "hidden_reads": self.timeline_lag,
        }
        self.tweets[tweet_id] = tweet
        return tweet


def _live(tweet: dict) -> bool:
    return not tweet["deleted"] and not tweet["superseded_by"]


def _slug(tweet_id: str, n: int) -> str:
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    value, out = int(tweet_id) * 131 + n, ""
    while len(out) < 10:
        value, rest = divmod(value, len(alphabet))
        out += alphabet[rest]
    return out


def _oauth(error: str, description: str) -> dict:
    return {"error": error, "error_description": description}


def _basic_client(header: str, clients: dict) -> str:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return client_id if clients.get(client_id) == secret else ""


def _iso(when: float) -> str:
    return dt.datetime.fromtimestamp(when, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- request body checks, in the words of X's JSON-schema validator --------------------------
POST_KEYS = {"text", "media", "reply", "quote_tweet_id", "poll", "reply_settings", "geo"}
POST_KEYS |= {"community_id", "made_with_ai", "paid_partnership", "nullcast", "edit_options"}
POST_KEYS |= {"for_super_followers_only", "direct_message_deep_link", "card_uri"}
POST_KEYS |= {"share_with_followers"}
ID = re.compile(r"^[0-9]{1,19}$")


def _kind(value: object) -> str:
    return {str: "string", bool: "boolean", int: "integer", float: "number", list: "array"}.get(
        type(value), "object" if isinstance(value, dict) else "null"
    )


def _expect(value: object, kind: str, where: str) -> None:
    if _kind(value) != kind:
        raise invalid(f"{where}: {_kind(value)} found, {kind} expected")


def _object(value: object, where: str, allowed: set, required: tuple = ()) -> dict:
    _expect(value, "object", where)
    for key in value:
        if key not in allowed:
            raise invalid(
                f"{where}.{key}: is not defined in the schema and the schema does not allow "
                "additional properties"
            )
    for key in required:
        if key not in value:
            raise invalid(f"{where}.{key}: is missing but it is required")
    return value


def _ident(value: object, where: str) -> str:
    _expect(value, "string", where)
    if not ID.match(value):
        raise invalid(f"{where}: does not match the regex pattern ^[0-9]{{1,19}}$")
    return value


def check_post(body: object) -> dict:
    """The CreatePostsRequest schema's rules the publisher can break."""
    post = _object(body, "$", POST_KEYS)
    if "text" in post:
        _expect(post["text"], "string", "$.text")
    if "media" in post:
        media = _object(
            post["media"],
            "$.media",
            {"media_ids", "tagged_user_ids", "preview_media_id", "title", "description"},
            ("media_ids",),
        )
        _expect(media["media_ids"], "array", "$.media.media_ids")
        if not 1 <= len(media["media_ids"]) <= 4:
            raise invalid("$.media.media_ids: there must be between 1 and 4 items in the array")
        for i, mid in enumerate(media["media_ids"]):
            _ident(mid, f"$.media.media_ids[{i}]")
    if "reply" in post:
        reply = _object(
            post["reply"],
            "$.reply",
            {"in_reply_to_tweet_id", "exclude_reply_user_ids", "auto_populate_reply_metadata"},
            ("in_reply_to_tweet_id",),
        )
        _ident(reply["in_reply_to_tweet_id"], "$.reply.in_reply_to_tweet_id")
    if "quote_tweet_id" in post:
        _ident(post["quote_tweet_id"], "$.quote_tweet_id")
    if "edit_options" in post:
        edit = _object(post["edit_options"], "$.edit_options", {"previous_post_id"})
        _ident(edit.get("previous_post_id"), "$.edit_options.previous_post_id")
    if "poll" in post:
        poll = _object(
            post["poll"], "$.poll", {"options", "duration_minutes", "reply_settings"}, ("options",)
        )
        if not 2 <= len(poll["options"]) <= 4 or any(len(o) > 25 for o in poll["options"]):
            raise invalid("$.poll.options: 2 to 4 options of at most 25 characters")
    return post


# -- route handlers -------------------------------------------------------------------------
def create_post(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    if not hit.headers.get("Content-Type", "").startswith("application/json"):
        raise invalid("Requests with bodies must have content-type of application/json.")
    post = check_post(hit.json)
    account = api.accounts[token.user_id]
    text = unicodedata.normalize("NFC", post.get("text", ""))
    media_ids = list((post.get("media") or {}).get("media_ids", []))
    if any(c in xtext.INVALID for c in text):
        raise invalid("Tweet text contains invalid characters.")  # (unconfirmed wording)
    if not text.strip() and not media_ids:
        raise invalid("Post text is empty.")  # (unconfirmed wording)
    if xtext.weighted_length(text) > account.max_weighted:
        raise invalid(TOO_LONG, {"text": [text[:50]]})
    if api.self_serve and len(set(re.findall(r"(?<!\w)\$[A-Za-z]{1,6}\b", text))) > 1:
        raise problem(403, "Forbidden", "Posts may contain at most 1 cashtag.")  # (unconfirmed)
    _check_media(api, media_ids, token.user_id)
    reply_to = (post.get("reply") or {}).get("in_reply_to_tweet_id", "")
    if reply_to:
        _check_reply(api, reply_to, account)
    quote = post.get("quote_tweet_id", "")
    if quote and not (quote in api.tweets and _live(api.tweets[quote])):
        raise invalid("Quoted Tweet not found.", {"quote_tweet_id": [quote]})  # (unconfirmed)
    previous = (post.get("edit_options") or {}).get("previous_post_id", "")
    if previous:
        return 201, _edit(api, account, previous, text, media_ids)
    if text and any(
        t["text_sent"] == text and api.now() - t["created"] < api.duplicate_window
        for t in api.timeline(account.user_id)
    ):
        raise problem(403, "Forbidden", DUPLICATE)
    tweet = api._create(account, text, media_ids, reply_to, quote)
    data = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
    return 201, {"data": data}


def _check_media(api: XServer, media_ids: list, user_id: str) -> None:
    found = [api.media.get(m) for m in media_ids]
    bad = [
        m
        for m, item in zip(media_ids, found, strict=True)
        if item is None
        or user_id not in item["owners"]
        or item["state"] != "succeeded"
        or api.now() >= item["expires_at"]
    ]
    kinds = [item["type"] for item in found if item]
    mixed = len(kinds) > 1 and any(k != "photo" for k in kinds)
    if bad or mixed:
        raise invalid("Your media IDs are invalid.", {"media.media_ids": bad or media_ids})


def _check_reply(api: XServer, reply_to: str, account: Account) -> None:
    parent = api.tweets.get(reply_to)
    if parent is None or not _live(parent):
        # (unconfirmed wording)
        raise invalid(
            "The Tweet you are replying to has been deleted or is not visible to you.",
            {"reply.in_reply_to_tweet_id": [reply_to]},
        )
    if not api.self_serve or parent["author_id"] == account.user_id:
        return
    mentioned = re.search(rf"@{re.escape(account.username)}\b", parent["text_sent"], re.I)
    quoted = api.tweets.get(parent["quote_of"] or "", {}).get("author_id") == account.user_id
    if not (mentioned or quoted):
        raise problem(403, "Forbidden", NOT_SUMMONED)


def _edit(api: XServer, account: Account, previous: str, text: str, media_ids: list) -> dict:
    old = api.tweets.get(previous)
    if old is None or old["deleted"] or old["author_id"] != account.user_id:
        raise invalid(
            "Could not find the Post to edit.", {"edit_options.previous_post_id": [previous]}
        )
    first = api.tweets[old["edit_history"][0]]
    other_reply = old["reply_to_user"] and old["reply_to_user"] != account.user_id
    if (
        old["superseded_by"]
        or other_reply
        or len(old["edit_history"]) > 5
        or api.now() - first["created"] > 1800
    ):
        raise problem(403, "Forbidden", "This Post is not eligible for editing.")  # (unconfirmed)
    tweet = api._create(account, text, media_ids, old["reply_to"], old["quote_of"])
    tweet.update(conversation_id=old["conversation_id"], created=first["created"])
    tweet["edit_history"] = [*old["edit_history"], tweet["id"]]
    old["superseded_by"] = tweet["id"]
    data = {"id": tweet["id"], "text": tweet["text"]}
    return {"data": {**data, "edit_history_tweet_ids": tweet["edit_history"]}}


def delete_post(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    tweet = api.tweets.get(hit.arg)
    if tweet is None or tweet["deleted"]:
        body = {**not_found("tweet", hit.arg), "status": 404}
        raise Problem(404, body)  # (unconfirmed: what X answers for a gone post)
    if tweet["author_id"] != token.user_id:
        raise problem(
            403, "Forbidden", "You are not allowed to delete this Tweet."
        )  # (unconfirmed)
    for tid in tweet["edit_history"]:
        api.tweets[tid]["deleted"] = True
    return 200, {"data": {"deleted": True}}


def _fields(hit: Hit, name: str) -> set[str]:
    raw = hit.query.get(name) or hit.query.get(name.replace("tweet.", "post."), "")
    return {f for f in raw.split(",") if f}


def _check_fields(hit: Hit) -> None:
    wanted = _fields(hit, "tweet.fields")
    unknown = sorted(wanted - TWEET_FIELDS)
    if unknown:
        raise invalid(
            f"The `tweet.fields` query parameter value [{unknown[0]}] is not one of "
            f"[{','.join(sorted(TWEET_FIELDS))}]",
            {"tweet.fields": [unknown[0]]},
        )


def render(api: XServer, tweet: dict, hit: Hit, includes: dict) -> dict:
    """A Post object with the fields and expansions the request asked for."""
    wanted, expand = _fields(hit, "tweet.fields"), _fields(hit, "expansions")
    shown = {
        "id": tweet["id"],
        "text": tweet["text"],
        "edit_history_tweet_ids": tweet["edit_history"],
    }
    refs = [{"type": "replied_to", "id": tweet["reply_to"]}] if tweet["reply_to"] else []
    refs += [{"type": "quoted", "id": tweet["quote_of"]}] if tweet["quote_of"] else []
    keys = [api.media[m]["media_key"] for m in tweet["media_ids"]]
    optional = {
        "created_at": _iso(tweet["created"]),
        "author_id": tweet["author_id"],
        "conversation_id": tweet["conversation_id"],
        "in_reply_to_user_id": tweet["reply_to_user"] or None,
        "referenced_tweets": refs or None,
        "attachments": {"media_keys": keys} if keys else None,
        "entities": {"urls": tweet["urls"]} if tweet["urls"] else None,
        "public_metrics": _metrics(api, tweet),
        "reply_settings": tweet["reply_settings"],
        "lang": "und",
        "possibly_sensitive": False,
        "source": "smmflow",
        "edit_controls": _edit_controls(api, tweet),
    }
    shown.update({k: v for k, v in optional.items() if k in wanted and v is not None})
    if "attachments.media_keys" in expand and tweet["media_ids"]:
        media_fields = _fields(hit, "media.fields")
        for mid in tweet["media_ids"]:
            includes.setdefault("media", []).append(_media_object(api.media[mid], media_fields))
    if "author_id" in expand:
        includes.setdefault("users", []).append(
            _user_object(api.accounts[tweet["author_id"]], set())
        )
    if "referenced_tweets.id" in expand:
        for ref in refs:
            found = api.tweets.get(ref["id"])
            if found and not found["deleted"]:
                includes.setdefault("tweets", []).append(
                    {
                        "id": found["id"],
                        "text": found["text"],
                        "edit_history_tweet_ids": found["edit_history"],
                    }
                )
    return shown


def _metrics(api: XServer, tweet: dict) -> dict:
    live = [t for t in api.tweets.values() if _live(t)]
    counts = dict(tweet["metrics"])
    counts["reply_count"] = sum(1 for t in live if t["reply_to"] == tweet["id"])
    counts["quote_count"] = sum(1 for t in live if t["quote_of"] == tweet["id"])
    return counts


def _edit_controls(api: XServer, tweet: dict) -> dict:
    first = api.tweets[tweet["edit_history"][0]]["created"]
    remaining = max(0, 6 - len(tweet["edit_history"]))
    return {
        "edits_remaining": remaining,
        "is_edit_eligible": remaining > 0
        and api.now() - first < 1800
        and not tweet["superseded_by"],
        "editable_until": _iso(first + 1800),
    }


def _media_object(item: dict, fields: set[str]) -> dict:
    shown = {"media_key": item["media_key"], "type": item["type"]}
    optional = {
        "alt_text": item["alt_text"] or None,
        "url": f"https://pbs.twimg.com/media/{item['media_key']}.jpg"
        if item["type"] == "photo"
        else None,
        "preview_image_url": f"https://pbs.twimg.com/media/{item['media_key']}_thumb.jpg",
        "width": item.get("width") or None,
        "height": item.get("height") or None,
    }
    shown.update({k: v for k, v in optional.items() if k in fields and v is not None})
    return shown


def _user_object(account: Account, fields: set[str]) -> dict:
    shown = {"id": account.user_id, "name": account.name, "username": account.username}
    optional = {
        "created_at": account.created_at,
        "description": account.description,
        "protected": False,
        "verified": False,
        "public_metrics": {
            "followers_count": account.followers,
            "following_count": account.following,
            "tweet_count": 0,
            "listed_count": 0,
        },
    }
    shown.update({k: v for k, v in optional.items() if k in fields})
    return shown


def lookup(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    _check_fields(hit)
    tweet = api.tweets.get(hit.arg)
    if tweet is None or tweet["deleted"]:
        return 200, {"errors": [not_found("tweet", hit.arg)]}
    includes: dict = {}
    answer = {"data": render(api, tweet, hit, includes)}
    if includes:
        answer["includes"] = includes
    return 200, answer


def lookup_many(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    _check_fields(hit)
    ids = [i for i in hit.query.get("ids", "").split(",") if i]
    if not 1 <= len(ids) <= 100 or not all(ID.match(i) for i in ids):
        raise invalid("The `ids` query parameter value is not valid", {"ids": ids})
    includes: dict = {}
    data, errors = [], []
    for tid in ids:
        tweet = api.tweets.get(tid)
        if tweet is None or tweet["deleted"]:
            errors.append(not_found("tweet", tid, "ids"))
        else:
            data.append(render(api, tweet, hit, includes))
    answer: dict = {"data": data} if data else {}
    if includes:
        answer["includes"] = includes
    if errors:
        answer["errors"] = errors
    return 200, answer


def hide_reply(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    body = _object(hit.json, "$", {"hidden"}, ("hidden",))
    _expect(body["hidden"], "boolean", "$.hidden")
    tweet = api.tweets.get(hit.arg)
    if tweet is None or tweet["deleted"]:
        raise Problem(404, {**not_found("tweet", hit.arg, "tweet_id"), "status": 404})
    root = api.tweets.get(tweet["conversation_id"])
    if not tweet["reply_to"] or root is None or root["author_id"] != token.user_id:
        raise problem(403, "Forbidden", NOT_PERMITTED)  # (unconfirmed wording)
    if tweet["author_id"] == token.user_id:
        raise problem(403, "Forbidden", NOT_PERMITTED)  # (unconfirmed)
    tweet["hidden"] = body["hidden"]
    return 200, {"data": {"hidden": body["hidden"]}}


def me(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    account = api.accounts[token.user_id]
    shown = _user_object(account, _fields(hit, "user.fields"))
    if "public_metrics" in shown:
        shown["public_metrics"]["tweet_count"] = len(api.timeline(account.user_id))
    return 200, {"data": shown}


def _page(api: XServer, hit: Hit, found: list[dict], cap: int) -> tuple[int, dict]:
    q = hit.query
    raw = q.get("max_results", "10")
    if not raw.isdigit() or not 5 <= int(raw) <= 100:
        raise invalid(
            f"The `max_results` query parameter value [{raw}] is not between 5 and 100",
            {"max_results": [raw]},
        )
    _check_fields(hit)
    for name in ("since_id", "until_id"):
        if name in q and not ID.match(q[name]):
            raise invalid(f"The `{name}` query parameter value [{q[name]}] is not valid")
    found = found[:cap]
    if "since_id" in q:
        found = [t for t in found if int(t["id"]) > int(q["since_id"])]
    if "until_id" in q:
        found = [t for t in found if int(t["id"]) < int(q["until_id"])]
    token = q.get("pagination_token", "")
    if token:
        try:
            after = int(token, 36)
        except ValueError:
            raise invalid(
                f"The `pagination_token` query parameter value [{token}] is not valid"
            ) from None
        found = [t for t in found if int(t["id"]) < after]
    page = found[: int(raw)]
    if not page:
        return 200, {"meta": {"result_count": 0}}
    includes: dict = {}
    answer = {"data": [render(api, t, hit, includes) for t in page]}
    meta = {"result_count": len(page), "newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
    if len(found) > len(page):
        meta["next_token"] = _base36(int(page[-1]["id"]))
    if includes:
        answer["includes"] = includes
    answer["meta"] = meta
    return 200, answer


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out or "0"


def user_posts(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    if hit.arg not in api.accounts:
        return 200, {"errors": [not_found("user", hit.arg)]}
    found = []
    for tweet in api.timeline(hit.arg):
        if tweet.get("hidden_reads", 0) > 0:  # not in the timeline yet (timeline_lag)
            tweet["hidden_reads"] -= 1
            continue
        found.append(tweet)
    exclude = set(hit.query.get("exclude", "").split(","))
    if "replies" in exclude:
        found = [t for t in found if not t["reply_to"]]
    return _page(api, hit, found, 3200)


def mentions(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    account = api.accounts.get(hit.arg)
    if account is None:
        return 200, {"errors": [not_found("user", hit.arg)]}
    mention = re.compile(rf"(?<!\w)@{re.escape(account.username)}\b", re.I)
    found = [
        t
        for t in api.tweets.values()
        if _live(t)
        and t["author_id"] != account.user_id
        and (mention.search(t["text_sent"]) or t["reply_to_user"] == account.user_id)
    ]
    return _page(api, hit, sorted(found, key=lambda t: int(t["id"]), reverse=True), 800)


# -- media ----------------------------------------------------------------------------------
def _sniff(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    if data.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm"
    return ""


def _new_media(api: XServer, owner: str, mime: str, category: str, total: int, extra: str) -> dict:
    kind = MEDIA_TYPES.get(mime, "")
    if not kind:
        raise invalid(f"media type {mime or 'unknown'} is not supported", {"media_type": [mime]})
    if category not in CATEGORIES:
        raise invalid(
            f"$.media_category: does not have a value in the enumeration {list(CATEGORIES)}"
        )
    fits = {
        "photo": ("tweet_image", "dm_image"),
        "animated_gif": ("tweet_gif", "dm_gif", "tweet_image"),
    }
    fits["video"] = ("tweet_video", "amplify_video", "dm_video")
    if category not in fits[kind]:
        raise invalid(f"media_category {category} does not fit {mime}")  # (unconfirmed)
    if total > MAX_BYTES[kind]:
        raise invalid(f"File size exceeds {MAX_BYTES[kind]} bytes.", {"total_bytes": [str(total)]})
    media_id = api._id()
    prefix = "13" if category == "amplify_video" else KEY_PREFIX[kind]
    owners = {owner, *[o for o in extra.split(",") if o]}
    item = {
        "id": media_id,
        "media_key": f"{prefix}_{media_id}",
        "owner": owner,
        "owners": owners,
        "mime": mime,
        "type": kind,
        "category": category,
        "total_bytes": total,
        "segments": {},
        "data": b"",
        "state": "uploading",
        "polls_left": 0,
        "alt_text": "",
        "expires_at": api.now() + 86400,
    }
    api.media[media_id] = item
    return item


def _finish(api: XServer, item: dict) -> dict:
    data = b"".join(item["segments"][i] for i in sorted(item["segments"]))
    if len(data) != item["total_bytes"]:
        raise invalid("Segments do not add up to provided total file size.")
    sniffed = _sniff(data)
    if MEDIA_TYPES.get(sniffed) != item["type"]:
        raise invalid(
            "Invalid or unsupported media, the file is not a " + item["mime"]
        )  # (unconfirmed)
    item["data"] = data
    _, item["width"], item["height"] = image_size(data)
    asynchronous = item["type"] != "photo" or item["category"] == "tweet_gif"
    item["state"] = "pending" if asynchronous else "succeeded"
    item["polls_left"] = api.processing_polls if asynchronous else 0
    return _media_data(item, finalize=True)


def _media_data(item: dict, finalize: bool = False) -> dict:
    data = {"id": item["id"], "media_key": item["media_key"]}
    if item["state"] == "uploading":
        return {**data, "expires_after_secs": 86400}
    data.update(size=len(item["data"]), expires_after_secs=86400)
    if item["type"] == "photo":
        data["image"] = {
            "image_type": item["mime"],
            "w": item.get("width", 0),
            "h": item.get("height", 0),
        }
    elif item["state"] == "succeeded":
        data["video"] = {"video_type": item["mime"]}
    if item["state"] in ("pending", "in_progress", "failed") or (
        finalize and item["type"] != "photo"
    ):
        info = {"state": item["state"], "check_after_secs": 1}
        if item["state"] == "in_progress":
            info["progress_percent"] = 50
        if item["state"] == "failed":
            info.pop("check_after_secs")
        data["processing_info"] = info
    return data


def upload(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    fields = {**hit.query, **hit.form}
    if isinstance(hit.json, dict):
        fields.update({k: v for k, v in hit.json.items() if isinstance(v, str)})
    command = fields.get("command", "").upper()
    if command == "INIT":
        return initialize(api, hit, token, fields)
    if command in ("APPEND", "FINALIZE"):
        hit.arg = fields.get("media_id", "")
        return (append if command == "APPEND" else finalize)(api, hit, token, fields)
    if command:
        raise invalid(f"command {command} is not valid")
    data = _file(hit, fields)
    if "media_category" not in fields:
        raise invalid("$.media_category: is missing but it is required")
    item = _new_media(
        api,
        token.user_id,
        _sniff(data),
        fields["media_category"],
        len(data),
        fields.get("additional_owners", ""),
    )
    item["segments"] = {0: data}
    return 200, {"data": _finish(api, item)}


def _file(hit: Hit, fields: dict) -> bytes:
    if "media" in hit.files:
        return hit.files["media"][2]
    raw = fields.get("media") or fields.get("media_data")
    if not raw:
        raise invalid("$.media: is missing but it is required")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        if hit.form:
            return raw.encode("latin-1", "replace")  # raw bytes in a multipart text field
        raise invalid("$.media: is not a valid base64 string") from None


def initialize(
    api: XServer, hit: Hit, token: Token, fields: dict | None = None
) -> tuple[int, dict]:
    if fields is None:
        body = _object(
            hit.json,
            "$",
            {"media_type", "total_bytes", "media_category", "additional_owners", "shared"},
        )
        fields = {k: v for k, v in body.items()}
        fields["additional_owners"] = ",".join(body.get("additional_owners", []))
    mime, total = str(fields.get("media_type", "")), str(fields.get("total_bytes", ""))
    if not total.isdigit():
        raise invalid("$.total_bytes: is missing but it is required")
    kind = MEDIA_TYPES.get(mime, "")
    default = {"photo": "tweet_image", "animated_gif": "tweet_gif", "video": "tweet_video"}.get(
        kind, ""
    )
    category = str(fields.get("media_category") or default)
    item = _new_media(
        api, token.user_id, mime, category, int(total), str(fields.get("additional_owners", ""))
    )
    return 200, {"data": {**_media_data(item), "expires_after_secs": 86400}}


def _session(api: XServer, hit: Hit, token: Token) -> dict:
    item = api.media.get(hit.arg)
    if item is None or item["owner"] != token.user_id:
        raise invalid(f"The `media_id` value [{hit.arg}] is not valid", {"media_id": [hit.arg]})
    return item


def append(api: XServer, hit: Hit, token: Token, fields: dict | None = None) -> tuple[int, dict]:
    item = _session(api, hit, token)
    fields = (
        fields
        if fields is not None
        else {**hit.form, **(hit.json if isinstance(hit.json, dict) else {})}
    )
    index = str(fields.get("segment_index", ""))
    if not index.isdigit() or int(index) > 999:
        raise invalid("$.segment_index: must be between 0 and 999")
    if item["state"] != "uploading":
        raise invalid("The media was finalized already.")  # (unconfirmed)
    item["segments"][int(index)] = _file(hit, fields)
    return 200, {"data": {"expires_at": int(item["expires_at"])}}


def finalize(api: XServer, hit: Hit, token: Token, fields: dict | None = None) -> tuple[int, dict]:
    item = _session(api, hit, token)
    if item["state"] != "uploading":
        return 200, {"data": _media_data(item)}
    return 200, {"data": _finish(api, item)}


def status(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    if hit.query.get("command", "STATUS").upper() != "STATUS":
        raise invalid("The `command` query parameter must be STATUS")
    hit.arg = hit.query.get("media_id", "")
    item = _session(api, hit, token)
    if item["state"] in ("pending", "in_progress"):
        if item["polls_left"] > 0:
            item["polls_left"] -= 1
            item["state"] = "in_progress"
        else:
            item["state"] = "failed" if api.fail_processing else "succeeded"
    return 200, {"data": _media_data(item)}


def metadata(api: XServer, hit: Hit, token: Token) -> tuple[int, dict]:
    body = _object(hit.json, "$", {"id", "metadata"}, ("id",))
    media_id = _ident(body["id"], "$.id")
    meta = _object(
        body.get("metadata", {}),
        "$.metadata",
        {"alt_text", "sensitive_media_warning", "allow_download_status"},
    )
    alt = _object(meta.get("alt_text", {"text": ""}), "$.metadata.alt_text", {"text"}, ("text",))
    _expect(alt["text"], "string", "$.metadata.alt_text.text")
    if len(alt["text"]) > 1000:
        raise invalid("$.metadata.alt_text.text: must be at most 1000 characters long")
    hit.arg = media_id
    item = _session(api, hit, token)
    item["alt_text"] = alt["text"]
    return 200, {
        "data": {"id": media_id, "associated_metadata": {"alt_text": {"text": alt["text"]}}}
    }


HANDLERS = {
    "tweets": create_post,
    "delete": delete_post,
    "lookup": lookup,
    "lookup-many": lookup_many,
    "hidden": hide_reply,
    "me": me,
    "timeline": user_posts,
    "mentions": mentions,
    "upload": upload,
    "status": status,
    "initialize": initialize,
    "append": append,
    "finalize": finalize,
    "metadata": metadata,
}


# -- HTTP ---------------------------------------------------------------------------------------
def _route(method: str, path: str) -> tuple[str, str]:
    for verb, pattern, name in ROUTES:
        match = re.fullmatch(pattern, path)
        if verb == method and match:
            return name, (match.group(1) if match.groups() else "")
    return "", ""


def _form(kind: str, body: bytes) -> tuple[dict, dict, object]:
    """(form fields, files, parsed JSON) of a request body."""
    if not body:
        return {}, {}, None
    if kind.startswith("application/json"):
        try:
            return {}, {}, json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return {}, {}, ValueError("malformed JSON")
    if kind.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + body
        )
        fields, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None or name == "media":
                files[name] = (part.get_filename() or "blob", part.get_content_type(), payload)
            else:
                fields[name] = payload.decode("utf-8", "replace")
        return fields, files, None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)), {}, None


def _handler(api: XServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _send(self, hit: Hit, status: int, body: object, headers: dict) -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            hit.status = status
            self.send_response(status)
            kind = "text/html" if isinstance(body, bytes) else "application/json; charset=utf-8"
            if isinstance(body, dict) and "type" in body and "title" in body:
                kind = "application/problem+json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(raw)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def _drop(self) -> None:
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.close()
            self.close_connection = True

        def _handle(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form, files, parsed = _form(
                self.headers.get("Content-Type", ""), self.rfile.read(length)
            )
            route, arg = _route(self.command, split.path)
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            hit = Hit(self.command, split.path, route, query, dict(self.headers), form, files)
            hit.json, hit.arg = parsed, arg
            with api.lock:
                api.hits.append(hit)
            if not route:
                body = {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}
                return self._send(hit, 404, body, {})
            fault = api._take_fault(route)
            if fault == "reset":
                return self._drop()
            if fault == "slow":
                time.sleep(api.slow)
            try:
                status, body, headers = self._serve(hit, fault)
            except Problem as exc:
                status, body, headers = exc.status, exc.body, exc.headers
            if fault in ("reset-after", "lost"):
                return self._drop()
            if fault == "slow-after":
                time.sleep(api.slow)
            if fault == "500-after":
                status, body = (
                    500,
                    problem(500, "Internal Server Error", "Internal Server Error").body,
                )
            self._send(hit, status, body, headers)

        def _serve(self, hit: Hit, fault: str) -> tuple[int, object, dict]:
            if fault == "502":
                return 502, GATEWAY, {}
            if fault in ("500", "503"):
                title = "Internal Server Error" if fault == "500" else "Service Unavailable"
                return int(fault), problem(int(fault), title, title).body, {}
            if hit.route == "token":
                with api.lock:
                    return 200, api.refresh(hit), {"Cache-Control": "no-store"}
            if fault == "401":
                raise problem(401, "Unauthorized", "Unauthorized")
            bearer = self.headers.get("Authorization", "").partition(" ")[2].strip()
            try:
                with api.lock:
                    token = api.authenticate(hit)
            except Problem as exc:
                exc.headers.update(api.limit_headers("t:" + bearer, hit.route, False)[0])
                raise
            key = token.user_id or "app:" + token.value
            headers, over = api.limit_headers(key, hit.route, True)
            daily, over_daily = {}, False
            if hit.route == "tweets":
                daily, over_daily = api.daily_headers(key, fault != "429-daily")
                if fault == "429-daily":
                    daily["x-user-limit-24hour-remaining"], over_daily = "0", True
            headers.update(daily)
            if over or over_daily or fault in ("429", "429-daily"):
                if fault == "429":
                    headers["x-rate-limit-remaining"] = "0"
                    headers["x-rate-limit-reset"] = str(int(api.now() + api.reset_in))
                body = problem(429, "Too Many Requests", "Too Many Requests").body
                return 429, body, headers
            if fault == "403":
                return 403, problem(403, "Forbidden", NOT_PERMITTED).body, headers
            if isinstance(hit.json, ValueError):
                return (
                    400,
                    invalid("Request body is not valid JSON.").body,
                    headers,
                )  # (unconfirmed)
            try:
                with api.lock:
                    status, body = HANDLERS[hit.route](api, hit, token)
            except Problem as exc:
                exc.headers.update(headers)
                raise
            return status, body, headers

        do_GET = do_POST = do_DELETE = do_PUT = _handle

    return Handler
