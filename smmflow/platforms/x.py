"""X (Twitter) API v2: `POST /2/tweets`, media through `/2/media/upload` (docs/platforms/x.md).

An image goes up in one request (`media_category=tweet_image`); a video or a GIF in
chunks (`/2/media/upload/initialize`, `/{id}/append` per 4 MiB, `/{id}/finalize`, then
`GET /2/media/upload?command=STATUS` until processing `succeeded`); alt text through
`/2/media/metadata`. The post's text is the plain rendering (X has no bold and links
every URL itself, counting it 23).

Exactly once: X has no idempotency key. A send whose answer is lost is `unknown` for a
person (`smmflow resolve`). Just before `POST /2/tweets` the time and a fingerprint are
saved (`sent.mark`), so after a run that stopped mid-send (and before any later try of
the same attempt) `verify` searches the account's posts since then for the same text;
nothing saved means nothing left. Should a resend still meet the first post (a timeline
that lags), X refuses it as duplicate content, and that is `unknown` for a person.
Wire details, errors and the OAuth 2.0 refresh: `x_api.py`.
"""

from __future__ import annotations

import html
import re
from typing import ClassVar

from ..model import Media, Post
from ..text.count import x_weighted
from ..text.xurls import x_url_spans
from . import sent, x_doctor
from .base import MB, Attempt, Finding, Limits, Publisher, Receipt, Rendered
from .http import FAIL, RETRY, UNKNOWN, PublishError
from .tokenstore import TokenStore
from .x_api import DEFAULT_API, DUPLICATE, Client, Tokens

CHUNK = 4 * 1024 * 1024
LOOKBACK = 100  # posts searched by `verify` (X's max_results)
_TCO = re.compile(r"https://t\.co/\w+")
_POST_ID = re.compile(r"(?:^|/status/)(\d{1,19})$")  # an id, or a post's URL
# X's snowflake ids carry their creation time: milliseconds since this epoch, << 22.
SNOWFLAKE_EPOCH_MS = 1288834974657


class X(Publisher):
    name = "x"
    title = "X"
    # 280 weighted characters (twitter-text v3: URLs 23, emoji and CJK 2); 4 photos, or
    # one GIF or one video; image 5 MB, GIF 15 MB, video 512 MB.
    limits = Limits(
        text=280,
        count=x_weighted,
        unit="weighted characters (links 23, emoji and CJK 2)",
        media_max=4,
        media_suffixes=frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4", ".mov"}),
        image_bytes=5 * MB,
        video_bytes=512 * MB,
    )
    required = ("token_env",)
    optional = ("api", "refresh_token_env", "client_id", "client_secret_env")
    urls = ("api",)
    docs = "docs/platforms/x.md"
    idempotent = False
    can_verify = True
    can_delete = True
    # Waits between STATUS reads of a processing video (seconds × the Http backoff
    # setting); X's own `check_after_secs` is used when it is shorter.
    poll_steps: ClassVar[tuple[float, ...]] = (1, 2, 3, 5, 10)
    poll_for: ClassVar[float] = 600.0

    # -- the account ---------------------------------------------------------------------
    def _client(self) -> Client:
        found = self.__dict__.get("_api")
        if found is None:
            api = (self.account.get("api") or DEFAULT_API).rstrip("/")
            refresh = (
                self.secret("refresh_token_env") if self.account.get("refresh_token_env") else ""
            )
            secret = (
                self.secret("client_secret_env") if self.account.get("client_secret_env") else ""
            )
            tokens = Tokens(
                self.ctx.http,
                api,
                self.secret("token_env"),
                refresh,
                str(self.account.get("client_id") or ""),
                secret,
                TokenStore(self.ctx.environ, self.ctx.root, "x"),
                self.account.secret_envs.get("refresh_token_env", ""),
            )
            found = self.__dict__["_api"] = Client(self.ctx.http, api, tokens)
        return found

    # -- what is sent --------------------------------------------------------------------
    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        body: dict = {"POST": "/2/tweets", "text": rendered.text}
        if post.media:
            body["media"] = [
                {"file": m.src, "upload": _category(m), "alt_text": m.alt} for m in post.media
            ]
        return body

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        resumed = sent.read(attempt.remote_id) is not None
        if resumed and (found := self.verify(post, attempt)) is not None:
            return found  # a stopped or failed try went out after all
        client = self._client()
        media_ids = [self._upload(client, media, attempt) for media in post.media]
        body: dict = {"text": rendered.text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        sent.mark(attempt, sent.fingerprint(rendered.text))
        try:
            answer = client.request(
                "POST", "/2/tweets", what="POST /2/tweets", publish=True, json=body
            )
        except PublishError as exc:
            if resumed and exc.kind == FAIL and DUPLICATE in exc.message.lower():
                raise PublishError(
                    UNKNOWN,
                    f"{exc.message}: the stopped run's post is probably out already",
                ) from None
            raise
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        post_id = str(data.get("id") or "")
        if not post_id:
            raise PublishError(UNKNOWN, "X answered POST /2/tweets without a post id")
        return _receipt(post_id)

    def _upload(self, client: Client, media: Media, attempt: Attempt) -> str:
        name, data, mime = attempt.upload(media)
        category = _category(media)
        if category == "tweet_image":
            answer = client.request(
                "POST",
                "/2/media/upload",
                what=f"upload of {media.src}",
                files={"media": (name, data, mime)},
                data={"media_category": category},
            )
            media_id = _media_id(answer, media)
        else:
            media_id = self._chunked(client, media, data, mime, category)
        if media.alt:
            client.request(
                "POST",
                "/2/media/metadata",
                what=f"alt text of {media.src}",
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt[:1000]}}},
            )
        return media_id

    def _chunked(self, client: Client, media: Media, data: bytes, mime: str, category: str) -> str:
        what = f"upload of {media.src}"
        started = client.request(
            "POST",
            "/2/media/upload/initialize",
            what=what,
            json={"media_type": mime, "total_bytes": len(data), "media_category": category},
        )
        media_id = _media_id(started, media)
        for index, start in enumerate(range(0, len(data), CHUNK)):
            client.request(
                "POST",
                f"/2/media/upload/{media_id}/append",
                what=what,
                files={"media": ("blob", data[start : start + CHUNK], "application/octet-stream")},
                data={"segment_index": str(index)},
            )
        done = client.request("POST", f"/2/media/upload/{media_id}/finalize", what=what)
        self._wait(client, media, media_id, done)
        return media_id

    def _wait(self, client: Client, media: Media, media_id: str, answer: dict) -> None:
        """Until X has processed the upload (`processing_info.state` succeeded), bounded."""
        waited, step = 0.0, 0
        while True:
            data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
            info = data.get("processing_info") if isinstance(data, dict) else None
            state = str((info or {}).get("state") or "succeeded")
            if state == "succeeded":
                return
            if state == "failed":
                error = (info or {}).get("error") or {}
                said = error.get("message") or error.get("name") or "processing failed"
                raise PublishError(FAIL, f"X could not process {media.src}: {said}")
            if waited >= self.poll_for:
                raise PublishError(RETRY, f"X was still processing {media.src} after {waited:.0f}s")
            pause = self.poll_steps[min(step, len(self.poll_steps) - 1)]
            try:
                pause = min(pause, float((info or {}).get("check_after_secs") or pause))
            except (TypeError, ValueError):
                pass
            step += 1
            waited += pause
            self.ctx.http.sleep(pause * self.ctx.http.policy.backoff)
            answer = client.request(
                "GET",
                "/2/media/upload",
                what=f"status of {media.src}",
                params={"command": "STATUS", "media_id": media_id},
            )

    # -- after a stop, and deleting ------------------------------------------------------
    def verify(self, post: Post, attempt: Attempt) -> Receipt | None:
        before = sent.read(attempt.remote_id)
        if before is None:
            return None  # the stopped try never reached POST /2/tweets
        client = self._client()
        me = client.request("GET", "/2/users/me", what="GET /2/users/me")
        user = str((me.get("data") or {}).get("id") or "")
        if not user:
            raise PublishError(RETRY, "X answered /2/users/me without the account's id")
        since = max(0, int(before.since * 1000) - SNOWFLAKE_EPOCH_MS) << 22
        answer = client.request(
            "GET",
            f"/2/users/{user}/tweets",
            what="the account's latest posts",
            params={
                "max_results": LOOKBACK,
                "since_id": str(since),
                "tweet.fields": "created_at,entities",
            },
        )
        want = _without_links(self.render(post).text)
        for item in answer.get("data") or []:
            if isinstance(item, dict) and _without_links(_as_written(item)) == want:
                return _receipt(str(item.get("id")))
        return None

    def delete(self, attempt: Attempt) -> None:
        post_id = sent.post_id(attempt.remote_id, _POST_ID, "X")
        try:
            self._client().request("DELETE", f"/2/tweets/{post_id}", what="DELETE /2/tweets")
        except PublishError as exc:
            if "HTTP 404" not in exc.message:
                raise

    # -- doctor --------------------------------------------------------------------------
    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        return x_doctor.findings(self, secrets)


def _category(media: Media) -> str:
    if media.kind == "video":
        return "tweet_video"
    return "tweet_gif" if media.file.suffix.lower() == ".gif" else "tweet_image"


def _media_id(answer: dict, media: Media) -> str:
    data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
    media_id = str(data.get("id") or "")
    if not media_id:
        raise PublishError(RETRY, f"X answered the upload of {media.src} without a media id")
    return media_id


def _receipt(post_id: str) -> Receipt:
    return Receipt(post_id, f"https://x.com/i/web/status/{post_id}")


def _as_written(item: dict) -> str:
    """A post's text as its author wrote it: t.co links back to where they lead, `&amp;`
    and the like unescaped (the media link X appends stays a t.co link)."""
    text = str(item.get("text") or "")
    for link in (item.get("entities") or {}).get("urls") or []:
        if isinstance(link, dict) and link.get("url") and link.get("expanded_url"):
            text = text.replace(str(link["url"]), str(link["expanded_url"]))
    return html.unescape(text)


def _without_links(text: str) -> str:
    """The words of a text, its links left out (X rewrites them), white space collapsed."""
    text = _TCO.sub("", text)
    spans = x_url_spans(text)
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return " ".join(text.split())
