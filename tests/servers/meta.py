"""A loopback Meta Graph API (Facebook Pages and Instagram) that follows the Graph docs.

Shapes follow developers.facebook.com: parameters as query string, form or multipart
(`access_token` in any of them, or `Authorization: Bearer`); answers `{"id": ...}`,
`{"id", "post_id"}` for photos, `{"success": true}` for deletes; errors as
`{"error": {"message", "type", "code", "error_subcode", "error_user_title",
"error_user_msg", "is_transient", "fbtrace_id"}}` with Graph's codes; `X-App-Usage` on
every answer and `X-Business-Use-Case-Usage` (with `estimated_time_to_regain_access`) on
rate limits.

Instagram containers go IN_PROGRESS → FINISHED (after `polls` status reads) → PUBLISHED,
or ERROR / EXPIRED when a test says so. Like the real service, the server downloads every
`image_url` / `video_url` itself, so a test proves the URL is reachable and the bytes are
right; a URL it cannot fetch gets the real error (code 9004, subcode 2207052, "Media
download has failed.").

State is kept so tests read back what was published: `posts`, `photos`, `videos` (Facebook),
`containers`, `media` (Instagram), and `calls` (every request, parsed).

Comments (reading, answering, hiding, deleting) and the Page's conversations live in
tests/servers/meta_comments.py; updating a post and commenting on one's own post in
tests/servers/meta_edits.py.
Metrics (Pages API insights, IG Media insights, multiple-ID reads): `GET /?ids=a,b&fields=...`
(at most 50 ids, else code 100 "Too many IDs") answers `{id: node}`, or code 803 "Some of
the aliases you requested do not exist: <ids>" when one is not there; a post's `fields` may
ask `reactions.summary(total_count).limit(0)`, `comments.summary(...)`, `shares` (left out
when nobody shared, as Graph does) and `insights.metric(post_media_view,
post_total_media_view_unique)` (needs `read_insights`, else code 10); a medium's
`like_count`, `comments_count` and `insights.metric(reach,saved,views)` (needs
`instagram_manage_insights`). Retired metrics (`post_impressions`, `impressions`, `plays`)
are refused with code 100, as after their retirement. Numbers: `server.engage(id,
reactions=5, ...)` and `server.followers[page or user id]` (`followers_count`).

Faults: `server.fail(method, path_pattern, code=..., ...)` answers the next matching
request with a Graph error, before (`when="before"`) or after (`when="after"`) doing what
it asks; `action="reset"` drops the connection after doing it.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from servers import meta_comments, meta_edits
from servers.loopback import close, listen

_VERSION = re.compile(r"^/v\d+\.\d+(?=/)")
JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"
FB_POST = ("pages_manage_posts", "pages_read_engagement")
IG_PUBLISH = ("instagram_basic", "instagram_content_publish")


@dataclass
class Token:
    """An access token the server knows, with what debug_token says about it."""

    value: str
    profile: str  # whom /me is: a page id, or an Instagram user's page
    kind: str = "PAGE"  # PAGE | USER
    scopes: tuple[str, ...] = (*FB_POST, *IG_PUBLISH)
    expires_at: int = 0  # 0: never
    data_access_expires_at: int = 0
    valid: bool = True


@dataclass
class Call:
    method: str
    path: str  # without the version prefix
    version: str
    params: dict  # query + form + multipart text fields (last value wins)
    files: dict  # multipart file fields: name -> (filename, content type, bytes)
    headers: dict
    in_body: tuple[str, ...] = ()  # parameter names that came in the body


@dataclass
class Fault:
    method: str
    pattern: str
    code: int = 1
    subcode: int | None = None
    message: str = "An unknown error occurred"
    status: int = 400
    when: str = "before"  # before: refuse; after: do it, then answer the error
    action: str = "error"  # error | reset
    regain_minutes: int | None = None  # for X-Business-Use-Case-Usage
    user_title: str = ""
    user_msg: str = ""
    skip: int = 0  # let this many matching requests through first


class GraphFailure(Exception):
    def __init__(
        self, code: int, message: str, subcode: int | None = None, status: int = 400, **extra
    ):
        super().__init__(message)
        self.code, self.message, self.subcode, self.status, self.extra = (
            code,
            message,
            subcode,
            status,
            extra,
        )


def _unsupported(method: str, oid: str) -> GraphFailure:
    return GraphFailure(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{oid}' does not exist, cannot "
        "be loaded due to missing permissions, or does not support this operation. Please read "
        "the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        33,
    )


def _multipart(body: bytes, boundary: bytes) -> tuple[dict, dict]:
    fields, files = {}, {}
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, _, data = chunk.partition(b"\r\n\r\n")
        data = data[:-2] if data.endswith(b"\r\n") else data
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if not name:
            continue
        if filename:
            files[name.group(1)] = (
                filename.group(1),
                headers.get("content-type", ""),
                data,
            )
        else:
            fields[name.group(1)] = data.decode("utf-8")
    return fields, files


@dataclass
class MetaGraph:
    """The server's state. `start()` runs it on 127.0.0.1; `api` is the base URL to use."""

    pages: dict[str, dict] = field(default_factory=dict)  # id -> {"name"}
    ig_users: dict[str, dict] = field(default_factory=dict)  # id -> {"username", "quota_total"}
    tokens: dict[str, Token] = field(default_factory=dict)
    posts: dict[str, dict] = field(default_factory=dict)  # Facebook posts by id
    photos: dict[str, dict] = field(default_factory=dict)
    videos: dict[str, dict] = field(default_factory=dict)
    containers: dict[str, dict] = field(default_factory=dict)
    media: dict[str, dict] = field(default_factory=dict)  # Instagram media by id
    comments: dict[str, dict] = field(default_factory=dict)  # meta_comments.py
    post_edits: list[tuple[str, str]] = field(default_factory=list)  # meta_edits.py
    conversations: dict[str, list] = field(default_factory=dict)  # page -> Messenger threads
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)  # media URLs the server downloaded
    polls: int = 1  # status reads an image container stays IN_PROGRESS
    video_polls: int = 2
    app_usage: int = 3  # percentage reported in X-App-Usage
    engagement: dict[str, dict[str, int]] = field(default_factory=dict)  # post/media id -> counts
    followers: dict[str, int] = field(default_factory=dict)  # page / IG user id -> followers
    lock: threading.RLock = field(default_factory=threading.RLock)
    _next: int = 0

    # -- setup -------------------------------------------------------------------------
    def add_page(self, page: str, name: str, token: str, **token_kw) -> Token:
        self.pages[page] = {"name": name}
        self.tokens[token] = Token(token, page, **token_kw)
        return self.tokens[token]

    def add_ig_user(self, user: str, username: str, token: str, quota_total: int = 100, **kw):
        self.ig_users[user] = {"username": username, "quota_total": quota_total}
        self.tokens[token] = Token(token, user, kind="USER", **kw)
        return self.tokens[token]

    def add_comment(self, on: str, text: str, author=("991", "Ana Pop"), **kw) -> dict:
        return meta_comments.add(self, on, text, author, **kw)

    def add_ig_comment(self, on: str, text: str, username: str = "ana.pop", **kw) -> dict:
        return meta_comments.add(self, on, text, (f"ig-{username}", username), ig=True, **kw)

    def remove_comment(self, cid: str) -> None:
        meta_comments.remove(self, cid)

    def fail(self, method: str, pattern: str, **kw) -> Fault:
        fault = Fault(method, pattern, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def _id(self) -> str:
        self._next += 1
        return str(17_900_000_000_000_000 + self._next)

    # -- reading back ------------------------------------------------------------------
    def live_posts(self, page: str | None = None) -> list[dict]:
        return [
            p
            for p in self.posts.values()
            if not p["deleted"] and (page is None or p["page"] == page)
        ]

    def live_media(self, user: str | None = None) -> list[dict]:
        return [m for m in self.media.values() if user is None or m["user"] == user]

    def engage(self, oid: str, **counts: int) -> None:
        """A post's (or medium's) numbers: reactions, comments, shares, views, reach; or
        likes, comments, saves, reach, views."""
        with self.lock:
            self.engagement.setdefault(oid, {}).update(counts)

    def of(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.search(pattern, c.path)]

    # -- running -----------------------------------------------------------------------
    def start(self) -> MetaGraph:
        state = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(raw)))
                usage = {"call_count": state.app_usage, "total_cputime": 1, "total_time": 1}
                self.send_header("X-App-Usage", json.dumps(usage))
                self.send_header("x-fb-trace-id", "LOOPBACK")
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

            def _error(self, failure: GraphFailure, owner: str = "") -> None:
                error = {
                    "message": failure.message,
                    "type": "OAuthException",
                    "code": failure.code,
                    "fbtrace_id": "AbCdLoopback" + str(len(state.calls)),
                }
                if failure.subcode is not None:
                    error["error_subcode"] = failure.subcode
                error["is_transient"] = failure.code in (1, 2, 4, 17, -1, -2)
                for key in ("error_user_title", "error_user_msg"):
                    if failure.extra.get(key):
                        error[key] = failure.extra[key]
                headers = {}
                if failure.extra.get("regain") is not None:
                    kind = "instagram" if owner in state.ig_users else "pages"
                    buc = {
                        owner or "0": [
                            {
                                "type": kind,
                                "call_count": 100,
                                "total_cputime": 40,
                                "total_time": 40,
                                "estimated_time_to_regain_access": failure.extra["regain"],
                            }
                        ]
                    }
                    headers["X-Business-Use-Case-Usage"] = json.dumps(buc)
                self._send(failure.status, {"error": error}, headers)

            def _drop(self) -> None:
                """Close the connection with a TCP reset and no answer."""
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.connection.close()
                self.close_connection = True

            def _parse(self) -> Call:
                split = urlsplit(self.path)
                version_match = _VERSION.match(split.path)
                version = version_match.group(0)[1:] if version_match else ""
                path = split.path[len(version) + 1 :] if version else split.path
                params = {
                    k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()
                }
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                kind = self.headers.get("Content-Type", "")
                files: dict = {}
                in_body: tuple[str, ...] = ()
                if kind.startswith("multipart/form-data"):
                    boundary = re.search(r"boundary=([^;]+)", kind).group(1).strip('"')
                    form, files = _multipart(body, boundary.encode())
                    params.update(form)
                    in_body = tuple(form) + tuple(files)
                elif body:
                    form = {
                        k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()
                    }
                    params.update(form)
                    in_body = tuple(form)
                auth = self.headers.get("Authorization", "")
                if auth.split(" ")[0] in ("Bearer", "OAuth") and "access_token" not in params:
                    params["access_token"] = auth.split(" ", 1)[1]
                return Call(self.command, path, version, params, files, dict(self.headers), in_body)

            def _handle(self) -> None:
                call = self._parse()
                with state.lock:
                    state.calls.append(call)
                    fault = next(
                        (
                            f
                            for f in state.faults
                            if f.method == call.method and re.search(f.pattern, call.path)
                        ),
                        None,
                    )
                    if fault and fault.skip:
                        fault.skip -= 1
                        fault = None
                    elif fault:
                        state.faults.remove(fault)
                owner = call.path.strip("/").split("/")[0]
                failure = None
                if fault:
                    failure = GraphFailure(
                        fault.code,
                        fault.message,
                        fault.subcode,
                        fault.status,
                        regain=fault.regain_minutes,
                        error_user_title=fault.user_title,
                        error_user_msg=fault.user_msg,
                    )
                if fault and fault.when == "before":
                    return self._drop() if fault.action == "reset" else self._error(failure, owner)
                try:
                    with state.lock:
                        answer = state.route(call)
                except GraphFailure as exc:
                    return self._error(exc, owner)
                if fault and fault.action == "reset":
                    return self._drop()
                if fault:
                    return self._error(failure, owner)
                self._send(200, answer)

            do_GET = do_POST = do_DELETE = _handle

        self.server = listen(Handler)
        return self

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v27.0"

    def stop(self) -> None:
        close(self.server)

    # -- the Graph API -----------------------------------------------------------------
    def _token(self, call: Call) -> Token:
        value = call.params.get("access_token", "")
        if not value:
            raise GraphFailure(104, "An access token is required to request this resource.")
        token = self.tokens.get(value)
        if token is None or not token.valid:
            raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
        if token.expires_at and token.expires_at < time.time():
            stamp = time.strftime("%A, %d-%b-%y %H:%M:%S UTC", time.gmtime(token.expires_at))
            raise GraphFailure(
                190, f"Error validating access token: Session has expired on {stamp}.", 463
            )
        return token

    def _needs(self, token: Token, *scopes: str, code: int = 200, message: str = "") -> None:
        if all(s in token.scopes for s in scopes):
            return
        raise GraphFailure(code, message or f"(#{code}) Permissions error")

    def route(self, call: Call) -> dict:
        token = self._token(call)
        parts = [p for p in call.path.strip("/").split("/") if p]
        method = call.method
        answered = meta_edits.route(self, call, token, parts)
        if answered is None:
            answered = meta_comments.route(self, call, token, parts)
        if answered is not None:
            return answered
        if parts == ["debug_token"] and method == "GET":
            return self._debug(call)
        if parts == ["me"] and method == "GET":
            return self._node(token.profile, call, token)
        if not parts and method == "GET" and "ids" in call.params:
            return self._ids(call, token)
        if len(parts) == 1 and method == "GET" and _wants_metrics(call):
            return self._measured(parts[0], _split(call.params.get("fields", "")), token)
        if parts == ["me", "permissions"] and method == "GET":
            return {"data": [{"permission": s, "status": "granted"} for s in token.scopes]}
        if len(parts) == 1:
            if method == "GET":
                return self._node(parts[0], call, token)
            if method == "DELETE":
                return self._delete(parts[0], token)
        if len(parts) == 2:
            owner, edge = parts
            handlers = {
                ("POST", "feed"): self._feed,
                ("POST", "photos"): self._photo,
                ("POST", "videos"): self._video,
                ("POST", "media"): self._container,
                ("POST", "media_publish"): self._publish,
                ("GET", "media"): self._media_list,
                ("GET", "content_publishing_limit"): self._quota,
            }
            handler = handlers.get((method, edge))
            if handler is not None:
                return handler(owner, call, token)
        raise _unsupported(method, parts[0] if parts else "")

    def _debug(self, call: Call) -> dict:
        token = self.tokens.get(call.params.get("input_token", ""))
        if token is None:
            raise GraphFailure(100, "(#100) The parameter input_token is required")
        return {
            "data": {
                "app_id": "1234567890",
                "type": token.kind,
                "application": "smmflow loopback",
                "data_access_expires_at": token.data_access_expires_at,
                "expires_at": token.expires_at,
                "is_valid": token.valid,
                "scopes": list(token.scopes),
                "profile_id" if token.kind == "PAGE" else "user_id": token.profile,
            }
        }

    def _fields(self, call: Call) -> list[str]:
        return [f for f in call.params.get("fields", "").split(",") if f]

    def _pick(self, node: dict, call: Call, default: tuple[str, ...]) -> dict:
        wanted = self._fields(call) or list(default)
        out = {"id": node["id"]}
        for name in wanted:
            if name not in node:
                raise GraphFailure(
                    100, f"(#100) Tried accessing nonexisting field ({name}) on node type"
                )
            out[name] = node[name]
        return out

    def _node(self, oid: str, call: Call, token: Token) -> dict:
        if oid in self.pages:
            return self._pick({"id": oid, **self.pages[oid]}, call, ("name",))
        if oid in self.ig_users:
            self._needs(token, "instagram_basic", code=10)
            user = self.ig_users[oid]
            return self._pick({"id": oid, "username": user["username"]}, call, ("username",))
        if oid in self.posts and not self.posts[oid]["deleted"]:
            return self._pick(self.posts[oid], call, ("created_time", "message"))
        if oid in self.videos and not self.videos[oid]["deleted"]:
            return self._pick(self.videos[oid], call, ("description",))
        if oid in self.photos:
            return self._pick(self.photos[oid], call, ("name",))
        if oid in self.containers:
            box = self.containers[oid]
            if box["status_code"] == "IN_PROGRESS":
                box["reads"] += 1
                if box["reads"] > box["polls"]:
                    box["status_code"], box["status"] = (
                        "FINISHED",
                        "Finished: Media has been uploaded and it is ready to be published.",
                    )
            return self._pick(box, call, ("id",))
        if oid in self.media:
            return self._pick(self.media[oid], call, ("id",))
        raise _unsupported("GET", oid)

    def _delete(self, oid: str, token: Token) -> dict:
        if oid in self.posts and not self.posts[oid]["deleted"]:
            self._needs(token, "pages_manage_posts")
            self.posts[oid]["deleted"] = True
            return {"success": True}
        if oid in self.videos and not self.videos[oid]["deleted"]:
            self.videos[oid]["deleted"] = True
            return {"success": True}
        raise _unsupported("DELETE", oid)  # Instagram media included: no delete

    # -- Facebook ----------------------------------------------------------------------
    def _page(self, owner: str, token: Token) -> dict:
        if owner not in self.pages:
            raise _unsupported("POST", owner)
        if token.profile != owner:
            raise GraphFailure(
                200, "(#200) The user hasn't authorized the application to perform this action"
            )
        self._needs(
            token,
            *FB_POST,
            message="(#200) If posting to a page, requires both pages_read_engagement and "
            "pages_manage_posts as an admin with sufficient administrative permission",
        )
        return self.pages[owner]

    def _new_post(self, page: str, call: Call, **extra) -> dict:
        number = self._id()
        post = {
            "id": f"{page}_{number}",
            "page": page,
            "message": call.params.get("message", ""),
            "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
            "permalink_url": f"https://www.facebook.com/{page}/posts/{number}",
            "deleted": False,
            "attached_media": [],
            "link": call.params.get("link", ""),
            **extra,
        }
        self.posts[post["id"]] = post
        return post

    def _duplicate(self, page: str, message: str) -> None:
        latest = self.live_posts(page)
        if message and latest and latest[-1]["message"] == message:
            raise GraphFailure(506, "(#506) Duplicate status message")

    def _feed(self, owner: str, call: Call, token: Token) -> dict:
        self._page(owner, token)
        message = call.params.get("message", "")
        attached = []
        for i in range(100):
            raw = call.params.get(f"attached_media[{i}]")
            if raw is None:
                break
            try:
                fbid = str(json.loads(raw)["media_fbid"])
            except (ValueError, KeyError, TypeError):
                raise GraphFailure(
                    100, "(#100) param attached_media must be an array of objects"
                ) from None
            photo = self.photos.get(fbid)
            if photo is None or photo["page"] != owner:
                raise _unsupported("POST", fbid)
            if photo["published"]:
                raise GraphFailure(100, "These photos were already posted.", 1366051)
            attached.append(fbid)
        if not message and not attached and not call.params.get("link"):
            raise GraphFailure(100, "(#100) Missing message or attachment")
        self._duplicate(owner, message)
        post = self._new_post(owner, call, attached_media=attached)
        for fbid in attached:
            self.photos[fbid].update(published=True, post_id=post["id"])
        return {"id": post["id"]}

    def _upload(self, call: Call, kinds: tuple[bytes, ...], what: str) -> tuple[str, bytes]:
        if "source" not in call.files:
            if "url" in call.params:
                raise GraphFailure(100, "this loopback server takes `source` uploads only")
            raise GraphFailure(324, "(#324) Requires upload file")
        filename, _, data = call.files["source"]
        if kinds and not data.startswith(kinds):
            raise GraphFailure(100, f"(#100) Invalid {what} file")
        return filename, data

    def _photo(self, owner: str, call: Call, token: Token) -> dict:
        self._page(owner, token)
        filename, data = self._upload(call, (JPEG, PNG), "image")
        published = call.params.get("published", "true").lower() != "false"
        photo_id = self._id()
        photo = {
            "id": photo_id,
            "page": owner,
            "filename": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "name": call.params.get("message") or call.params.get("caption", ""),
            "alt_text_custom": call.params.get("alt_text_custom", ""),
            "published": False,
            "post_id": "",
        }
        self.photos[photo_id] = photo
        if not published:
            return {"id": photo_id}
        self._duplicate(owner, photo["name"])
        post = self._new_post(owner, call, message=photo["name"], attached_media=[photo_id])
        photo.update(published=True, post_id=post["id"])
        return {"id": photo_id, "post_id": post["id"]}

    def _video(self, owner: str, call: Call, token: Token) -> dict:
        self._page(owner, token)
        filename, data = self._upload(call, (), "video")
        if data[4:8] != b"ftyp":
            raise GraphFailure(
                352,
                "(#352) Sorry, the video file you selected is in a format that we don't support.",
            )
        video_id = self._id()
        self.videos[video_id] = {
            "id": video_id,
            "page": owner,
            "filename": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "description": call.params.get("description", ""),
            "permalink_url": f"/{owner}/videos/{video_id}/",
            "deleted": False,
        }
        return {"id": video_id}

    # -- Instagram ---------------------------------------------------------------------
    def _ig(self, owner: str, token: Token) -> dict:
        if owner not in self.ig_users:
            raise _unsupported("POST", owner)
        if token.profile != owner:
            raise GraphFailure(10, "(#10) Application does not have permission for this action")
        self._needs(
            token,
            *IG_PUBLISH,
            code=10,
            message="(#10) Application does not have permission for this action",
        )
        return self.ig_users[owner]

    def _download(self, url: str, video: bool) -> bytes:
        """Fetch the media like Instagram's crawler does; refuse what is not a photo/video."""
        self.fetched.append(url)
        failure = GraphFailure(
            9004,
            "Only photo or video can be accepted as media type.",
            2207052,
            error_user_title="Media download has failed.",
            error_user_msg=f"The media could not be fetched from this uri: {url}",
        )
        if not url.startswith(("http://", "https://")):
            raise failure
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                data = answer.read()
        except (urllib.error.URLError, OSError, ValueError):
            raise failure from None
        if video and data[4:8] != b"ftyp":
            raise failure
        if not video and not data.startswith(JPEG):
            raise failure  # Instagram takes JPEG only
        return data

    def _container(self, owner: str, call: Call, token: Token) -> dict:
        self._ig(owner, token)
        p = call.params
        kind = p.get("media_type", "IMAGE")
        child = p.get("is_carousel_item", "").lower() == "true"
        caption = p.get("caption", "")
        if len(caption) > 2200:
            raise GraphFailure(100, "The caption is too long.", 2207010)
        box = {
            "id": self._id(),
            "user": owner,
            "media_type": kind,
            "caption": caption,
            "alt_text": p.get("alt_text", ""),
            "is_carousel_item": child,
            "children": [],
            "sha256": [],
            "status_code": "IN_PROGRESS",
            "status": "In Progress: Media is still being processed.",
            "reads": 0,
            "polls": self.polls,
            "published_as": "",
        }
        if kind == "CAROUSEL":
            ids = [c for c in p.get("children", "").split(",") if c]
            if not 2 <= len(ids) <= 10:
                raise GraphFailure(100, "(#100) The carousel needs 2 to 10 children")
            for cid in ids:
                item = self.containers.get(cid)
                if item is None or item["user"] != owner or not item["is_carousel_item"]:
                    raise _unsupported("POST", cid)
                if item["status_code"] != "FINISHED":
                    raise GraphFailure(9007, "Media ID is not available", 2207027)
            box["children"] = ids
            box["sha256"] = [s for cid in ids for s in self.containers[cid]["sha256"]]
        elif kind in ("REELS", "VIDEO"):
            if kind == "VIDEO" and not child:
                raise GraphFailure(
                    100, "(#100) media_type VIDEO is only for carousel items; use REELS"
                )
            if box["alt_text"]:
                raise GraphFailure(100, "(#100) alt_text is only supported for images")
            data = self._download(p.get("video_url", ""), video=True)
            box["sha256"] = [hashlib.sha256(data).hexdigest()]
            box["polls"] = self.video_polls
        elif kind == "IMAGE":
            data = self._download(p.get("image_url", ""), video=False)
            box["sha256"] = [hashlib.sha256(data).hexdigest()]
        else:
            raise GraphFailure(100, f"(#100) Invalid media_type {kind}")
        self.containers[box["id"]] = box
        return {"id": box["id"]}

    def _usage(self, owner: str) -> int:
        day = time.time() - 86400
        return sum(1 for m in self.media.values() if m["user"] == owner and m["created"] > day)

    def _publish(self, owner: str, call: Call, token: Token) -> dict:
        user = self._ig(owner, token)
        cid = call.params.get("creation_id", "")
        box = self.containers.get(cid)
        if box is None or box["user"] != owner or box["is_carousel_item"]:
            raise _unsupported("POST", cid)
        if box["status_code"] == "EXPIRED":
            raise GraphFailure(
                -2,
                "The media you are trying to access has expired. Please try to upload again.",
                2207020,
            )
        if box["status_code"] == "ERROR":
            raise GraphFailure(-1, "Create media fail, please try to re-create media", 2207032)
        if box["status_code"] == "IN_PROGRESS":
            raise GraphFailure(
                9007,
                "Media ID is not available",
                2207027,
                error_user_title="Media is not ready for publishing",
                error_user_msg="The media is not ready for publishing, please wait for a moment",
            )
        if box["status_code"] == "PUBLISHED":
            # Undocumented what Meta answers here; a refusal is the safe assumption.
            raise GraphFailure(9007, "Media ID is not available: it was published already", 2207027)
        if self._usage(owner) >= user["quota_total"]:
            raise GraphFailure(
                9,
                "Application request limit reached",
                2207042,
                error_user_title="Publishing limit reached",
                error_user_msg="You reached maximum number of posts that is allowed to be "
                "published by Content Publishing API.",
            )
        media_id = self._id()
        shortcode = hashlib.sha1(media_id.encode()).hexdigest()[:11]
        self.media[media_id] = {
            "id": media_id,
            "user": owner,
            "caption": box["caption"],
            "alt_text": box["alt_text"],
            "media_type": {"IMAGE": "IMAGE", "REELS": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}[
                box["media_type"]
            ],
            "children": list(box["children"]),
            "children_alt": [self.containers[c]["alt_text"] for c in box["children"]],
            "sha256": list(box["sha256"]),
            "container": cid,
            "permalink": f"https://www.instagram.com/p/{shortcode}/",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
            "created": time.time(),
        }
        box["status_code"], box["status"] = "PUBLISHED", "Published: Media has been published."
        box["published_as"] = media_id
        return {"id": media_id}

    def _media_list(self, owner: str, call: Call, token: Token) -> dict:
        if owner not in self.ig_users:
            raise _unsupported("GET", owner)
        self._needs(token, "instagram_basic", code=10)
        limit = int(call.params.get("limit") or 25)
        newest = sorted(self.live_media(owner), key=lambda m: m["created"], reverse=True)
        fields = self._fields(call) or ["id"]
        rows = [{k: m[k] for k in ("id", *fields) if k in m} for m in newest[:limit]]
        return {"data": rows, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}

    def _quota(self, owner: str, call: Call, token: Token) -> dict:
        if owner not in self.ig_users:
            raise _unsupported("GET", owner)
        total = self.ig_users[owner]["quota_total"]
        return {
            "data": [
                {
                    "config": {"quota_total": total, "quota_duration": 86400},
                    "quota_usage": self._usage(owner),
                }
            ]
        }

    # -- metrics -----------------------------------------------------------------------
    def _ids(self, call: Call, token: Token) -> dict:
        ids = [i for i in call.params["ids"].split(",") if i]
        if len(ids) > 50:
            raise GraphFailure(100, "(#100) Too many IDs. Maximum: 50.")
        fields = _split(call.params.get("fields", ""))
        gone = [i for i in ids if not self._exists(i)]
        if gone:  # Graph refuses the whole read and names them
            raise GraphFailure(
                803, f"(#803) Some of the aliases you requested do not exist: {','.join(gone)}"
            )
        return {oid: self._measured(oid, fields, token) for oid in ids}

    def _exists(self, oid: str) -> bool:
        post = self.posts.get(oid)
        return (
            (post is not None and not post["deleted"])
            or oid in self.media
            or oid in self.pages
            or oid in self.ig_users
        )

    def _measured(self, oid: str, fields: list[str], token: Token) -> dict:
        """One node with the fields asked, metrics included."""
        if oid in self.pages or oid in self.ig_users:
            owner = self.pages if oid in self.pages else self.ig_users
            self._needs(
                token, "pages_read_engagement" if oid in self.pages else "instagram_basic", code=10
            )
            node = {"id": oid, **owner[oid], "followers_count": self.followers.get(oid, 0)}
            return {"id": oid, **{f: node[f] for f in fields if f in node}}
        post = self.posts.get(oid)
        media = self.media.get(oid)
        if (post is None or post["deleted"]) and media is None:
            raise _unsupported("GET", oid)
        counts = self.engagement.get(oid, {})
        out: dict = {"id": oid}
        for spec in fields:
            name = spec.split(".")[0].split("(")[0]
            if post is not None and name in ("reactions", "comments"):
                out[name] = {"data": [], "summary": {"total_count": counts.get(name, 0)}}
            elif post is not None and name == "shares":
                if counts.get("shares"):
                    out["shares"] = {"count": counts["shares"]}
            elif media is not None and name in ("like_count", "comments_count"):
                out[name] = counts.get("likes" if name == "like_count" else "comments", 0)
            elif name == "insights":
                out["insights"] = self._insights(oid, spec, post is not None, counts, token)
            else:
                raise GraphFailure(
                    100, f"(#100) Tried accessing nonexisting field ({name}) on node type"
                )
        return out

    def _insights(self, oid: str, spec: str, page_post: bool, counts: dict, token: Token) -> dict:
        match = re.search(r"\.metric\(([^)]*)\)", spec)
        metrics = [m for m in (match.group(1) if match else "").split(",") if m]
        if page_post:
            self._needs(
                token, "read_insights", code=10, message="(#10) Requires read_insights permission"
            )
            known = {"post_media_view": "views", "post_total_media_view_unique": "reach"}
        else:
            self._needs(
                token,
                "instagram_manage_insights",
                code=10,
                message="(#10) Application does not have permission for this action (instagram_manage_insights)",
            )
            known = {"reach": "reach", "saved": "saves", "views": "views"}
        for metric in metrics:
            if metric not in known:
                raise GraphFailure(
                    100, f"(#100) The value must be a valid insights metric: {metric}"
                )
        data = [
            {
                "name": m,
                "period": "lifetime",
                "values": [{"value": counts.get(known[m], 0)}],
                "title": m,
                "id": f"{oid}/insights/{m}/lifetime",
            }
            for m in metrics
        ]
        return {"data": data}

    # -- test helpers ------------------------------------------------------------------
    def set_container(self, cid: str, status_code: str, status: str = "") -> None:
        with self.lock:
            self.containers[cid].update(status_code=status_code, status=status or status_code)


def _split(fields: str) -> list[str]:
    """`a,b.c(d,e),f` → [a, b.c(d,e), f]: commas inside parentheses do not split."""
    found, depth, start = [], 0, 0
    for i, char in enumerate(fields):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            found.append(fields[start:i])
            start = i + 1
    found.append(fields[start:])
    return [f.strip() for f in found if f.strip()]


METRIC_FIELDS = (
    "reactions",
    "comments",
    "shares",
    "insights",
    "like_count",
    "comments_count",
    "followers_count",
)


def _wants_metrics(call: Call) -> bool:
    return any(
        f.split(".")[0].split("(")[0] in METRIC_FIELDS
        for f in _split(call.params.get("fields", ""))
    )


class StaticSite:
    """A loopback web server for a folder: the "public URL" Instagram downloads from."""

    def __init__(self, root: Path):
        self.root = root

    def start(self) -> StaticSite:
        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

        handler = partial(Quiet, directory=str(self.root))
        self.server = listen(handler)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        close(self.server)


def jpeg(seed: int = 0) -> bytes:
    """Bytes that start and end like a JPEG, with CR/LF and NUL inside: a multipart upload
    or a download that mangles binary data shows up as a different SHA-256."""
    middle = bytes((seed + i * 37) % 256 for i in range(700)) + b"\r\n--\r\n\x00"
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + middle + b"\xff\xd9"


def mp4(seed: int = 0) -> bytes:
    """Bytes with an MP4 `ftyp` box up front (all the servers check)."""
    return b"\x00\x00\x00\x18ftypmp42" + bytes((seed + i) % 256 for i in range(500))
