"""A loopback Mastodon instance that follows Mastodon's documented (and coded) behaviour.

What it does the way Mastodon does it (app/services/post_status_service.rb,
app/models/concerns/lockable.rb, Api::ErrorHandling, rate_limit_headers.rb):

- `Idempotency-Key` on `POST /api/v1/statuses`: kept per *account* for one hour. A
  repeated key answers 200 with the status made the first time, whatever the new request
  says. The key is locked while a status is being made under it: a second request with
  the same key meanwhile gets **503** `{"error": "There was a temporary problem serving
  your request, please try again"}` (Mastodon's `RaceConditionError`).
- Rate limits: **429** `{"error": "Too many requests"}` with `X-RateLimit-Limit`,
  `X-RateLimit-Remaining` and `X-RateLimit-Reset` as an ISO 8601 instant with
  microseconds, and no `Retry-After`. Every answer carries the three headers.
- Media: `POST /api/v2/media` (multipart `file`, `description`) answers 200, or 202 with
  `url: null` while "processing"; `GET /api/v1/media/:id` answers 206 until done, then 200.
  Unattached media only; posting unprocessed media is a 422.
- 401 `{"error": "The access token is invalid"}`; 403 for a scope the token lacks; 422
  `{"error": "Validation failed: …"}`; `DELETE /api/v1/statuses/:id` answers the deleted
  status (with `text`), 404 `Record not found` when it is gone.

Other accounts' replies and mentions, `GET /api/v1/notifications` and `GET
/api/v1/statuses/:id/context` (the inbox) live in tests/servers/mastodon_social.py; edits
(`PUT /api/v1/statuses/:id`, its `source` and `history`) in tests/servers/mastodon_edits.py;
`POST /api/v1/statuses` takes `in_reply_to_id`.
Metrics (methods/accounts, entities/Status and Account): `verify_credentials` carries
`followers_count` (`server.followers[username]`); `GET /api/v1/accounts/:id/statuses`
lists an account's statuses newest first, `limit` 20 by default and 40 at most, older
pages through `max_id`, with a `Link` header (`rel="next"` and `rel="prev"`) as Mastodon
sends it; every status carries `replies_count`, `reblogs_count`, `favourites_count` and
`quotes_count` (`server.engage(status_id, favourites=3, ...)`). A token without
`read:statuses` (or `read`) gets 403 there, as Doorkeeper answers.

Faults for the tests: `server.fail(route, *faults)` queues faults for one route
("statuses", "media", "media-get", "delete", "status-get", "verify", "app",
"account-statuses"), each one
of "500", "502", "503", "429" (resets after `reset_in` seconds), "401", "422", "reset"
(drops the connection before doing anything), "lost" (does the work, then drops the
connection: the answer is lost), "html" (an HTML error page), "malformed" (200 with
broken JSON) or "ok". `hold` makes status creation take that long while holding the key's
lock; `processing` makes uploads answer 202 and 206 for that many polls; `clock` is
Mastodon's clock (advance it to expire keys); `limit` is (statuses, seconds) per account.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import html
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

import regex

from servers import mastodon_edits
from servers import mastodon_social as social
from servers.loopback import close, listen

KEY_TTL = 3600  # seconds an idempotency key is remembered (redis setex … 3_600)
MAX_CHARACTERS = 500
MAX_MEDIA = 4
DESCRIPTION_LIMIT = 1500
RACE = "There was a temporary problem serving your request, please try again"
URL = re.compile(r"https?://\S+")


@dataclass
class Token:
    username: str
    scopes: tuple[str, ...] = ("read", "write")
    app_scopes: tuple[str, ...] | None = None  # None: the app's scopes are the token's
    app: bool = True  # False: a token without an application (apps/verify_credentials 401)


@dataclass
class Hit:
    """One request as it arrived."""

    method: str
    path: str
    headers: dict
    form: list[tuple[str, str]]
    status: int = 0  # what it was answered with (0: no answer, the connection was dropped)
    arrived: float = 0.0


def _length(text: str) -> int:
    """Mastodon's count: grapheme clusters, each URL as 23."""
    return len(regex.findall(r"\X", URL.sub("x" * 23, text)))


def _iso(when: float) -> str:
    return dt.datetime.fromtimestamp(when, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class MastodonServer:
    tokens: dict[str, Token] = field(default_factory=lambda: {"good-token": Token("bakery")})
    clock: float = 0.0  # seconds added to time.time(): Mastodon's clock runs ahead by this
    hold: float = 0.0
    processing: int = 0
    limit: tuple[int, float] | None = None
    reset_in: float = 1.0
    slow: float = 3.0
    faults: dict[str, list[str]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    statuses: dict[str, dict] = field(default_factory=dict)  # id -> status (deleted ones removed)
    texts: dict[str, str] = field(default_factory=dict)  # id -> the text as sent
    deleted: list[str] = field(default_factory=list)
    media: dict[str, dict] = field(default_factory=dict)
    keys: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    locked: set[tuple[str, str]] = field(default_factory=set)
    created: list[tuple[str, str]] = field(default_factory=list)  # (account, status id) made
    sent_by_account: dict[str, list[float]] = field(default_factory=dict)
    notifications: list[dict] = field(default_factory=list)
    note_seq: int = 0
    followers: dict[str, int] = field(default_factory=dict)  # username -> followers_count
    edits: list[tuple[str, str]] = field(default_factory=list)  # (status id, text) per PUT
    history: dict[str, list[dict]] = field(default_factory=dict)  # id -> its revisions
    lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 110_000_000_000_000_000

    def comment(self, author: str, text: str, reply_to: str = "", mention: bool = True) -> dict:
        return social.comment(self, author, text, reply_to, mention)

    def remove(self, status_id: str) -> None:
        social.remove(self, status_id)

    # -- the test's handles ------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock

    def fail(self, route: str, *faults: str) -> None:
        with self.lock:
            self.faults.setdefault(route, []).extend(faults)

    def of(self, route_path: str, method: str = "POST") -> list[Hit]:
        return [h for h in self.hits if h.method == method and h.path.startswith(route_path)]

    def live(self, username: str | None = None) -> list[dict]:
        """Statuses that exist now (not deleted), optionally of one account."""
        return [
            s
            for s in self.statuses.values()
            if username is None or s["account"]["username"] == username
        ]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def engage(self, status_id: str, **counts: int) -> None:
        """Set a status's counts as people made them: favourites=3, reblogs=1, replies=2, quotes=0."""
        with self.lock:
            for name, value in counts.items():
                self.statuses[status_id][f"{name}_count"] = value

    def post(self, username: str, text: str) -> str:
        """A status made directly (as if by the account's own app); its id."""
        status, answer, _ = self._create(username, [("status", text)])
        assert status == 200, answer
        return answer["id"]

    def _id(self) -> str:
        with self.lock:
            self._next += 1
            return str(self._next)

    # -- serving -----------------------------------------------------------------------
    def start(self) -> MastodonServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, body: object, headers: dict | None = None) -> None:
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.hit.status = status
                self.send_response(status)
                kind = (headers or {}).pop("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(raw)))
                for key, value in {
                    **server._limit_headers(self.account),
                    **(headers or {}),
                }.items():
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
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                path = urlsplit(self.path).path
                form = _parse_form(self.headers.get("Content-Type", ""), body)
                form += parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
                self.hit = Hit(self.command, path, dict(self.headers), form, 0, time.monotonic())
                self.account = None
                with server.lock:
                    server.hits.append(self.hit)
                route, arg = _route(self.command, path)
                if route is None:
                    return self._answer(404, {"error": "Record not found"})
                with server.lock:
                    queue = server.faults.get(route) or []
                    fault = queue.pop(0) if queue else "ok"
                if fault == "reset":
                    return self._drop()
                if fault == "timeout":
                    time.sleep(server.slow)
                if fault in ("500", "502", "503"):
                    return self._answer(int(fault), {"error": "Something went wrong"})
                if fault == "html":
                    return self._answer(
                        502,
                        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                        {"Content-Type": "text/html"},
                    )
                if fault == "429":
                    return self._answer(429, {"error": "Too many requests"}, server._reset(0))
                if fault == "401":
                    return self._answer(401, {"error": "The access token is invalid"})
                if fault == "422":
                    return self._answer(422, {"error": "Validation failed: Text can't be blank"})
                if fault == "malformed":
                    return self._answer(200, b'{"id": "1', {"Content-Type": "application/json"})
                token = _bearer(self.headers.get("Authorization", ""))
                grant = server.tokens.get(token)
                if grant is None:
                    return self._answer(401, {"error": "The access token is invalid"})
                self.account = grant.username
                status, answer, extra = server._serve(route, arg, grant, form, self.headers)
                if fault == "lost":
                    return self._drop()
                self._answer(status, answer, extra)

            do_GET = _handle
            do_POST = _handle
            do_DELETE = _handle
            do_PUT = _handle

        self.server = listen(Handler)
        return self

    def stop(self) -> None:
        close(self.server)

    # -- Mastodon's behaviour ----------------------------------------------------------
    def _limit_headers(self, account: str | None) -> dict:
        if account is None or self.limit is None:
            return {}
        count, window = self.limit
        used = len(self._recent(account))
        start = min(self._recent(account), default=self.now())
        return {
            "X-RateLimit-Limit": str(count),
            "X-RateLimit-Remaining": str(max(0, count - used)),
            "X-RateLimit-Reset": _iso(start + window),
        }

    def _recent(self, account: str) -> list[float]:
        assert self.limit is not None
        window = self.limit[1]
        return [t for t in self.sent_by_account.get(account, []) if t > self.now() - window]

    def _reset(self, remaining: int, when: float | None = None) -> dict:
        reset = when if when is not None else self.now() + self.reset_in
        return {
            "X-RateLimit-Limit": str(self.limit[0] if self.limit else 300),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": _iso(reset),
        }

    def _serve(self, route: str, arg: str, grant: Token, form, headers) -> tuple[int, object, dict]:
        user = grant.username
        if route == "verify":
            if not _allows(grant.scopes, "read:accounts", "profile"):
                return 403, {"error": "This action is outside the authorized scopes"}, {}
            return 200, self._account(user), {}
        if route == "account-statuses":
            if not _allows(grant.scopes, "read:statuses"):
                return 403, {"error": "This action is outside the authorized scopes"}, {}
            return self._account_statuses(arg, dict((k, v) for k, v in form if isinstance(v, str)))
        if route == "app":
            if not grant.app:
                return 401, {"error": "The access token is invalid"}, {}
            scopes = grant.app_scopes if grant.app_scopes is not None else grant.scopes
            return 200, {"name": "smmflow", "website": None, "scopes": list(scopes)}, {}
        if route == "media":
            if not _allows(grant.scopes, "write:media"):
                return 403, {"error": "This action is outside the authorized scopes"}, {}
            return self._upload(user, form)
        if route == "media-get":
            with self.lock:
                media = self.media.get(arg)
                if media is None or media["account"] != user or media["status"]:
                    return 404, {"error": "Record not found"}, {}
                if media["polls_left"] > 0:
                    media["polls_left"] -= 1
                    return 206, _media_entity(media, ready=False), {}
                return 200, _media_entity(media), {}
        if route == "notifications":
            if not _allows(grant.scopes, "read:notifications"):
                return 403, {"error": "This action is outside the authorized scopes"}, {}
            return social.notifications(self, user, form)
        if route == "context":
            return social.context(self, arg)
        if route in ("edit", "source", "history"):  # tests/servers/mastodon_edits.py
            return mastodon_edits.serve(self, route, arg, user, form)
        if route == "status-get":
            status = self.statuses.get(arg)
            if status is None:
                return 404, {"error": "Record not found"}, {}
            return 200, status, {}
        if route == "delete":
            if not _allows(grant.scopes, "write:statuses"):
                return 403, {"error": "This action is outside the authorized scopes"}, {}
            with self.lock:
                status = self.statuses.get(arg)
                if status is None:
                    return 404, {"error": "Record not found"}, {}
                if status["account"]["username"] != user:
                    return 403, {"error": "This action is not allowed"}, {}
                del self.statuses[arg]
                self.deleted.append(arg)
            return 200, {**status, "text": self.texts[arg]}, {}
        assert route == "statuses"
        if not _allows(grant.scopes, "write:statuses"):
            return 403, {"error": "This action is outside the authorized scopes"}, {}
        return self._post(user, form, headers.get("Idempotency-Key", ""))

    def _post(self, user: str, form, key: str) -> tuple[int, object, dict]:
        if self.limit is not None:
            with self.lock:
                recent = self._recent(user)
                if len(recent) >= self.limit[0]:
                    return (
                        429,
                        {"error": "Too many requests"},
                        self._reset(0, min(recent) + self.limit[1]),
                    )
        if not key:
            return self._create(user, form)
        lock = (user, key)
        with self.lock:
            if lock in self.locked:  # RedisLock.acquire failed → Mastodon::RaceConditionError
                return 503, {"error": RACE}, {}
            self.locked.add(lock)
        try:
            with self.lock:
                known = self.keys.get(lock)
                if known and self.now() - known[1] < KEY_TTL and known[0] in self.statuses:
                    return 200, self.statuses[known[0]], {}
            if self.hold:
                time.sleep(self.hold)
            status, answer, extra = self._create(user, form)
            if status == 200:
                with self.lock:
                    self.keys[lock] = (answer["id"], self.now())
            return status, answer, extra
        finally:
            with self.lock:
                self.locked.discard(lock)

    def _create(self, user: str, form) -> tuple[int, object, dict]:
        values = dict(form)
        text = values.get("status", "")
        media_ids = [v for k, v in form if k == "media_ids[]"]
        visibility = values.get("visibility", "public")
        if visibility not in ("public", "unlisted", "private", "direct"):
            return (
                422,
                {
                    "error": f"Validation failed: Visibility '{visibility}' is not a valid visibility"
                },
                {},
            )
        if len(media_ids) > MAX_MEDIA:
            return 422, {"error": f"You cannot attach more than {MAX_MEDIA} files."}, {}
        with self.lock:
            found = [
                self.media.get(i)
                for i in media_ids
                if i in self.media
                and self.media[i]["account"] == user
                and not self.media[i]["status"]
            ]
            missing = [i for i in media_ids if i not in {m["id"] for m in found}]
            if missing:
                return (
                    422,
                    {
                        "error": f"Media {', '.join(missing)} not found or already attached to another post"
                    },
                    {},
                )
            if len(found) > 1 and any(m["type"] == "video" for m in found):
                return (
                    422,
                    {"error": "Cannot attach a video to a post that already contains images"},
                    {},
                )
            if any(m["polls_left"] > 0 for m in found):
                return (
                    422,
                    {
                        "error": "Cannot attach files that have not finished processing. Try again in a moment!"
                    },
                    {},
                )
            if not text.strip() and not found:
                return 422, {"error": "Validation failed: Text can't be blank"}, {}
            if _length(text) > MAX_CHARACTERS:
                return (
                    422,
                    {
                        "error": f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded"
                    },
                    {},
                )
            parent = self.statuses.get(values.get("in_reply_to_id") or "")
            if values.get("in_reply_to_id") and parent is None:
                return 404, {"error": "Record not found"}, {}
            self._next += 1
            status_id = str(self._next)
            for m in found:
                m["status"] = status_id
            status = {
                "id": status_id,
                "created_at": _iso(self.now()),
                "in_reply_to_id": parent["id"] if parent else None,
                "in_reply_to_account_id": parent["account"]["id"] if parent else None,
                "uri": f"{self.url}/users/{user}/statuses/{status_id}",
                "url": f"{self.url}/@{user}/{status_id}",
                "content": "<p>" + html.escape(text).replace("\n", "<br>") + "</p>",
                "visibility": visibility,
                "language": values.get("language") or "en",
                "sensitive": False,
                "spoiler_text": "",
                "media_attachments": [_media_entity(m) for m in found],
                "account": self._account(user),
            }
            status.update(replies_count=0, reblogs_count=0, favourites_count=0, quotes_count=0)
            self.statuses[status_id] = status
            self.texts[status_id] = text
            self.created.append((user, status_id))
            if parent is not None:
                social.on_reply(self, user, status, text)
            self.sent_by_account.setdefault(user, []).append(self.now())
        return 200, status, {}

    def _upload(self, user: str, form) -> tuple[int, object, dict]:
        values = dict((k, v) for k, v in form if not isinstance(v, tuple))
        files = [v for k, v in form if k == "file" and isinstance(v, tuple)]
        if not files:
            return 422, {"error": "Validation failed: File can't be blank"}, {}
        name, kind, data = files[0]
        description = values.get("description") or None
        if description and len(description) > DESCRIPTION_LIMIT:
            return (
                422,
                {
                    "error": f"Validation failed: Description is too long (maximum is {DESCRIPTION_LIMIT} characters)"
                },
                {},
            )
        major = kind.split("/")[0]
        if major not in ("image", "video"):
            return (
                422,
                {"error": "Validation failed: File content type is invalid, File is invalid"},
                {},
            )
        media_id = self._id()
        media = {
            "id": media_id,
            "account": user,
            "type": "video" if major == "video" else "image",
            "name": name,
            "content_type": kind,
            "data": data,
            "description": description,
            "status": "",
            "polls_left": self.processing,
        }
        with self.lock:
            self.media[media_id] = media
        if self.processing:
            return 202, _media_entity(media, ready=False), {}
        return 200, _media_entity(media), {}

    def _account(self, user: str) -> dict:
        return {
            "id": _account_id(user),
            "username": user,
            "acct": user,
            "display_name": user.title(),
            "url": f"{self.url}/@{user}",
            "followers_count": self.followers.get(user, 0),
            "following_count": 0,
            "statuses_count": len(self.live(user)),
        }

    def _account_statuses(self, account_id: str, params: dict) -> tuple[int, object, dict]:
        """An account's statuses, newest first, paged by `max_id` with a `Link` header."""
        users = {
            _account_id(s["account"]["username"]): s["account"]["username"] for s in self.live()
        }
        users.update({_account_id(t.username): t.username for t in self.tokens.values()})
        user = users.get(account_id)
        if user is None:
            return 404, {"error": "Record not found"}, {}
        try:
            limit = min(max(int(params.get("limit") or 20), 1), 40)
        except ValueError:
            return 400, {"error": "limit must be a number"}, {}
        newest = sorted(self.live(user), key=lambda s: int(s["id"]), reverse=True)
        if params.get("max_id"):
            newest = [s for s in newest if int(s["id"]) < int(params["max_id"])]
        page = newest[:limit]
        if not page:
            return 200, [], {}
        base = f"{self.url}/api/v1/accounts/{account_id}/statuses?limit={limit}"
        link = f'<{base}&max_id={page[-1]["id"]}>; rel="next", <{base}&min_id={page[0]["id"]}>; rel="prev"'
        return 200, page, {"Link": link}


def _media_entity(media: dict, ready: bool = True) -> dict:
    url = f"http://127.0.0.1/system/media/{media['id']}/{media['name']}"
    return {
        "id": media["id"],
        "type": media["type"],
        "url": url if ready else None,
        "preview_url": url,
        "remote_url": None,
        "description": media["description"],
        "meta": {},
        "blurhash": "UeKUpFxuo~R%0nW;WCnhF6RjaJt757oJodS$",
    }


def _allows(scopes: tuple[str, ...], *wanted: str) -> bool:
    """Doorkeeper's check: a wanted scope, or its parent (`write` for `write:media`)."""
    held = set(scopes)
    return any(w in held or w.split(":")[0] in held for w in wanted)


def _bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


ROUTES = [
    ("POST", re.compile(r"^/api/v1/statuses$"), "statuses"),
    ("GET", re.compile(r"^/api/v1/statuses/(\d+)$"), "status-get"),
    ("GET", re.compile(r"^/api/v1/statuses/(\d+)/context$"), "context"),
    ("PUT", re.compile(r"^/api/v1/statuses/(\d+)$"), "edit"),
    ("GET", re.compile(r"^/api/v1/statuses/(\d+)/source$"), "source"),
    ("GET", re.compile(r"^/api/v1/statuses/(\d+)/history$"), "history"),
    ("GET", re.compile(r"^/api/v1/notifications$"), "notifications"),
    ("DELETE", re.compile(r"^/api/v1/statuses/(\d+)$"), "delete"),
    ("POST", re.compile(r"^/api/v2/media$"), "media"),
    ("GET", re.compile(r"^/api/v1/media/(\d+)$"), "media-get"),
    ("GET", re.compile(r"^/api/v1/accounts/verify_credentials$"), "verify"),
    ("GET", re.compile(r"^/api/v1/apps/verify_credentials$"), "app"),
    ("GET", re.compile(r"^/api/v1/accounts/(\d+)/statuses$"), "account-statuses"),
]


def _account_id(user: str) -> str:
    """A stable numeric account id (Mastodon's are snowflakes; any digits do here)."""
    import zlib

    return str(zlib.crc32(user.encode()) % 10**9)


def _route(method: str, path: str) -> tuple[str | None, str]:
    for verb, pattern, name in ROUTES:
        match = pattern.match(path)
        if verb == method and match:
            return name, (match.group(1) if match.groups() else "")
    return None, ""


def _parse_form(kind: str, body: bytes) -> list[tuple[str, object]]:
    """Form fields in order: `application/x-www-form-urlencoded`, multipart (files as
    (filename, content type, bytes)) or a JSON object (arrays as `key[]` entries)."""
    if not body:
        return []
    if kind.startswith("application/json"):
        data = json.loads(body.decode("utf-8"))
        out: list[tuple[str, object]] = []
        for key, value in data.items():
            if isinstance(value, list):
                out += [(f"{key}[]", str(v)) for v in value]
            else:
                out.append((key, str(value)))
        return out
    if kind.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + body
        )
        out = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                out.append((name, (filename, part.get_content_type(), payload)))
            else:
                out.append((name, payload.decode("utf-8")))
        return out
    return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
