"""Instagram through the Graph API: a media container, then `media_publish`
(docs/platforms/instagram.md).

Instagram fetches every image and video itself, from a public URL: the account's
`media_base_url` + the media's `src`, else the group's feed site (`base_url` of its `feed`
account, when the post goes there too).

Exactly once: the container id is saved in the ledger (`checkpoint`) before
`media_publish`. A resumed or retried send first reads that container's `status_code`:
PUBLISHED → the post is out, find it by its caption; FINISHED → publish that same
container; ERROR / EXPIRED / gone → make a new one. The checkpoint is
`<container id>:<fingerprint of caption and media>`, so a post edited since is never
published from a container holding its old text.
"""

from __future__ import annotations

import hashlib
import json
import re

from ..model import Post
from . import firstcomment, meta_metrics, publicmedia
from .base import MB, Attempt, Finding, Limits, Measurement, Publisher, Receipt, Rendered
from .http import FAIL, RETRY, UNKNOWN, PublishError
from .meta_api import DEFAULT_API, Graph, token_findings, usage_findings

PERMISSIONS = ("instagram_basic", "instagram_content_publish", "pages_read_engagement")
PERMISSIONS_IG_LOGIN = ("instagram_business_basic", "instagram_business_content_publish")
_CHECKPOINT = re.compile(r"^(\d+)(?::([0-9a-f]{12}))?$")
# Container ERROR subcodes the error-codes reference says to simply try again.
_TRANSIENT = ("2207001", "2207003", "2207032", "2207053")
NOT_READY = 2207027  # media_publish on a container still IN_PROGRESS
LOOKBACK = 25  # latest posts searched for a container that says PUBLISHED


class Instagram(Publisher):
    name = "instagram"
    title = "Instagram"
    # Captions 2200 characters and 30 hashtags; images must be JPEG; media is required.
    limits = Limits(
        text=2200,
        media_max=10,
        media_required=True,
        media_suffixes=frozenset({".jpg", ".jpeg", ".mp4", ".mov"}),
        image_bytes=8 * MB,
        image_side=1440,  # Instagram scales wider images down to 1440 px
        aspect=(0.8, 1.91),  # feed images: 4:5 to 1.91:1
        video_bytes=300 * MB,
        video_seconds=(3, 900),  # Reels: 3 seconds to 15 minutes
        hashtags_max=30,
    )
    required = ("user", "token_env")
    optional = ("api", "media_base_url")
    urls = ("api", "media_base_url")
    docs = "docs/platforms/instagram.md"
    media_by_url = True  # images fetched from a public URL (publicmedia)
    community = "smmflow.platforms.meta_inbox:InstagramInbox"  # comments: inbox, moderate, reply
    idempotent = True  # through the checkpointed container, see the module docstring
    can_verify = False
    can_delete = False  # the IG Media reference documents no delete
    comment_limit = 2200  # POST /{ig-media-id}/comments (platforms/firstcomment.py)
    can_find_comment = True

    # Waits between container status reads, in seconds × the Http backoff setting
    # (SMMFLOW_BACKOFF, 1 by default); the last one repeats until `poll_for` has passed.
    poll_steps: tuple[float, ...] = (1, 2, 3, 5, 10)
    poll_for: float = 600.0
    post_metrics = meta_metrics.INSTAGRAM_METRICS
    account_metrics = ("followers",)

    @property
    def user(self) -> str:
        return str(self.account.get("user") or "")

    def _graph(self) -> Graph:
        api = self.account.get("api") or DEFAULT_API
        return Graph(self.ctx.http, api, self.secret("token_env"), "Instagram")

    def comment(self, text: str, attempt: Attempt) -> Receipt:
        return firstcomment.graph_comment(self, text, attempt.remote_id)

    def find_comment(self, text: str, attempt: Attempt) -> Receipt | None:
        return firstcomment.graph_find(self, text, attempt.remote_id, self.user)

    # -- where Instagram fetches the media (platforms/publicmedia) ----------------------
    def media_urls(self, post: Post) -> list[str]:
        """The public URL of each media file, or a RETRY error saying what to configure."""
        where = (self.account, self.ctx.group, post, post.media)
        return publicmedia.media_urls(*where, "Instagram", self.docs)

    @staticmethod
    def _fingerprint(caption: str, post: Post, urls: list[str]) -> str:
        what = [caption, [[url, m.alt, m.kind] for m, url in zip(post.media, urls, strict=True)]]
        raw = json.dumps(what, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(raw).hexdigest()[:12]

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        try:
            urls = self.media_urls(post)
        except PublishError as exc:
            return {"caption": rendered.text, "error": exc.message}
        media = []
        for m, url in zip(post.media, urls, strict=True):
            field = "video_url" if m.kind == "video" else "image_url"
            media.append({field: url, **({"alt_text": m.alt} if m.kind == "image" else {})})
        steps = [f"/{self.user}/media", f"/{self.user}/media_publish"]
        if len(media) > 1:
            steps.insert(0, f"/{self.user}/media (is_carousel_item=true) × {len(media)}")
        return {"POST": steps, "caption": rendered.text, "media": media}

    # -- publishing ----------------------------------------------------------------------
    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        if not post.media:
            raise PublishError(FAIL, "Instagram needs an image or a video on every post")
        graph = self._graph()
        caption = rendered.text
        urls = self.media_urls(post)
        mark = self._fingerprint(caption, post, urls)
        container = ""
        if attempt.remote_id:
            found = self._resume(graph, caption, mark, attempt.remote_id)
            if isinstance(found, Receipt):
                return found
            container = found or ""
        if not container:
            self._check_quota(graph)
            container = self._create(graph, post, caption, urls)
            attempt.checkpoint(f"{container}:{mark}")
        if self._wait(graph, container) == "PUBLISHED":
            return self._find(graph, caption, container)
        return self._publish(graph, container, caption)

    def _resume(self, graph: Graph, caption: str, mark: str, saved_id: str) -> Receipt | str | None:
        """What a stopped send left: its post (Receipt), a container to publish, or None."""
        saved = _CHECKPOINT.match(saved_id)
        if not saved:
            return None  # not a container of ours (e.g. a URL a person recorded)
        container, saved_mark = saved.group(1), saved.group(2)
        try:
            state, _ = self._status(graph, container)
        except PublishError as exc:
            if exc.kind == FAIL:
                return None  # gone, or not a container: start afresh
            raise
        if state == "PUBLISHED":
            return self._find(graph, caption, container)
        if state in ("FINISHED", "IN_PROGRESS") and saved_mark == mark:
            return container
        return None  # ERROR, EXPIRED, or made for an older text of the post

    def _container(self, graph: Graph, data: dict) -> str:
        # Creating a container publishes nothing (unpublished ones expire after 24 h), so
        # this call is retried like a read.
        answer = graph.post(f"{self.user}/media", data, publish=False)
        container = str(answer.get("id") or "")
        if not container:
            raise PublishError(RETRY, "Instagram answered without a container id")
        return container

    def _create(self, graph: Graph, post: Post, caption: str, urls: list[str]) -> str:
        items = list(zip(post.media, urls, strict=True))
        if len(items) == 1:
            media, url = items[0]
            if media.kind == "video":
                data = {"media_type": "REELS", "video_url": url, "caption": caption}
                data["share_to_feed"] = "true"
            else:
                data = {"image_url": url, "caption": caption}
                if media.alt:
                    data["alt_text"] = media.alt
            return self._container(graph, data)
        children = []
        for media, url in items:
            data = {"is_carousel_item": "true"}
            if media.kind == "video":
                data.update(media_type="VIDEO", video_url=url)
            else:
                data["image_url"] = url
                if media.alt:
                    data["alt_text"] = media.alt
            children.append(self._container(graph, data))
        for child in children:
            if self._wait(graph, child) != "FINISHED":
                raise PublishError(RETRY, f"carousel item {child} is not ready")
        data = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption}
        return self._container(graph, data)

    def _status(self, graph: Graph, container: str) -> tuple[str, str]:
        answer = graph.get(container, fields="status_code,status")
        return str(answer.get("status_code") or ""), str(answer.get("status") or "")

    def _wait(self, graph: Graph, container: str) -> str:
        """Poll the container until it is FINISHED (or PUBLISHED); other ends raise."""
        waited, step = 0.0, 0
        while True:
            state, detail = self._status(graph, container)
            if state in ("FINISHED", "PUBLISHED"):
                return state
            if state == "ERROR":
                kind = RETRY if any(code in detail for code in _TRANSIENT) else FAIL
                raise PublishError(
                    kind, f"Instagram could not process the media (container {container}: {detail})"
                )
            if state == "EXPIRED":
                raise PublishError(
                    RETRY, f"container {container} expired; the next run makes a new one"
                )
            if waited >= self.poll_for:
                raise PublishError(
                    RETRY,
                    f"Instagram is still processing container {container} after "
                    f"{waited:.0f}s; the next run continues with it",
                )
            pause = self.poll_steps[min(step, len(self.poll_steps) - 1)]
            step += 1
            waited += pause
            self.ctx.http.sleep(pause * self.ctx.http.policy.backoff)

    def _publish(self, graph: Graph, container: str, caption: str) -> Receipt:
        """`media_publish`, made safe to repeat by reading the container when in doubt."""
        for attempt in range(3):
            try:
                answer = graph.post(
                    f"{self.user}/media_publish", {"creation_id": container}, publish=True
                )
            except PublishError as exc:
                doubt = exc.kind == UNKNOWN or getattr(exc, "subcode", None) == NOT_READY
                if not doubt:
                    raise
                try:
                    state, _ = self._status(graph, container)
                except PublishError:
                    state = ""
                if state == "PUBLISHED":
                    return self._find(graph, caption, container)
                if state in ("FINISHED", "IN_PROGRESS") and attempt < 2:
                    if state == "IN_PROGRESS":
                        self._wait(graph, container)
                    continue
                # The next run reads the checkpointed container before anything else.
                raise PublishError(
                    RETRY,
                    f"{exc.message}; the next run checks container {container} before "
                    "publishing it",
                ) from None
            media = str(answer.get("id") or "")
            if not media:
                return self._find(graph, caption, container)
            return Receipt(media, self._permalink(graph, media))
        raise AssertionError("unreachable")

    def _find(self, graph: Graph, caption: str, container: str) -> Receipt:
        """The post a PUBLISHED container became: the newest of the account's latest posts
        with this caption (the Graph API gives no link from container to post)."""
        where = f"check the Instagram account of {self.account.name} (user {self.user})"
        try:
            answer = graph.get(
                f"{self.user}/media", fields="id,caption,permalink,timestamp", limit=LOOKBACK
            )
        except PublishError as exc:
            if exc.kind == RETRY:
                raise
            raise PublishError(
                UNKNOWN,
                f"container {container} is published but its post could not be looked up "
                f"({exc.message}); {where}",
            ) from None
        want = _plain(caption)
        for item in answer.get("data") or []:
            if isinstance(item, dict) and _plain(str(item.get("caption") or "")) == want:
                media = str(item.get("id") or "")
                url = str(item.get("permalink") or "") or self._permalink(graph, media)
                return Receipt(media, url)
        raise PublishError(
            UNKNOWN,
            f"container {container} is published but no post with this caption is among the "
            f"account's latest {LOOKBACK}; {where}",
        )

    def _permalink(self, graph: Graph, media: str) -> str:
        try:
            return str(graph.get(media, fields="permalink").get("permalink") or "")
        except PublishError:
            return ""  # published all the same; status shows no link

    def _quota(self, graph: Graph) -> tuple[int, int] | None:
        data = graph.get(f"{self.user}/content_publishing_limit", fields="config,quota_usage")
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
                return  # the publish call itself will say what is wrong
            raise
        if quota and quota[0] >= quota[1]:
            raise PublishError(
                RETRY,
                f"Instagram's publishing limit is reached ({quota[0]} of {quota[1]} posts in "
                "24 hours); a later run publishes it",
                retry_after=3600,
            )

    def delete(self, attempt: Attempt) -> None:
        raise PublishError(FAIL, "the Instagram Graph API cannot delete posts: remove it by hand")

    # -- metrics -------------------------------------------------------------------------
    def _reads(self) -> meta_metrics.Reads:
        instagram_login = "graph.instagram.com" in (self.account.get("api") or "")
        return meta_metrics.INSTAGRAM_LOGIN if instagram_login else meta_metrics.INSTAGRAM

    def measure(self, remote_ids) -> Measurement:
        return meta_metrics.measure(self._graph(), self.user, self._reads(), remote_ids)

    def doctor_metrics(self) -> list[Finding]:
        return meta_metrics.doctor(self._graph(), self._reads())

    # -- doctor --------------------------------------------------------------------------
    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        found = list(secrets)
        graph = self._graph()
        try:
            me = graph.get(self.user, fields="username")
        except PublishError as exc:
            return [*found, Finding("error", f"the token does not work: {exc.message}")]
        found.append(Finding("ok", f"@{me.get('username') or '?'} ({self.user})"))
        found += usage_findings(graph)
        try:
            quota = self._quota(graph)
        except PublishError as exc:
            found.append(Finding("warning", f"could not read the publishing quota ({exc.message})"))
        else:
            if quota is None:
                found.append(Finding("warning", "the publishing quota was not reported"))
            elif quota[0] >= quota[1]:
                found.append(
                    Finding(
                        "warning",
                        f"publishing quota spent: {quota[0]} of {quota[1]} posts in 24 hours",
                    )
                )
            else:
                found.append(
                    Finding("ok", f"publishing quota: {quota[0]} of {quota[1]} posts in 24 hours")
                )
        if not publicmedia.has_source(self.account, self.ctx.group):
            found.append(
                Finding(
                    "error",
                    "no public URL for media: set media_base_url on this account or base_url "
                    "on the group's feed account (Instagram fetches every image by URL)",
                )
            )
        instagram_login = "graph.instagram.com" in (self.account.get("api") or "")
        found += token_findings(graph, PERMISSIONS_IG_LOGIN if instagram_login else PERMISSIONS)
        return found


def _plain(caption: str) -> str:
    """A caption as compared: Graph may leave out `@` and reflow whitespace."""
    return " ".join(caption.replace("@", "").split())
