"""A loopback YouTube Data API v3 (uploads and what verifies them), from Google's docs.

Sources (developers.google.com/youtube, read 2026): v3/docs/videos/insert, v3/docs/videos
(resource; the July-2020 "unverified projects upload private" banner), v3/guides/
using_resumable_upload_protocol, data/determine_quota_cost (current: videos.insert has its
own bucket of 100 calls a day at cost 1; older page: 1600 units of the shared 10,000),
v3/docs/errors, v3/docs/videos/delete (204 No Content), channels/list, playlistItems/list,
videos/list; the discovery document youtube.v3.json (VideoSnippet, VideoStatus). Facts and
tags: /work/notes/research-tiktok-youtube-gbp.md.

What it does like YouTube (one host with the real path prefixes; `server.url` is the base
for www.googleapis.com and oauth2.googleapis.com alike):
- `POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status` with JSON
  metadata, validated: snippet.title 1–100 characters without `<`/`>` (invalidTitle),
  description ≤ 5000 UTF-8 bytes without `<`/`>` (invalidDescription), tags ≤ 500 characters
  counting the commas between tags and the quotes around a tag with a space (invalidTags),
  categoryId an assignable category (invalidCategoryId), status.privacyStatus
  public|unlisted|private, publishAt only with private (invalidPublishAt),
  selfDeclaredMadeForKids a boolean. → 200 with `Location:` the session URI, empty body.
- `PUT {session}` with `Content-Range: bytes a-b/TOTAL`: non-final chunks a multiple of
  256 KiB (else 400), each answered **308** with `Range: bytes=0-N`; the last → **201** (set
  `final_status = 200` to try the other) with the video resource. `Content-Range: bytes
  */TOTAL` is the status query: 308 with `Range` (none when nothing arrived), or the very
  same final answer again once complete; 404 once the session expired (`session_ttl`, or
  `expire_session`). A chunk that does not start where the upload stands stores nothing
  and gets 308 with the current Range.
- `GET /youtube/v3/channels?part=contentDetails,statistics&mine=true` (uploads playlist
  "UU…", subscriberCount as a string), `GET /youtube/v3/playlistItems?part=snippet&
  playlistId=UU…` (newest first, maxResults ≤ 50, default 5, pageToken; the owner also
  sees private uploads), `GET /youtube/v3/videos?part=statistics,status&id=…`,
  `DELETE /youtube/v3/videos?id=…` → 204. Listing needs a read scope (youtube.readonly,
  youtube, youtube.force-ssl): a token with only youtube.upload gets 403
  insufficientPermissions, as on YouTube.
- Processing: a finished upload reads `uploadStatus: uploaded`; after `processing_polls`
  videos.list reads it is `processed`, or `failed`/`invalidFile` (bytes that are not a
  video), or `rejected`/`duplicate` (same bytes as a live video on the channel).
- Quota per Pacific day: `quota_model = "current"` (insert bucket `insert_limit`=100, cost
  1; other calls from `daily_units`=10,000: list 1, delete 50) or "legacy" (insert 1600
  from the 10,000). Over → 403 `quotaExceeded` (domain youtube.quota). `quota_left()`.
- Errors in Google's envelope `{"error": {"code", "message", "errors": [{"message",
  "domain", "reason"}], "status"}}`: 401 authError "Invalid Credentials" / required "Login
  Required.", 403 insufficientPermissions, 400 uploadLimitExceeded (a channel's daily
  uploads, `Channel.daily_uploads`), 404 videoNotFound / playlistNotFound, 403 forbidden
  (another channel's video). Unknown paths get Google's HTML 404 page.
- `verified_project = False`: every upload is made private and locked (`video["locked"]`).
- OAuth (googleapi.py): `POST /token` refresh_token grant, `GET /tokeninfo`.

Read back: `server.videos` (id → the resource plus "data" bytes, "sha256", "locked",
"deleted"), `server.live(channel)`, `server.sessions`, `server.calls`.

Faults (`server.fail(route, *faults)`, routes "insert", "upload", "channels",
"playlistItems", "videos", "delete", "token", "tokeninfo"): "quota" (403 quotaExceeded),
"rate" (403 rateLimitExceeded), "429" (429 RESOURCE_EXHAUSTED), "uploadLimit" (400
uploadLimitExceeded), "401" (authError), "scope" (insufficientPermissions), "500"
(backendError), "503" (backendError, UNAVAILABLE), "502" (HTML gateway page); "503-after"
on "upload" stores the chunk and answers 503 (the case the upload guide warns about).

What it does not do: multipart and simple uploads, videos.update, thumbnails, captions,
search.list, videoCategories.list, real video decoding (Shorts shape and length).
(unconfirmed): `status` strings next to `errors` on YouTube 400/403 bodies; the code points
as the unit of the 100-character title; whether a title may be omitted (refused here);
privacyStatus defaulting to public; the session lifetime (7 days here); the answer to a
chunk that skips or overlaps bytes; the body of the 404 for an expired session; that
session-URI PUTs need no Authorization (none is checked here); the
reason for an invalid privacyStatus (invalidVideoMetadata here).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from .googleapi import GoogleAuth, google_error
from .loopback import Answer, Call, Loopback, html_404, html_502, is_video

YT = "https://www.googleapis.com/auth/"
UPLOAD_SCOPES = tuple(
    YT + s for s in ("youtube.upload", "youtube", "youtube.force-ssl", "youtubepartner")
)
READ_SCOPES = tuple(
    YT + s for s in ("youtube.readonly", "youtube", "youtube.force-ssl", "youtubepartner")
)
DELETE_SCOPES = tuple(YT + s for s in ("youtube", "youtube.force-ssl", "youtubepartner"))
CHUNK = 256 * 1024
CATEGORIES = {
    "1",
    "2",
    "10",
    "15",
    "17",
    "19",
    "20",
    "22",
    "23",
    "24",
    "25",
    "26",
    "27",
    "28",
    "29",
}
COST = {"channels": 1, "playlistItems": 1, "videos": 1, "delete": 50}
QUOTA_MESSAGE = (
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/'
    'getting-started#quota">quota</a>.'
)
ROUTES = {
    ("POST", "/upload/youtube/v3/videos"): "insert",
    ("PUT", "/upload/youtube/v3/videos"): "upload",
    ("GET", "/youtube/v3/channels"): "channels",
    ("GET", "/youtube/v3/playlistItems"): "playlistItems",
    ("GET", "/youtube/v3/videos"): "videos",
    ("DELETE", "/youtube/v3/videos"): "delete",
    ("POST", "/token"): "token",
    ("GET", "/tokeninfo"): "tokeninfo",
    ("GET", "/oauth2/v3/tokeninfo"): "tokeninfo",
}


def tag_length(tags: list[str]) -> int:
    """YouTube's count: commas between tags, quotes around a tag containing a space."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)


def _stamp(when: float) -> str:
    return dt.datetime.fromtimestamp(when, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Channel:
    id: str
    title: str
    subscribers: int = 0
    daily_uploads: int | None = None  # the channel's upload limit in 24 h (None: no limit)

    @property
    def uploads(self) -> str:
        return "UU" + self.id[2:]


@dataclass
class Session:
    upload_id: str
    channel: str
    metadata: dict
    parts: list[str]
    total: int | None
    created: float
    received: bytearray = field(default_factory=bytearray)
    final: tuple[int, dict] | None = None


@dataclass
class YouTubeServer(GoogleAuth, Loopback):
    channels: dict[str, Channel] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    videos: dict[str, dict] = field(default_factory=dict)
    quota_model: str = "current"  # current | legacy
    daily_units: int = 10_000
    insert_limit: int = 100
    insert_cost_legacy: int = 1600
    used_units: dict[str, int] = field(default_factory=dict)  # Pacific date -> units
    used_inserts: dict[str, int] = field(default_factory=dict)
    verified_project: bool = True
    final_status: int = 201
    session_ttl: float = 7 * 86400
    processing_polls: int = 1
    _next: int = 0

    # -- setting up ----------------------------------------------------------------------
    def add_channel(self, channel_id: str, title: str, token: str, scopes=None, **kw) -> Channel:
        self.channels[channel_id] = Channel(channel_id, title, **kw)
        self.add_token(
            token, channel_id, tuple(scopes or (YT + "youtube.upload", YT + "youtube.readonly"))
        )
        return self.channels[channel_id]

    def expire_session(self, upload_id: str) -> None:
        self.sessions[upload_id].created = self.now() - self.session_ttl - 1

    def service_name(self, call: Call) -> str:
        return "youtube.googleapis.com"

    # -- reading back --------------------------------------------------------------------
    def live(self, channel: str | None = None) -> list[dict]:
        return [
            v
            for v in self.videos.values()
            if not v["deleted"] and channel in (None, v["snippet"]["channelId"])
        ]

    def quota_day(self) -> str:
        return (
            dt.datetime.fromtimestamp(self.now(), ZoneInfo("America/Los_Angeles"))
            .date()
            .isoformat()
        )

    def quota_left(self) -> dict:
        day = self.quota_day()
        return {
            "units": self.daily_units - self.used_units.get(day, 0),
            "inserts": self.insert_limit - self.used_inserts.get(day, 0),
        }

    # -- plumbing ------------------------------------------------------------------------
    def route(self, call: Call):
        name = ROUTES.get((call.method, call.path))
        if name is None:
            raise html_404(call.path)
        handler = {"token": self.oauth_token, "tokeninfo": self.tokeninfo}.get(name)
        return name, handler or getattr(self, "_" + name.lower())

    def fault_answer(self, name: str, call: Call) -> Answer:
        faults = {
            "quota": lambda: google_error(403, QUOTA_MESSAGE, "quotaExceeded", "youtube.quota"),
            "rate": lambda: google_error(
                403, "Rate Limit Exceeded", "rateLimitExceeded", "usageLimits"
            ),
            "429": lambda: google_error(
                429,
                "Resource has been exhausted (e.g. check quota).",
                "rateLimitExceeded",
                "usageLimits",
            ),
            "uploadLimit": lambda: self._upload_limit(),
            "401": lambda: google_error(
                401,
                "Request had invalid authentication credentials.",
                "authError",
                item_message="Invalid Credentials",
                location="Authorization",
                locationType="header",
            ),
            "scope": lambda: google_error(
                403, "Request had insufficient authentication scopes.", "insufficientPermissions"
            ),
            "500": lambda: google_error(500, "Backend Error", "backendError"),
            "503": lambda: google_error(503, "Backend Error", "backendError"),
            "502": html_502,
        }
        if name not in faults:
            raise ValueError(f"unknown YouTube fault {name!r}")
        return faults[name]()

    def _upload_limit(self) -> Answer:
        message = "The user has exceeded the number of videos they may upload."
        return google_error(400, message, "uploadLimitExceeded", "youtube.video")

    def _bad(self, reason: str, message: str, domain: str = "youtube.video", **where) -> Answer:
        return google_error(400, message, reason, domain, **where)

    def _charge(self, units: int, bucket: str = "units") -> None:
        day = self.quota_day()
        used = self.used_inserts if bucket == "inserts" else self.used_units
        limit = self.insert_limit if bucket == "inserts" else self.daily_units
        if used.get(day, 0) + units > limit:
            raise google_error(403, QUOTA_MESSAGE, "quotaExceeded", "youtube.quota")
        used[day] = used.get(day, 0) + units

    def _parts(self, call: Call, allowed: tuple[str, ...]) -> list[str]:
        raw = call.query.get("part", "")
        if not raw:
            raise google_error(
                400,
                "Required parameter: part",
                "required",
                location="part",
                locationType="parameter",
            )
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        for part in parts:
            if part not in allowed:
                raise google_error(
                    400,
                    f"'{part}'",
                    "unknownPart",
                    "youtube.part",
                    location="part",
                    locationType="parameter",
                )
        return parts

    # -- insert --------------------------------------------------------------------------
    def _metadata(self, body: object) -> dict:
        if not isinstance(body, dict):
            raise self._bad("invalidVideoMetadata", "The request metadata is invalid.")
        snippet, status = body.get("snippet") or {}, body.get("status") or {}
        title = snippet.get("title")
        if (
            not isinstance(title, str)
            or not title.strip()
            or len(title) > 100
            or re.search("[<>]", title)
        ):
            raise self._bad(
                "invalidTitle", "The request metadata specifies an invalid or empty video title."
            )
        description = snippet.get("description", "")
        if (
            not isinstance(description, str)
            or len(description.encode("utf-8")) > 5000
            or re.search("[<>]", description)
        ):
            raise self._bad(
                "invalidDescription", "The request metadata specifies an invalid video description."
            )
        tags = snippet.get("tags", [])
        if (
            not isinstance(tags, list)
            or not all(isinstance(t, str) for t in tags)
            or tag_length(tags) > 500
        ):
            raise self._bad("invalidTags", "The request metadata specifies invalid video keywords.")
        if snippet.get("categoryId", "22") not in CATEGORIES:
            raise self._bad(
                "invalidCategoryId",
                "The <code>snippet.categoryId</code> property specifies an invalid category ID.",
            )
        privacy = status.get("privacyStatus", "public")
        if privacy not in ("public", "unlisted", "private"):
            raise self._bad("invalidVideoMetadata", "The request metadata is invalid.")
        if "publishAt" in status and privacy != "private":
            raise self._bad(
                "invalidPublishAt",
                "The request metadata specifies an invalid scheduled publishing time.",
            )
        kids = status.get("selfDeclaredMadeForKids", False)
        if not isinstance(kids, bool):
            raise self._bad("invalidVideoMetadata", "The request metadata is invalid.")
        return {"snippet": snippet, "status": status}

    def _insert(self, call: Call):
        token = self.bearer(call, UPLOAD_SCOPES)
        channel = self.channels[token.user]
        if call.query.get("uploadType") != "resumable":
            raise self._bad(
                "badRequest", "This loopback takes uploadType=resumable only.", "global"
            )
        parts = self._parts(
            call, ("snippet", "status", "id", "contentDetails", "recordingDetails", "localizations")
        )
        if self.quota_model == "legacy":
            self._charge(self.insert_cost_legacy)
        else:
            self._charge(1, "inserts")
        if channel.daily_uploads is not None:
            recent = [
                v
                for v in self.videos.values()
                if v["snippet"]["channelId"] == channel.id and v["created"] > self.now() - 86400
            ]
            if len(recent) >= channel.daily_uploads:
                raise self._upload_limit()
        metadata = self._metadata(call.json)
        kind = call.headers.get("x-upload-content-type", "video/*")
        if not (kind.startswith("video/") or kind == "application/octet-stream"):
            raise self._bad(
                "invalidContentType", "The uploaded file has an unsupported content type.", "global"
            )
        length = call.headers.get("x-upload-content-length")
        self._next += 1
        upload_id = (
            "AUjFp"
            + base64.urlsafe_b64encode(
                hashlib.sha256(str(self._next).encode()).digest()[:18]
            ).decode()
        )
        self.sessions[upload_id] = Session(
            upload_id,
            channel.id,
            metadata,
            parts,
            int(length) if length and length.isdigit() else None,
            self.now(),
        )
        location = f"{self.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}&part={','.join(parts)}"
        return 200, None, {"Location": location, "X-GUploader-UploadID": upload_id}

    # -- upload --------------------------------------------------------------------------
    def _upload(self, call: Call):
        sess = self.sessions.get(call.query.get("upload_id", ""))
        if sess is None or self.now() > sess.created + self.session_ttl:
            raise google_error(404, "Not Found", "notFound")
        if sess.final:
            return sess.final[0], sess.final[1], {}
        head = call.headers.get("content-range", "")
        query = re.fullmatch(r"bytes \*/(\d+|\*)", head)
        if query and not call.body:
            return self._incomplete(sess)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", head)
        if match:
            first, last = int(match[1]), int(match[2])
            total = None if match[3] == "*" else int(match[3])
        elif not head:
            first, last, total = 0, len(call.body) - 1, len(call.body)
        else:
            raise self._bad("badContent", f"Invalid Content-Range: {head}", "global")
        if last - first + 1 != len(call.body) or (total and sess.total and total != sess.total):
            raise self._bad(
                "badContent",
                "Content-Range does not match the body or X-Upload-Content-Length.",
                "global",
            )
        if first != len(sess.received):
            return self._incomplete(sess)
        final = total is not None and last + 1 == total
        if not final and len(call.body) % CHUNK:
            raise self._bad(
                "badContent",
                f"Invalid request. The number of bytes uploaded is required to be a multiple of {CHUNK}, except for the final request. The received request contained {len(call.body)} bytes.",
                "global",
            )
        sess.received.extend(call.body)
        if not final:
            return self._incomplete(sess)
        sess.final = (self.final_status, self._complete(sess))
        return sess.final[0], sess.final[1], {}

    def _incomplete(self, sess: Session):
        headers = {"Range": f"bytes=0-{len(sess.received) - 1}"} if sess.received else {}
        return 308, None, {**headers, "X-GUploader-UploadID": sess.upload_id}

    def _complete(self, sess: Session) -> dict:
        self._next += 1
        video_id = base64.urlsafe_b64encode(
            hashlib.sha256(f"v{self._next}".encode()).digest()
        ).decode()[:11]
        snippet, status = dict(sess.metadata["snippet"]), dict(sess.metadata["status"])
        channel = self.channels[sess.channel]
        privacy = status.get("privacyStatus", "public") if self.verified_project else "private"
        data = bytes(sess.received)
        video = {
            "kind": "youtube#video",
            "etag": hashlib.md5(video_id.encode()).hexdigest(),
            "id": video_id,
            "snippet": {
                "publishedAt": _stamp(self.now()),
                "channelId": channel.id,
                "title": snippet["title"],
                "description": snippet.get("description", ""),
                "thumbnails": {
                    "default": {
                        "url": f"https://i.ytimg.com/vi/{video_id}/default.jpg",
                        "width": 120,
                        "height": 90,
                    }
                },
                "channelTitle": channel.title,
                "tags": list(snippet.get("tags", [])),
                "categoryId": snippet.get("categoryId", "22"),
                "liveBroadcastContent": "none",
                "localized": {
                    "title": snippet["title"],
                    "description": snippet.get("description", ""),
                },
            },
            "status": {
                "uploadStatus": "uploaded",
                "privacyStatus": privacy,
                "license": status.get("license", "youtube"),
                "embeddable": status.get("embeddable", True),
                "publicStatsViewable": status.get("publicStatsViewable", True),
                "selfDeclaredMadeForKids": status.get("selfDeclaredMadeForKids", False),
                "madeForKids": status.get("selfDeclaredMadeForKids", False),
            },
            "statistics": {
                "viewCount": "0",
                "likeCount": "0",
                "favoriteCount": "0",
                "commentCount": "0",
            },
        }
        if not video["snippet"]["tags"]:
            del video["snippet"]["tags"]
        if "publishAt" in status and self.verified_project:
            video["status"]["publishAt"] = status["publishAt"]
        duplicate = any(
            v["sha256"] == hashlib.sha256(data).hexdigest() for v in self.live(channel.id)
        )
        self.videos[video_id] = {
            **video,
            "data": data,
            "sha256": hashlib.sha256(data).hexdigest(),
            "locked": not self.verified_project,
            "deleted": False,
            "created": self.now(),
            "reads": 0,
            "verdict": ("rejected", "rejectionReason", "duplicate") if duplicate else None,
        }
        return self._view(self.videos[video_id], ["id", *sess.parts])

    def _view(self, video: dict, parts: list[str]) -> dict:
        out = {k: video[k] for k in ("kind", "etag", "id")}
        for part in parts:
            if part in video and part != "id":
                out[part] = video[part]
        if "processingDetails" in parts:
            done = video["status"]["uploadStatus"] != "uploaded"
            out["processingDetails"] = {"processingStatus": "succeeded" if done else "processing"}
        return out

    def _process(self, video: dict) -> None:
        if video["status"]["uploadStatus"] != "uploaded":
            return
        video["reads"] += 1
        if video["reads"] <= self.processing_polls:
            return
        if not is_video(video["data"]):
            video["status"].update(uploadStatus="failed", failureReason="invalidFile")
        elif video["verdict"]:
            state, key, reason = video["verdict"]
            video["status"].update({"uploadStatus": state, key: reason})
        else:
            video["status"]["uploadStatus"] = "processed"

    # -- reading -------------------------------------------------------------------------
    def _list(
        self, kind: str, items: list, per_page: int, total: int | None = None, token: str = ""
    ) -> dict:
        body = {
            "kind": f"youtube#{kind}ListResponse",
            "etag": hashlib.md5(repr(items).encode()).hexdigest(),
            "pageInfo": {
                "totalResults": len(items) if total is None else total,
                "resultsPerPage": per_page,
            },
            "items": items,
        }
        if token:
            body["nextPageToken"] = token
        return body

    def _channels(self, call: Call):
        token = self.bearer(call, READ_SCOPES)
        parts = self._parts(call, ("id", "snippet", "contentDetails", "statistics", "status"))
        self._charge(COST["channels"])
        if call.query.get("mine") != "true" and "id" not in call.query:
            raise google_error(
                400,
                "No filter selected. Expected one of: mine, id, forHandle, forUsername, managedByMe, categoryId",
                "missingRequiredParameter",
                "youtube.parameter",
            )
        wanted = [token.user] if call.query.get("mine") == "true" else call.query["id"].split(",")
        items = []
        for cid in wanted:
            channel = self.channels.get(cid)
            if channel is None:
                continue
            full = {
                "snippet": {
                    "title": channel.title,
                    "description": "",
                    "customUrl": "@" + channel.title.lower().replace(" ", ""),
                },
                "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": channel.uploads}},
                "statistics": {
                    "viewCount": "0",
                    "subscriberCount": str(channel.subscribers),
                    "hiddenSubscriberCount": False,
                    "videoCount": str(
                        len([v for v in self.live(cid) if v["status"]["privacyStatus"] == "public"])
                    ),
                },
                "status": {
                    "privacyStatus": "public",
                    "isLinked": True,
                    "longUploadsStatus": "allowed",
                },
            }
            item = {
                "kind": "youtube#channel",
                "etag": hashlib.md5(cid.encode()).hexdigest(),
                "id": cid,
            }
            item.update({p: full[p] for p in parts if p in full})
            items.append(item)
        return 200, self._list("channel", items, 5), {}

    def _page(self, call: Call, default: int) -> tuple[int, int]:
        raw = call.query.get("maxResults", str(default))
        if not raw.isdigit() or int(raw) > 50:
            raise google_error(
                400,
                f"Invalid value '{raw}'. Values must be within the range: [0, 50]",
                "invalidParameter",
                location="maxResults",
                locationType="parameter",
            )
        offset = 0
        if call.query.get("pageToken"):
            try:
                offset = int(
                    base64.urlsafe_b64decode(call.query["pageToken"] + "==")
                    .decode()
                    .removeprefix("PT:")
                )
            except ValueError:
                raise google_error(
                    400,
                    "The request specifies an invalid page token.",
                    "invalidPageToken",
                    "youtube.parameter",
                ) from None
        return int(raw), offset

    def _playlistitems(self, call: Call):
        token = self.bearer(call, READ_SCOPES)
        parts = self._parts(call, ("id", "snippet", "contentDetails", "status"))
        self._charge(COST["playlistItems"])
        per_page, offset = self._page(call, 5)
        playlist = call.query.get("playlistId", "")
        channel = next((c for c in self.channels.values() if c.uploads == playlist), None)
        if channel is None:
            raise google_error(
                404,
                "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.",
                "playlistNotFound",
                "youtube.playlistItem",
                location="playlistId",
                locationType="parameter",
            )
        owner = token.user == channel.id
        videos = [
            v for v in self.live(channel.id) if owner or v["status"]["privacyStatus"] == "public"
        ]
        videos.sort(key=lambda v: v["created"], reverse=True)
        items = []
        for position, video in enumerate(videos[offset : offset + per_page], start=offset):
            full = {
                "snippet": {
                    "publishedAt": video["snippet"]["publishedAt"],
                    "channelId": channel.id,
                    "title": video["snippet"]["title"],
                    "description": video["snippet"]["description"],
                    "thumbnails": video["snippet"]["thumbnails"],
                    "channelTitle": channel.title,
                    "playlistId": playlist,
                    "position": position,
                    "resourceId": {"kind": "youtube#video", "videoId": video["id"]},
                    "videoOwnerChannelTitle": channel.title,
                    "videoOwnerChannelId": channel.id,
                },
                "contentDetails": {
                    "videoId": video["id"],
                    "videoPublishedAt": video["snippet"]["publishedAt"],
                },
                "status": {"privacyStatus": video["status"]["privacyStatus"]},
            }
            item_id = (
                base64.urlsafe_b64encode(f"{playlist}.{video['id']}".encode()).decode().rstrip("=")
            )
            item = {"kind": "youtube#playlistItem", "etag": video["etag"], "id": item_id}
            item.update({p: full[p] for p in parts if p in full})
            items.append(item)
        more = offset + per_page < len(videos)
        token_out = (
            base64.urlsafe_b64encode(f"PT:{offset + per_page}".encode()).decode().rstrip("=")
            if more
            else ""
        )
        return 200, self._list("playlistItem", items, per_page, len(videos), token_out), {}

    def _videos(self, call: Call):
        token = self.bearer(call, READ_SCOPES)
        parts = self._parts(
            call, ("id", "snippet", "status", "statistics", "processingDetails", "contentDetails")
        )
        self._charge(COST["videos"])
        if not call.query.get("id"):
            raise google_error(
                400,
                "No filter selected. Expected one of: chart, id, myRating",
                "missingRequiredParameter",
                "youtube.parameter",
            )
        items = []
        for video_id in call.query["id"].split(","):
            video = self.videos.get(video_id.strip())
            if video is None or video["deleted"]:
                continue
            mine = video["snippet"]["channelId"] == token.user
            if not mine and video["status"]["privacyStatus"] == "private":
                continue
            self._process(video)
            items.append(self._view(video, parts))
        return 200, self._list("video", items, len(items)), {}

    def _delete(self, call: Call):
        token = self.bearer(call, DELETE_SCOPES)
        self._charge(COST["delete"])
        video = self.videos.get(call.query.get("id", ""))
        if video is None or video["deleted"]:
            raise google_error(
                404,
                "The video that you are trying to delete cannot be found.",
                "videoNotFound",
                "youtube.video",
                location="id",
                locationType="parameter",
            )
        if video["snippet"]["channelId"] != token.user:
            raise google_error(
                403,
                "The video that you are trying to delete cannot be deleted. The request might not be properly authorized.",
                "forbidden",
                "youtube.video",
            )
        video["deleted"] = True
        return 204, None, {}
