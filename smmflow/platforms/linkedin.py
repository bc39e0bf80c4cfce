"""LinkedIn organization pages: `POST /rest/posts` by `urn:li:organization:N`, the
commentary in the "little" text format (docs/platforms/linkedin.md).

Images: `POST /rest/images?action=initializeUpload`, one `PUT` of the file, then reads of
`/rest/images/{urn}` until AVAILABLE; one image is `content.media` (with `altText`), two
or more `content.multiImage`. A video: `/rest/videos?action=initializeUpload` with its
size, a `PUT` per part (each part's ETag kept), `finalizeUpload`, then reads until
AVAILABLE. The post's URN comes back in `x-restli-id`.

Exactly once: LinkedIn has no idempotency key. A send whose answer is lost is `unknown`
for a person (`smmflow resolve`). Just before `POST /rest/posts` the time and a
fingerprint are saved (`sent.mark`): after a run that stopped mid-send (and before any
later try of the same attempt), `verify` looks through the organization's posts since
then for the same commentary; nothing saved means nothing left. A resend that meets the first post anyway is refused by LinkedIn as
DUPLICATE_POST, naming it: that post is taken as this one's.
Wire details and errors: `linkedin_api.py`.
"""

from __future__ import annotations

import re
from typing import ClassVar

from ..model import Media, Post
from ..text.count import utf16_units
from ..text.little import escape
from ..text.render import rich
from . import edits, firstcomment, linkedin_doctor, sent
from .base import MB, Attempt, Finding, Limits, Publisher, Receipt, Rendered
from .http import FAIL, RETRY, UNKNOWN, PublishError
from .linkedin_api import (
    DEFAULT_API,
    Client,
    LinkedInError,
    encode,
)

_ORG = re.compile(r"^urn:li:organization:\d+$")
_POST_URN = re.compile(r"(urn:li:(?:share|ugcPost):\d+)/?$")  # a URN, or its feed URL
LOOKBACK = 50  # the organization's latest posts searched by `verify`


class LinkedIn(Publisher):
    name = "linkedin"
    title = "LinkedIn"
    style = "little"  # its own `render`: plain text escaped as little text
    # commentary up to 3,000 characters, counted here on the little text as sent (escapes
    # included) in UTF-16 units: never more than LinkedIn counts; 2-20 images, or one video.
    limits = Limits(
        text=3000,
        count=utf16_units,
        unit="UTF-16 units of the commentary as sent (escapes count)",
        media_max=20,
        media_suffixes=frozenset({".jpg", ".jpeg", ".png", ".gif", ".mp4"}),
        image_bytes=36 * MB,
        video_bytes=500 * MB,
    )
    required = ("author", "token_env")
    optional = ("api", "oauth", "client_id", "client_secret_env")
    urls = ("api", "oauth")
    docs = "docs/platforms/linkedin.md"
    idempotent = False
    can_verify = True
    can_delete = True
    can_edit = True  # PARTIAL_UPDATE of the commentary (platforms/edits.py)
    comment_limit = 1250  # socialActions comments as the organization (firstcomment.py)
    can_find_comment = True
    poll_steps: ClassVar[tuple[float, ...]] = (1, 2, 3, 5, 10)
    poll_for: ClassVar[float] = 600.0

    @classmethod
    def render(cls, post: Post) -> Rendered:
        """The plain text, escaped as little text; limits counted on what is sent."""
        plain = rich(post.body).plain
        commentary = escape(plain)
        lim = cls.limits
        return Rendered(cls.name, commentary, plain, lim.count(commentary), lim.text, lim.unit)

    # -- the account ---------------------------------------------------------------------
    @property
    def author(self) -> str:
        author = str(self.account.get("author") or "").strip()
        if not _ORG.match(author):
            raise PublishError(
                FAIL,
                f"author {author!r} of {self.account.name} is not an organization URN like "
                "urn:li:organization:123",
            )
        return author

    def _client(self) -> Client:
        return Client(
            self.ctx.http, self.account.get("api") or DEFAULT_API, self.secret("token_env")
        )

    # -- what is sent --------------------------------------------------------------------
    def _body(self, rendered: Rendered, content: dict | None) -> dict:
        body: dict = {
            "author": self.author,
            "commentary": rendered.text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if content:
            body["content"] = content
        return body

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        body = {
            "POST": "/rest/posts",
            "commentary": rendered.text,
            "author": self.account.get("author"),
        }
        if post.media:
            body["media"] = [{"file": m.src, "altText": m.alt} for m in post.media]
        return body

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        resumed = sent.read(attempt.remote_id) is not None
        if resumed and (found := self.verify(post, attempt)) is not None:
            return found  # a stopped or failed try went out after all
        client = self._client()
        urns = [self._upload(client, media, attempt) for media in post.media]
        content = _content(post.media, urns)
        sent.mark(attempt, sent.fingerprint(rendered.text))
        try:
            response = client.request(
                "POST",
                "/posts",
                what="POST /rest/posts",
                publish=True,
                json=self._body(rendered, content),
            )
        except LinkedInError as exc:
            if resumed and exc.duplicate_of:
                return _receipt(exc.duplicate_of)  # the stopped run's post
            raise
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise PublishError(
                UNKNOWN,  # a 2xx: the post is probably out, but under which URN?
                f"LinkedIn answered HTTP {response.status_code} without x-restli-id",
            )
        return _receipt(urn)

    def _upload(self, client: Client, media: Media, attempt: Attempt) -> str:
        _, data, _ = attempt.upload(media)
        kind = "videos" if media.kind == "video" else "images"
        request: dict = {"owner": self.author}
        if kind == "videos":
            request.update(fileSizeBytes=len(data), uploadCaptions=False, uploadThumbnail=False)
        started = client.read(
            "POST",
            f"/{kind}",
            what=f"upload of {media.src}",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": request},
        )
        value = started.get("value") if isinstance(started.get("value"), dict) else {}
        urn = str(value.get("video" if kind == "videos" else "image") or "")
        if not urn:
            raise PublishError(RETRY, f"LinkedIn gave no URN for {media.src}")
        if kind == "images":
            url = str(value.get("uploadUrl") or "")
            client.request("PUT", url, what=f"upload of {media.src}", data=data)
        else:
            self._video_parts(client, media, data, urn, value)
        self._wait(client, kind, urn, media)
        return urn

    def _video_parts(
        self, client: Client, media: Media, data: bytes, urn: str, value: dict
    ) -> None:
        etags = []
        for part in value.get("uploadInstructions") or []:
            first, last = int(part["firstByte"]), int(part["lastByte"])
            answer = client.request(
                "PUT",
                str(part["uploadUrl"]),
                what=f"upload of {media.src}",
                data=data[first : last + 1],
            )
            etags.append(answer.headers.get("ETag", ""))
        finalize = {
            "video": urn,
            "uploadToken": value.get("uploadToken", ""),
            "uploadedPartIds": etags,
        }
        client.request(
            "POST",
            "/videos",
            what=f"upload of {media.src}",
            params={"action": "finalizeUpload"},
            json={"finalizeUploadRequest": finalize},
        )

    def _wait(self, client: Client, kind: str, urn: str, media: Media) -> None:
        """Until LinkedIn has processed the upload (AVAILABLE), bounded."""
        waited, step = 0.0, 0
        while True:
            state = str(
                client.read("GET", f"/{kind}/{encode(urn)}", what=f"status of {media.src}").get(
                    "status"
                )
                or ""
            )
            if state == "AVAILABLE":
                return
            if state == "PROCESSING_FAILED":
                raise PublishError(FAIL, f"LinkedIn could not process {media.src} ({urn})")
            if waited >= self.poll_for:
                raise PublishError(
                    RETRY, f"LinkedIn was still processing {media.src} after {waited:.0f}s"
                )
            pause = self.poll_steps[min(step, len(self.poll_steps) - 1)]
            step += 1
            waited += pause
            self.ctx.http.sleep(pause * self.ctx.http.policy.backoff)

    # -- after a stop, and deleting ------------------------------------------------------
    def verify(self, post: Post, attempt: Attempt) -> Receipt | None:
        before = sent.read(attempt.remote_id)
        if before is None:
            return None  # the stopped try never reached POST /rest/posts
        answer = self._client().read(
            "GET",
            "/posts",
            what="the organization's latest posts",
            params={"q": "author", "author": self.author, "count": LOOKBACK, "sortBy": "CREATED"},
        )
        want = self.render(post).text
        for item in answer.get("elements") or []:
            if (
                not isinstance(item, dict)
                or float(item.get("createdAt") or 0) < before.since * 1000
            ):
                continue
            if sent.same_text(str(item.get("commentary") or ""), want):
                return _receipt(str(item.get("id")))
        return None

    def edit(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        urn = sent.post_id(attempt.remote_id, _POST_URN, "LinkedIn")
        return edits.linkedin(self, rendered, urn, _receipt(urn).url)

    def comment(self, text: str, attempt: Attempt) -> Receipt:
        urn = sent.post_id(attempt.remote_id, _POST_URN, "LinkedIn")
        return firstcomment.linkedin(self, text, urn)

    def find_comment(self, text: str, attempt: Attempt) -> Receipt | None:
        urn = sent.post_id(attempt.remote_id, _POST_URN, "LinkedIn")
        return firstcomment.linkedin_find(self, text, urn)

    def delete(self, attempt: Attempt) -> None:
        urn = sent.post_id(attempt.remote_id, _POST_URN, "LinkedIn")
        try:
            self._client().request("DELETE", f"/posts/{encode(urn)}", what="DELETE /rest/posts")
        except LinkedInError as exc:
            if "HTTP 404" not in exc.message:
                raise

    # -- doctor --------------------------------------------------------------------------
    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        return linkedin_doctor.findings(self, secrets)


def _content(media: tuple[Media, ...], urns: list[str]) -> dict | None:
    if not urns:
        return None
    if len(urns) == 1:
        one: dict = {"id": urns[0]}
        if media[0].kind == "video":
            one["title"] = media[0].alt[:200]
        elif media[0].alt:
            one["altText"] = media[0].alt
        return {"media": one}
    images = [
        {"id": urn, **({"altText": m.alt} if m.alt else {})}
        for m, urn in zip(media, urns, strict=True)
    ]
    return {"multiImage": {"images": images}}


def _receipt(urn: str) -> Receipt:
    return Receipt(urn, f"https://www.linkedin.com/feed/update/{urn}")
