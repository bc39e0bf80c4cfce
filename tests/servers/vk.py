"""A loopback VK API (api.vk.com/method/...) for community walls, written from VK's docs.

Sources: the official schema VKCOM/vk-api-schema @0efe478 (API 5.199: `wall`, `photos`,
`video`, `groups`, `stats` methods/responses/objects, `errors.json`, `base/objects.json`);
dev.vk.com pages `method/wall.post` (2026 revision: at most 10 media, user token only),
`api/api-requests` (`v` mandatory; token as `access_token` or `Authorization: Bearer`;
form or multipart bodies, JSON bodies are not read), `api/upload/wall-photo` and
`api/upload/video-in-profile` (upload field names and answers), `api/captcha-error`; the
`guid` wording "уникальный идентификатор, предназначенный для предотвращения повторной
отправки одинаковой записи. Действует в течение одного часа" from vk.com/dev/wall.post as
quoted verbatim by several client libraries (the schema has `guid` without a text).

What it does like VK:

- `GET|POST /method/<name>`; parameters from the query string, a urlencoded or a
  multipart body (a JSON body is ignored, as VK ignores it). Every answer is HTTP 200:
  `{"response": ...}` or `{"error": {"error_code", "error_msg", "request_params": [{key,
  value}]}}` with VK's codes: 3 unknown method, 5 auth failed ("no access_token passed",
  "invalid access_token (4)", "access_token has expired"), 6 too many requests per
  second (when `rps` is set, or as a fault), 8 invalid request (no or old `v`), 9 flood
  control, 10 internal error, 14 captcha (with `captcha_sid`/`captcha_img`, or with
  `redirect_uri` when `captcha_redirect`), 15 access denied (right missing), 27 group
  token on a user-only method, 29 rate limit reached, 100 invalid parameter, 104 not
  found, 121 invalid hash, 214 adding post denied, 219-225 (faults; 222 for a link where
  the community forbids links, 224 past 5 ads posts a day, 225 donut off).
- `wall.post` on a community wall (`owner_id` negative): `from_group=1` needs an editor
  or administrator (admin_level >= 2); `message` or `attachments` required; at most 10
  photos/videos and one external link; `message` at most 16,384 characters (code points)
  (unconfirmed: the commonly cited limit, not in the schema); `publish_date` makes a
  postponed post (`wall.get?filter=postponed`) that goes live when the clock passes it;
  `posts_per_day` (default 50 per wall, historic and unconfirmed) past which code 214.
- `guid`: a repeated `guid` from the same user on the same wall within `guid_window`
  seconds (3600: "one hour", the documented window) answers the first post's id and
  posts nothing. What VK answers on a repeat is NOT documented and could not be measured
  from here (no network, no VK account): returning the original `post_id` is
  (unconfirmed). Past the window the same guid posts again. Comments' `guid` work the
  same way (window unconfirmed).
- Photos: `photos.getWallUploadServer` -> multipart `photo` to `upload_url` ->
  `{"server", "photo" (a JSON string), "hash"}` -> `photos.saveWallPhoto` (`caption` kept
  as the photo's `text`: VK has no alt text, the caption is the nearest) -> attachment
  `photo-<group>_<id>`. JPG/PNG/GIF only, at most 50 MB, width + height <= 14,000 px and
  aspect ratio at least 1:20 (checked when the size can be read from the header). A
  missing file answers `"photo": "[]"`; saving `[]` is code 100 (unconfirmed wording).
- Video: `video.save` -> multipart `video_file` to `upload_url` -> `{"video_hash",
  "size", "direct_link", "owner_id", "video_id"}` -> attachment `video-<group>_<id>`; a
  video never uploaded cannot be attached (code 100, unconfirmed).
- `wall.edit`, `wall.delete` (then gone from `wall.get`/`wall.getById`; deleting again
  is code 104), `wall.getById` (`posts=-1_2,...`, answer `{"items": [...]}` in 5.199),
  `wall.get` (`owner_id` or `domain`, `offset`, `count` <= 100, `filter`), with `views`,
  `likes`, `reposts`, `comments` counts; `wall.createComment` (`from_group` is a group
  id), `wall.getComments` (`start_comment_id`, `offset`, `count` <= 100, `sort`,
  `comment_id` for a thread, `thread_items_count` <= 10, `preview_length`: texts cut to 90
  characters unless it says otherwise, `extended` with `profiles` and `groups`),
  `wall.deleteComment` (an editor, moderator or the author; a deleted one answers 211);
  `stats.getPostReach`; `groups.getById` (answer `{"groups": [...], "profiles": []}` in
  5.199, with `is_admin`, `admin_level`, `can_post`, `members_count`); `groups.getMembers`;
  `users.get`; `account.getAppPermissions` (the rights bit mask). Posts and comments of a
  wall share one id sequence, as on VK.

What it does not do: user walls other than the token owner's own, suggested posts,
polls/audio/docs/articles, link snippets built from the text, `video.save` with `link`
or `wallpost=1`, `execute`, Callback/Long Poll, `messages.*`, likes by people (a test
sets counts with `set_metrics`), real image decoding.

Faults: `server.fail(route, *faults)` queues faults for one route: a method name
("wall.post", "photos.saveWallPhoto", ...) or "upload.photo" / "upload.video". A fault is
a VK error code ("6", "9", "10", "14", "29", "214", "219" ... "225", "5", "15"), answered
before doing the work, or the same with "-after" ("6-after": the post is made, then the
error comes back); "http500", "http502", "http504" (nginx HTML page, nothing done);
"reset" (connection dropped, nothing done), "lost" (done, then dropped); "slow" (the
answer after `slow` seconds, nothing done until then), "slow-after" (done at once, the
answer after `slow` seconds); "ok". `rps` (None: off) makes more than that many calls
within `rps_window` seconds (1) from one token code 6, as VK does for user tokens (3/s,
unconfirmed exact value). Error bodies list `request_params` without `access_token` (the
current dev.vk.com example shows method, oauth and v; an older one echoed the token).
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

try:  # `python -m pytest` from the repository root
    from tests.servers.imagesize import image_size
except ImportError:  # tests/ itself on sys.path
    from servers.imagesize import image_size  # type: ignore[no-redef]

VERSION_FLOOR = (5, 81)
MESSAGE_MAX = 16384
CAPTION_MAX = 2048
MEDIA_MAX = 10
PHOTO_MAX_BYTES = 50 * 1024 * 1024
GUID_WINDOW = 3600
ADS_PER_DAY = 5
WALL_ALBUM = -14
RIGHTS = {"photos": 4, "video": 16, "wall": 8192, "offline": 65536, "groups": 262144}
RIGHTS["stats"] = 1048576
# Which methods each kind of key may call (schema `access_token_type`); a user key calls all.
GROUP_OK = {"wall.createComment", "groups.getById", "groups.getMembers", "users.get"}
SERVICE_OK = {"wall.get", "wall.getById", "wall.getComments", "groups.getById"}
SERVICE_OK |= {"groups.getMembers", "users.get"}
NEEDS = {
    "wall.post": "wall",
    "wall.edit": "wall",
    "wall.delete": "wall",
    "wall.get": "wall",
    "wall.getById": "wall",
    "wall.createComment": "wall",
    "wall.getComments": "wall",
    "wall.deleteComment": "wall",
    "photos.getWallUploadServer": "photos",
    "photos.saveWallPhoto": "photos",
    "video.save": "video",
    "stats.getPostReach": "stats",
}
MESSAGES = {
    1: "Unknown error occurred",
    6: "Too many requests per second",
    9: "Flood control",
    10: "Internal server error",
    14: "Captcha needed",
    15: "Access denied",
    29: "Rate limit reached",
    214: "Access to adding post denied",
    219: "Advertisement post was recently added",
    220: "Too many recipients",
    222: "Hyperlinks are forbidden",
    223: "Too many replies",
    224: "Too many ads posts",
    225: "Donut is disabled",
}
NGINX = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
LINK = re.compile(r"https?://[^\s,]+|\b(?:[a-z0-9-]+\.)+(?:ru|com|рф|org|net|ro|io)\b", re.I)
MENTION = re.compile(r"\[(?:id|club|public)\d+\|([^\]]*)\]")


class VkError(Exception):
    """An error VK answers inside HTTP 200."""

    def __init__(self, code: int, message: str = "", **extra):
        super().__init__(message)
        self.code, self.message, self.extra = code, message or MESSAGES.get(code, ""), extra


def invalid(detail: str) -> VkError:
    return VkError(100, f"One of the parameters specified was missing or invalid: {detail}")


@dataclass
class Token:
    """An access token. kind: "user" (a person's key), "group" (a community key of
    `group_id`), "service" (an app's service key)."""

    value: str
    user_id: int = 0
    kind: str = "user"
    rights: tuple[str, ...] = ("wall", "photos", "video", "groups", "stats", "offline")
    group_id: int = 0
    expires_at: float = 0.0  # 0: never (a user key with `offline`)
    valid: bool = True


@dataclass
class Call:
    """One request as it arrived: `route` is the method name or "upload.photo|video"."""

    http: str
    route: str
    params: dict
    files: dict
    headers: dict
    answer: object = None  # what went back (None: the connection was dropped)


@dataclass
class VkServer:
    groups: dict[int, dict] = field(default_factory=dict)
    users: dict[int, dict] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    posts: dict[tuple[int, int], dict] = field(default_factory=dict)
    comments: dict[tuple[int, int], dict] = field(default_factory=dict)
    photos: dict[tuple[int, int], dict] = field(default_factory=dict)
    videos: dict[tuple[int, int], dict] = field(default_factory=dict)
    uploads: dict[str, dict] = field(default_factory=dict)  # upload tickets
    guids: dict[tuple, tuple[int, float]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    clock: float = 0.0  # seconds VK's clock runs ahead of time.time()
    slow: float = 3.0
    guid_window: float = GUID_WINDOW
    posts_per_day: int = 50
    rps: int | None = None
    rps_window: float = 1.0  # seconds `rps` counts over (a test may widen it)
    captcha_redirect: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock)
    _seq: dict[int, int] = field(default_factory=dict)  # per wall: posts and comments
    _media_seq: int = 457_239_000
    _hits: dict[str, list[float]] = field(default_factory=dict)
    captchas: dict[str, str] = field(default_factory=dict)  # sid -> the answer a person reads

    # -- setup ---------------------------------------------------------------------------
    def add_user(self, user_id: int, first: str = "Ana", last: str = "Pop") -> dict:
        self.users[user_id] = {"id": user_id, "first_name": first, "last_name": last}
        return self.users[user_id]

    def add_group(self, group_id: int, name: str, screen_name: str = "", **settings) -> dict:
        """A community. settings: admins {user_id: level 1-3}, members_count, kind
        ("page"|"group"), wall (0 off, 1 open, 2 limited, 3 closed), links_forbidden,
        donut, comments_closed."""
        self.groups[group_id] = {
            "id": group_id,
            "name": name,
            "screen_name": screen_name or f"club{group_id}",
            "type": settings.pop("kind", "page"),
            "is_closed": 0,
            "admins": settings.pop("admins", {}),
            "members_count": settings.pop("members_count", 0),
            "wall": settings.pop("wall", 1),
            **settings,
        }
        return self.groups[group_id]

    def add_token(self, value: str, user_id: int = 0, **kw) -> Token:
        self.tokens[value] = Token(value, user_id, **kw)
        return self.tokens[value]

    def fail(self, route: str, *faults: str) -> None:
        with self.lock:
            self.faults.setdefault(route, []).extend(faults)

    def now(self) -> float:
        return time.time() + self.clock

    # -- reading back --------------------------------------------------------------------
    def wall(self, owner_id: int, postponed: bool = False) -> list[dict]:
        """Live posts of a wall, newest first (postponed ones only when asked)."""
        with self.lock:
            found = [
                p
                for p in self.posts.values()
                if p["owner_id"] == owner_id and not p["deleted"] and self._due(p) != postponed
            ]
        return sorted(found, key=lambda p: p["id"], reverse=True)

    def post(self, owner_id: int, post_id: int) -> dict | None:
        return self.posts.get((owner_id, post_id))

    def reader_text(self, post: dict) -> str:
        """The text as a reader sees it: mention markup `[club1|Name]` shows as `Name`."""
        return MENTION.sub(lambda m: m.group(1), post["text"])

    def media_of(self, post: dict) -> list[dict]:
        """Each attached photo/video as stored: `data` (bytes), `text` (caption)."""
        found = []
        for kind, owner, mid in post["media"]:
            store = self.photos if kind == "photo" else self.videos
            found.append({"kind": kind, **store[(owner, mid)]})
        return found

    def live_comments(self, owner_id: int, post_id: int) -> list[dict]:
        return [
            c
            for c in self.comments.values()
            if c["owner_id"] == owner_id and c["post_id"] == post_id and not c["deleted"]
        ]

    def of(self, route: str) -> list[Call]:
        return [c for c in self.calls if c.route == route]

    # -- test helpers --------------------------------------------------------------------
    def add_comment(
        self, owner_id: int, post_id: int, from_id: int, text: str, reply_to: int = 0
    ) -> dict:
        """Someone comments under a post (or answers comment `reply_to`)."""
        with self.lock:
            return self._new_comment(owner_id, post_id, from_id, text, reply_to)

    def set_metrics(self, owner_id: int, post_id: int, **counts) -> None:
        """views, likes, reposts, and reach_* / links / to_group ... for stats."""
        with self.lock:
            self.posts[(owner_id, post_id)]["metrics"].update(counts)

    # -- serving -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api(self) -> str:
        return self.url + "/method"

    def __enter__(self) -> VkServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> VkServer:
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

    def _new_comment(
        self, owner_id: int, post_id: int, from_id: int, text: str, reply_to: int = 0
    ) -> dict:
        stack = []
        if reply_to:
            parent = self.comments[(owner_id, reply_to)]
            stack = [*parent["parents_stack"], reply_to]
        comment = {
            "id": self._next_id(owner_id),
            "from_id": from_id,
            "date": int(self.now()),
            "text": text,
            "post_id": post_id,
            "owner_id": owner_id,
            "parents_stack": stack[:1],
            "reply_to_comment": reply_to,
            "deleted": False,
            "likes": 0,
        }
        self.comments[(owner_id, comment["id"])] = comment
        return comment

    # -- the API -------------------------------------------------------------------------
    def answer(self, call: Call) -> dict:
        """What VK answers to a method call (the work done, under the lock)."""
        try:
            with self.lock:
                token = self._check(call)
                return {"response": METHODS[call.route](self, call.params, token)}
        except VkError as exc:
            return self.error_body(exc, call)

    def error_body(self, exc: VkError, call: Call) -> dict:
        shown = [("method", call.route), ("oauth", "1")]
        shown += [(k, str(v)) for k, v in call.params.items() if k != "access_token"]
        error = {"error_code": exc.code, "error_msg": exc.message}
        error["request_params"] = [{"key": k, "value": v} for k, v in shown]
        if exc.code == 14:
            error.update(self._captcha())
        error.update(exc.extra)
        return {"error": error}

    def _captcha(self) -> dict:
        sid = str(239633676097 + len(self.captchas))
        self.captchas[sid] = "k" + sid[-4:]
        if self.captcha_redirect:
            return {
                "redirect_uri": f"{self.url}/not_robot_captcha?session_token={sid}",
                "remixstlid": int(sid),
            }
        return {"captcha_sid": sid, "captcha_img": f"{self.url}/captcha.php?sid={sid}&s=1"}

    def _check(self, call: Call) -> Token:
        p = call.params
        if call.route not in METHODS:
            raise VkError(3, "Unknown method passed")
        version = p.get("v", "")
        if not version:
            raise VkError(8, "Invalid request: v (version) is required")  # (unconfirmed)
        parts = tuple(int(x) for x in re.findall(r"\d+", version)[:2])
        if parts < VERSION_FLOOR:
            raise VkError(
                8,
                "Invalid request: versions below 5.81 are deprecated. Version param should be "
                'passed as "v". "version" param is invalid and not supported. For more '
                "information go to https://vk.com/dev/constant_version_updates",
            )
        token = self._token(p.get("access_token", ""))
        self._limit(token)
        if token.kind == "group" and call.route not in GROUP_OK:
            raise VkError(27, "Group authorization failed: method is unavailable with group auth.")
        if token.kind == "service" and call.route not in SERVICE_OK:
            raise VkError(
                28, "Application authorization failed: method is unavailable with service token."
            )
        need = NEEDS.get(call.route)
        if token.kind == "user" and need and need not in token.rights:
            raise VkError(15, "Access denied: no access to call this method", error_subcode=1133)
        sid = p.get("captcha_sid")
        if sid and self.captchas.get(sid) != p.get("captcha_key"):
            raise VkError(14)
        return token

    def _token(self, value: str) -> Token:
        if not value:
            raise VkError(5, "User authorization failed: no access_token passed.")
        token = self.tokens.get(value)
        if token is None or not token.valid:
            raise VkError(5, "User authorization failed: invalid access_token (4).")
        if token.expires_at and self.now() >= token.expires_at:
            raise VkError(5, "User authorization failed: access_token has expired.")
        return token

    def _limit(self, token: Token) -> None:
        if self.rps is None:
            return
        since = time.monotonic() - self.rps_window
        recent = [t for t in self._hits.get(token.value, []) if t > since]
        recent.append(time.monotonic())
        self._hits[token.value] = recent
        if len(recent) > self.rps:
            raise VkError(6)

    # -- walls and posts -----------------------------------------------------------------
    def _next_id(self, owner_id: int) -> int:
        self._seq[owner_id] = self._seq.get(owner_id, 0) + 1
        return self._seq[owner_id]

    def _due(self, post: dict) -> bool:
        return not post["publish_date"] or post["publish_date"] <= self.now()

    def _group(self, owner_id: int) -> dict:
        group = self.groups.get(-owner_id)
        if group is None:
            raise VkError(15, "Access denied: no access to this wall")  # (unconfirmed)
        return group

    def _level(self, group: dict, token: Token) -> int:
        if token.kind == "group":
            return 3 if token.group_id == group["id"] else 0
        return group["admins"].get(token.user_id, 0)

    def _owner(self, p: dict, token: Token) -> int:
        raw = p.get("owner_id", "")
        if raw == "":
            return token.user_id
        if not re.fullmatch(r"-?\d+", str(raw)):
            raise invalid("owner_id not integer")
        return int(raw)

    def _post_id(self, p: dict) -> int:
        raw = str(p.get("post_id", ""))
        if not raw.isdigit():
            raise invalid("post_id is undefined")
        return int(raw)


# -- method implementations (one per VK method) ----------------------------------------------
def _flag(p: dict, key: str) -> bool:
    return str(p.get(key, "0")) == "1"


def _attachments(api: VkServer, p: dict, owner_id: int) -> tuple[list, str]:
    """(media [(kind, owner, id)], link) from `attachments`; VK's rules."""
    media, links = [], []
    for item in [a.strip() for a in str(p.get("attachments", "")).split(",") if a.strip()]:
        if item.startswith(("http://", "https://")):
            links.append(item)
            continue
        match = re.fullmatch(r"(photo|video)(-?\d+)_(\d+)(?:_\w+)?", item)
        if not match:
            raise invalid(f"attachments: {item} is invalid")  # (unconfirmed wording)
        kind, owner, mid = match.group(1), int(match.group(2)), int(match.group(3))
        store = api.photos if kind == "photo" else api.videos
        found = store.get((owner, mid))
        if found is None or (kind == "video" and not found["uploaded"]):
            raise invalid(f"attachments: {item} not found")  # (unconfirmed wording)
        media.append((kind, owner, mid))
    if len(links) > 1:
        raise invalid("attachments: only one link is allowed")  # documented rule
    if len(media) > MEDIA_MAX:
        raise invalid(f"attachments: no more than {MEDIA_MAX} media")
    return media, links[0] if links else ""


def _check_text(group: dict | None, message: str) -> None:
    if len(message) > MESSAGE_MAX:
        raise invalid("message is too long")  # (unconfirmed wording)
    if group and group.get("links_forbidden") and LINK.search(message):
        raise VkError(222)


def wall_post(api: VkServer, p: dict, token: Token) -> dict:
    owner = api._owner(p, token)
    group = api._group(owner) if owner < 0 else None
    if group is None and owner != token.user_id:
        raise VkError(214, "Access to adding post denied: access to the wall is closed")
    from_group = owner < 0 and _flag(p, "from_group")
    if group and (api._level(group, token) < (2 if from_group else 1) and group["wall"] != 1):
        raise VkError(214, "Access to adding post denied: access to the wall is closed")
    if group and from_group and api._level(group, token) < 2:
        raise VkError(214, "Access to adding post denied: you are not an editor")
    guid = str(p.get("guid", ""))
    key = (token.user_id, owner, "post", guid)
    known = api.guids.get(key) if guid else None
    if known and api.now() - known[1] < api.guid_window:
        return {"post_id": known[0]}  # (unconfirmed: VK does not document the answer)
    message = str(p.get("message", ""))
    media, link = _attachments(api, p, owner)
    if not message and not media and not link:
        raise invalid("message or attachments required")  # (unconfirmed wording)
    _check_text(group, message)
    _wall_limits(api, p, owner, group)
    post_id = api._next_id(owner)
    publish = int(p["publish_date"]) if str(p.get("publish_date", "")).isdigit() else 0
    api.posts[(owner, post_id)] = {
        "id": post_id,
        "owner_id": owner,
        "from_id": owner if from_group or token.kind == "group" else token.user_id,
        "created_by": token.user_id,
        "date": int(api.now()),
        "text": message,
        "media": media,
        "link": link,
        "guid": guid,
        "publish_date": publish if publish > api.now() else 0,
        "marked_as_ads": int(_flag(p, "mark_as_ads")),
        "close_comments": _flag(p, "close_comments"),
        "signed": _flag(p, "signed"),
        "copyright": str(p.get("copyright", "")),
        "edited": 0,
        "deleted": False,
        "metrics": {"views": 0, "likes": 0, "reposts": 0},
    }
    if guid:
        api.guids[key] = (post_id, api.now())
    return {"post_id": post_id}


def _wall_limits(api: VkServer, p: dict, owner: int, group: dict | None) -> None:
    day = api.now() - 86400
    today = [q for q in api.posts.values() if q["owner_id"] == owner and q["date"] > day]
    if len(today) >= api.posts_per_day:
        # (unconfirmed: code and wording of the daily cap)
        raise VkError(
            214, f"Access to adding post denied: no more than {api.posts_per_day} posts a day"
        )
    if _flag(p, "mark_as_ads") and sum(q["marked_as_ads"] for q in today) >= ADS_PER_DAY:
        raise VkError(224)
    if p.get("donut_paid_duration") and not (group or {}).get("donut"):
        raise VkError(225)


def _live_post(api: VkServer, owner: int, post_id: int) -> dict:
    post = api.posts.get((owner, post_id))
    if post is None or post["deleted"]:
        raise VkError(104, "Not found")
    return post


def wall_edit(api: VkServer, p: dict, token: Token) -> dict:
    owner = api._owner(p, token)
    post = _live_post(api, owner, api._post_id(p))
    group = api._group(owner) if owner < 0 else None
    if group and api._level(group, token) < 2 and post["created_by"] != token.user_id:
        raise VkError(15, "Access denied: you can't edit this post")  # (unconfirmed)
    message = str(p.get("message", ""))
    media, link = _attachments(api, p, owner)
    if not message and not media and not link:
        raise invalid("message or attachments required")
    _check_text(group, message)
    post.update(text=message, media=media, link=link, edited=int(api.now()))
    return {"post_id": post["id"]}


def wall_delete(api: VkServer, p: dict, token: Token) -> int:
    owner = api._owner(p, token)
    post = _live_post(api, owner, api._post_id(p))
    group = api._group(owner) if owner < 0 else None
    if group and api._level(group, token) < 2 and post["created_by"] != token.user_id:
        raise VkError(210)
    post["deleted"] = True
    return 1


def _photo_object(photo: dict) -> dict:
    shown = {k: v for k, v in photo.items() if k not in ("data", "sha256", "format")}
    size = {"type": "x", "width": photo["width"], "height": photo["height"]}
    size["url"] = f"https://sun9-1.userapi.com/impg/{photo['sha256'][:20]}.jpg"
    return {**shown, "sizes": [size]}


def _post_object(api: VkServer, post: dict, token: Token) -> dict:
    group = api.groups.get(-post["owner_id"])
    can = bool(group) and api._level(group, token) >= 2
    attachments = []
    for kind, owner, mid in post["media"]:
        if kind == "photo":
            attachments.append({"type": "photo", "photo": _photo_object(api.photos[(owner, mid)])})
        else:
            stored = api.videos[(owner, mid)].items()
            video = {k: v for k, v in stored if k not in ("data", "sha256", "uploaded")}
            attachments.append({"type": "video", "video": video})
    if post["link"]:
        attachments.append({"type": "link", "link": {"url": post["link"], "title": ""}})
    m = post["metrics"]
    shown = {
        "id": post["id"],
        "owner_id": post["owner_id"],
        "from_id": post["from_id"],
        "date": post["publish_date"] or post["date"],
        "text": post["text"],
        "attachments": attachments,
        "post_type": "post" if api._due(post) else "postpone",
        "marked_as_ads": post["marked_as_ads"],
        "comments": {
            "count": len(api.live_comments(post["owner_id"], post["id"])),
            "can_post": int(not post["close_comments"]),
            "groups_can_post": True,
        },
        "likes": {"count": m["likes"], "user_likes": 0, "can_like": 1, "can_publish": 1},
        "reposts": {"count": m["reposts"], "user_reposted": 0},
        "views": {"count": m["views"]},
        "can_edit": int(can),
        "can_delete": int(can),
        "hash": hashlib.md5(f"{post['owner_id']}_{post['id']}".encode()).hexdigest()[:18],
    }
    if can and post["created_by"]:
        shown["created_by"] = post["created_by"]
    if post["edited"]:
        shown["edited"] = post["edited"]
    if post["copyright"]:
        shown["copyright"] = {"link": post["copyright"], "name": "", "type": "external"}
    return shown


def wall_get_by_id(api: VkServer, p: dict, token: Token) -> dict:
    wanted = [x.strip() for x in str(p.get("posts", "")).split(",") if x.strip()]
    if not wanted:
        raise invalid("posts is undefined")
    items = []
    for item in wanted:
        match = re.fullmatch(r"(-?\d+)_(\d+)", item)
        if not match:
            raise invalid(f"posts: {item} is invalid")
        post = api.posts.get((int(match.group(1)), int(match.group(2))))
        if post and not post["deleted"] and api._due(post):
            items.append(_post_object(api, post, token))
    return _extended({"items": items}, api, p)


def _extended(answer: dict, api: VkServer, p: dict) -> dict:
    if _flag(p, "extended"):
        answer["profiles"] = list(api.users.values())
        answer["groups"] = [_group_object(api, g, None, "") for g in api.groups.values()]
    return answer


def _count(p: dict, default: int, top: int = 100) -> tuple[int, int]:
    raw_count, raw_offset = str(p.get("count", default)), str(p.get("offset", 0))
    if not raw_count.isdigit() or not raw_offset.lstrip("-").isdigit():
        raise invalid("count and offset must be integers")
    return min(int(raw_count), top), max(0, int(raw_offset))


def wall_get(api: VkServer, p: dict, token: Token) -> dict:
    domain = str(p.get("domain", ""))
    if domain:
        match = [g for g in api.groups.values() if g["screen_name"] == domain]
        owner = -match[0]["id"] if match else 0
        if not match:
            raise invalid("domain is invalid")
    else:
        owner = api._owner(p, token)
    count, offset = _count(p, 20)
    kind = str(p.get("filter", "all"))
    if kind not in ("all", "owner", "others", "postponed", "suggests", "archived", "donut"):
        raise invalid("filter is invalid")
    if kind == "postponed":
        group = api._group(owner) if owner < 0 else None
        if group and api._level(group, token) < 2:
            raise VkError(15, "Access denied: no access to postponed posts")
    posts = api.wall(owner, postponed=kind == "postponed")
    if kind == "owner":
        posts = [q for q in posts if q["from_id"] == owner]
    elif kind == "others":
        posts = [q for q in posts if q["from_id"] != owner]
    elif kind in ("suggests", "archived", "donut"):
        posts = []
    items = [_post_object(api, q, token) for q in posts[offset : offset + count]]
    return _extended({"count": len(posts), "items": items}, api, p)


# -- comments ------------------------------------------------------------------------------


def wall_create_comment(api: VkServer, p: dict, token: Token) -> dict:
    owner = api._owner(p, token)
    post = _live_post(api, owner, api._post_id(p))
    group = api.groups.get(-owner)
    if post["close_comments"] or (group or {}).get("comments_closed"):
        raise VkError(213, "Access to status replies denied")
    message = str(p.get("message", ""))
    if not message and not p.get("attachments") and not p.get("sticker_id"):
        raise invalid("message is empty")  # (unconfirmed wording)
    _check_text(group, message)
    reply_to = int(p["reply_to_comment"]) if str(p.get("reply_to_comment", "")).isdigit() else 0
    if reply_to and (owner, reply_to) not in api.comments:
        raise invalid("reply_to_comment is invalid")
    guid = str(p.get("guid", ""))
    key = (token.user_id, owner, post["id"], guid)
    known = api.guids.get(key) if guid else None
    if known and api.now() - known[1] < api.guid_window:
        return {"comment_id": known[0], "parents_stack": []}  # (unconfirmed)
    as_group = str(p.get("from_group", "0"))
    from_id = token.user_id
    if token.kind == "group" or (as_group.isdigit() and int(as_group) and group):
        if token.kind == "user" and api._level(group, token) < 2:
            raise VkError(15, "Access denied: you are not an editor of this community")
        from_id = owner
    comment = api._new_comment(owner, post["id"], from_id, message, reply_to)
    if guid:
        api.guids[key] = (comment["id"], api.now())
    return {"comment_id": comment["id"], "parents_stack": comment["parents_stack"]}


def _comment_object(api: VkServer, c: dict, p: dict, depth: int) -> dict:
    if c["deleted"]:
        return {
            "id": c["id"],
            "deleted": True,
            "date": c["date"],
            "text": "",
            "post_id": c["post_id"],
        }
    shown = {k: v for k, v in c.items() if k not in ("deleted", "likes", "reply_to_comment")}
    cut = _preview_length(p)
    if cut and len(shown["text"]) > cut:
        shown["text"] = shown["text"][:cut]  # what VK appends to a cut text: (unconfirmed)
    if c["reply_to_comment"]:
        shown["reply_to_comment"] = c["reply_to_comment"]
    if _flag(p, "need_likes"):
        shown["likes"] = {"count": c["likes"], "user_likes": 0, "can_like": 1}
    if depth == 0:
        replies = _thread(api, c["owner_id"], c["post_id"], c["id"])
        items = [_comment_object(api, r, p, 1) for r in replies[: _thread_items(p)]]
        shown["thread"] = {"count": len(replies), "items": items, "can_post": True}
        shown["thread"].update(show_reply_button=True, groups_can_post=True)
    return shown


def _preview_length(p: dict) -> int:
    """`preview_length`: comments are cut to this many characters; 90 when not given
    (the schema: "By default, '90'. Specify '0' if you do not want to truncate")."""
    raw = str(p.get("preview_length", "90"))
    if not raw.isdigit():
        raise invalid("preview_length not integer")
    return int(raw)


def _thread_items(p: dict) -> int:
    raw = str(p.get("thread_items_count", "0"))
    if not raw.isdigit() or int(raw) > 10:
        raise invalid("thread_items_count should be less or equal to 10")
    return int(raw)


def _thread(api: VkServer, owner: int, post_id: int, root: int) -> list[dict]:
    """Top-level comments (root 0) or the replies in comment `root`'s thread, in order;
    a deleted comment stays as a placeholder while it has live replies."""
    found = []
    for c in api.comments.values():
        if c["owner_id"] != owner or c["post_id"] != post_id:
            continue
        if (c["parents_stack"][:1] or [0])[0] != root:
            continue
        if c["deleted"] and not (root == 0 and _thread_live(api, owner, c["id"])):
            continue
        found.append(c)
    return sorted(found, key=lambda c: c["id"])


def _thread_live(api: VkServer, owner: int, root: int) -> bool:
    return any(
        c["owner_id"] == owner and c["parents_stack"][:1] == [root] and not c["deleted"]
        for c in api.comments.values()
    )


def wall_get_comments(api: VkServer, p: dict, token: Token) -> dict:
    owner = api._owner(p, token)
    post = _live_post(api, owner, api._post_id(p))
    count, offset = _count(p, 10)
    root = int(p["comment_id"]) if str(p.get("comment_id", "")).isdigit() else 0
    order = str(p.get("sort", "asc"))
    if order not in ("asc", "desc", "smart"):
        raise invalid("sort is invalid")
    found = _thread(api, owner, post["id"], root)
    if order == "desc":
        found.reverse()
    start = str(p.get("start_comment_id", ""))
    if start.isdigit():
        ids = [c["id"] for c in found]
        if int(start) not in ids:
            raise VkError(104, "Not found")  # (unconfirmed)
        offset += ids.index(int(start))
    depth = 1 if root else 0
    items = [_comment_object(api, c, p, depth) for c in found[offset : offset + count]]
    answer = {"count": len(found), "current_level_count": len(found), "items": items}
    answer.update(can_post=not post["close_comments"], show_reply_button=True)
    answer["groups_can_post"] = True
    return _extended(answer, api, p)


def wall_delete_comment(api: VkServer, p: dict, token: Token) -> int:
    owner = api._owner(p, token)
    raw = str(p.get("comment_id", ""))
    comment = api.comments.get((owner, int(raw))) if raw.isdigit() else None
    if comment is None or comment["deleted"]:
        raise VkError(211, "Access to wall's comment denied")  # (unconfirmed for a gone one)
    group = api.groups.get(-owner)
    if comment["from_id"] != token.user_id and (group is None or api._level(group, token) < 1):
        raise VkError(211, "Access to wall's comment denied")
    comment["deleted"] = True
    return 1


# -- uploads -------------------------------------------------------------------------------
def _admin_group(api: VkServer, p: dict, token: Token, level: int = 2) -> dict:
    raw = str(p.get("group_id", ""))
    if not raw.isdigit():
        raise invalid("group_id is undefined")
    group = api._group(-int(raw))
    if api._level(group, token) < level:
        raise VkError(15, "Access denied: you are not an editor of this community")
    return group


def photos_get_wall_upload_server(api: VkServer, p: dict, token: Token) -> dict:
    group = _admin_group(api, p, token) if p.get("group_id") else None
    ticket = hashlib.md5(f"{time.time_ns()}{len(api.uploads)}".encode()).hexdigest()
    gid = group["id"] if group else 0
    api.uploads[ticket] = {"kind": "photo", "group": gid, "user": token.user_id, "used": False}
    url = f"{api.url}/upload/photo/{ticket}?act=do_add&mid={token.user_id}&aid={WALL_ALBUM}"
    answer = {"album_id": WALL_ALBUM, "upload_url": url + f"&gid={gid}&wallphoto=1"}
    answer["user_id"] = token.user_id
    return answer


def photos_save_wall_photo(api: VkServer, p: dict, token: Token) -> list:
    photo, server, given = str(p.get("photo", "")), str(p.get("server", "")), str(p.get("hash", ""))
    if not photo:
        raise invalid("photo is undefined")
    try:
        uploaded = json.loads(photo)
    except ValueError:
        raise invalid("photo is invalid") from None
    if not uploaded:
        raise invalid("photos_list is invalid")  # (unconfirmed wording)
    ticket = uploaded[0].get("kid", "")
    pending = api.uploads.get(ticket)
    if pending is None or pending.get("server") != server:
        raise VkError(118, "Invalid server")
    if pending["hash"] != given:
        raise VkError(121, "Invalid hash")
    if pending["used"]:
        raise invalid("photo was already saved")  # (unconfirmed)
    if str(p.get("group_id", "")) != str(pending["group"] or ""):
        raise VkError(121, "Invalid hash")
    caption = str(p.get("caption", ""))
    if len(caption) > CAPTION_MAX:
        raise invalid("caption is too long")
    pending["used"] = True
    owner = -pending["group"] if pending["group"] else token.user_id
    api._media_seq += 1
    stored = {
        "id": api._media_seq,
        "owner_id": owner,
        "album_id": WALL_ALBUM,
        "user_id": 100 if owner < 0 else token.user_id,
        "date": int(api.now()),
        "text": caption,
        "access_key": hashlib.md5(str(api._media_seq).encode()).hexdigest()[:18],
        **pending["file"],
    }
    api.photos[(owner, stored["id"])] = stored
    return [_photo_object(stored)]


def video_save(api: VkServer, p: dict, token: Token) -> dict:
    group = _admin_group(api, p, token) if p.get("group_id") else None
    if p.get("link"):
        raise invalid("link: this loopback server takes file uploads only")
    owner = -group["id"] if group else token.user_id
    api._media_seq += 1
    video = {
        "id": api._media_seq,
        "owner_id": owner,
        "title": str(p.get("name", "")) or "Untitled",
        "description": str(p.get("description", "")),
        "date": int(api.now()),
        "duration": 0,
        "access_key": hashlib.md5(f"v{api._media_seq}".encode()).hexdigest()[:18],
        "uploaded": False,
    }
    if len(video["title"]) > 128 or len(video["description"]) > 5000:
        raise invalid("name or description is too long")
    api.videos[(owner, video["id"])] = video
    ticket = hashlib.md5(f"v{time.time_ns()}".encode()).hexdigest()
    api.uploads[ticket] = {"kind": "video", "owner": owner, "video": video["id"], "used": False}
    return {
        "access_key": video["access_key"],
        "description": video["description"],
        "owner_id": owner,
        "title": video["title"],
        "upload_url": f"{api.url}/upload/video/{ticket}?vkVideoId={video['id']}",
        "video_id": video["id"],
    }


def upload_photo(api: VkServer, ticket: str, files: dict) -> dict:
    pending = api.uploads.get(ticket)
    if pending is None or pending["kind"] != "photo":
        return {"error": "ERR_UPLOAD_BAD_URL: upload url is invalid or expired"}  # (unconfirmed)
    server = str(856312 + len(api.uploads))
    answer = {
        "server": int(server),
        "photo": "[]",
        "hash": hashlib.md5(server.encode()).hexdigest(),
    }
    if "photo" not in files:
        return answer  # VK answers an empty list when the field is not `photo`
    _, _, data = files["photo"]
    kind, width, height = image_size(data)
    if not kind:
        return {"error": "ERR_UPLOAD_BAD_IMAGE: invalid image file"}  # (unconfirmed)
    if len(data) > PHOTO_MAX_BYTES or width + height > 14000:
        return {"error": "ERR_UPLOAD_BAD_IMAGE_SIZE: image is too big"}  # (unconfirmed)
    if width and height and max(width, height) > 20 * min(width, height):
        return {"error": "ERR_UPLOAD_BAD_IMAGE_SIZE: aspect ratio"}  # (unconfirmed)
    digest = hashlib.sha256(data).hexdigest()
    file = {"data": data, "sha256": digest, "format": kind, "width": width, "height": height}
    pending.update(server=server, hash=answer["hash"], file=file)
    answer["photo"] = json.dumps([{"photo": digest[:10] + ":w", "sizes": [], "kid": ticket}])
    return answer


def upload_video(api: VkServer, ticket: str, files: dict) -> dict:
    pending = api.uploads.get(ticket)
    if pending is None or pending["kind"] != "video" or pending["used"]:
        return {"error": "invalid upload url"}  # (unconfirmed)
    if "video_file" not in files:
        return {"error": "no file in field video_file"}  # (unconfirmed)
    _, _, data = files["video_file"]
    if data[4:8] != b"ftyp" and not data.startswith((b"RIFF", b"\x1aE\xdf\xa3", b"FLV")):
        return {"error": "bad video format"}  # (unconfirmed)
    pending["used"] = True
    video = api.videos[(pending["owner"], pending["video"])]
    video.update(uploaded=True, data=data, sha256=hashlib.sha256(data).hexdigest())
    return {
        "video_hash": video["access_key"],
        "size": len(data),
        "direct_link": f"https://vk.com/video{video['owner_id']}_{video['id']}",
        "owner_id": video["owner_id"],
        "video_id": video["id"],
    }


# -- communities, users, stats ---------------------------------------------------------------
def _group_object(api: VkServer, g: dict, token: Token | None, fields: str) -> dict:
    level = api._level(g, token) if token and token.kind != "service" else 0
    shown = {k: g[k] for k in ("id", "name", "screen_name", "is_closed", "type")}
    shown["photo_200"] = f"https://sun9-1.userapi.com/club{g['id']}.jpg"
    if token and token.kind == "user":
        shown.update(is_admin=int(level > 0), is_member=int(level > 0))
        if level:
            shown["admin_level"] = level
    wanted = {f.strip() for f in fields.split(",")}
    if "members_count" in wanted:
        shown["members_count"] = g["members_count"]
    if "can_post" in wanted:
        shown["can_post"] = int(level >= 2 or (g["wall"] == 1 and token is not None))
    if "wall" in wanted:
        shown["wall"] = g["wall"]
    return shown


def groups_get_by_id(api: VkServer, p: dict, token: Token) -> dict:
    wanted = str(p.get("group_ids", "") or p.get("group_id", ""))
    if not wanted and token.kind == "group":
        wanted = str(token.group_id)
    found = []
    for item in [x.strip() for x in wanted.split(",") if x.strip()]:
        match = [g for g in api.groups.values() if item in (str(g["id"]), g["screen_name"])]
        if not match:
            raise invalid("group_ids is undefined")  # (unconfirmed wording)
        found.append(_group_object(api, match[0], token, str(p.get("fields", ""))))
    if not found:
        raise invalid("group_ids is undefined")
    return {"groups": found, "profiles": []}


def groups_get_members(api: VkServer, p: dict, token: Token) -> dict:
    wanted = str(p.get("group_id", ""))
    match = [g for g in api.groups.values() if wanted in (str(g["id"]), g["screen_name"])]
    if not match:
        raise VkError(125, "Invalid group id")
    count, offset = _count(p, 1000, 1000)
    total = match[0]["members_count"]
    members = list(range(1_000_001, 1_000_001 + total)[offset : offset + count])
    return {"count": total, "items": members}


def stats_get_post_reach(api: VkServer, p: dict, token: Token) -> list:
    owner = api._owner(p, token)
    group = api._group(owner)
    if api._level(group, token) < 2:
        raise VkError(15, "Access denied: no access to statistics")  # (unconfirmed)
    ids = [x for x in str(p.get("post_ids", "")).split(",") if x.strip()]
    if not ids or len(ids) > 30:
        raise invalid("post_ids: from 1 to 30 post ids")
    found = []
    for raw in ids:
        post = api.posts.get((owner, int(raw))) if raw.strip().isdigit() else None
        if post is None or post["deleted"]:
            raise VkError(210)
        reach = dict.fromkeys(
            ("reach_total", "reach_subscribers", "reach_viral", "reach_ads", "links"), 0
        )
        reach.update(dict.fromkeys(("to_group", "join_group", "report", "hide"), 0))
        reach["unsubscribe"] = 0
        reach.update({k: v for k, v in post["metrics"].items() if k in reach})
        found.append({"post_id": post["id"], **reach})
    return found


def users_get(api: VkServer, p: dict, token: Token) -> list:
    wanted = str(p.get("user_ids", "")) or str(token.user_id)
    found = []
    for raw in [x.strip() for x in wanted.split(",") if x.strip()]:
        user = api.users.get(int(raw)) if raw.isdigit() else None
        if user:
            found.append({**user, "can_access_closed": True, "is_closed": False})
    return found


def account_get_app_permissions(api: VkServer, p: dict, token: Token) -> int:
    return sum(RIGHTS.get(r, 0) for r in token.rights)


METHODS = {
    "wall.post": wall_post,
    "wall.edit": wall_edit,
    "wall.delete": wall_delete,
    "wall.getById": wall_get_by_id,
    "wall.get": wall_get,
    "wall.createComment": wall_create_comment,
    "wall.getComments": wall_get_comments,
    "wall.deleteComment": wall_delete_comment,
    "photos.getWallUploadServer": photos_get_wall_upload_server,
    "photos.saveWallPhoto": photos_save_wall_photo,
    "video.save": video_save,
    "groups.getById": groups_get_by_id,
    "groups.getMembers": groups_get_members,
    "stats.getPostReach": stats_get_post_reach,
    "users.get": users_get,
    "account.getAppPermissions": account_get_app_permissions,
}


# -- HTTP --------------------------------------------------------------------------------------
def _parse(kind: str, body: bytes) -> tuple[dict, dict]:
    """(fields, files) of a urlencoded or multipart body; a JSON body is not read."""
    if not body or kind.startswith("application/json"):
        return {}, {}
    if not kind.startswith("multipart/form-data"):
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)), {}
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {kind}\r\n\r\n".encode() + body
    )
    fields, files = {}, {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            files[name] = (part.get_filename(), part.get_content_type(), payload)
        else:
            fields[name] = payload.decode("utf-8", "replace")
    return fields, files


def _handler(api: VkServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body: object) -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            kind = "text/html" if isinstance(body, bytes) else "application/json; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(raw)))
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
            fields, files = _parse(self.headers.get("Content-Type", ""), self.rfile.read(length))
            params = dict(parse_qsl(split.query, keep_blank_values=True))
            params.update(fields)
            auth = self.headers.get("Authorization", "")
            if auth.lower().startswith("bearer ") and "access_token" not in params:
                params["access_token"] = auth.split(" ", 1)[1].strip()
            parts = split.path.strip("/").split("/")
            if parts[0] == "upload" and len(parts) == 3:
                route = f"upload.{parts[1]}"
            elif parts[0] == "method" and len(parts) == 2:
                route = parts[1]
            else:
                return self._send(404, NGINX.format("404 Not Found").encode())
            call = Call(self.command, route, params, files, dict(self.headers))
            with api.lock:
                api.calls.append(call)
            self._serve(call, parts)

        def _serve(self, call: Call, parts: list[str]) -> None:
            fault = api._take_fault(call.route)
            if fault.startswith("http"):
                status = int(fault[4:])
                reason = {500: "Internal Server Error", 502: "Bad Gateway"}.get(status, "")
                return self._send(
                    status, NGINX.format(f"{status} {reason or 'Gateway Time-out'}").encode()
                )
            if fault == "reset":
                return self._drop()
            if fault == "slow":
                time.sleep(api.slow)
            code = re.fullmatch(r"(\d+)(-after)?", fault)
            if code and not code.group(2):
                call.answer = api.error_body(VkError(int(code.group(1))), call)
                return self._send(200, call.answer)
            if call.route.startswith("upload."):
                work = upload_photo if call.route == "upload.photo" else upload_video
                with api.lock:
                    answer = work(api, parts[2], call.files)
            else:
                answer = api.answer(call)
            if fault == "lost":
                return self._drop()
            if fault == "slow-after":
                time.sleep(api.slow)
            if code:
                answer = api.error_body(VkError(int(code.group(1))), call)
            call.answer = answer
            self._send(200, answer)

        do_GET = do_POST = _handle

    return Handler
