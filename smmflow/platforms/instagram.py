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

from ..model import Post
from . import firstcomment, meta_metrics, publicmedia
from .base import MB, Attempt, Finding, Limits, Measurement, Receipt, Rendered
from .containers import ContainerPublisher
from .http import FAIL, RETRY, PublishError
from .meta_api import DEFAULT_API, Graph, token_findings, usage_findings

PERMISSIONS = ("instagram_basic", "instagram_content_publish", "pages_read_engagement")
PERMISSIONS_IG_LOGIN = ("instagram_business_basic", "instagram_business_content_publish")
# Container ERROR subcodes the error-codes reference says to simply try again.
_TRANSIENT = ("2207001", "2207003", "2207032", "2207053")


class Instagram(ContainerPublisher):
    name = "instagram"
    title = "Instagram"
    # Captions 2200 characters and 30 hashtags; images must be JPEG; media is required.
    limits = Limits(
        text=2200,
        media_max=10,
        media_required=True,
        media_suffixes=frozenset({".jpg", ".jpeg", ".mp4", ".mov"}),
        image_bytes=8 * MB,
        video_bytes=300 * MB,
        hashtags_max=30,
    )
    required = ("user", "token_env")
    optional = ("api", "media_base_url")
    urls = ("api", "media_base_url")
    docs = "docs/platforms/instagram.md"
    community = "smmflow.platforms.meta_inbox:InstagramInbox"  # comments: inbox, moderate, reply
    idempotent = True  # through the checkpointed container, see the module docstring
    can_verify = False
    can_delete = False  # the IG Media reference documents no delete
    edge, publish_edge, limit_edge = "media", "media_publish", "content_publishing_limit"
    status_fields = ("status_code", "status")
    text_field = "caption"
    not_ready = 2207027  # media_publish on a container still IN_PROGRESS
    comment_limit = 2200  # POST /{ig-media-id}/comments (platforms/firstcomment.py)
    can_find_comment = True
    post_metrics = meta_metrics.INSTAGRAM_METRICS
    account_metrics = ("followers",)

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
        urls = self.media_urls(post)
        mark = self._fingerprint(rendered.text, post, urls)
        return self.send_container(post, rendered.text, urls, mark, attempt)

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

    def _error_kind(self, detail: str) -> str:
        return RETRY if any(code in detail for code in _TRANSIENT) else FAIL

    def _same(self, listed: str, text: str) -> bool:
        return _plain(listed) == _plain(text)

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
        found.append(self.quota_finding(graph))
        which = "all posts (Instagram fetches every image and video by URL)"
        found += publicmedia.missing_source(self.account, self.ctx.group, "error", which)
        instagram_login = "graph.instagram.com" in (self.account.get("api") or "")
        found += token_findings(graph, PERMISSIONS_IG_LOGIN if instagram_login else PERMISSIONS)
        return found


def _plain(caption: str) -> str:
    """A caption as compared: Graph may leave out `@` and reflow whitespace."""
    return " ".join(caption.replace("@", "").split())
