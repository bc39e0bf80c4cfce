"""A loopback LinkedIn (Community Management API, organization pages), written from
LinkedIn's versioned REST docs (learn.microsoft.com/linkedin/marketing/community-management:
shares/posts-api, images-api, videos-api, little-text-format, comments-api;
organizations/organization-access-control-by-role, share-statistics,
organization-network-size; shared/api-guide/concepts/error-handling, rate-limits,
versioning; shared/authentication/token-introspection) and the error bodies LinkedIn is
seen answering in public issue trackers (n8n #28967, composio #4320, postiz #2005 and
client code quoting them).

What it does like LinkedIn:

- `https://api.linkedin.com/rest/...` is `server.api`; every call there needs
  `Authorization: Bearer`, `LinkedIn-Version: YYYYMM[.RR]` and `X-Restli-Protocol-Version:
  2.0.0`. A version outside [`oldest_version`, this month] answers 426 `{"status":426,
  "code":"NONEXISTENT_VERSION","message":"Requested version 20250101 is not active"}` (the
  real text; LinkedIn names YYYYMM as YYYYMM01). URNs in paths are URL-encoded.
- Errors are `{"status", "serviceErrorCode", "code", "message"}`: 401 `Empty
  oauth2_access_token` / 65600 INVALID_ACCESS_TOKEN / 65601 REVOKED_ACCESS_TOKEN / 65602
  EXPIRED_ACCESS_TOKEN; 403 ACCESS_DENIED "Not enough permissions to access:
  partnerApiPostsExternal.CREATE.20260101" (missing scope, or no page role for the
  organization); 422 DUPLICATE_POST "Content is a duplicate of urn:li:share:N" for the same
  commentary by the same author within `duplicate_window`; 429 with serviceErrorCode 101
  "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."
  and no Retry-After or rate-limit header (the rate-limits doc publishes none).
- `POST /rest/posts` (author `urn:li:organization:N`, `commentary` in little text,
  visibility, distribution, lifecycleState PUBLISHED|DRAFT, content.media / multiImage
  (2-20) / article) answers 201, empty body, `x-restli-id: urn:li:share:N` (text, single
  image, article) or `urn:li:ugcPost:N` (video, multiImage). Commentary over 3,000 UTF-16
  units is refused; an unescaped reserved little character cuts the stored text there
  (see little.py). `GET /rest/posts/{urn}`, the author finder `GET /rest/posts?q=author&
  author=...&start&count&sortBy` (newest first, DRAFTs and deleted posts left out),
  `POST /rest/posts/{urn}` with `X-RestLi-Method: PARTIAL_UPDATE` and `{"patch": {"$set":
  {"commentary": ...}}}` (204), `DELETE /rest/posts/{urn}` (204, again 204 once deleted:
  "Post deletions are idempotent").
- Images: `POST /rest/images?action=initializeUpload` → uploadUrl + `urn:li:image:...`;
  `PUT uploadUrl` (201); `GET /rest/images/{urn}` WAITING_UPLOAD → PROCESSING (for
  `image_polls` reads) → AVAILABLE, or PROCESSING_FAILED for bytes that are no JPEG/PNG/GIF.
- Videos: `POST /rest/videos?action=initializeUpload` (fileSizeBytes 75 KB-500 MB) →
  uploadInstructions in `video_part_size` byte ranges (4 MiB, as LinkedIn splits) and an
  uploadToken; `PUT` each part (exact length, answers an `ETag`); `POST
  /rest/videos?action=finalizeUpload` with the ETags in order; `GET /rest/videos/{urn}`
  PROCESSING (`video_polls` reads) → AVAILABLE, PROCESSING_FAILED if the bytes are no MP4.
- `GET /rest/organizationAcls?q=roleAssignee[&role=][&state=]`, comments
  (`POST|GET /rest/socialActions/{urn}/comments`, `DELETE .../comments/{id}?actor=`),
  `GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&
  organizationalEntity=...[&shares=List(...)][&ugcPosts=List(...)]` (lifetime totals;
  needs an ADMINISTRATOR role), `GET /rest/networkSizes/{org}?edgeType=
  COMPANY_FOLLOWED_BY_MEMBER` → firstDegreeSize.
- `POST /oauth/v2/introspectToken` (`server.oauth`; client_id, client_secret, token) →
  active, status active|expired|revoked, expires_at (tokens live 60 days by default).

State to read back: `posts` (with `text`, what a reader sees, and `sent`, the commentary as
sent), `images` / `videos` (bytes' sha256, owner, status), `comments`, `calls`.
`view(urn)` gives a post as a reader sees it (text, image hashes and alt texts, article).

Faults: `server.fail(method, path_regex, kind, when="before"|"after", skip=0)`; kind
"429" (bare throttle), "500", "503" (JSON), "502" (an HTML gateway page), "401" (expired
token), "403" (ACCESS_DENIED), "reset" (connection dropped), "slow" (answered after
`server.slow` seconds). "after" does the work first (the post exists) and then fails.
`finder_lag` hides a new post from that many author-finder reads (search lag).

What it does not do, or does on a guess (unconfirmed): the exact body for a missing
LinkedIn-Version (400 VERSION_MISSING) or X-Restli-Protocol-Version (400); the 3,000 limit
unit and the FIELD_LENGTH_TOO_LONG/422 body shapes for missing fields; which URN kind a
post gets; the duplicate window; comments' activity URNs (`urn:li:activity:N` with the
post's number) and `x-restli-id` of a comment (its comment URN); PROCESSING media accepted
in a post; alt text limit 4,086; no pixel-size, duration, document, poll, DSC or
`timeIntervals` support; the upload URL does not check the Bearer token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

try:
    from .little import render
except ImportError:  # imported as a top-level module
    from little import render

MAX_COMMENTARY = 3000
MAX_COMMENT = 1250
MAX_ALT = 4086
VIDEO_MIN, VIDEO_MAX = 75 * 1024, 500 * 1024 * 1024
POSTER_ROLES = ("ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "CONTENT_ADMINISTRATOR")
ORG_SCOPES = ("w_organization_social", "r_organization_social", "rw_organization_admin")
SIXTY_DAYS = 60 * 86400
_VERSION = re.compile(r"^(\d{6})(?:\.(\d{2}))?$")
_ORG = re.compile(r"^urn:li:organization:\d+$")
_POST_URN = re.compile(r"^urn:li:(share|ugcPost):(\d+)$")
THROTTLE = "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."


class LinkedInError(Exception):
    def __init__(self, status: int, message: str, code: str = "", service: int | None = None):
        super().__init__(message)
        self.status = status
        self.body: dict = {"status": status}
        if service is not None:
            self.body["serviceErrorCode"] = service
        if code:
            self.body["code"] = code
        self.body["message"] = message


def _unprocessable(path: str, what: str = "field is required but not found") -> LinkedInError:
    return LinkedInError(422, f"ERROR :: {path} :: {what}", "UNPROCESSABLE_ENTITY", 100)


@dataclass
class Member:
    """An access token: whose it is, its scopes, when it expires."""

    token: str
    person: str
    scopes: tuple[str, ...] = ORG_SCOPES
    expires_at: int = 0
    created_at: int = 0
    revoked: bool = False
    client_id: str = "78loopbackclient"


@dataclass
class Call:
    method: str
    path: str  # decoded path, e.g. /rest/posts/urn:li:share:1
    raw_path: str  # as sent, e.g. /rest/posts/urn%3Ali%3Ashare%3A1
    params: dict  # query string, last value wins
    headers: dict  # lower-case names
    body: bytes
    json: object = None


@dataclass
class Fault:
    method: str
    pattern: str
    kind: str
    when: str = "before"
    skip: int = 0


@dataclass
class LinkedInServer:
    orgs: dict[str, dict] = field(default_factory=dict)  # urn -> {"name", "followers"}
    members: dict[str, Member] = field(default_factory=dict)  # token -> Member
    acls: list[dict] = field(default_factory=list)
    clients: dict[str, str] = field(default_factory=lambda: {"78loopbackclient": "s3cret"})
    posts: dict[str, dict] = field(default_factory=dict)
    images: dict[str, dict] = field(default_factory=dict)
    videos: dict[str, dict] = field(default_factory=dict)
    comments: dict[str, list[dict]] = field(default_factory=dict)  # post urn -> comments
    stats: dict[str, dict] = field(default_factory=dict)  # post urn -> counts
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    oldest_version: str = "202601"
    duplicate_window: float = 3600.0
    image_polls: int = 1
    video_polls: int = 2
    video_part_size: int = 4 * 1024 * 1024
    finder_lag: int = 0
    slow: float = 3.0
    clock: float = 0.0  # seconds added to time.time()
    lock: threading.RLock = field(default_factory=threading.RLock)
    _next: int = 0

    # -- setup ---------------------------------------------------------------------------
    def add_org(self, number: int | str, name: str, followers: int = 0) -> str:
        urn = f"urn:li:organization:{number}"
        self.orgs[urn] = {"name": name, "followers": followers}
        return urn

    def add_member(
        self, token: str, person: str, roles: dict[str, str] | None = None, **kw
    ) -> Member:
        """A member with `roles` ({org urn: role}) and a token valid 60 days unless told."""
        now = int(self.now())
        kw.setdefault("created_at", now)
        kw.setdefault("expires_at", now + SIXTY_DAYS)
        self.members[token] = Member(token, person, **kw)
        for org, role in (roles or {}).items():
            self.acls.append({"roleAssignee": person, "organization": org, "role": role})
            self.acls[-1]["state"] = "APPROVED"
        return self.members[token]

    def fail(self, method: str, pattern: str, kind: str, when: str = "before", skip: int = 0):
        with self.lock:
            self.faults.append(Fault(method, pattern, kind, when, skip))

    def add_comment(self, target: str, actor: str, text: str) -> dict:
        """A comment written by someone else (a member of the public)."""
        with self.lock:
            return self._new_comment(target, actor, text)

    def now(self) -> float:
        return time.time() + self.clock

    def _id(self) -> int:
        self._next += 1
        return 7_400_000_000_000_000_000 + self._next

    # -- reading back --------------------------------------------------------------------
    def live_posts(self, author: str | None = None) -> list[dict]:
        return [
            p
            for p in self.posts.values()
            if not p["deleted"] and (author is None or p["author"] == author)
        ]

    def view(self, urn: str) -> dict:
        """A post as a reader sees it."""
        post = self.posts[urn]
        content = post.get("content") or {}
        items = content.get("multiImage", {}).get("images") or (
            [content["media"]] if "media" in content else []
        )
        media = [
            {
                "id": m["id"],
                "alt": m.get("altText", ""),
                "sha256": (self.images.get(m["id"]) or self.videos.get(m["id"]) or {}).get(
                    "sha256", ""
                ),
            }
            for m in items
        ]
        return {"text": post["text"], "media": media, "article": content.get("article")}

    def of(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.search(pattern, c.path)]

    # -- serving -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api(self) -> str:
        return self.url + "/rest"

    @property
    def oauth(self) -> str:
        return self.url + "/oauth/v2"

    def __enter__(self) -> LinkedInServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def start(self) -> LinkedInServer:
        state = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body, headers: dict | None = None) -> None:
                kind = "application/json"
                if isinstance(body, bytes):
                    raw, kind = body, "text/html"
                else:
                    raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if raw:
                    self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("X-RestLi-Protocol-Version", "2.0.0")
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

            def _drop(self) -> None:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.connection.close()
                self.close_connection = True

            def _fault(self, kind: str) -> None:
                if kind == "reset":
                    return self._drop()
                self._send(*_fault_answer(kind))

            def _handle(self) -> None:
                call = _parse(self)
                with state.lock:
                    state.calls.append(call)
                    fault = state._take_fault(call)
                if fault and fault.when == "before" and fault.kind != "slow":
                    return self._fault(fault.kind)
                try:
                    with state.lock:
                        answer = state.route(call)
                except LinkedInError as exc:
                    answer = (exc.status, exc.body, {})
                if fault and fault.kind == "slow":
                    time.sleep(state.slow)
                elif fault:
                    return self._fault(fault.kind)
                self._send(*answer)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

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
    def route(self, call: Call) -> tuple[int, object, dict]:
        if call.path == "/oauth/v2/introspectToken" and call.method == "POST":
            return self._introspect(call)
        if call.path.startswith("/dms-uploads/") and call.method == "PUT":
            return self._upload(call)
        if not call.path.startswith("/rest/"):
            raise LinkedInError(404, "No virtual resource found", "NOT_FOUND", 0)
        version = self._version(call)
        member = self._member(call)
        parts = [unquote(p) for p in call.raw_path.split("?")[0].split("/")[2:] if p]
        resource, key = parts[0], parts[1] if len(parts) > 1 else None
        handler = {
            "posts": self._posts,
            "images": self._images,
            "videos": self._videos,
            "organizationAcls": self._acls,
            "socialActions": self._social,
            "organizationalEntityShareStatistics": self._share_stats,
            "networkSizes": self._network_size,
        }.get(resource)
        if handler is None:
            raise LinkedInError(404, "No virtual resource found", "NOT_FOUND", 0)
        return handler(call, member, version, key, parts[2:])

    def _version(self, call: Call) -> str:
        if "linkedin-version" not in call.headers:
            raise LinkedInError(
                400,
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
                "VERSION_MISSING",
            )
        raw = call.headers["linkedin-version"].strip()
        found = _VERSION.match(raw)
        named = (
            f"{found.group(1)}01" + (f".{found.group(2)}" if found.group(2) else "")
            if found
            else raw
        )
        newest = dt.datetime.fromtimestamp(self.now(), dt.timezone.utc).strftime("%Y%m")
        if not found or not self.oldest_version <= found.group(1) <= newest:
            raise LinkedInError(
                426, f"Requested version {named} is not active", "NONEXISTENT_VERSION"
            )
        if call.headers.get("x-restli-protocol-version") != "2.0.0":
            raise LinkedInError(
                400, "X-Restli-Protocol-Version 2.0.0 is required for versioned APIs"
            )
        return f"{found.group(1)}01"

    def _member(self, call: Call) -> Member:
        auth = call.headers.get("authorization", "")
        if not auth.strip():
            raise LinkedInError(401, "Empty oauth2_access_token", "", 401)
        scheme, _, token = auth.partition(" ")
        if scheme != "Bearer":
            raise LinkedInError(401, "Unknown authentication scheme", "", 401)
        member = self.members.get(token.strip())
        if member is None:
            raise LinkedInError(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        if member.revoked:
            raise LinkedInError(
                401,
                "The token used in the request has been revoked by the user",
                "REVOKED_ACCESS_TOKEN",
                65601,
            )
        if member.expires_at and member.expires_at <= self.now():
            raise LinkedInError(
                401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65602
            )
        return member

    def _denied(self, what: str, version: str) -> LinkedInError:
        return LinkedInError(
            403, f"Not enough permissions to access: {what}.{version}", "ACCESS_DENIED", 100
        )

    def _may_act(self, member: Member, author: str, scope: str, roles=POSTER_ROLES) -> bool:
        if author == member.person:
            return scope.replace("organization", "member") in member.scopes
        return scope in member.scopes and any(
            a["roleAssignee"] == member.person
            and a["organization"] == author
            and a["role"] in roles
            and a["state"] == "APPROVED"
            for a in self.acls
        )

    # -- posts ---------------------------------------------------------------------------
    def _posts(self, call, member, version, key, rest):
        api = "partnerApiPostsExternal"
        if key is None and call.method == "POST":
            return self._create_post(call, member, version)
        if key is None and call.method == "GET":
            if call.params.get("q") != "author":
                raise LinkedInError(400, "Invalid query parameters passed to request", "", 0)
            return self._find_posts(call, member, version)
        post = self.posts.get(key or "")
        if call.method == "DELETE":
            if post is None:
                raise LinkedInError(404, f"Post {key} does not exist", "NOT_FOUND", 0)
            if not self._may_act(member, post["author"], "w_organization_social"):
                raise self._denied(f"{api}.DELETE", version)
            post["deleted"] = True
            return 204, None, {}
        if post is None or post["deleted"]:
            raise LinkedInError(404, f"Post {key} does not exist", "NOT_FOUND", 0)
        if call.method == "GET":
            if not self._may_act(member, post["author"], "r_organization_social"):
                raise self._denied(f"{api}.GET", version)
            return 200, _public(post), {}
        if call.method == "POST":
            if call.headers.get("x-restli-method", "").upper() != "PARTIAL_UPDATE":
                raise LinkedInError(400, "POST to an entity needs X-RestLi-Method: PARTIAL_UPDATE")
            if not self._may_act(member, post["author"], "w_organization_social"):
                raise self._denied(f"{api}.PARTIAL_UPDATE", version)
            return self._update_post(post, call)
        raise LinkedInError(405, "Method not allowed")

    def _create_post(self, call: Call, member: Member, version: str):
        body = _object(call)
        for name in ("author", "visibility", "distribution", "lifecycleState"):
            if name not in body:
                raise _unprocessable(f"/{name}")
        author = body["author"]
        if not (_ORG.match(str(author)) or author == member.person):
            raise _unprocessable("/author", f"invalid author {author}")
        if not self._may_act(member, author, "w_organization_social"):
            raise self._denied("partnerApiPostsExternal.CREATE", version)
        if body["lifecycleState"] not in ("PUBLISHED", "DRAFT"):
            raise _unprocessable("/lifecycleState", f"invalid value {body['lifecycleState']}")
        allowed = ("PUBLIC",) if _ORG.match(author) else ("PUBLIC", "CONNECTIONS", "LOGGED_IN")
        if body["visibility"] not in allowed:
            raise _unprocessable("/visibility", f"{body['visibility']} is not allowed for {author}")
        dist = body["distribution"]
        if not isinstance(dist, dict) or dist.get("feedDistribution") not in ("MAIN_FEED", "NONE"):
            raise _unprocessable("/distribution/feedDistribution")
        commentary = body.get("commentary", "")
        if not isinstance(commentary, str):
            raise _unprocessable("/commentary", "expected a string")
        _check_length(commentary)
        content, kind = self._content(body.get("content"), author)
        shown = render(commentary)
        stored = commentary[: shown.cut_at] if shown.cut else commentary
        self._duplicate(author, stored, content)
        number, now = self._id(), int(self.now() * 1000)
        urn = f"urn:li:{kind}:{number}"
        self.posts[urn] = {
            "id": urn,
            "author": author,
            "commentary": stored,
            "sent": commentary,
            "text": shown.text,
            "cut": shown.cut,
            "visibility": body["visibility"],
            "distribution": dist,
            "lifecycleState": body["lifecycleState"],
            "isReshareDisabledByAuthor": bool(body.get("isReshareDisabledByAuthor", False)),
            "content": content,
            "createdAt": now,
            "lastModifiedAt": now,
            "publishedAt": now,
            "edited": False,
            "deleted": False,
            "edits": [],
            "hidden_reads": self.finder_lag,
        }
        return 201, None, {"x-restli-id": urn}

    def _content(self, content, author: str) -> tuple[dict | None, str]:
        if content is None:
            return None, "share"
        if not isinstance(content, dict) or len(content) != 1:
            raise _unprocessable("/content", "exactly one of media, multiImage, article")
        ((name, value),) = content.items()
        if name == "media":
            media = self._media_ref(value, author, "/content/media", video_ok=True)
            return {"media": media}, "ugcPost" if media["id"].startswith(
                "urn:li:video:"
            ) else "share"
        if name == "multiImage":
            images = value.get("images") if isinstance(value, dict) else None
            if not isinstance(images, list) or not 2 <= len(images) <= 20:
                raise _unprocessable("/content/multiImage/images", "needs 2 to 20 images")
            refs = [
                self._media_ref(img, author, f"/content/multiImage/images/{i}", video_ok=False)
                for i, img in enumerate(images)
            ]
            return {"multiImage": {"images": refs}}, "ugcPost"
        if name == "article":
            return {"article": self._article(value, author)}, "share"
        raise LinkedInError(400, f"content type {name} is not supported by this loopback server")

    def _media_ref(self, ref, author: str, where: str, video_ok: bool) -> dict:
        if not isinstance(ref, dict) or "id" not in ref:
            raise _unprocessable(f"{where}/id")
        urn = ref["id"]
        table = self.videos if urn.startswith("urn:li:video:") and video_ok else self.images
        item = table.get(urn)
        if item is None or item["owner"] != author:
            raise LinkedInError(
                400,
                f"{where}/id: {urn} does not exist or is not owned by {author}",
                "INVALID_CONTENT",
            )
        if item["status"] in ("WAITING_UPLOAD", "PROCESSING_FAILED"):
            raise LinkedInError(
                400, f"{where}/id: {urn} is in status {item['status']}", "INVALID_CONTENT"
            )
        alt = ref.get("altText", "")
        if urn in self.videos and alt:
            raise _unprocessable(f"{where}/altText", "alt text is for images only")
        if len(alt) > MAX_ALT:
            raise _unprocessable(f"{where}/altText", f"length exceeds {MAX_ALT}")
        return {k: v for k, v in ref.items() if k in ("id", "altText", "title")}

    def _article(self, value, author: str) -> dict:
        if not isinstance(value, dict):
            raise _unprocessable("/content/article")
        for name in ("source", "title"):
            if not value.get(name):
                raise _unprocessable(f"/content/article/{name}")
        if not re.match(r"^https?://\S+$", value["source"]):
            raise _unprocessable("/content/article/source", "not a valid URL")
        if value.get("thumbnail"):
            self._media_ref({"id": value["thumbnail"]}, author, "/content/article/thumbnail", False)
        keys = ("source", "title", "description", "thumbnail", "thumbnailAltText")
        return {k: value[k] for k in keys if k in value}

    def _duplicate(self, author: str, commentary: str, content) -> None:
        since = self.now() * 1000 - self.duplicate_window * 1000
        for post in self.live_posts(author):
            if (
                commentary
                and post["commentary"] == commentary
                and post["content"] == content
                and post["createdAt"] >= since
                and post["lifecycleState"] == "PUBLISHED"
            ):
                raise LinkedInError(
                    422, f"Content is a duplicate of {post['id']}", "DUPLICATE_POST"
                )

    def _update_post(self, post: dict, call: Call):
        patch = _object(call).get("patch", {})
        fields = patch.get("$set") if isinstance(patch, dict) else None
        if not isinstance(fields, dict) or not fields:
            raise LinkedInError(400, 'PARTIAL_UPDATE needs {"patch": {"$set": {...}}}')
        unknown = set(fields) - {"commentary", "contentCallToActionLabel", "contentLandingPage"}
        if unknown:
            raise _unprocessable(f"/{sorted(unknown)[0]}", "field cannot be updated")
        if "commentary" in fields:
            commentary = fields["commentary"]
            _check_length(commentary)
            shown = render(commentary)
            post["edits"].append(post["commentary"])
            post["commentary"] = commentary[: shown.cut_at] if shown.cut else commentary
            post.update(sent=commentary, text=shown.text, cut=shown.cut, edited=True)
        post["lastModifiedAt"] = int(self.now() * 1000)
        return 204, None, {}

    def _find_posts(self, call: Call, member: Member, version: str):
        author = call.params.get("author", "")
        if not self._may_act(member, author, "r_organization_social"):
            raise self._denied("partnerApiPostsExternal.FINDER-author", version)
        start, count = _paging(call, default=10)
        order = "createdAt" if call.params.get("sortBy") == "CREATED" else "lastModifiedAt"
        found = []
        for post in self.live_posts(author):
            if post["lifecycleState"] != "PUBLISHED":
                continue
            if post["hidden_reads"] > 0:
                post["hidden_reads"] -= 1
                continue
            found.append(post)
        found.sort(key=lambda p: (p[order], p["id"]), reverse=True)
        page = [_public(p) for p in found[start : start + count]]
        return 200, {"paging": _page_info(call, start, count, len(found)), "elements": page}, {}

    # -- images and videos ---------------------------------------------------------------
    def _owner(self, body: dict, member: Member, version: str, what: str) -> dict:
        request = body.get("initializeUploadRequest")
        if not isinstance(request, dict) or "owner" not in request:
            raise _unprocessable("/initializeUploadRequest/owner")
        if not self._may_act(member, request["owner"], "w_organization_social"):
            raise self._denied(f"{what}.ACTION-initializeUpload", version)
        return request

    def _images(self, call, member, version, key, rest):
        if (
            key is None
            and call.method == "POST"
            and call.params.get("action") == "initializeUpload"
        ):
            request = self._owner(_object(call), member, version, "partnerApiImages")
            tag = hashlib.sha1(str(self._id()).encode()).hexdigest()[:22]
            urn = f"urn:li:image:D4E10AQ{tag}"
            self.images[urn] = {
                "id": urn,
                "owner": request["owner"],
                "status": "WAITING_UPLOAD",
                "upload_key": tag,
                "sha256": "",
                "size": 0,
                "reads": 0,
            }
            upload = f"{self.url}/dms-uploads/sp/v2/{tag}/uploaded-image/0?ca=vector_feedshare&cn=uploads&v=beta"
            expires = int(self.now() * 1000) + 86_400_000
            return (
                200,
                {"value": {"uploadUrlExpiresAt": expires, "uploadUrl": upload, "image": urn}},
                {},
            )
        image = self.images.get(key or "")
        if call.method == "GET" and image is not None:
            if not any(s in member.scopes for s in ORG_SCOPES):
                raise self._denied("partnerApiImages.GET", version)
            _advance(image, self.image_polls)
            body = {"owner": image["owner"], "status": image["status"], "id": image["id"]}
            if image["status"] == "AVAILABLE":
                body["downloadUrl"] = f"{self.url}/dms/image/{image['upload_key']}"
            return 200, body, {}
        raise LinkedInError(404, f"Image {key} does not exist", "NOT_FOUND", 0)

    def _videos(self, call, member, version, key, rest):
        action = call.params.get("action")
        if key is None and call.method == "POST" and action == "initializeUpload":
            return self._video_init(call, member, version)
        if key is None and call.method == "POST" and action == "finalizeUpload":
            return self._video_finalize(call)
        video = self.videos.get(key or "")
        if call.method == "GET" and video is not None:
            _advance(video, self.video_polls)
            return 200, {"owner": video["owner"], "status": video["status"], "id": video["id"]}, {}
        raise LinkedInError(404, f"Video {key} does not exist", "NOT_FOUND", 0)

    def _video_init(self, call: Call, member: Member, version: str):
        request = self._owner(_object(call), member, version, "partnerApiVideos")
        size = request.get("fileSizeBytes")
        if not isinstance(size, int) or isinstance(size, bool):
            raise _unprocessable("/initializeUploadRequest/fileSizeBytes")
        if not VIDEO_MIN <= size <= VIDEO_MAX:
            raise LinkedInError(
                400,
                f"fileSizeBytes {size} is outside {VIDEO_MIN}..{VIDEO_MAX}",
                "INVALID_FILE_SIZE",
            )
        tag = hashlib.sha1(str(self._id()).encode()).hexdigest()[:22]
        urn = f"urn:li:video:D5610AQ{tag}"
        ranges = [
            (a, min(a + self.video_part_size, size) - 1)
            for a in range(0, size, self.video_part_size)
        ]
        token = "" if len(ranges) == 1 else f"ut{tag}"
        self.videos[urn] = {
            "id": urn,
            "owner": request["owner"],
            "status": "WAITING_UPLOAD",
            "size": size,
            "ranges": ranges,
            "parts": {},
            "etags": {},
            "token": token,
            "sha256": "",
            "reads": 0,
        }
        instructions = [
            {
                "uploadUrl": f"{self.url}/dms-uploads/sp/v2/{tag}/uploadedVideo?part={i}&cn=uploads_secure",
                "lastByte": last,
                "firstByte": first,
            }
            for i, (first, last) in enumerate(ranges)
        ]
        value = {
            "uploadUrlsExpireAt": int(self.now() * 1000) + 86_400_000,
            "video": urn,
            "uploadInstructions": instructions,
            "uploadToken": token,
        }
        return 200, {"value": value}, {}

    def _video_finalize(self, call: Call):
        request = _object(call).get("finalizeUploadRequest")
        if not isinstance(request, dict):
            raise _unprocessable("/finalizeUploadRequest")
        video = self.videos.get(request.get("video", ""))
        if video is None:
            raise LinkedInError(404, f"Video {request.get('video')} does not exist", "NOT_FOUND", 0)
        if request.get("uploadToken", None) != video["token"]:
            raise LinkedInError(
                400, "uploadToken does not match the upload", "INVALID_UPLOAD_TOKEN"
            )
        expected = [video["etags"].get(i) for i in range(len(video["ranges"]))]
        if None in expected or request.get("uploadedPartIds") != expected:
            raise LinkedInError(
                400, "uploadedPartIds do not match the uploaded parts", "INVALID_PART_IDS"
            )
        data = b"".join(video["parts"][i] for i in range(len(video["ranges"])))
        video.update(sha256=hashlib.sha256(data).hexdigest(), reads=0)
        video["status"] = "PROCESSING" if data[4:8] == b"ftyp" else "PROCESSING_FAILED"
        return 200, None, {}

    def _upload(self, call: Call):
        parts = call.path.split("/")
        tag = parts[4] if len(parts) > 4 else ""
        for image in self.images.values():
            if image["upload_key"] == tag:
                ok = call.body.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8"))
                image.update(
                    bytes=call.body,
                    size=len(call.body),
                    reads=0,
                    sha256=hashlib.sha256(call.body).hexdigest(),
                    status="PROCESSING" if ok else "PROCESSING_FAILED",
                )
                return 201, None, {}
        for video in self.videos.values():
            if video["id"].endswith(tag) and video["status"] == "WAITING_UPLOAD":
                index = int(call.params.get("part", "-1"))
                if not 0 <= index < len(video["ranges"]):
                    raise LinkedInError(400, "Unknown upload part")
                first, last = video["ranges"][index]
                if len(call.body) != last - first + 1:
                    raise LinkedInError(
                        400, f"Part {index} must be {last - first + 1} bytes, got {len(call.body)}"
                    )
                video["parts"][index] = call.body
                etag = (
                    "/ambry-video/signedId/"
                    + hashlib.sha1(call.body).hexdigest()[:24]
                    + f"-{index}"
                )
                video["etags"][index] = etag
                return 200, None, {"ETag": etag}
        raise LinkedInError(404, "Upload not found")

    # -- organizations, comments, statistics ---------------------------------------------
    def _acls(self, call, member, version, key, rest):
        if call.params.get("q") != "roleAssignee":
            raise LinkedInError(400, "Invalid query parameters passed to request", "", 0)
        if not any(s in member.scopes for s in ORG_SCOPES):
            raise self._denied("organizationAcls.FINDER-roleAssignee", version)
        mine = [
            a
            for a in self.acls
            if a["roleAssignee"] == member.person
            and call.params.get("role", a["role"]) == a["role"]
            and call.params.get("state", a["state"]) == a["state"]
        ]
        start, count = _paging(call, default=10)
        return (
            200,
            {
                "paging": _page_info(call, start, count, len(mine)),
                "elements": [dict(a) for a in mine[start : start + count]],
            },
            {},
        )

    def _social(self, call, member, version, key, rest):
        if not rest or rest[0] != "comments":
            raise LinkedInError(404, "No virtual resource found", "NOT_FOUND", 0)
        post, target = self._target(key or "")
        if call.method == "GET":
            if not self._may_act(member, post["author"], "r_organization_social"):
                raise self._denied("partnerApiSocialActions.GET_ALL", version)
            mine = [
                c
                for c in self.comments.get(post["id"], [])
                if c["parent"] == target and not c["deleted"]
            ]
            start, count = _paging(call, default=10)
            page = [_public_comment(c) for c in mine[start : start + count]]
            return 200, {"paging": _page_info(call, start, count, len(mine)), "elements": page}, {}
        if call.method == "POST":
            body = _object(call)
            actor, text = body.get("actor", ""), (body.get("message") or {}).get("text")
            if not actor or not isinstance(text, str):
                raise _unprocessable("/actor" if not actor else "/message/text")
            if not self._may_act(member, actor, "w_organization_social"):
                raise self._denied("partnerApiSocialActions.CREATE", version)
            if len(text.encode("utf-16-le")) // 2 > MAX_COMMENT:
                raise _unprocessable("/message/text", f"length exceeds {MAX_COMMENT}")
            comment = self._new_comment(target, actor, text)
            return 201, _public_comment(comment), {"x-restli-id": comment["commentUrn"]}
        if call.method == "DELETE" and len(rest) == 2:
            for comment in self.comments.get(post["id"], []):
                if comment["id"] == rest[1] and not comment["deleted"]:
                    if not self._may_act(
                        member, call.params.get("actor", ""), "w_organization_social"
                    ):
                        raise self._denied("partnerApiSocialActions.DELETE", version)
                    comment["deleted"] = True
                    return 204, None, {}
            raise LinkedInError(404, f"Comment {rest[1]} does not exist", "NOT_FOUND", 0)
        raise LinkedInError(405, "Method not allowed")

    def _target(self, urn: str) -> tuple[dict, str]:
        """The post a socialActions target belongs to, and the key its comments hang on
        (the post's URN for a share, ugcPost or activity URN; a comment URN for replies)."""
        found = re.search(r"urn:li:(share|ugcPost|activity):(\d+)", urn)
        number = found.group(2) if found else ""
        for kind in ("share", "ugcPost"):
            post = self.posts.get(f"urn:li:{kind}:{number}")
            if post is not None and not post["deleted"]:
                return post, urn if urn.startswith("urn:li:comment:") else post["id"]
        raise LinkedInError(404, f"{urn} does not exist", "NOT_FOUND", 0)

    def _new_comment(self, target: str, actor: str, text: str) -> dict:
        post, target = self._target(target)
        number = self._id()
        activity = "urn:li:activity:" + post["id"].rsplit(":", 1)[1]
        urn = f"urn:li:comment:({activity},{number})"
        now = int(self.now() * 1000)
        comment = {
            "id": str(number),
            "commentUrn": urn,
            "actor": actor,
            "object": activity,
            "parent": target,
            "text": text,
            "time": now,
            "deleted": False,
        }
        self.comments.setdefault(post["id"], []).append(comment)
        return comment

    def _share_stats(self, call, member, version, key, rest):
        org = call.params.get("organizationalEntity", "")
        if call.params.get("q") != "organizationalEntity" or not _ORG.match(org):
            raise LinkedInError(400, "Invalid query parameters passed to request", "", 0)
        if not self._may_act(member, org, "rw_organization_admin", roles=("ADMINISTRATOR",)):
            raise self._denied(
                "organizationalEntityShareStatistics.FINDER-organizationalEntity", version
            )
        wanted = [
            (k, u) for k in ("shares", "ugcPosts") for u in _list_param(call.params.get(k, ""))
        ]
        if not wanted:
            totals = _sum([self.stats.get(p["id"], {}) for p in self.live_posts(org)])
            return (
                200,
                {
                    "paging": {"start": 0, "count": 10, "links": []},
                    "elements": [{"totalShareStatistics": totals, "organizationalEntity": org}],
                },
                {},
            )
        elements = [
            {
                "totalShareStatistics": _sum([self.stats.get(urn, {})]),
                "organizationalEntity": org,
                kind[:-1]: urn,
            }
            for kind, urn in wanted
        ]
        return (
            200,
            {"paging": {"start": 0, "count": len(elements), "links": []}, "elements": elements},
            {},
        )

    def _network_size(self, call, member, version, key, rest):
        if call.params.get("edgeType") not in (
            "COMPANY_FOLLOWED_BY_MEMBER",
            "CompanyFollowedByMember",
        ):
            raise LinkedInError(400, "edgeType must be COMPANY_FOLLOWED_BY_MEMBER", "", 0)
        org = self.orgs.get(key or "")
        if org is None:
            raise LinkedInError(404, f"{key} does not exist", "NOT_FOUND", 0)
        if not any(s in member.scopes for s in ORG_SCOPES):
            raise self._denied("networkSizes.GET", version)
        return 200, {"firstDegreeSize": org["followers"]}, {}

    # -- OAuth ---------------------------------------------------------------------------
    def _introspect(self, call: Call):
        if not call.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return (
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Content-Type must be application/x-www-form-urlencoded",
                },
                {},
            )
        form = {k: v[-1] for k, v in parse_qs(call.body.decode(), keep_blank_values=True).items()}
        for name in ("client_id", "client_secret", "token"):
            if not form.get(name):
                return (
                    400,
                    {
                        "error": "invalid_request",
                        "error_description": f'A required parameter "{name}" is missing',
                    },
                    {},
                )
        if self.clients.get(form["client_id"]) != form["client_secret"]:
            return (
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                {},
            )
        member = self.members.get(form["token"])
        if member is None:
            return 200, {"active": False}, {}
        status = (
            "revoked"
            if member.revoked
            else ("expired" if member.expires_at and member.expires_at <= self.now() else "active")
        )
        return (
            200,
            {
                "active": status == "active",
                "client_id": member.client_id,
                "authorized_at": member.created_at,
                "created_at": member.created_at,
                "status": status,
                "expires_at": member.expires_at,
                "scope": ",".join(member.scopes),
                "auth_type": "3L",
            },
            {},
        )


# -- helpers -------------------------------------------------------------------------------
def _parse(handler: BaseHTTPRequestHandler) -> Call:
    split = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    headers = {k.lower(): v for k, v in handler.headers.items()}
    params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
    parsed = None
    if body and headers.get("content-type", "").startswith("application/json"):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = ValueError
    return Call(handler.command, unquote(split.path), handler.path, params, headers, body, parsed)


def _object(call: Call) -> dict:
    if call.json is ValueError or (call.body and call.json is None):
        raise LinkedInError(400, "Unable to parse the request body as JSON (application/json)")
    if not isinstance(call.json, dict):
        raise LinkedInError(400, "The request body must be a JSON object")
    return call.json


def _check_length(commentary) -> None:
    if not isinstance(commentary, str):
        raise _unprocessable("/commentary", "expected a string")
    units = len(commentary.encode("utf-16-le")) // 2
    if units > MAX_COMMENTARY:
        raise LinkedInError(
            400,
            f"/commentary: length {units} exceeds the maximum of {MAX_COMMENTARY}",
            "FIELD_LENGTH_TOO_LONG",
        )


def _advance(item: dict, polls: int) -> None:
    if item["status"] == "PROCESSING":
        item["reads"] += 1
        if item["reads"] > polls:
            item["status"] = "AVAILABLE"


def _paging(call: Call, default: int) -> tuple[int, int]:
    try:
        start = int(call.params.get("start", 0))
        count = int(call.params.get("count", default))
    except ValueError:
        raise LinkedInError(400, "start and count must be integers") from None
    if start < 0 or not 0 < count <= 100:
        raise LinkedInError(400, "count must be between 1 and 100", "", 0)
    return start, count


def _page_info(call: Call, start: int, count: int, total: int) -> dict:
    links = []
    if start + count < total:
        query = {**call.params, "start": str(start + count), "count": str(count)}
        href = (
            urlsplit(call.raw_path).path
            + "?"
            + "&".join(f"{k}={quote(v, safe='(),')}" for k, v in query.items())
        )
        links.append({"type": "application/json", "rel": "next", "href": href})
    return {"start": start, "count": count, "links": links, "total": total}


def _public(post: dict) -> dict:
    keys = (
        "isReshareDisabledByAuthor",
        "createdAt",
        "lifecycleState",
        "lastModifiedAt",
        "visibility",
        "publishedAt",
        "author",
        "id",
        "distribution",
        "commentary",
    )
    out = {k: post[k] for k in keys}
    if post["content"]:
        out["content"] = post["content"]
    out["lifecycleStateInfo"] = {"isEditedByAuthor": post["edited"]}
    return out


def _public_comment(comment: dict) -> dict:
    stamp = {"actor": comment["actor"], "time": comment["time"]}
    return {
        "actor": comment["actor"],
        "commentUrn": comment["commentUrn"],
        "created": stamp,
        "id": comment["id"],
        "lastModified": stamp,
        "message": {"text": comment["text"]},
        "object": comment["object"],
        "$URN": comment["commentUrn"],
    }


def _list_param(value: str) -> list[str]:
    found = re.match(r"^List\((.*)\)$", value)
    return [unquote(u) for u in found.group(1).split(",") if u] if found else []


def _sum(stats: list[dict]) -> dict:
    names = (
        "uniqueImpressionsCount",
        "shareCount",
        "engagement",
        "clickCount",
        "likeCount",
        "impressionCount",
        "commentCount",
    )
    total = {n: sum(s.get(n, 0) for s in stats) for n in names}
    total["engagement"] = float(total["engagement"])
    return total


def _fault_answer(kind: str) -> tuple[int, object, dict]:
    if kind == "429":
        return 429, {"status": 429, "serviceErrorCode": 101, "message": THROTTLE}, {}
    if kind in ("500", "503", "504"):
        return int(kind), {"status": int(kind), "message": "Internal Server Error"}, {}
    if kind == "502":
        return 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", {}
    if kind == "401":
        return (
            401,
            {
                "status": 401,
                "serviceErrorCode": 65602,
                "code": "EXPIRED_ACCESS_TOKEN",
                "message": "The token used in the request has expired",
            },
            {},
        )
    if kind == "403":
        return (
            403,
            {
                "status": 403,
                "serviceErrorCode": 100,
                "code": "ACCESS_DENIED",
                "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE",
            },
            {},
        )
    raise ValueError(f"unknown fault kind {kind!r}")


def video_bytes(size: int = VIDEO_MIN, seed: int = 0) -> bytes:
    """An MP4-looking file of `size` bytes (LinkedIn takes 75 KB and more)."""
    head = b"\x00\x00\x00\x18ftypmp42"
    body = bytes((seed + i * 7) % 256 for i in range(max(size - len(head), 0)))
    return head + body
