"""A loopback Threads API (graph.threads.net/v1.0), written from Meta's Threads docs
(developers.facebook.com/docs/threads: posts, reference/publishing, reference/media-retrieval,
reference/reply-management, reply-management, insights, reference/insights, overview (rate
limits), posts/delete-posts, troubleshooting, reference/debug), the official sample app
(fbsamples/threads_api src/index.js) and error bodies quoted in public trackers
(fbsamples/threads_api #70, postiz #1364, #2047; postiz threads.provider.ts).

What it does like Threads:

- Graph conventions: parameters in the query string, a form, multipart or JSON;
  `access_token` there or `Authorization: Bearer`; `me` names the token's user; errors as
  `{"error": {"message", "type": "OAuthException", "code", "error_subcode",
  "error_user_title", "error_user_msg", "is_transient", "fbtrace_id"}}`: 190 (invalid token;
  subcode 463 "Error validating access token: Session has expired on ..."), 10 (a missing
  permission), 100 (bad parameters, subcode 33 for an object that is not there or not
  yours), 24/4279009 "The requested resource does not exist" / "Media Not Found" when
  publishing a container that is not ready. `X-App-Usage` on every answer.
- `POST /{user}/threads` makes a container: media_type TEXT|IMAGE|VIDEO|CAROUSEL, `text`
  at most 500 characters counted as Threads says ("Emojis are counted as the number of
  UTF-8 bytes": a grapheme with an emoji counts its UTF-8 bytes, any other grapheme 1;
  `threads_length`), at most 5 distinct links (text URLs + link_attachment,
  THREADS_API__LINK_LIMIT_EXCEEDED), link_attachment on TEXT only, alt_text (images and
  videos, 1,000 characters), topic_tag (1-50, no "." or "&"), reply_control, reply_to_id,
  quote_post_id, is_carousel_item, children (2-20 finished items), auto_publish_text. Like
  the real service, it downloads every image_url (JPEG/PNG, 8 MB) at once (failure: code 1,
  subcode 2207052 "The media could not be fetched from this URI") and every video_url
  (a failure turns the container ERROR with FAILED_DOWNLOADING_VIDEO /
  FAILED_PROCESSING_VIDEO).
- `GET /{container}?fields=status,error_message`: IN_PROGRESS (`polls` reads for images,
  `video_polls` for videos, carousels until every child is FINISHED) → FINISHED →
  PUBLISHED; ERROR; EXPIRED 24 h after creation (move `clock`).
- `POST /{user}/threads_publish?creation_id=` → `{"id"}`; 250 posts and 1,000 replies per
  24 h (`quota_total`, `reply_quota_total`; carousel = 1); `GET /{user}/threads_publishing_limit`
  (quota_usage, config, reply_quota_usage, reply_config, delete_quota_usage, delete_config).
- `GET /{user}/threads` (own posts, newest first, `limit` ≤ 100, cursors before/after),
  `GET /{media}?fields=...` (id, text, permalink, shortcode, timestamp, media_type TEXT_POST|
  IMAGE|VIDEO|CAROUSEL_ALBUM, media_product_type, alt_text, link_attachment_url, topic_tag,
  children, is_reply, replied_to, root_post, hide_status, is_quote_post, username, owner),
  `DELETE /{media}` → `{"success": true, "deleted_id"}` (threads_delete; 100 a day),
  `GET /me?fields=id,username,name,threads_biography,threads_profile_picture_url`,
  `GET /{media}/replies` (top level) and `/conversation` (all levels) with `reverse`,
  `GET /{user}/replies` (the user's own replies, newest first, paged like `/threads`),
  `POST /{reply}/manage_reply` (hide=true|false; top-level replies to your posts),
  `GET /{media}/insights?metric=views,likes,replies,reposts,quotes,shares`,
  `GET /{user}/threads_insights?metric=views,likes,...,followers_count`, `GET /debug_token`,
  `GET /refresh_access_token?grant_type=th_refresh_token` (60 more days).

Read back: `media` (published posts and replies: `text`, `sha256` of downloaded bytes,
`alt_text`, `children`), `containers`, `fetched` (URLs the server downloaded), `calls`;
`add_reply(media_id, username, text)` writes a reply as someone else; `insights[id]` and
`users[id]["followers"]` hold the numbers the insights endpoints answer.

Faults: `server.fail(method, path_regex, code=..., subcode=..., message=..., status=400,
when="before"|"after", action="error"|"reset"|"slow", skip=0)`, as in meta.py: rate limits
are codes 4 ("Application request limit reached"), 17 ("User request limit reached") and
32, transient errors 1/2, expired tokens 190/463; "after" does the work first.

Guesses (unconfirmed): which characters count as emoji (Extended_Pictographic, regional
indicators, keycaps); the exact messages for a long text, too many links, a missing
parameter and a bad topic tag; the publishing-quota error (Instagram's 9/2207042) and the
delete-quota error; publishing an EXPIRED, ERROR or already PUBLISHED container answers
24/4279009 like an unready one; GIFs, polls, spoilers, locations, ghost posts, reposts,
keyword search, mentions and webhooks are not served.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import regex

try:
    from .meta import JPEG, PNG, GraphFailure, StaticSite, _multipart, _unsupported, jpeg, mp4
except ImportError:  # imported as a top-level module
    from meta import JPEG, PNG, GraphFailure, StaticSite, _multipart, _unsupported, jpeg, mp4

__all__ = ["ThreadsServer", "StaticSite", "jpeg", "mp4", "threads_length"]

TEXT_MAX = 500
ALT_MAX = 1000
LINKS_MAX = 5
IMAGE_MAX = 8 * 1024 * 1024
DAY = 86400
SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_replies",
    "threads_manage_insights",
    "threads_delete",
)
REPLY_CONTROLS = (
    "everyone",
    "accounts_you_follow",
    "mentioned_only",
    "parent_post_author_only",
    "followers_only",
)
MEDIA_METRICS = ("views", "likes", "replies", "reposts", "quotes", "shares")
USER_METRICS = ("views", "likes", "replies", "reposts", "quotes", "clicks", "followers_count")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_TAG = re.compile(r"#([^\s.&@!?,;:#]+)")


def threads_length(text: str) -> int:
    """Threads' count: every grapheme is 1, except a grapheme with an emoji, which counts the
    number of its UTF-8 bytes (a 👍 is 4, a 👍🏽 is 8)."""
    return sum(len(g.encode()) if _EMOJI.search(g) else 1 for g in regex.findall(r"\X", text))


@dataclass
class Token:
    value: str
    user: str
    scopes: tuple[str, ...] = SCOPES
    expires_at: int = 0  # 0: never
    issued_at: int = 0
    valid: bool = True


@dataclass
class Call:
    method: str
    path: str  # without /v1.0
    params: dict
    headers: dict


@dataclass
class Fault:
    method: str
    pattern: str
    code: int = 1
    subcode: int | None = None
    message: str = "An unknown error occurred"
    status: int = 400
    when: str = "before"  # before: refuse; after: do it, then fail
    action: str = "error"  # error | reset | slow
    skip: int = 0


def _not_ready(cid: str) -> GraphFailure:
    return GraphFailure(
        24,
        "The requested resource does not exist",
        4279009,
        error_user_title="Media Not Found",
        error_user_msg=f"The media with id {cid} cannot be found.",
    )


@dataclass
class ThreadsServer:
    users: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    containers: dict[str, dict] = field(default_factory=dict)
    media: dict[str, dict] = field(default_factory=dict)
    insights: dict[str, dict] = field(default_factory=dict)  # media id -> {metric: n}
    deletes: list[tuple[str, float]] = field(default_factory=list)  # (user, when)
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    polls: int = 1
    video_polls: int = 2
    slow: float = 3.0
    clock: float = 0.0
    app_usage: int = 2
    lock: threading.RLock = field(default_factory=threading.RLock)
    _next: int = 0

    # -- setup ---------------------------------------------------------------------------
    def add_user(self, user: str, username: str, token: str, **kw) -> Token:
        profile = {"username": username, "name": kw.pop("name", username.title())}
        profile.update(
            biography=kw.pop("biography", ""),
            followers=kw.pop("followers", 0),
            quota_total=kw.pop("quota_total", 250),
            reply_quota_total=kw.pop("reply_quota_total", 1000),
            delete_quota_total=kw.pop("delete_quota_total", 100),
        )
        self.users[user] = profile
        kw.setdefault("issued_at", int(self.now()))
        kw.setdefault("expires_at", int(self.now()) + 60 * DAY)
        self.tokens[token] = Token(token, user, **kw)
        return self.tokens[token]

    def fail(self, method: str, pattern: str, **kw) -> Fault:
        fault = Fault(method, pattern, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def add_reply(self, media_id: str, username: str, text: str) -> dict:
        """A reply by someone else (not the token's user)."""
        with self.lock:
            parent = self.media[media_id]
            box = {"text": text, "media_type": "TEXT", "reply_to": media_id, "children": []}
            return self._new_media("other:" + username, box, parent, username=username)

    def set_container(self, cid: str, status: str, error_message: str = "") -> None:
        with self.lock:
            self.containers[cid].update(status=status, error_message=error_message)

    def now(self) -> float:
        return time.time() + self.clock

    def _id(self) -> str:
        self._next += 1
        return str(18_050_000_000_000_000 + self._next)

    # -- reading back --------------------------------------------------------------------
    def live_media(self, user: str | None = None, replies: bool = False) -> list[dict]:
        return [
            m
            for m in self.media.values()
            if not m["deleted"]
            and (user is None or m["user"] == user)
            and (replies or not m["replied_to"])
        ]

    def of(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.search(pattern, c.path)]

    # -- serving -------------------------------------------------------------------------
    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1.0"

    @property
    def base(self) -> str:
        """Without the version (refresh_access_token lives there)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> ThreadsServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def start(self) -> ThreadsServer:
        state = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: dict, calls: int | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(raw)))
                count = state.app_usage if calls is None else calls
                usage = {"call_count": count, "total_cputime": 1, "total_time": 1}
                self.send_header("X-App-Usage", json.dumps(usage))
                self.end_headers()
                self.wfile.write(raw)

            def _error(self, failure: GraphFailure) -> None:
                error = {"message": failure.message, "type": "OAuthException"}
                error["code"] = failure.code
                if failure.subcode is not None:
                    error["error_subcode"] = failure.subcode
                error["is_transient"] = failure.code in (1, 2, 4, 17, 32, -1)
                for key in ("error_user_title", "error_user_msg"):
                    if failure.extra.get(key):
                        error[key] = failure.extra[key]
                error["fbtrace_id"] = f"AThreadsLoopback{len(state.calls)}"
                limited = 100 if failure.code in (4, 17, 32) else None
                self._send(failure.status, {"error": error}, limited)

            def _drop(self) -> None:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.connection.close()
                self.close_connection = True

            def _handle(self) -> None:
                call = _parse(self)
                with state.lock:
                    state.calls.append(call)
                    fault = state._take_fault(call)
                failure = None
                if fault and fault.action == "error":
                    failure = GraphFailure(fault.code, fault.message, fault.subcode, fault.status)
                if fault and fault.when == "before" and fault.action != "slow":
                    return self._drop() if fault.action == "reset" else self._error(failure)
                try:
                    with state.lock:
                        answer = state.route(call)
                except GraphFailure as exc:
                    return self._error(exc)
                if fault and fault.action == "reset":
                    return self._drop()
                if fault and fault.action == "slow":
                    time.sleep(state.slow)
                elif failure:
                    return self._error(failure)
                self._send(200, answer)

            do_GET = do_POST = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def _take_fault(self, call: Call) -> Fault | None:
        for fault in self.faults:
            if fault.method == call.method and re.search(fault.pattern, call.path):
                if fault.skip:
                    fault.skip -= 1
                    return None
                self.faults.remove(fault)
                return fault
        return None

    # -- routing -------------------------------------------------------------------------
    def route(self, call: Call) -> dict:
        if call.path == "/refresh_access_token" and call.method == "GET":
            return self._refresh(call)
        token = self._token(call)
        parts = [p for p in call.path.strip("/").split("/") if p]
        if parts and parts[0] == "me":
            parts[0] = token.user
        if parts == ["debug_token"] and call.method == "GET":
            return self._debug(call)
        if len(parts) == 1:
            if call.method == "GET":
                return self._node(parts[0], call, token)
            if call.method == "DELETE":
                return self._delete(parts[0], token)
        if len(parts) == 2:
            handler = {
                ("POST", "threads"): self._container,
                ("POST", "threads_publish"): self._publish,
                ("GET", "threads"): self._list,
                ("GET", "threads_publishing_limit"): self._quota,
                ("GET", "threads_insights"): self._user_insights,
                ("GET", "insights"): self._media_insights,
                ("GET", "replies"): self._replies,
                ("GET", "conversation"): self._replies,
                ("POST", "manage_reply"): self._manage_reply,
            }.get((call.method, parts[1]))
            if handler is not None:
                return handler(parts[0], call, token)
        raise _unsupported(call.method, parts[0] if parts else "")

    def _token(self, call: Call) -> Token:
        value = call.params.get("access_token", "")
        if not value:
            raise GraphFailure(104, "An access token is required to request this resource.")
        token = self.tokens.get(value)
        if token is None or not token.valid:
            raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
        if token.expires_at and token.expires_at < self.now():
            stamp = time.strftime("%A, %d-%b-%y %H:%M:%S UTC", time.gmtime(token.expires_at))
            raise GraphFailure(
                190, f"Error validating access token: Session has expired on {stamp}.", 463
            )
        return token

    def _needs(self, token: Token, *scopes: str) -> None:
        if not all(s in token.scopes for s in ("threads_basic", *scopes)):
            raise GraphFailure(10, "(#10) Application does not have permission for this action")

    def _own(self, user: str, token: Token, method: str = "POST") -> dict:
        if user not in self.users or token.user != user:
            raise _unsupported(method, user)
        return self.users[user]

    def _refresh(self, call: Call) -> dict:
        if call.params.get("grant_type") != "th_refresh_token":
            raise GraphFailure(100, "(#100) grant_type must be th_refresh_token")
        token = self._token(call)
        token.expires_at = int(self.now()) + 60 * DAY
        return {"access_token": token.value, "token_type": "bearer", "expires_in": 60 * DAY - 56}

    def _debug(self, call: Call) -> dict:
        token = self.tokens.get(call.params.get("input_token", ""))
        if token is None:
            raise GraphFailure(100, "(#100) The parameter input_token is required")
        valid = token.valid and not (token.expires_at and token.expires_at < self.now())
        return {
            "data": {
                "type": "USER",
                "application": "smmflow loopback",
                "data_access_expires_at": token.expires_at + 30 * DAY if token.expires_at else 0,
                "expires_at": token.expires_at,
                "is_valid": valid,
                "issued_at": token.issued_at,
                "scopes": list(token.scopes),
                "user_id": token.user,
            }
        }

    # -- containers ----------------------------------------------------------------------
    def _container(self, owner: str, call: Call, token: Token) -> dict:
        self._own(owner, token)
        self._needs(token, "threads_content_publish")
        p = call.params
        kind = p.get("media_type", "")
        if not kind:
            raise GraphFailure(100, "(#100) The parameter media_type is required")
        if kind not in ("TEXT", "IMAGE", "VIDEO", "CAROUSEL"):
            raise GraphFailure(
                100,
                f'(#100) Param media_type must be one of {{TEXT, IMAGE, VIDEO, CAROUSEL}} - got "{kind}"',
            )
        item = p.get("is_carousel_item", "false").lower() == "true"
        text = p.get("text", "")
        box = {
            "id": self._id(),
            "user": owner,
            "media_type": kind,
            "text": text,
            "is_carousel_item": item,
            "status": "IN_PROGRESS",
            "error_message": "",
            "reads": 0,
            "polls": 0,
            "created": self.now(),
            "children": [],
            "sha256": [],
            "published_as": "",
        }
        self._check_text(kind, text, p, item)
        self._check_options(box, p, token)
        if kind == "TEXT":
            box["status"] = "FINISHED"
        elif kind == "IMAGE":
            data = self._download_image(p.get("image_url", ""))
            box.update(sha256=[hashlib.sha256(data).hexdigest()], polls=self.polls)
        elif kind == "VIDEO":
            self._download_video(box, p.get("video_url", ""))
        else:
            self._carousel(box, p, owner)
        self.containers[box["id"]] = box
        if kind == "TEXT" and p.get("auto_publish_text", "").lower() == "true":
            return self._publish(owner, _with(call, creation_id=box["id"]), token)
        return {"id": box["id"]}

    def _check_text(self, kind: str, text: str, p: dict, item: bool) -> None:
        if kind == "TEXT" and not text.strip() and not p.get("text_attachment"):
            raise GraphFailure(100, "(#100) The parameter text is required for TEXT posts")
        if item and kind not in ("IMAGE", "VIDEO"):
            raise GraphFailure(100, "(#100) is_carousel_item is only for IMAGE and VIDEO")
        if threads_length(text) > TEXT_MAX:
            raise GraphFailure(
                100, f"(#100) Param text must be at most {TEXT_MAX} characters long."
            )
        link = p.get("link_attachment", "")
        if link and kind != "TEXT":
            raise GraphFailure(100, "(#100) link_attachment is only supported for TEXT posts")
        links = {u.rstrip(".,;:!?)") for u in _URL.findall(text)} | ({link} if link else set())
        if len(links) > LINKS_MAX:
            raise GraphFailure(
                100,
                "THREADS_API__LINK_LIMIT_EXCEEDED: a post may contain at most 5 links",
                error_user_title="Too many links",
                error_user_msg=f"This post has {len(links)} links; the limit is {LINKS_MAX}.",
            )

    def _check_options(self, box: dict, p: dict, token: Token) -> None:
        alt = p.get("alt_text", "")
        if alt and box["media_type"] not in ("IMAGE", "VIDEO"):
            raise GraphFailure(100, "(#100) alt_text is only supported for images and videos")
        if len(alt) > ALT_MAX:
            raise GraphFailure(100, f"(#100) alt_text must be at most {ALT_MAX} characters long")
        control = p.get("reply_control", "everyone")
        if control not in REPLY_CONTROLS:
            raise GraphFailure(100, f"(#100) Param reply_control must be one of {REPLY_CONTROLS}")
        tag = p.get("topic_tag")
        if tag is not None and (not 1 <= len(tag) <= 50 or "." in tag or "&" in tag):
            raise GraphFailure(100, "(#100) topic_tag must be 1-50 characters without . or &")
        if not tag:
            found = [t for t in _TAG.findall(box["text"]) if not t.isdigit()]
            tag = found[0][:50] if found else ""
        for name in ("reply_to_id", "quote_post_id"):
            target = p.get(name, "")
            if target and (target not in self.media or self.media[target]["deleted"]):
                raise _unsupported("POST", target)
        if p.get("reply_to_id") and box["is_carousel_item"]:
            raise GraphFailure(100, "(#100) A carousel item cannot be a reply")
        # the first link of the text, its trailing punctuation left out as when counting
        links = [u.rstrip(".,;:!?)") for u in _URL.findall(box["text"])]
        box.update(
            alt_text=alt,
            reply_control=control,
            topic_tag=tag,
            reply_to=p.get("reply_to_id", ""),
            quote_of=p.get("quote_post_id", ""),
            link=p.get("link_attachment", "")
            or (links[0] if box["media_type"] == "TEXT" and links else ""),
        )

    def _download(self, url: str) -> bytes | None:
        self.fetched.append(url)
        if not url.startswith(("http://", "https://")):
            return None
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read()
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def _download_image(self, url: str) -> bytes:
        if not url:
            raise GraphFailure(100, "(#100) The parameter image_url is required for IMAGE")
        data = self._download(url)
        if data is None or not data.startswith((JPEG, PNG)) or len(data) > IMAGE_MAX:
            raise GraphFailure(
                1,
                "An unknown error has occurred.",
                2207052,
                error_user_title="Media download has failed.",
                error_user_msg=f"The media could not be fetched from this URI: {url}. Please "
                "check the URI and try again.",
            )
        return data

    def _download_video(self, box: dict, url: str) -> None:
        if not url:
            raise GraphFailure(100, "(#100) The parameter video_url is required for VIDEO")
        data = self._download(url)
        box["polls"] = self.video_polls
        if data is None:
            box.update(status="ERROR", error_message="FAILED_DOWNLOADING_VIDEO")
        elif data[4:8] != b"ftyp":
            box.update(status="ERROR", error_message="FAILED_PROCESSING_VIDEO")
        else:
            box["sha256"] = [hashlib.sha256(data).hexdigest()]

    def _carousel(self, box: dict, p: dict, owner: str) -> None:
        ids = [c.strip() for c in p.get("children", "").split(",") if c.strip()]
        if not 2 <= len(ids) <= 20:
            raise GraphFailure(100, "(#100) Carousels need at least 2 and at most 20 children")
        for cid in ids:
            child = self.containers.get(cid)
            if child is None or child["user"] != owner or not child["is_carousel_item"]:
                raise _unsupported("POST", cid)
        box["children"] = ids

    def _status(self, box: dict) -> str:
        """Advance a container on a status read, as processing would."""
        if box["status"] in ("IN_PROGRESS", "FINISHED") and self.now() - box["created"] > DAY:
            box["status"] = "EXPIRED"
        if box["status"] != "IN_PROGRESS":
            return box["status"]
        if box["media_type"] == "CAROUSEL":
            kids = [self.containers[c] for c in box["children"]]
            states = [self._status(k) for k in kids]
            if "ERROR" in states:
                box.update(status="ERROR", error_message="UNKNOWN")
            elif all(s == "FINISHED" for s in states):
                box.update(status="FINISHED", sha256=[h for k in kids for h in k["sha256"]])
            return box["status"]
        box["reads"] += 1
        if box["reads"] > box["polls"]:
            box["status"] = "FINISHED"
        return box["status"]

    # -- publishing ----------------------------------------------------------------------
    def _usage(self, user: str, replies: bool) -> int:
        day = self.now() - DAY
        return sum(
            1
            for m in self.media.values()
            if m["user"] == user and m["created"] > day and bool(m["replied_to"]) == replies
        )

    def _publish(self, owner: str, call: Call, token: Token) -> dict:
        user = self._own(owner, token)
        self._needs(token, "threads_content_publish")
        cid = call.params.get("creation_id", "")
        if not cid:
            raise GraphFailure(100, "(#100) The parameter creation_id is required")
        box = self.containers.get(cid)
        if box is None or box["user"] != owner or box["is_carousel_item"]:
            raise _not_ready(cid)
        if box["media_type"] == "CAROUSEL":
            self._status(box)
        elif box["status"] == "FINISHED":
            self._status(box)  # may expire
        if box["status"] != "FINISHED":
            raise _not_ready(cid)
        reply = bool(box["reply_to"])
        total = user["reply_quota_total"] if reply else user["quota_total"]
        if self._usage(owner, reply) >= total:
            raise GraphFailure(
                9,
                "Application request limit reached",
                2207042,
                error_user_title="Publishing limit reached",
                error_user_msg=f"You reached the maximum of {total} "
                + ("replies" if reply else "posts")
                + " published through the API in 24 hours.",
            )
        parent = self.media.get(box["reply_to"]) if reply else None
        item = self._new_media(owner, box, parent, username=user["username"])
        box.update(status="PUBLISHED", published_as=item["id"])
        return {"id": item["id"]}

    def _new_media(self, owner: str, box: dict, parent: dict | None, username: str) -> dict:
        media_id = self._id()
        code = base64.urlsafe_b64encode(hashlib.sha1(media_id.encode()).digest())[:11].decode()
        kind = {
            "TEXT": "TEXT_POST",
            "IMAGE": "IMAGE",
            "VIDEO": "VIDEO",
            "CAROUSEL": "CAROUSEL_ALBUM",
        }
        children = [self.containers[c] for c in box.get("children", [])]
        item = {
            "id": media_id,
            "user": owner,
            "username": username,
            "text": box["text"],
            "media_type": kind[box["media_type"]],
            "media_product_type": "THREADS",
            "shortcode": code,
            "permalink": f"https://www.threads.com/@{username}/post/{code}",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(self.now())),
            "created": self.now(),
            "alt_text": box.get("alt_text", ""),
            "children": [{"id": c["id"], "alt_text": c.get("alt_text", "")} for c in children],
            "sha256": list(box.get("sha256", [])),
            "link_attachment_url": box.get("link", ""),
            "topic_tag": box.get("topic_tag", ""),
            "reply_audience": box.get("reply_control", "everyone").upper(),
            "is_quote_post": bool(box.get("quote_of")),
            "replied_to": parent["id"] if parent else "",
            "root_post": (parent["root_post"] or parent["id"]) if parent else "",
            "hide_status": "NOT_HUSHED",
            "container": box.get("id", ""),
            "deleted": False,
        }
        self.media[media_id] = item
        self.insights[media_id] = dict.fromkeys(MEDIA_METRICS, 0)
        return item

    # -- reading -------------------------------------------------------------------------
    def _fields(self, call: Call, default: tuple[str, ...]) -> list[str]:
        return [f for f in call.params.get("fields", ",".join(default)).split(",") if f]

    def _shape(self, item: dict, fields: list[str], viewer: str) -> dict:
        out = {"id": item["id"]}
        for name in fields:
            if name == "id":
                continue
            if name == "owner":
                out["owner"] = {"id": item["user"]}
            elif name == "is_reply":
                out["is_reply"] = bool(item["replied_to"])
            elif name == "is_reply_owned_by_me":
                out[name] = item["user"] == viewer
            elif name in ("replied_to", "root_post"):
                if item[name]:
                    out[name] = {"id": item[name]}
            elif name == "has_replies":
                out[name] = any(
                    m["replied_to"] == item["id"] for m in self.live_media(replies=True)
                )
            elif name == "children":
                if item["children"]:
                    out["children"] = {"data": [{"id": c["id"]} for c in item["children"]]}
            elif name in item:
                if item[name] not in ("", None):
                    out[name] = item[name]
            else:
                raise GraphFailure(
                    100,
                    f"(#100) Tried accessing nonexisting field ({name}) on node type (ThreadsMedia)",
                )
        return out

    def _node(self, oid: str, call: Call, token: Token) -> dict:
        if oid in self.users:
            self._own(oid, token, "GET")
            user = self.users[oid]
            node = {
                "id": oid,
                "username": user["username"],
                "name": user["name"],
                "threads_biography": user["biography"],
                "threads_profile_picture_url": f"https://scontent.cdninstagram.com/{oid}.jpg",
                "is_verified": False,
            }
            wanted = self._fields(call, ("id",))
            for name in wanted:
                if name not in node:
                    raise GraphFailure(
                        100,
                        f"(#100) Tried accessing nonexisting field ({name}) on node type (ThreadsUser)",
                    )
            return {k: node[k] for k in ("id", *wanted)}
        if oid in self.containers:
            box = self.containers[oid]
            self._status(box)
            out = {"id": oid}
            for name in self._fields(call, ("id", "status")):
                if name == "status":
                    out["status"] = box["status"]
                elif name == "error_message" and box["error_message"]:
                    out["error_message"] = box["error_message"]
            return out
        item = self.media.get(oid)
        if item is None or item["deleted"]:
            raise _unsupported("GET", oid)
        return self._shape(item, self._fields(call, ("id",)), token.user)

    def _page(self, items: list[dict], call: Call, viewer: str) -> dict:
        limit = int(call.params.get("limit") or 25)
        if not 0 < limit <= 100:
            raise GraphFailure(100, "(#100) limit must be between 1 and 100")
        start = _cursor(call.params.get("after")) if call.params.get("after") else 0
        page = items[start : start + limit]
        fields = self._fields(call, ("id",))
        out = {"data": [self._shape(m, fields, viewer) for m in page]}
        if page:
            out["paging"] = {
                "cursors": {"before": _encode(start), "after": _encode(start + len(page))}
            }
            if start + len(page) < len(items):
                out["paging"]["next"] = (
                    f"{self.api}{call.path}?after={_encode(start + len(page))}&limit={limit}"
                )
        return out

    def _list(self, owner: str, call: Call, token: Token) -> dict:
        self._own(owner, token, "GET")
        items = sorted(self.live_media(owner), key=lambda m: m["created"], reverse=True)
        since, until = call.params.get("since"), call.params.get("until")
        if since:
            items = [m for m in items if m["created"] >= float(since)]
        if until:
            items = [m for m in items if m["created"] <= float(until)]
        return self._page(items, call, token.user)

    def _quota(self, owner: str, call: Call, token: Token) -> dict:
        user = self._own(owner, token, "GET")
        self._needs(token, "threads_content_publish")
        deletes = sum(1 for u, when in self.deletes if u == owner and when > self.now() - DAY)
        row = {
            "quota_usage": self._usage(owner, False),
            "config": {"quota_total": user["quota_total"], "quota_duration": DAY},
            "reply_quota_usage": self._usage(owner, True),
            "reply_config": {"quota_total": user["reply_quota_total"], "quota_duration": DAY},
            "delete_quota_usage": deletes,
            "delete_config": {"quota_total": user["delete_quota_total"], "quota_duration": DAY},
        }
        wanted = self._fields(call, ("quota_usage", "config"))
        return {"data": [{k: row[k] for k in wanted if k in row}]}

    def _delete(self, oid: str, token: Token) -> dict:
        item = self.media.get(oid)
        if item is None or item["deleted"] or item["user"] != token.user:
            raise _unsupported("DELETE", oid)
        self._needs(token, "threads_delete")
        user = self.users[token.user]
        used = sum(1 for u, when in self.deletes if u == token.user and when > self.now() - DAY)
        if used >= user["delete_quota_total"]:
            raise GraphFailure(4, "(#4) Application request limit reached: deletes per day")
        item["deleted"] = True
        self.deletes.append((token.user, self.now()))
        return {"success": True, "deleted_id": oid}

    # -- replies and insights ------------------------------------------------------------
    def _replies(self, oid: str, call: Call, token: Token) -> dict:
        if oid in self.users and call.path.endswith("/replies"):
            # `GET /{threads-user-id}/replies`: the user's own replies, newest first
            self._own(oid, token, "GET")
            self._needs(token, "threads_read_replies")
            mine = [m for m in self.live_media(oid, replies=True) if m["replied_to"]]
            return self._page(sorted(mine, key=lambda m: m["created"], reverse=True), call, oid)
        item = self.media.get(oid)
        if item is None or item["deleted"]:
            raise _unsupported("GET", oid)
        self._needs(token, "threads_read_replies")
        top = call.path.endswith("/replies")
        found = [
            m
            for m in self.live_media(replies=True)
            if (m["replied_to"] == oid if top else _descends(self.media, m, oid))
        ]
        reverse = call.params.get("reverse", "true").lower() != "false"
        found.sort(key=lambda m: (m["created"], m["id"]), reverse=reverse)
        return self._page(found, call, token.user)

    def _manage_reply(self, oid: str, call: Call, token: Token) -> dict:
        item = self.media.get(oid)
        if item is None or item["deleted"] or not item["replied_to"]:
            raise _unsupported("POST", oid)
        self._needs(token, "threads_manage_replies")
        parent = self.media[item["replied_to"]]
        if parent["user"] != token.user or parent["replied_to"]:
            raise GraphFailure(100, "(#100) Only top-level replies to your own posts can be hidden")
        hide = call.params.get("hide", "").lower()
        if hide not in ("true", "false"):
            raise GraphFailure(100, "(#100) The parameter hide is required")
        item["hide_status"] = "HIDDEN" if hide == "true" else "UNHUSHED"
        return {"success": True}

    def _metrics(self, call: Call, allowed: tuple[str, ...]) -> list[str]:
        wanted = [m for m in call.params.get("metric", "").split(",") if m]
        if not wanted:
            raise GraphFailure(100, "(#100) The parameter metric is required")
        for i, name in enumerate(wanted):
            if name not in allowed:
                raise GraphFailure(
                    100,
                    f"(#100) metric[{i}] must be one of the following values: {', '.join(allowed)}",
                )
        return wanted

    def _media_insights(self, oid: str, call: Call, token: Token) -> dict:
        item = self.media.get(oid)
        if item is None or item["deleted"] or item["user"] != token.user:
            raise _unsupported("GET", oid)
        self._needs(token, "threads_manage_insights")
        counts = self.insights.get(oid, {})
        return {
            "data": [
                {
                    "name": name,
                    "period": "lifetime",
                    "values": [{"value": counts.get(name, 0)}],
                    "title": name.title(),
                    "description": f"The number of {name} of your post.",
                    "id": f"{oid}/insights/{name}/lifetime",
                }
                for name in self._metrics(call, MEDIA_METRICS)
            ]
        }

    def _user_insights(self, owner: str, call: Call, token: Token) -> dict:
        user = self._own(owner, token, "GET")
        self._needs(token, "threads_manage_insights")
        mine = [self.insights.get(m["id"], {}) for m in self.live_media(owner)]
        rows = []
        for name in self._metrics(call, USER_METRICS):
            row = {"name": name, "period": "day", "title": name, "description": name}
            row["id"] = f"{owner}/insights/{name}/day"
            if name == "views":
                day = time.strftime("%Y-%m-%dT08:00:00+0000", time.gmtime(self.now()))
                row["values"] = [{"value": sum(c.get("views", 0) for c in mine), "end_time": day}]
            elif name == "clicks":
                row["link_total_values"] = []
            elif name == "followers_count":
                row["total_value"] = {"value": user["followers"]}
            else:
                row["total_value"] = {"value": sum(c.get(name, 0) for c in mine)}
            rows.append(row)
        return {"data": rows}


# -- helpers -------------------------------------------------------------------------------
def _parse(handler: BaseHTTPRequestHandler) -> Call:
    split = urlsplit(handler.path)
    path = re.sub(r"^/v\d+\.\d+(?=/)", "", split.path)
    params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    kind = handler.headers.get("Content-Type", "")
    if kind.startswith("multipart/form-data"):
        boundary = re.search(r"boundary=([^;]+)", kind).group(1).strip('"')
        params.update(_multipart(body, boundary.encode())[0])
    elif kind.startswith("application/json") and body:
        try:
            data = json.loads(body)
        except ValueError:
            data = {}
        for key, value in (data if isinstance(data, dict) else {}).items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, list):
                value = ",".join(str(v) for v in value)
            elif not isinstance(value, str):
                value = json.dumps(value)
            params[key] = value
    elif body:
        params.update(
            {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        )
    auth = handler.headers.get("Authorization", "")
    if auth.startswith(("Bearer ", "OAuth ")) and "access_token" not in params:
        params["access_token"] = auth.split(" ", 1)[1].strip()
    return Call(handler.command, path, params, dict(handler.headers))


def _with(call: Call, **params) -> Call:
    return Call(call.method, call.path, {**call.params, **params}, call.headers)


def _encode(index: int) -> str:
    return base64.urlsafe_b64encode(f"idx:{index}".encode()).decode().rstrip("=")


def _cursor(value: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()[4:])
    except ValueError:
        raise GraphFailure(100, "(#100) Invalid cursor") from None


def _descends(media: dict, item: dict, root: str) -> bool:
    parent = item["replied_to"]
    while parent:
        if parent == root:
            return True
        parent = media[parent]["replied_to"] if parent in media else ""
    return False
