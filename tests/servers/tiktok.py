"""A loopback TikTok Content Posting API (Direct Post) written from TikTok's docs.

Sources (developers.tiktok.com, read 2026): doc/content-posting-api-reference-direct-post,
-reference-photo-post, -reference-query-creator-info, -reference-get-video-status,
-media-transfer-guide, doc/tiktok-api-v2-error-handling, doc/tiktok-api-v2-rate-limit,
doc/oauth-error-handling, docs/en/oauth-refresh-a-user-access-token (updated 2026-11-02:
access tokens live 2 h, refresh tokens 180 days and are rotated), doc/content-sharing-
guidelines (unaudited clients). Facts and their tags: /work/notes/research-tiktok-youtube-gbp.md.

What it does like TikTok (one host; point the publisher's API base at `server.url`):
- `POST /v2/post/publish/creator_info/query/` → privacy_level_options (public account:
  PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY; private: FOLLOWER_OF_CREATOR, ...),
  comment/duet/stitch_disabled, max_video_post_duration_sec, creator_username/nickname;
  the daily cap answers HTTP **200** with `spam_risk_too_many_posts` ("intentional").
- `POST /v2/post/publish/video/init/`: post_info (title ≤ 2200 UTF-16 units, privacy_level
  required and one of the creator's options else 403 `privacy_level_option_mismatch`,
  brand_content_toggle required, disable_* booleans) and source_info FILE_UPLOAD with the
  chunk rules (total_chunk_count = floor(video_size / chunk_size); chunks 5–64 MiB, the last
  up to 128 MiB; < 5 MiB whole; > 64 MiB chunked; 1–1000 chunks) → publish_id + upload_url
  (valid one hour); or PULL_FROM_URL (the URL must be under a verified prefix, else 403
  `url_ownership_unverified`; fetched by the server, no redirects).
- `PUT {upload_url}` with Content-Type video/mp4|quicktime|webm and `Content-Range: bytes
  a-b/total`, chunks in order: 206 (more expected) / 201 (all uploaded), response header
  `Content-Range: bytes 0-{last received}/{total}`; 416 when the range does not follow the
  progress, 400 bad headers, 403 expired URL, 404 unknown upload.
- `POST /v2/post/publish/content/init/` (media_type PHOTO, post_mode DIRECT_POST|MEDIA_UPLOAD,
  title ≤ 90 and description ≤ 4000 UTF-16 units, 1–35 photo_images fetched by the server —
  JPEG/WebP ≤ 20 MB — and photo_cover_index inside the list).
- `POST /v2/post/publish/status/fetch/`: PROCESSING_UPLOAD / PROCESSING_DOWNLOAD for
  `server.polls` reads once the media is all there, then PUBLISH_COMPLETE (with
  `publicaly_available_post_id` — TikTok's spelling — an int64 list, empty for SELF_ONLY) or
  FAILED + fail_reason (`server.fail_publish(reason)`, or media that is not a video/photo).
- `{"data": {...}, "error": {"code": "ok", "message": "", "log_id": ...}}` on every answer;
  401 access_token_invalid / scope_not_authorized, 400 invalid_params, 403 spam_risk_*,
  reached_active_user_cap, unaudited_client_can_only_post_to_private_accounts, 429
  rate_limit_exceeded (no rate-limit headers: TikTok documents none).
- Limits per token per endpoint per minute: creator_info 20, each init 6, status 30
  (sliding minute, `server.clock` moves it); about 15 posts a day per creator (`daily_cap`).
- `audited = False`: only SELF_ONLY to a private account, at most 5 posting users a day.
- `POST /v2/oauth/token/` (form: client_key, client_secret, grant_type=refresh_token,
  refresh_token) → new access token (expires_in 7200) and a NEW refresh token; the old one
  stops working (`rotate = False` for the older non-rotating behaviour).

Read back: `server.posts` (Post: caption, description, privacy, video bytes, photo bytes,
post_id, url), `server.publishes` (every publish task), `server.calls`.

Faults (`server.fail(route, *faults)`, routes "creator_info", "video_init", "content_init",
"upload", "status", "token"; see loopback.py for reset/slow/-after): "429", "500", "502"
(HTML gateway page), "401" (access_token_invalid), "scope" (scope_not_authorized), "spam"
(spam_risk_too_many_posts: 200 on creator_info, 403 elsewhere).

What it does not do: inbox video uploads, cancel, webhooks, the Display API, real video
decoding (duration against max_video_post_duration_sec, frame rate, resolution), https-only
pull URLs (loopback serves http).
(unconfirmed): the HTTP status of OAuth errors (`oauth_error_status`, 400 here); the upload
PUT's body on errors and its Content-Range (HTTP's last-byte form used); what an unaudited
client gets for a non-SELF_ONLY post to a private account (the same 403 here); FAILED
`internal` once an unfinished upload's hour is over; the posting pages spell the 400 code
`invalid_param` (set `invalid_code` to try a publisher against both); MiB as the unit of
the chunk rules (as the `tiktok-api` crate reads them); one photo as the minimum.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from .loopback import JPEG, Answer, Call, FetchError, Loopback, Window, fetch, is_video, is_webp

MIB = 1024 * 1024
PUBLIC = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
PRIVATE = ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
LIMITS = {"creator_info": 20, "video_init": 6, "content_init": 6, "status": 30}
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")
ROUTES = {
    ("POST", "/v2/post/publish/creator_info/query/"): "creator_info",
    ("POST", "/v2/post/publish/video/init/"): "video_init",
    ("POST", "/v2/post/publish/content/init/"): "content_init",
    ("POST", "/v2/post/publish/status/fetch/"): "status",
    ("PUT", "/video/"): "upload",
    ("POST", "/v2/oauth/token/"): "token",
}
MESSAGES = {
    "access_token_invalid": "The access token is invalid or not found in the request.",
    "scope_not_authorized": "The user did not authorize the scope required for completing "
    "this request.",
    "rate_limit_exceeded": "The API rate limit was exceeded. Please try again later.",
    "spam_risk_too_many_posts": "The daily post cap from the API is reached for the current user.",
    "internal_error": "Something went wrong. Please try again later.",
}


def utf16(text: str) -> int:
    """TikTok counts text in UTF-16 code units ("UTF-16 runes")."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Creator:
    open_id: str
    username: str
    nickname: str = ""
    private: bool = False
    comment_disabled: bool = False
    duet_disabled: bool = False
    stitch_disabled: bool = False
    max_video_post_duration_sec: int = 600
    banned: bool = False

    @property
    def options(self) -> list[str]:
        return list(PRIVATE if self.private else PUBLIC)


@dataclass
class Token:
    value: str
    open_id: str
    scopes: tuple[str, ...] = ("user.info.basic", "video.publish", "video.upload")
    expires_at: float = 0.0  # 0: never


@dataclass
class Publish:
    """A publish task, from init to its terminal status."""

    id: str
    open_id: str
    kind: str  # VIDEO | PHOTO
    source: str  # FILE_UPLOAD | PULL_FROM_URL
    post_info: dict
    created: float
    mode: str = "DIRECT_POST"
    status: str = ""
    fail_reason: str = ""
    video_size: int = 0
    chunk_size: int = 0
    chunks: int = 0
    received: bytearray = field(default_factory=bytearray)
    upload_id: str = ""
    upload_token: str = ""
    media: list[bytes] = field(default_factory=list)
    cover: int = 0
    ready: bool = False  # all media is on TikTok's side
    reads: int = 0  # status reads since ready
    outcome: str = ""  # a fail_reason queued by the test
    post_id: int | None = None


@dataclass
class Post:
    """A published post as its viewers see it."""

    publish_id: str
    username: str
    kind: str
    caption: str  # post_info.title
    description: str
    privacy_level: str
    settings: dict  # disable_comment / disable_duet / disable_stitch as applied
    video: bytes
    photos: list[bytes]
    cover_index: int
    post_id: int | None

    @property
    def url(self) -> str:
        # TikTok returns no URL; the web app shows photo posts under /photo/, videos under
        # /video/ (unconfirmed in the API docs, which build none).
        kind = "photo" if self.kind == "PHOTO" else "video"
        return f"https://www.tiktok.com/@{self.username}/{kind}/{self.post_id}"


@dataclass
class TikTokServer(Loopback):
    creators: dict[str, Creator] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    client_key: str = "aw1loopbackkey"
    client_secret: str = "loopback-client-secret"
    audited: bool = True
    unaudited_users: int = 5
    daily_cap: int = 15
    polls: int = 1
    verified_prefixes: list[str] = field(default_factory=list)
    chunk_unit: int = MIB  # the "MB" of the chunk rules; a test may shrink it
    rotate: bool = True
    access_ttl: int = 7200
    refresh_ttl: int = 180 * 86400
    oauth_error_status: int = 400
    invalid_code: str = "invalid_params"
    publishes: dict[str, Publish] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    window: Window = field(default_factory=Window)
    _next: int = 0

    # -- setting up ----------------------------------------------------------------------
    def add_creator(self, open_id: str, username: str, token: str, **kw) -> Creator:
        scopes = kw.pop("scopes", None)
        self.creators[open_id] = Creator(open_id, username, **kw)
        self.tokens[token] = Token(token, open_id, **({"scopes": scopes} if scopes else {}))
        return self.creators[open_id]

    def add_refresh_token(self, value: str, open_id: str) -> None:
        self.refresh_tokens[value] = (open_id, self.now() + self.refresh_ttl)

    def verify_prefix(self, prefix: str) -> None:
        """What the developer portal's URL-prefix verification does."""
        self.verified_prefixes.append(prefix)

    def fail_publish(self, reason: str) -> None:
        """The next publish task to finish ends FAILED with this fail_reason."""
        self.outcomes.append(reason)

    def expire(self, token: str) -> None:
        self.tokens[token].expires_at = self.now() - 1

    def settle(self) -> None:
        """Let every publish whose media is all there reach its terminal status."""
        with self.lock:
            for pub in self.publishes.values():
                while pub.status not in ("PUBLISH_COMPLETE", "FAILED", "SEND_TO_USER_INBOX"):
                    before = pub.reads
                    self._advance(pub)
                    if not pub.ready or pub.reads == before:
                        break

    # -- plumbing ------------------------------------------------------------------------
    def _log_id(self) -> str:
        return time.strftime("%Y%m%d%H%M%S", time.gmtime(self.now())) + secrets.token_hex(6)

    def _ok(self, data: dict, headers: dict | None = None):
        return (
            200,
            {"data": data, "error": {"code": "ok", "message": "", "log_id": self._log_id()}},
            headers or {},
        )

    def _error(self, status: int, code: str, message: str = "", data: dict | None = None):
        body = {
            "data": data or {},
            "error": {
                "code": code,
                "message": message or MESSAGES.get(code, code),
                "log_id": self._log_id(),
            },
        }
        return Answer(status, body, {"x-tt-logid": body["error"]["log_id"]})

    def _invalid(self, message: str) -> Answer:
        return self._error(400, self.invalid_code, message)

    def route(self, call: Call):
        name = ROUTES.get((call.method, call.path))
        if name is None:
            raise self._error(404, "not_found", f"{call.method} {call.path} is not an API path")
        return name, getattr(self, "_" + name)

    def fault_answer(self, name: str, call: Call) -> Answer:
        if name == "429":
            return self._error(429, "rate_limit_exceeded")
        if name == "500":
            return self._error(500, "internal_error")
        if name == "502":
            page = b"<html><head><title>502 Bad Gateway</title></head><body></body></html>"
            return Answer(502, page, {"Content-Type": "text/html"})
        if name == "401":
            return self._error(401, "access_token_invalid")
        if name == "scope":
            return self._error(401, "scope_not_authorized")
        if name == "spam":
            return self._error(
                200 if call.route == "creator_info" else 403, "spam_risk_too_many_posts"
            )
        raise ValueError(f"unknown TikTok fault {name!r}")

    def _auth(self, call: Call, *scopes: str) -> tuple[Token, Creator]:
        header = call.headers.get("authorization", "")
        token = self.tokens.get(header[7:].strip()) if header.startswith("Bearer ") else None
        if token is None or (token.expires_at and token.expires_at <= self.now()):
            raise self._error(401, "access_token_invalid")
        if not set(scopes) & set(token.scopes):
            raise self._error(401, "scope_not_authorized")
        return token, self.creators[token.open_id]

    def _limit(self, token: Token, route: str) -> None:
        if not self.window.take((token.value, route), LIMITS[route], self.now()):
            raise self._error(429, "rate_limit_exceeded")

    def _body(self, call: Call) -> dict:
        if not call.headers.get("content-type", "").startswith("application/json"):
            raise self._invalid("Content-Type must be application/json; charset=UTF-8")
        body = call.json
        if not isinstance(body, dict):
            raise self._invalid("The request body is not a JSON object")
        return body

    def _posted_today(self, open_id: str | None = None) -> list[Publish]:
        day = self.now() - 86400
        return [
            p
            for p in self.publishes.values()
            if p.created > day and open_id in (None, p.open_id) and p.mode == "DIRECT_POST"
        ]

    def _may_post(self, creator: Creator, status: int) -> None:
        """The caps creator_info (HTTP 200) and the inits (HTTP 403) answer."""
        if creator.banned:
            raise self._error(
                status,
                "spam_risk_user_banned_from_posting",
                "The user is banned from making new posts.",
            )
        if len(self._posted_today(creator.open_id)) >= self.daily_cap:
            raise self._error(status, "spam_risk_too_many_posts")
        users = {p.open_id for p in self._posted_today()}
        if not self.audited and creator.open_id not in users and len(users) >= self.unaudited_users:
            raise self._error(
                status,
                "reached_active_user_cap",
                "The daily quota for active publishing users from your client is reached.",
            )

    def _id(self) -> int:
        self._next += 1
        return self._next

    # -- creator_info --------------------------------------------------------------------
    def _creator_info(self, call: Call):
        token, creator = self._auth(call, "video.publish")
        self._limit(token, "creator_info")
        self._may_post(creator, 200)
        return self._ok(
            {
                "creator_avatar_url": f"https://p16-sign.tiktokcdn.com/{creator.open_id}.jpeg",
                "creator_username": creator.username,
                "creator_nickname": creator.nickname or creator.username,
                "privacy_level_options": creator.options,
                "comment_disabled": creator.comment_disabled,
                "duet_disabled": creator.duet_disabled or creator.private,
                "stitch_disabled": creator.stitch_disabled or creator.private,
                "max_video_post_duration_sec": creator.max_video_post_duration_sec,
            }
        )

    # -- init ----------------------------------------------------------------------------
    def _post_info(self, body: dict, creator: Creator, photo: bool) -> dict:
        info = body.get("post_info")
        if not isinstance(info, dict):
            raise self._invalid("post_info is required")
        for key in ("title", "description"):
            if key in info and not isinstance(info[key], str):
                raise self._invalid(f"post_info.{key} must be a string")
        limits = {"title": 90, "description": 4000} if photo else {"title": 2200}
        for key, most in limits.items():
            if utf16(info.get(key, "")) > most:
                raise self._invalid(f"post_info.{key} is longer than {most} UTF-16 runes")
        if not photo and "description" in info:
            raise self._invalid("post_info.description is for photo posts only")
        for key in (
            "disable_comment",
            "disable_duet",
            "disable_stitch",
            "brand_content_toggle",
            "brand_organic_toggle",
            "is_aigc",
            "auto_add_music",
        ):
            if key in info and not isinstance(info[key], bool):
                raise self._invalid(f"post_info.{key} must be a boolean")
        if not photo and "brand_content_toggle" not in info:
            raise self._invalid("post_info.brand_content_toggle is required")
        stamp = info.get("video_cover_timestamp_ms", 0)
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            raise self._invalid("post_info.video_cover_timestamp_ms must be an integer")
        level = info.get("privacy_level")
        if body.get("post_mode", "DIRECT_POST") == "DIRECT_POST":
            if not level:
                raise self._invalid("post_info.privacy_level is required")
            if not self.audited and (level != "SELF_ONLY" or not creator.private):
                raise self._error(
                    403,
                    "unaudited_client_can_only_post_to_private_accounts",
                    "Unaudited clients can only post to a private account with SELF_ONLY privacy.",
                )
            if level not in creator.options:
                raise self._error(
                    403,
                    "privacy_level_option_mismatch",
                    f"privacy_level {level} is not one of the creator's privacy_level_options",
                )
            if info.get("brand_content_toggle") and level == "SELF_ONLY":
                raise self._invalid("Branded content cannot be posted with SELF_ONLY privacy")
        return info

    def _verified(self, url: object) -> str:
        if not isinstance(url, str) or not url:
            raise self._invalid("The media URL must be a non-empty string")
        if not any(url.startswith(prefix) for prefix in self.verified_prefixes):
            raise self._error(
                403,
                "url_ownership_unverified",
                "The domain or URL prefix of the media URL is not verified by the app.",
            )
        return url

    def _new(self, token: Token, kind: str, source: str, info: dict, **kw) -> Publish:
        number = self._id()
        prefix = {
            "VIDEO": "v_pub_file~v2-1." if source == "FILE_UPLOAD" else "v_pub_url~v2-1.",
            "PHOTO": "p_pub_url~v2.",
        }[kind]
        pub = Publish(
            f"{prefix}{7_300_000_000 + number}", token.open_id, kind, source, info, self.now(), **kw
        )
        pub.status = "PROCESSING_UPLOAD" if source == "FILE_UPLOAD" else "PROCESSING_DOWNLOAD"
        self.publishes[pub.id] = pub
        return pub

    def _chunks(self, source: dict) -> tuple[int, int, int]:
        sizes = [source.get(k) for k in ("video_size", "chunk_size", "total_chunk_count")]
        if any(isinstance(n, bool) or not isinstance(n, int) or n <= 0 for n in sizes):
            raise self._invalid(
                "video_size, chunk_size and total_chunk_count must be positive integers"
            )
        size, chunk, count = sizes
        unit = self.chunk_unit
        if size > 4 * 1024 * MIB:
            raise self._invalid("video_size is over 4 GB")
        if chunk == size and count == 1 and size <= 64 * unit:
            return size, chunk, count  # uploaded whole
        if size < 5 * unit:
            raise self._invalid(
                "A video under 5 MB must be uploaded whole: chunk_size = video_size, total_chunk_count = 1"
            )
        if not 5 * unit <= chunk <= 64 * unit:
            raise self._invalid("chunk_size must be between 5 MB and 64 MB")
        if count != size // chunk:
            raise self._invalid(
                f"total_chunk_count must be video_size / chunk_size rounded down ({size // chunk})"
            )
        if not 1 <= count <= 1000:
            raise self._invalid("total_chunk_count must be between 1 and 1000")
        if size - chunk * (count - 1) > 128 * unit:
            raise self._invalid("The last chunk is over 128 MB")
        return size, chunk, count

    def _video_init(self, call: Call):
        token, creator = self._auth(call, "video.publish")
        self._limit(token, "video_init")
        body = self._body(call)
        self._may_post(creator, 403)
        info = self._post_info(body, creator, photo=False)
        source = body.get("source_info")
        if not isinstance(source, dict):
            raise self._invalid("source_info is required")
        kind = source.get("source")
        if kind == "FILE_UPLOAD":
            size, chunk, count = self._chunks(source)
            pub = self._new(
                token,
                "VIDEO",
                kind,
                info,
                video_size=size,
                chunk_size=chunk,
                chunks=count,
                upload_id=str(67_890 + self._id()),
                upload_token=secrets.token_urlsafe(12),
            )
            url = f"{self.url}/video/?upload_id={pub.upload_id}&upload_token={pub.upload_token}"
            return self._ok({"publish_id": pub.id, "upload_url": url})
        if kind == "PULL_FROM_URL":
            url = self._verified(source.get("video_url"))
            pub = self._new(token, "VIDEO", kind, info)
            try:
                pub.media = [fetch(url, 4 * 1024 * MIB)]
                pub.video_size = len(pub.media[0])
            except FetchError:
                pub.status, pub.fail_reason = "FAILED", "video_pull_failed"
            pub.ready = True
            return self._ok({"publish_id": pub.id})
        raise self._invalid("source_info.source must be FILE_UPLOAD or PULL_FROM_URL")

    def _content_init(self, call: Call):
        peek = call.json if isinstance(call.json, dict) else {}
        inbox = peek.get("post_mode") == "MEDIA_UPLOAD"
        token, creator = self._auth(call, "video.upload" if inbox else "video.publish")
        self._limit(token, "content_init")
        body = self._body(call)
        if body.get("media_type") != "PHOTO":
            raise self._invalid("media_type must be PHOTO")
        mode = body.get("post_mode")
        if mode not in ("DIRECT_POST", "MEDIA_UPLOAD"):
            raise self._invalid("post_mode must be DIRECT_POST or MEDIA_UPLOAD")
        if mode == "DIRECT_POST":
            self._may_post(creator, 403)
        info = self._post_info(body, creator, photo=True)
        source = body.get("source_info")
        if not isinstance(source, dict) or source.get("source") != "PULL_FROM_URL":
            raise self._invalid("source_info.source must be PULL_FROM_URL for photos")
        images = source.get("photo_images")
        if not isinstance(images, list) or not 1 <= len(images) <= 35:
            raise self._invalid("source_info.photo_images must list 1 to 35 image URLs")
        cover = source.get("photo_cover_index")
        if isinstance(cover, bool) or not isinstance(cover, int) or not 0 <= cover < len(images):
            raise self._invalid("source_info.photo_cover_index must be an index into photo_images")
        urls = [self._verified(url) for url in images]
        pub = self._new(token, "PHOTO", "PULL_FROM_URL", info, mode=mode, cover=cover)
        pub.ready = True
        for url in urls:
            try:
                data = fetch(url, 20 * 1000 * 1000)
            except FetchError:
                pub.status, pub.fail_reason = "FAILED", "photo_pull_failed"
                break
            if not (data.startswith(JPEG) or is_webp(data)):
                pub.status, pub.fail_reason = "FAILED", "file_format_check_failed"
                break
            pub.media.append(data)
        return self._ok({"publish_id": pub.id})

    # -- upload --------------------------------------------------------------------------
    def _upload(self, call: Call):
        pub = next(
            (
                p
                for p in self.publishes.values()
                if p.upload_id
                and p.upload_id == call.query.get("upload_id")
                and p.upload_token == call.query.get("upload_token")
            ),
            None,
        )
        if pub is None:
            raise self._error(404, "upload_not_found", "No upload task matches this upload_url")
        if self.now() > pub.created + 3600:
            raise self._error(403, "upload_url_expired", "The upload_url has expired")
        if call.headers.get("content-type", "").split(";")[0].strip() not in VIDEO_TYPES:
            raise self._invalid("Content-Type must be video/mp4, video/quicktime or video/webm")
        head = call.headers.get("content-range", "")
        parts = head[6:].replace("/", "-").split("-") if head.startswith("bytes ") else []
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise self._invalid("Content-Range must be bytes {first}-{last}/{total}")
        first, last, total = map(int, parts)
        if total != pub.video_size or last - first + 1 != len(call.body) or last < first:
            raise self._invalid("Content-Range does not match the body or the video_size")
        if pub.ready or first != len(pub.received):
            raise self._error(
                416,
                "range_not_satisfiable",
                "Content-Range does not reflect the actual upload progress",
            )
        index = first // pub.chunk_size
        end = pub.video_size - 1 if index == pub.chunks - 1 else first + pub.chunk_size - 1
        if last != end:
            raise self._invalid(f"Chunk {index + 1} of {pub.chunks} must end at byte {end}")
        pub.received.extend(call.body)
        done = len(pub.received) == pub.video_size
        if done:
            pub.ready, pub.media = True, [bytes(pub.received)]
        return (
            (201 if done else 206),
            None,
            {"Content-Range": f"bytes 0-{len(pub.received) - 1}/{total}"},
        )

    # -- status --------------------------------------------------------------------------
    def _advance(self, pub: Publish) -> None:
        if pub.status in ("PUBLISH_COMPLETE", "FAILED", "SEND_TO_USER_INBOX"):
            return
        if not pub.ready:
            if self.now() > pub.created + 3600:
                pub.status, pub.fail_reason = "FAILED", "internal"
            return
        pub.reads += 1
        if pub.reads <= self.polls:
            return
        ok = is_video(pub.media[0]) if pub.kind == "VIDEO" else bool(pub.media)
        if not ok:
            pub.status, pub.fail_reason = "FAILED", "file_format_check_failed"
        elif self.outcomes:
            pub.status, pub.fail_reason = "FAILED", self.outcomes.pop(0)
        elif pub.mode == "MEDIA_UPLOAD":
            pub.status = "SEND_TO_USER_INBOX"
        else:
            self._publish(pub)

    def _publish(self, pub: Publish) -> None:
        creator, info = self.creators[pub.open_id], pub.post_info
        level = info["privacy_level"]
        if level != "SELF_ONLY":
            pub.post_id = 7_312_345_678_901_234_567 + self._id()  # int64 > 2**53
        settings = {
            "disable_comment": bool(info.get("disable_comment")) or creator.comment_disabled,
            "disable_duet": pub.kind == "PHOTO"
            or bool(info.get("disable_duet"))
            or creator.duet_disabled,
            "disable_stitch": pub.kind == "PHOTO"
            or bool(info.get("disable_stitch"))
            or creator.stitch_disabled,
        }
        video = pub.media[0] if pub.kind == "VIDEO" else b""
        photos = list(pub.media) if pub.kind == "PHOTO" else []
        self.posts.append(
            Post(
                pub.id,
                creator.username,
                pub.kind,
                info.get("title", ""),
                info.get("description", ""),
                level,
                settings,
                video,
                photos,
                pub.cover,
                pub.post_id,
            )
        )
        pub.status = "PUBLISH_COMPLETE"

    def _status(self, call: Call):
        token, _ = self._auth(call, "video.publish", "video.upload")
        self._limit(token, "status")
        body = self._body(call)
        pub = self.publishes.get(body.get("publish_id") or "")
        if pub is None:
            raise self._error(400, "invalid_publish_id", "The publish_id does not exist")
        if pub.open_id != token.open_id:
            raise self._error(
                400,
                "token_not_authorized_for_specified_publish_id",
                "The token is not authorized to read this publish_id",
            )
        self._advance(pub)
        data: dict = {"status": pub.status}
        if pub.status == "FAILED":
            data["fail_reason"] = pub.fail_reason
        if pub.status == "PUBLISH_COMPLETE":
            data["publicaly_available_post_id"] = [pub.post_id] if pub.post_id else []
        if pub.source == "FILE_UPLOAD":
            data["uploaded_bytes"] = len(pub.received)
        else:
            data["downloaded_bytes"] = sum(len(m) for m in pub.media)
        return self._ok(data)

    # -- oauth ---------------------------------------------------------------------------
    def _token(self, call: Call):
        def oauth_error(error: str, description: str):
            raise Answer(
                self.oauth_error_status,
                {"error": error, "error_description": description, "log_id": self._log_id()},
            )

        if not call.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            oauth_error("invalid_request", "Content-Type must be application/x-www-form-urlencoded")
        form = call.form
        if (
            form.get("client_key") != self.client_key
            or form.get("client_secret") != self.client_secret
        ):
            oauth_error("invalid_client", "Client key or secret is incorrect.")
        if form.get("grant_type") != "refresh_token":
            oauth_error("unsupported_grant_type", "The grant_type is not supported by this server.")
        value = form.get("refresh_token", "")
        held = self.refresh_tokens.get(value)
        if held is None or held[1] <= self.now():
            oauth_error("invalid_grant", "Refresh token is invalid or expired.")
        open_id = held[0]
        old = next((t for t in self.tokens.values() if t.open_id == open_id), None)
        access = "act." + secrets.token_urlsafe(24)
        scopes = old.scopes if old else Token("", "").scopes
        self.tokens[access] = Token(access, open_id, scopes, self.now() + self.access_ttl)
        refresh = value
        if self.rotate:
            del self.refresh_tokens[value]
            refresh = "rft." + secrets.token_urlsafe(24)
            self.add_refresh_token(refresh, open_id)
        return (
            200,
            {
                "access_token": access,
                "expires_in": self.access_ttl,
                "open_id": open_id,
                "refresh_expires_in": int(self.refresh_tokens[refresh][1] - self.now()),
                "refresh_token": refresh,
                "scope": ",".join(scopes),
                "token_type": "Bearer",
            },
            {},
        )

    # -- reading back --------------------------------------------------------------------
    def post_by_publish_id(self, publish_id: str) -> Post | None:
        return next((p for p in self.posts if p.publish_id == publish_id), None)
