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
from typing import ClassVar

from ..model import Post
from ..text.count import threads_length
from . import publicmedia, sent
from .base import MB, Attempt, Finding, Limits, Publisher, Receipt, Rendered
from .http import FAIL, RETRY, UNKNOWN, PublishError
from .meta_api import Graph, token_findings, usage_findings

DEFAULT_API = "https://graph.threads.net/v1.0"
PERMISSIONS = ("threads_basic", "threads_content_publish")
_CHECKPOINT = re.compile(r"^(\d+)(?::([0-9a-f]{12}))?$")
_MEDIA_ID = re.compile(r"^(\d+)$")  # a permalink has a shortcode, not the id
NOT_READY = 4279009  # threads_publish on a container that is not FINISHED (code 24)
GONE = (33, 4279009)  # subcodes of an object that is not there (code 100, 24)
LOOKBACK = 25  # latest posts searched for a container that says PUBLISHED


class Threads(Publisher):
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
        image_side=1440,  # Threads: width up to 1440 px
        video_bytes=1024 * MB,
        video_seconds=(0, 300),  # videos up to 5 minutes
    )
    required = ("user", "token_env")
    optional = ("api", "media_base_url")
    urls = ("api", "media_base_url")
    docs = "docs/platforms/threads.md"
    media_by_url = True  # images fetched from a public URL (publicmedia)
    idempotent = True  # through the checkpointed container
    can_delete = True
    poll_steps: ClassVar[tuple[float, ...]] = (1, 2, 3, 5, 10)
    poll_for: ClassVar[float] = 600.0

    @property
    def user(self) -> str:
        return str(self.account.get("user") or "")

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
        graph = self._graph()
        urls = self.media_urls(post) if post.media else []
        media = [[m.kind, m.alt, url] for m, url in zip(post.media, urls, strict=True)]
        mark = sent.fingerprint(rendered.text, media)
        container = ""
        if attempt.remote_id:
            found = self._resume(graph, rendered.text, mark, attempt.remote_id)
            if isinstance(found, Receipt):
                return found
            container = found or ""
        if not container:
            self._check_quota(graph)
            container = self._create(graph, post, rendered.text, urls)
            attempt.checkpoint(f"{container}:{mark}")
        if self._wait(graph, container) == "PUBLISHED":
            return self._find(graph, rendered.text, container)
        return self._publish(graph, container, rendered.text)

    def _resume(self, graph: Graph, text: str, mark: str, saved: str) -> Receipt | str | None:
        """What a stopped send left: its post (Receipt), a container to publish, or None."""
        found = _CHECKPOINT.match(saved)
        if not found:
            return None
        container = found.group(1)
        try:
            state, _ = self._status(graph, container)
        except PublishError as exc:
            if exc.kind == FAIL:
                return None  # gone, or not a container: start afresh
            raise
        if state == "PUBLISHED":
            return self._find(graph, text, container)
        if state in ("FINISHED", "IN_PROGRESS") and found.group(2) == mark:
            return container
        return None

    def _container(self, graph: Graph, data: dict) -> str:
        # A container publishes nothing (unpublished ones expire after 24 h): safe to repeat.
        answer = graph.post(f"{self.user}/threads", data, publish=False)
        container = str(answer.get("id") or "")
        if not container:
            raise PublishError(RETRY, "Threads answered without a container id")
        return container

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

    def _status(self, graph: Graph, container: str) -> tuple[str, str]:
        answer = graph.get(container, fields="status,error_message")
        return str(answer.get("status") or ""), str(answer.get("error_message") or "")

    def _wait(self, graph: Graph, container: str) -> str:
        """Poll the container until it is FINISHED (or PUBLISHED); other ends raise."""
        waited, step = 0.0, 0
        while True:
            state, detail = self._status(graph, container)
            if state in ("FINISHED", "PUBLISHED"):
                return state
            if state == "ERROR":
                raise PublishError(
                    FAIL, f"Threads could not process the media (container {container}: {detail})"
                )
            if state == "EXPIRED":
                raise PublishError(
                    RETRY, f"container {container} expired; the next run makes a new one"
                )
            if waited >= self.poll_for:
                raise PublishError(
                    RETRY,
                    f"Threads is still processing container {container} after {waited:.0f}s; "
                    "the next run continues with it",
                )
            pause = self.poll_steps[min(step, len(self.poll_steps) - 1)]
            step += 1
            waited += pause
            self.ctx.http.sleep(pause * self.ctx.http.policy.backoff)

    def _publish(self, graph: Graph, container: str, text: str) -> Receipt:
        """`threads_publish`, made safe to repeat by reading the container when in doubt."""
        for round_ in range(3):
            try:
                answer = graph.post(
                    f"{self.user}/threads_publish", {"creation_id": container}, publish=True
                )
            except PublishError as exc:
                if exc.kind != UNKNOWN and getattr(exc, "subcode", None) != NOT_READY:
                    raise
                try:
                    state, _ = self._status(graph, container)
                except PublishError:
                    state = ""
                if state == "PUBLISHED":
                    return self._find(graph, text, container)
                if state in ("FINISHED", "IN_PROGRESS") and round_ < 2:
                    if state == "IN_PROGRESS":
                        self._wait(graph, container)
                    continue
                raise PublishError(
                    RETRY,
                    f"{exc.message}; the next run checks container {container} before "
                    "publishing it",
                ) from None
            media = str(answer.get("id") or "")
            if not media:
                return self._find(graph, text, container)
            return Receipt(media, self._permalink(graph, media))
        raise AssertionError("unreachable")

    def _find(self, graph: Graph, text: str, container: str) -> Receipt:
        """The post a PUBLISHED container became: the newest of the account's latest posts
        with this text (the API links no container to its post)."""
        where = f"check the Threads account of {self.account.name} (user {self.user})"
        try:
            answer = graph.get(f"{self.user}/threads", fields="id,text,permalink", limit=LOOKBACK)
        except PublishError as exc:
            if exc.kind == RETRY:
                raise
            raise PublishError(
                UNKNOWN,
                f"container {container} is published but its post could not be looked up "
                f"({exc.message}); {where}",
            ) from None
        for item in answer.get("data") or []:
            if isinstance(item, dict) and sent.same_text(str(item.get("text") or ""), text):
                media = str(item.get("id") or "")
                return Receipt(
                    media, str(item.get("permalink") or "") or self._permalink(graph, media)
                )
        raise PublishError(
            UNKNOWN,
            f"container {container} is published but no post with this text is among the "
            f"account's latest {LOOKBACK}; {where}",
        )

    def _permalink(self, graph: Graph, media: str) -> str:
        try:
            return str(graph.get(media, fields="permalink").get("permalink") or "")
        except PublishError:
            return ""  # published all the same; status shows no link

    # -- the 250 posts a day -------------------------------------------------------------
    def _quota(self, graph: Graph) -> tuple[int, int] | None:
        data = graph.get(f"{self.user}/threads_publishing_limit", fields="quota_usage,config")
        rows = data.get("data") or []
        if not rows or not isinstance(rows[0], dict):
            return None
        try:
            used = int(rows[0].get("quota_usage") or 0)
            total = int((rows[0].get("config") or {}).get("quota_total") or 0)
        except (TypeError, ValueError):
            return None
        return (used, total) if total else None

    def _check_quota(self, graph: Graph) -> None:
        """Refuse early when the 24-hour publishing quota is spent (no container made)."""
        try:
            quota = self._quota(graph)
        except PublishError as exc:
            if exc.kind in (FAIL, RETRY):
                return  # threads_publish itself will say what is wrong
            raise
        if quota and quota[0] >= quota[1]:
            raise PublishError(
                RETRY,
                f"Threads' publishing limit is reached ({quota[0]} of {quota[1]} posts in 24 "
                "hours); a later run publishes it",
                retry_after=3600,
            )

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
        found = list(secrets)
        graph = self._graph()
        try:
            me = graph.get(self.user, fields="id,username")
        except PublishError as exc:
            return [*found, Finding("error", f"the token does not work: {exc.message}")]
        found.append(Finding("ok", f"@{me.get('username') or '?'} ({self.user})"))
        found += usage_findings(graph)
        found.append(self._quota_finding(graph))
        if (
            not self.account.get("media_base_url")
            and publicmedia.feed_account(self.ctx.group) is None
        ):
            found.append(
                Finding(
                    "warning",
                    "no public URL for media: posts with images or videos need media_base_url "
                    "on this account or base_url on the group's feed account",
                )
            )
        return found + token_findings(graph, PERMISSIONS)

    def _quota_finding(self, graph: Graph) -> Finding:
        try:
            quota = self._quota(graph)
        except PublishError as exc:
            return Finding("warning", f"could not read the publishing quota ({exc.message})")
        if quota is None:
            return Finding("warning", "the publishing quota was not reported")
        used, total = quota
        said = (
            f"{used} of {total} posts published in the last 24 hours, {max(0, total - used)} left"
        )
        return Finding("warning" if used >= total else "ok", f"publishing quota: {said}")
