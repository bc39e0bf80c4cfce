"""Facebook Pages through the Graph API (docs/platforms/facebook.md).

- text (and link): `POST /{page-id}/feed` with `message` and the first link as `link`;
- one photo: `POST /{page-id}/photos`, multipart `source`, `message`, `alt_text_custom`;
- several photos: each uploaded with `published=false`, then `POST /{page-id}/feed` with
  `attached_media[i]={"media_fbid": id}`;
- one video: `POST /{page-id}/videos`, multipart `source` (one request, no resumable upload).

Graph has no idempotency key, so a send whose outcome is unknown is never repeated: the
pair waits for a person (`smmflow status` says what to check, `smmflow resolve` settles it).
"""

from __future__ import annotations

import json

from ..model import Post
from . import edits, firstcomment, meta_metrics
from .base import MB, Attempt, Finding, Limits, Measurement, Publisher, Receipt, Rendered
from .http import UNKNOWN, PublishError
from .meta_api import DEFAULT_API, Graph, GraphError, token_findings, usage_findings

WEB = "https://www.facebook.com"
PERMISSIONS = ("pages_manage_posts", "pages_read_engagement")


class Facebook(Publisher):
    name = "facebook"
    title = "Facebook Page"
    limits = Limits(
        text=63206,
        media_max=10,
        image_bytes=10 * MB,
        video_bytes=1024 * MB,
    )
    required = ("page", "token_env")
    optional = ("api",)
    urls = ("api",)
    docs = "docs/platforms/facebook.md"
    community = "smmflow.platforms.meta_inbox:FacebookInbox"  # comments: inbox, moderate, reply
    idempotent = False  # Graph has no idempotency key; error 506 only catches some repeats
    can_verify = False
    can_delete = True
    can_edit = True  # POST /{post-id} message (platforms/edits.py)
    comment_limit = 8000  # POST /{post-id}/comments (platforms/firstcomment.py)
    can_find_comment = True
    post_metrics = meta_metrics.FACEBOOK_METRICS
    account_metrics = ("followers",)

    @property
    def page(self) -> str:
        return str(self.account.get("page") or "")

    def _graph(self) -> Graph:
        api = self.account.get("api") or DEFAULT_API
        return Graph(self.ctx.http, api, self.secret("token_env"), "Facebook")

    # -- what is sent --------------------------------------------------------------------
    @staticmethod
    def _link(post: Post) -> str:
        from ..text.render import rich

        for link in rich(post.body).links:
            if link.href.startswith(("http://", "https://")):
                return link.href
        return ""

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        page = self.page
        images = [m for m in post.media if m.kind == "image"]
        videos = [m for m in post.media if m.kind == "video"]
        if videos:
            return {
                "POST": f"/{page}/videos",
                "description": rendered.text,
                "source": videos[0].src,
            }
        if len(images) == 1:
            return {
                "POST": f"/{page}/photos",
                "message": rendered.text,
                "source": images[0].src,
                "alt_text_custom": images[0].alt,
            }
        if images:
            return {
                "POST": [f"/{page}/photos (published=false) × {len(images)}", f"/{page}/feed"],
                "message": rendered.text,
                "photos": [{"source": m.src, "alt_text_custom": m.alt} for m in images],
            }
        body = {"POST": f"/{page}/feed", "message": rendered.text}
        link = self._link(post)
        if link:
            body["link"] = link
        return body

    # -- publishing ----------------------------------------------------------------------
    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        graph = self._graph()
        page = self.page
        images = [m for m in post.media if m.kind == "image"]
        videos = [m for m in post.media if m.kind == "video"]
        if videos:
            answer = graph.post(
                f"{page}/videos",
                {"description": rendered.text},
                files={"source": attempt.upload(videos[0])},
                publish=True,
            )
            return self._receipt(graph, str(answer.get("id") or ""))
        if len(images) == 1:
            data = {"message": rendered.text, "published": "true"}
            if images[0].alt:
                data["alt_text_custom"] = images[0].alt
            answer = graph.post(
                f"{page}/photos", data, files={"source": attempt.upload(images[0])}, publish=True
            )
            return self._receipt(graph, str(answer.get("post_id") or answer.get("id") or ""))
        if images:
            data = {"message": rendered.text}
            for i, media in enumerate(images):
                upload = {"published": "false"}
                if media.alt:
                    upload["alt_text_custom"] = media.alt
                # Unpublished photos are invisible until attached: re-sending one is harmless.
                photo = graph.post(
                    f"{page}/photos", upload, files={"source": attempt.upload(media)}, publish=False
                )
                data[f"attached_media[{i}]"] = json.dumps({"media_fbid": str(photo.get("id"))})
            answer = graph.post(f"{page}/feed", data, publish=True)
            return self._receipt(graph, str(answer.get("id") or ""))
        data = {"message": rendered.text}
        link = self._link(post)
        if link:
            data["link"] = link
        answer = graph.post(f"{page}/feed", data, publish=True)
        return self._receipt(graph, str(answer.get("id") or ""))

    def _receipt(self, graph: Graph, remote_id: str) -> Receipt:
        """The post's public URL. It is published already: a failed lookup must not undo
        that, so the fallback is Facebook's id URL."""
        if not remote_id:
            raise PublishError(UNKNOWN, "Facebook answered without the new post's id")
        url = f"{WEB}/{remote_id}"
        try:
            found = str(graph.get(remote_id, fields="permalink_url").get("permalink_url") or "")
        except PublishError:
            found = ""
        if found.startswith(("https://", "http://")):
            url = found
        elif found.startswith("/"):
            url = WEB + found  # videos answer with a path
        return Receipt(remote_id, url)

    def edit(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        return edits.facebook(self, rendered, attempt.remote_id, "")

    def comment(self, text: str, attempt: Attempt) -> Receipt:
        return firstcomment.graph_comment(self, text, attempt.remote_id)

    def find_comment(self, text: str, attempt: Attempt) -> Receipt | None:
        return firstcomment.graph_find(self, text, attempt.remote_id, self.page)

    def delete(self, attempt: Attempt) -> None:
        try:
            self._graph().delete(attempt.remote_id)
        except GraphError as exc:
            if exc.code == 100 and exc.subcode == 33:
                return  # already gone ("does not exist"): deleting it is done
            raise

    # -- metrics -------------------------------------------------------------------------
    def measure(self, remote_ids) -> Measurement:
        return meta_metrics.measure(self._graph(), self.page, meta_metrics.FACEBOOK, remote_ids)

    def doctor_metrics(self) -> list[Finding]:
        return meta_metrics.doctor(self._graph(), meta_metrics.FACEBOOK)

    # -- doctor --------------------------------------------------------------------------
    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        found = list(secrets)
        graph = self._graph()
        try:
            me = graph.get("me", fields="id,name")
        except PublishError as exc:
            return [*found, Finding("error", f"the token does not work: {exc.message}")]
        who, name = str(me.get("id") or ""), str(me.get("name") or "")
        if who == self.page:
            found.append(Finding("ok", f"page {name} ({who})"))
        else:
            found.append(
                Finding(
                    "error",
                    f"the token is for {name or '?'} ({who or '?'}), not page {self.page}: "
                    "use that Page's access token",
                )
            )
        found += usage_findings(graph)
        found += token_findings(graph, PERMISSIONS)
        return found
