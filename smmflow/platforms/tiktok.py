"""TikTok through the Content Posting API, Direct Post (docs/platforms/tiktok.md).

A video post: `creator_info/query` (the privacy levels and interactions the creator
offers now) → `post/publish/video/init` (FILE_UPLOAD) → the bytes `PUT` in chunks to the
upload URL → `post/publish/status/fetch` until PUBLISH_COMPLETE. A photo post (1–35
images): `content/init` with PULL_FROM_URL, TikTok fetching each image from its public
URL (publicmedia: `media_base_url`, under a domain verified for the app), then the status.

Exactly once: TikTok has no idempotency key. The `publish_id` is saved in the ledger
(`checkpoint`) the moment init answers, and the upload URL (a capability for one hour)
on this machine, never in git. A resumed try reads that task's status first: complete →
the post; still uploading → the upload goes on from where TikTok says it stands (no second
init); bytes never finished → nothing can be posted from that task, so a new init is safe;
failed → a new init. A photo post is asked for by init itself, so its checkpoint is saved
*before* init: a run that stopped between the two cannot know, and hands it to a person.
"""

from __future__ import annotations

import time

from ..errors import Problem
from ..model import Account, Group, Post
from ..text.count import utf16_units
from . import publicmedia, tiktok_rules
from .base import MB, Attempt, Finding, Limits, Publisher, Receipt, Rendered
from .http import FAIL, REAUTH, RETRY, UNKNOWN, PublishError
from .localstate import state_dir
from .tiktok_api import DEFAULT_API, TikTokApi
from .tiktok_rules import OPTIONS, PHOTO_SUFFIXES, VIDEO_SUFFIXES, Choices
from .tokenstore import Stored, TokenStore

PENDING = "pending-photo-init"
RETRYABLE = {"internal", "video_pull_failed", "photo_pull_failed", "publish_cancelled"}


class TikTok(Publisher):
    name = "tiktok"
    title = "TikTok"
    style = "plain"  # no Markdown on TikTok: plain text, links written out
    # Video caption 2200 UTF-16 units; photo description 4000 (title 90, `post_problems`);
    # 1 video (MP4/MOV/WebM, ≤ 4 GB) or 1–35 photos (JPEG/WebP, ≤ 20 MB each).
    limits = Limits(
        text=2200,
        count=utf16_units,
        unit="UTF-16 units",
        media_max=35,
        media_required=True,
        media_suffixes=VIDEO_SUFFIXES | PHOTO_SUFFIXES,
        image_bytes=20 * 1000 * 1000,
        video_bytes=4 * 1024 * MB,
    )
    required = ("client_key_env", "client_secret_env", "refresh_token_env")
    optional = ("privacy", "privacy_levels", "media_base_url", "api")
    urls = ("api", "media_base_url")
    docs = "docs/platforms/tiktok.md"
    post_options = OPTIONS
    idempotent = True  # through the checkpointed publish_id, see the module docstring
    can_verify = False
    can_delete = False  # the Content Posting API has no delete
    poll_steps: tuple[float, ...] = (1, 2, 3, 5, 10)
    poll_for: float = 600.0

    @classmethod
    def render(cls, post: Post) -> Rendered:
        rendered = super().render(post)
        if tiktok_rules.is_photo(post):  # the body is the photo post's description
            return Rendered(
                cls.name, rendered.text, rendered.visible, rendered.length, 4000, cls.limits.unit
            )
        return rendered

    @classmethod
    def post_problems(cls, post: Post, account: Account, group: Group) -> list[Problem]:
        return tiktok_rules.problems(post, account, group)

    # -- the conversation ----------------------------------------------------------------
    def _api(self) -> TikTokApi:
        client = (self.secret("client_key_env"), self.secret("client_secret_env"))
        origin = self.secret("refresh_token_env")
        store = TokenStore(self.ctx.environ, self.ctx.root, "tiktok")
        self._store = (store, client[0], origin)
        store.guard(self.account.secret_envs.get("refresh_token_env", ""))
        learn = getattr(self.ctx.redact, "add", lambda secret: None)
        api = self.account.get("api") or DEFAULT_API

        def keep(newest: str) -> None:
            store.save(client[0], origin, Stored(newest, refreshed_at=time.time()))

        return TikTokApi(self.ctx.http, api, client, store.current(client[0], origin), keep, learn)

    def _uploads(self):
        from .tiktok_upload import uploads

        return uploads(state_dir(self.ctx.environ), self.ctx.root)

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        choices = tiktok_rules.choices(post, self.account)
        if not tiktok_rules.is_photo(post):
            return {
                "POST": ["video/init (FILE_UPLOAD)", "PUT upload_url", "status/fetch"],
                **tiktok_rules.video_info(rendered.text, choices),
            }
        try:
            urls = self._urls(post)
        except PublishError as exc:
            return {"description": rendered.text, "error": exc.message}
        return {
            "POST": ["content/init (PULL_FROM_URL)", "status/fetch"],
            **tiktok_rules.photo_body(post, rendered.text, choices, urls),
        }

    def _urls(self, post: Post) -> list[str]:
        where = (self.account, self.ctx.group, post, post.media)
        return publicmedia.media_urls(*where, "TikTok", self.docs)

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        self.refuse_problems(post)
        api = self._api()
        if attempt.remote_id:
            found = self._resume(api, post, attempt)
            if found is not None:
                return self._noted(api, found)
        info = api.creator_info()
        choices = tiktok_rules.choices(post, self.account).offered(info)
        if tiktok_rules.is_photo(post):
            publish_id = self._photo(api, post, rendered, choices, attempt, info)
        else:
            publish_id = self._video(api, post, rendered, choices, attempt, info)
        return self._noted(
            api, self._wait(api, publish_id, str(info.get("creator_username") or ""), post)
        )

    def _noted(self, api: TikTokApi, receipt: Receipt) -> Receipt:
        if not api.rotated:
            return receipt
        note = tiktok_rules.rotation_note(self.account, self._store[0].folder)
        return Receipt(receipt.remote_id, receipt.url, note)

    def _video(
        self,
        api: TikTokApi,
        post: Post,
        rendered: Rendered,
        choices: Choices,
        attempt: Attempt,
        info: dict,
    ) -> str:
        from .tiktok_upload import plan, upload

        name, data, kind = attempt.upload(post.media[0])
        size, chunk, count = plan(len(data))
        body = tiktok_rules.video_info(rendered.text, choices)
        body["source_info"] = {
            "source": "FILE_UPLOAD",
            "video_size": size,
            "chunk_size": chunk,
            "total_chunk_count": count,
        }
        # Nothing is posted from a task until all its bytes are there: init is safe to repeat.
        answer = api.post("/v2/post/publish/video/init/", body, what="video init")
        publish_id, url = str(answer.get("publish_id") or ""), str(answer.get("upload_url") or "")
        if not publish_id or not url:
            raise PublishError(RETRY, "TikTok video init answered without publish_id or upload_url")
        getattr(self.ctx.redact, "add", lambda secret: None)(url)
        self._uploads().keep(publish_id, url)
        attempt.checkpoint(f"{publish_id} @{info.get('creator_username') or ''}")
        upload(api, url, data, kind, 0)
        return publish_id

    def _photo(
        self,
        api: TikTokApi,
        post: Post,
        rendered: Rendered,
        choices: Choices,
        attempt: Attempt,
        info: dict,
    ) -> str:
        urls = self._urls(post)
        body = tiktok_rules.photo_body(post, rendered.text, choices, urls)
        attempt.checkpoint(PENDING)  # init itself may post: a stop from here on is unknown
        try:
            answer = api.post(
                "/v2/post/publish/content/init/", body, what="photo init", publish=True
            )
        except PublishError as exc:
            if exc.kind != UNKNOWN:  # certainly not acted on: nothing is pending
                attempt.checkpoint("")
            raise
        publish_id = str(answer.get("publish_id") or "")
        if not publish_id:
            raise PublishError(UNKNOWN, "TikTok photo init answered without a publish_id")
        attempt.checkpoint(f"{publish_id} @{info.get('creator_username') or ''}")
        return publish_id

    def _resume(self, api: TikTokApi, post: Post, attempt: Attempt) -> Receipt | None:
        """What a stopped try left: its post, or None when a new init is safe."""
        if attempt.remote_id == PENDING:
            raise PublishError(UNKNOWN, "a run stopped while TikTok was asked to post the photos")
        publish_id, _, username = attempt.remote_id.partition(" @")
        try:
            state = api.status(publish_id)
        except PublishError as exc:
            if exc.kind == FAIL:
                return None  # TikTok does not know that task: it never posted
            raise
        status = str(state.get("status") or "")
        if status == "PROCESSING_UPLOAD" and not tiktok_rules.is_photo(post):
            if not self._continue_upload(api, post, attempt, publish_id, state):
                return None  # its bytes will never all be there: nothing to post from it
        elif status == "FAILED":
            return None
        return self._wait(api, publish_id, username, post)

    def _continue_upload(
        self, api: TikTokApi, post: Post, attempt: Attempt, publish_id: str, state: dict
    ) -> bool:
        from .tiktok_upload import plan, upload

        _, data, kind = attempt.upload(post.media[0])
        done = int(state.get("uploaded_bytes") or 0)
        if done >= len(data):
            return True  # all there: TikTok is processing it
        url = self._uploads().find(publish_id)
        if not url:
            return False  # kept on another machine, or its hour is over
        getattr(self.ctx.redact, "add", lambda secret: None)(url)
        try:
            upload(api, url, data, kind, done // plan(len(data))[1])
        except PublishError as exc:
            if exc.kind == RETRY and "expired" in exc.message:
                return False
            raise
        return True

    def _wait(self, api: TikTokApi, publish_id: str, username: str, post: Post) -> Receipt:
        """Poll the task until PUBLISH_COMPLETE; FAILED raises with TikTok's reason."""
        waited, step = 0.0, 0
        while True:
            state = api.status(publish_id)
            status = str(state.get("status") or "")
            if status == "PUBLISH_COMPLETE":
                return tiktok_rules.receipt(publish_id, username, state, post)
            if status == "FAILED":
                reason = str(state.get("fail_reason") or "no reason given")
                kind = (
                    RETRY if reason in RETRYABLE else REAUTH if reason == "auth_removed" else FAIL
                )
                raise PublishError(
                    kind, f"TikTok could not post it (publish_id {publish_id}: {reason})"
                )
            if waited >= self.poll_for:
                raise PublishError(
                    RETRY,
                    f"TikTok is still processing {publish_id} ({status}) after {waited:.0f}s; the next run goes on with it",
                )
            pause = self.poll_steps[min(step, len(self.poll_steps) - 1)]
            step += 1
            waited += pause
            self.ctx.http.sleep(pause * self.ctx.http.policy.backoff)

    def delete(self, attempt: Attempt) -> None:
        raise PublishError(
            FAIL, "TikTok's Content Posting API cannot delete posts: remove it in the app"
        )

    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        from .tiktok_doctor import findings

        return findings(self, secrets)
