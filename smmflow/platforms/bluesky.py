"""Bluesky (AT Protocol): com.atproto.repo.createRecord with a client-chosen rkey.

The record key of each post is a TID made from the post's time and the engine's
idempotency key (`bluesky_api.rkey_for`), so a run that resumes a stopped one asks for the
same key: it first looks the record up (getRecord) and, when it is there, takes it as
published instead of posting again. One session per account and run (createSession once,
refreshSession when the access token expires): logins are rate-limited.
"""

from __future__ import annotations

import re
import struct

from ..model import Media, Post
from . import bluesky_metrics, firstcomment
from .base import Attempt, Finding, Limits, Measurement, Publisher, Receipt, Rendered
from .bluesky_api import (
    DEFAULT_PDS,
    POST,
    Client,
    RateLimited,
    at_uri,
    now_rfc3339,
    parse_at_uri,
    rkey_for,
    token_scope,
)
from .http import FAIL, REAUTH, RETRY, PublishError

MENTION = "app.bsky.richtext.facet#mention"
PROBES = 8  # record keys tried when another post of the account holds ours (same minute)
_MIMES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
}


class Bluesky(Publisher):
    name = "bluesky"
    title = "Bluesky"
    style = "bluesky"
    # app.bsky.feed.post: 300 graphemes and 3000 UTF-8 bytes; blobs of images up to 1,000,000 bytes.
    limits = Limits(
        text=300,
        unit="graphemes",
        text_bytes=3000,
        media_max=4,
        image_bytes=1_000_000,
        video_bytes=100_000_000,
        media_suffixes=frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4"}),
    )
    required = ("handle", "password_env")
    optional = ("pds", "langs", "appview")
    urls = ("pds", "appview")
    docs = "docs/platforms/bluesky.md"
    community = "smmflow.platforms.bluesky_inbox:BlueskyInbox"  # comments: inbox, moderate, reply
    idempotent = True  # the record key is ours: a repeat finds the record instead of a double
    comment_limit = 300  # a reply to its own post (platforms/firstcomment.py)
    comment_idempotent = True  # its record key is ours
    can_find_comment = True
    can_verify = True
    can_delete = True
    post_metrics = bluesky_metrics.POST_METRICS
    account_metrics = ("followers",)
    not_measured = "Bluesky counts no views"

    def __init__(self, account, ctx):
        super().__init__(account, ctx)
        self._client: Client | None = None
        self._dids: dict[str, str | None] = {}  # handle -> DID (None: does not resolve)

    # -- settings ------------------------------------------------------------------------
    @property
    def handle(self) -> str:
        return (self.account.get("handle") or "").strip().lstrip("@")

    @property
    def pds(self) -> str:
        return (self.account.get("pds") or DEFAULT_PDS).strip().rstrip("/")

    @property
    def langs(self) -> list[str]:
        return [lang for lang in re.split(r"[\s,]+", self.account.get("langs") or "") if lang][:3]

    @property
    def client(self) -> Client:
        """The account's XRPC client, made once: its session serves every post of the run."""
        if self._client is None:
            add = getattr(self.ctx.redact, "add", None)
            self._client = Client(
                self.ctx.http,
                self.pds,
                self.handle,
                lambda: self.secret("password_env"),
                add if callable(add) else (lambda value: None),
            )
        return self._client

    def post_url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self.handle}/post/{rkey}"

    # -- publishing ----------------------------------------------------------------------
    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        record: dict = {"$type": POST, "text": rendered.text, "createdAt": "(when sent)"}
        if rendered.facets:
            record["facets"] = [dict(facet) for facet in rendered.facets]
        if self.langs:
            record["langs"] = self.langs
        if post.media:
            record["embed"] = {
                "media": [{"src": m.src, "alt": m.alt, "size": m.size} for m in post.media]
            }
        return {
            "pds": self.pds,
            "repo": self.handle,
            "collection": POST,
            "rkey": rkey_for(post.utc, attempt.key),
            "record": record,
        }

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        key = attempt.key
        client = self.client
        did = client.ensure().did
        rkey = None
        for probe in range(PROBES):
            candidate = rkey_for(post.utc, key, probe)
            found = client.get_record(did, candidate)
            if found is None:
                rkey = candidate
                break
            if _same_post(found, rendered):
                return self._receipt(did, candidate, found)  # a stopped run had sent it
        if rkey is None:
            raise PublishError(
                FAIL, f"{PROBES} record keys of this minute are taken by other posts"
            )
        record = self.record(post, rendered, attempt)
        last: PublishError | None = None
        for _attempt in range(2):
            try:
                return self._receipt(did, rkey, client.create_record(did, rkey, record))
            except PublishError as exc:
                if exc.kind in (FAIL, REAUTH) or isinstance(exc, RateLimited):
                    raise  # refused, or not acted on: nothing to look up, nothing to resend
                last = exc
            # No answer, or an error that may hide a success (the PDS answers 500 when the
            # key is already taken): the record itself says whether it went out.
            try:
                found = client.get_record(did, rkey)
            except PublishError:
                break
            if found is not None:
                if _same_post(found, rendered):
                    return self._receipt(did, rkey, found)
                raise PublishError(FAIL, f"record key {rkey} was taken by another post meanwhile")
        assert last is not None
        # The key is ours, so sending again is always safe: a retry, never "unknown".
        raise PublishError(RETRY, last.message)

    def comment(self, text: str, attempt: Attempt) -> Receipt:
        return firstcomment.bluesky(self, text, attempt.remote_id, attempt.key)

    def find_comment(self, text: str, attempt: Attempt) -> Receipt | None:
        return firstcomment.bluesky_find(self, text, attempt.remote_id, attempt.key)

    def _receipt(self, did: str, rkey: str, answer: dict) -> Receipt:
        uri = str(answer.get("uri") or at_uri(did, rkey))
        return Receipt(uri, self.post_url(rkey))

    def record(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        """The app.bsky.feed.post record: mentions resolved to DIDs, media uploaded."""
        record: dict = {"$type": POST, "text": rendered.text, "createdAt": now_rfc3339()}
        facets = self._facets(rendered.facets)
        if facets:
            record["facets"] = facets
        if self.langs:
            record["langs"] = self.langs
        embed = self._embed(post.media, attempt)
        if embed:
            record["embed"] = embed
        return record

    def _facets(self, facets: tuple[dict, ...]) -> list[dict]:
        """Facets as sent: a mention's `handle` becomes its `did`; a mention whose handle
        does not resolve is dropped (its text stays, as plain text)."""
        out = []
        for facet in facets:
            features = []
            for feature in facet.get("features", []):
                if feature.get("$type") == MENTION and "did" not in feature:
                    did = self._did(str(feature.get("handle", "")))
                    if did is None:
                        continue
                    feature = {"$type": MENTION, "did": did}
                features.append(dict(feature))
            if features:
                out.append({"index": dict(facet["index"]), "features": features})
        return out

    def _did(self, handle: str) -> str | None:
        handle = handle.lower()
        if handle not in self._dids:
            self._dids[handle] = self.client.resolve_handle(handle) if handle else None
        return self._dids[handle]

    def _embed(self, media: tuple[Media, ...], attempt: Attempt) -> dict | None:
        if not media:
            return None
        videos = [m for m in media if m.kind == "video"]
        if videos and len(media) > 1:
            raise PublishError(FAIL, "Bluesky takes either up to 4 images or one video per post")
        if videos:
            video = videos[0]
            data, mime, size = self._read(video, attempt)
            embed: dict = {"$type": "app.bsky.embed.video", "video": self._upload(data, mime)}
            if video.alt:
                embed["alt"] = video.alt
            return embed
        images = []
        for item in media:
            data, mime, size = self._read(item, attempt)
            limit = self.limits.image_bytes
            if limit and len(data) > limit:
                raise PublishError(
                    FAIL, f"{item.src} is {len(data):,} bytes; Bluesky takes images up to {limit:,}"
                )
            image: dict = {"image": self._upload(data, mime), "alt": item.alt}
            if size:
                image["aspectRatio"] = {"width": size[0], "height": size[1]}
            images.append(image)
        return {"$type": "app.bsky.embed.images", "images": images}

    def _read(self, media: Media, attempt: Attempt) -> tuple[bytes, str, tuple[int, int] | None]:
        data = attempt.read_media(media)
        sniffed, size = image_info(data)
        mime = sniffed or _MIMES.get(media.file.suffix.lower(), "application/octet-stream")
        return data, mime, size

    def _upload(self, data: bytes, mime: str) -> dict:
        return self.client.upload_blob(data, mime)

    # -- after publishing ----------------------------------------------------------------
    def verify(self, post: Post, attempt: Attempt) -> Receipt | None:
        key = attempt.key
        client = self.client
        did = client.ensure().did
        rendered = self.render(post)
        for probe in range(PROBES):
            rkey = rkey_for(post.utc, key, probe)
            found = client.get_record(did, rkey)
            if found is None:
                return None
            if _same_post(found, rendered):
                return self._receipt(did, rkey, found)
        return None

    def delete(self, attempt: Attempt) -> None:
        try:
            repo, collection, rkey = parse_at_uri(attempt.remote_id)
        except ValueError as exc:
            raise PublishError(FAIL, f"cannot delete: {exc}") from None
        self.client.delete_record(repo, rkey, collection)

    # -- metrics -----------------------------------------------------------------------
    @property
    def appview(self) -> str:
        return (self.account.get("appview") or bluesky_metrics.DEFAULT_APPVIEW).strip()

    def measure(self, remote_ids) -> Measurement:
        return bluesky_metrics.measure(self.ctx.http, self.appview, self.handle, remote_ids)

    def doctor_metrics(self) -> list[Finding]:
        return bluesky_metrics.doctor(self.ctx.http, self.appview, self.handle)

    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        """The account as its PDS sees it (the secret lines are not repeated)."""
        client = self.client
        try:
            session = client.login()
        except PublishError as exc:
            if exc.kind == REAUTH:
                return [
                    Finding(
                        "error",
                        f"app password refused: {self.pds} does not accept the value of "
                        f"{self.account.get('password_env')} for @{self.handle} "
                        "(create an app password under Settings → Privacy and security)",
                    )
                ]
            return [Finding("error", f"{self.pds}: {exc.message}")]
        info = client.get_session()
        did = str(info.get("did") or session.did)
        handle = str(info.get("handle") or session.handle)
        found = [Finding("ok", f"@{handle} ({did}) on {self.pds}")]
        if info.get("active") is False:
            status = info.get("status") or "inactive"
            found.append(Finding("error", f"the account is {status}: it cannot post"))
        if handle.lower() != self.handle.lower() and not self.handle.startswith("did:"):
            found.append(
                Finding("warning", f"the PDS calls this account @{handle}, not @{self.handle}")
            )
        if token_scope(session.access) == "com.atproto.access":
            found.append(
                Finding(
                    "warning",
                    "this is the account's main password: use an app password instead "
                    "(it can be revoked alone and cannot change the account)",
                )
            )
        return found


def _same_post(found: dict, rendered: Rendered) -> bool:
    """Whether a record at our key is this post (same text), not another one of its minute."""
    value = found.get("value")
    return isinstance(value, dict) and value.get("text") == rendered.text


# -- image headers -------------------------------------------------------------------------
def image_info(data: bytes) -> tuple[str | None, tuple[int, int] | None]:
    """(MIME type, (width, height)) read from an image's first bytes; None where unknown.
    PNG, JPEG, GIF and WebP; anything else (video included) gives (None, None)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", _size(width, height)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", _size(width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", _webp_size(data)
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg", _jpeg_size(data)
    return None, None


def _size(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return _size(width, height)
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return _size(width, height)
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return _size(width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return _size((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return None
