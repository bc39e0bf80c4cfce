"""Threads: a media container, its status, then `threads_publish` (docs/platforms/threads.md).

Like Instagram, Threads fetches every image and video itself from a public URL
(`publicmedia`: the account's `media_base_url`, else the group's feed site). A text post
is a TEXT container; one file an IMAGE or VIDEO container (with its alt text); several a
CAROUSEL of items. `GET /{container}?fields=status,error_message` says IN_PROGRESS,
FINISHED, PUBLISHED, ERROR or EXPIRED; only a FINISHED one is published.

Exactly once: the container id is saved in the ledger (`checkpoint`) before
`threads_publish`. A resumed or doubtful send reads that container first: PUBLISHED →
the post is out, found among the account's latest posts by its text; FINISHED → publish
that same container; ERROR, EXPIRED or gone → a new one. The checkpoint is
`<container id>:<fingerprint of text and media>`, so an edited post never goes out from
a container holding its old text. Threads allows 250 published posts in 24 hours: the
quota is read before a container is made, and `doctor` shows what is left.
"""

from __future__ import annotations

import re

from ..model import Post
from ..text.count import threads_length
from . import publicmedia, sent, threads_doctor
from .base import MB, Attempt, Finding, Limits, Receipt, Rendered
from .containers import ContainerPublisher
from .http import RETRY, PublishError
from .meta_api import Graph

DEFAULT_API = "https://graph.threads.net/v1.0"
_MEDIA_ID = re.compile(r"^(\d+)$")  # a permalink has a shortcode, not the id
GONE = (33, 4279009)  # subcodes of an object that is not there (code 100, 24)


class Threads(ContainerPublisher):
    name = "threads"
    title = "Threads"
    # 500 characters, "emojis are counted as the number of UTF-8 bytes"; images JPEG/PNG
    # up to 8 MB, videos MOV/MP4 up to 1 GB; a carousel holds 2 to 20 items.
    limits = Limits(
        text=500,
        count=threads_length,
        unit="characters (an emoji counts its UTF-8 bytes)",
        media_max=20,
        videos_max=20,
        media_suffixes=frozenset({".jpg", ".jpeg", ".png", ".mp4", ".mov"}),
        image_bytes=8 * MB,
        video_bytes=1024 * MB,
    )
    required = ("user", "token_env")
    optional = ("api", "media_base_url")
    urls = ("api", "media_base_url")
    docs = "docs/platforms/threads.md"
    idempotent = True  # through the checkpointed container
    can_delete = True
    edge, publish_edge, limit_edge = "threads", "threads_publish", "threads_publishing_limit"
    not_ready = 4279009  # threads_publish on a container that is not FINISHED (code 24)

    def _graph(self) -> Graph:
        api = self.account.get("api") or DEFAULT_API
        return Graph(self.ctx.http, api, self.secret("token_env"), "Threads")

    def media_urls(self, post: Post) -> list[str]:
        return publicmedia.media_urls(
            self.account, self.ctx.group, post, post.media, "Threads", self.docs
        )

    # -- what is sent --------------------------------------------------------------------
    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        try:
            urls = self.media_urls(post) if post.media else []
        except PublishError as exc:
            return {"text": rendered.text, "error": exc.message}
        media = [
            {("video_url" if m.kind == "video" else "image_url"): url, "alt_text": m.alt}
            for m, url in zip(post.media, urls, strict=True)
        ]
        steps = [f"/{self.user}/threads", f"/{self.user}/threads_publish"]
        return {"POST": steps, "text": rendered.text, "media": media}

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        urls = self.media_urls(post) if post.media else []
        media = [[m.kind, m.alt, url] for m, url in zip(post.media, urls, strict=True)]
        mark = sent.fingerprint(rendered.text, media)
        return self.send_container(post, rendered.text, urls, mark, attempt)

    def _same(self, listed: str, text: str) -> bool:
        return sent.same_text(listed, text)

    def _item(self, kind: str, url: str, alt: str) -> dict:
        data = {"media_type": "VIDEO" if kind == "video" else "IMAGE"}
        data["video_url" if kind == "video" else "image_url"] = url
        if alt:
            data["alt_text"] = alt[:1000]
        return data

    def _create(self, graph: Graph, post: Post, text: str, urls: list[str]) -> str:
        items = [self._item(m.kind, url, m.alt) for m, url in zip(post.media, urls, strict=True)]
        if not items:
            return self._container(graph, {"media_type": "TEXT", "text": text})
        if len(items) == 1:
            return self._container(graph, {**items[0], "text": text})
        children = [self._container(graph, {**item, "is_carousel_item": "true"}) for item in items]
        for child in children:
            if self._wait(graph, child) != "FINISHED":
                raise PublishError(RETRY, f"carousel item {child} is not ready")
        data = {"media_type": "CAROUSEL", "children": ",".join(children), "text": text}
        return self._container(graph, data)

    # -- deleting ------------------------------------------------------------------------
    def delete(self, attempt: Attempt) -> None:
        media = sent.post_id(attempt.remote_id, _MEDIA_ID, "Threads")
        try:
            self._graph().delete(media)
        except PublishError as exc:
            if getattr(exc, "subcode", None) not in GONE:
                raise

    # -- doctor --------------------------------------------------------------------------
    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        return threads_doctor.findings(self, secrets)
