"""Mastodon: `POST /api/v1/statuses` with an `Idempotency-Key`, media through `/api/v2/media`.

Exactly once: the engine's key goes out as `Idempotency-Key`, and Mastodon answers a
repeated key (same account, within an hour) with the status it made the first time, so a
resumed or retried send never makes a second post. Uploaded media ids are saved as a
checkpoint before the status is sent, so a resumed run attaches the same files instead of
uploading them again (and, past the key's hour, cannot attach them to a second post).
Wire details and error classification: `mastodon_api.py`. User guide:
docs/platforms/mastodon.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from ..model import Media, Post
from ..text.count import mastodon_length
from . import edits, firstcomment, mastodon_metrics
from . import mastodon_api as api
from .base import MB, Attempt, Finding, Limits, Measurement, Publisher, Receipt, Rendered
from .http import FAIL, RETRY, UNKNOWN, PublishError, json_object

if TYPE_CHECKING:
    import requests

# The checkpoint (`Attempt.remote_id`) of a run that uploaded its media, then stopped:
# `media:<fingerprint of key and media>:<id>,<id>`, reused only for the same key and files.
CHECKPOINT = "media:"


class Mastodon(Publisher):
    name = "mastodon"
    title = "Mastodon"
    # Instance defaults (configurable per instance): 500 characters, 4 images or 1 video.
    limits = Limits(
        text=500,
        count=mastodon_length,
        unit="characters (a link counts 23)",
        media_max=4,
        image_bytes=16 * MB,
        video_bytes=99 * MB,
    )
    required = ("instance", "token_env")
    optional = ("visibility", "language")
    docs = "docs/platforms/mastodon.md"
    community = "smmflow.platforms.mastodon_inbox:MastodonInbox"  # comments: inbox, moderate, reply
    idempotent = True
    can_delete = True
    can_edit = True  # PUT /api/v1/statuses/:id (platforms/edits.py)
    comment_limit = 500  # a reply to its own status (platforms/firstcomment.py)
    comment_idempotent = True  # within the Idempotency-Key's hour
    can_find_comment = True
    key_ttl = 3600  # Mastodon keeps an Idempotency-Key for one hour
    post_metrics = mastodon_metrics.POST_METRICS
    account_metrics = ("followers",)
    not_measured = "Mastodon counts no views"
    # Waits between looks at an upload Mastodon is still processing (202, then 206):
    # about a minute in all, then the send fails as retryable and the next run goes on.
    media_waits: ClassVar[tuple[float, ...]] = (1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5)

    # -- what is sent ------------------------------------------------------------------
    @property
    def client(self) -> api.Client:
        """The account's API client (its instance checked when first asked for)."""
        found = self.__dict__.get("_client")
        if found is None:
            instance = self.account.get("instance") or ""
            found = self.__dict__["_client"] = api.Client(
                self.ctx.http, instance, lambda: self.secret("token_env")
            )
        return found

    @property
    def base(self) -> str:
        return self.client.base

    def _form(self, rendered: Rendered, media_ids: list[str]) -> list[tuple[str, str]]:
        form = [("status", rendered.text)]
        form += [("media_ids[]", media_id) for media_id in media_ids]
        for setting in ("visibility", "language"):
            value = (self.account.get(setting) or "").strip()
            if value:
                form.append((setting, value))
        return form

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        body: dict = {"status": rendered.text, "idempotency_key": attempt.key}
        for setting in ("visibility", "language"):
            if self.account.get(setting):
                body[setting] = self.account.get(setting)
        if post.media:
            body["media"] = [{"file": m.src, "description": m.alt} for m in post.media]
        return body

    # -- publishing --------------------------------------------------------------------
    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        key = attempt.key
        visibility = (self.account.get("visibility") or "").strip()
        if visibility and visibility not in api.VISIBILITIES:
            raise PublishError(
                FAIL,
                f"visibility {visibility!r} is not one of {', '.join(api.VISIBILITIES)}",
            )
        if len(post.media) > self.limits.media_max:
            raise PublishError(
                FAIL, f"{len(post.media)} media files; Mastodon takes {self.limits.media_max}"
            )
        mark = f"{CHECKPOINT}{_fingerprint(post, key)}:"
        resumed = bool(post.media) and attempt.remote_id.startswith(mark)
        if resumed:  # ready or not is unknown: look at each one
            media_ids = [i for i in attempt.remote_id[len(mark) :].split(",") if i]
            processing = list(media_ids)
        else:
            uploads = [self._upload(media, attempt) for media in post.media]
            media_ids = [media_id for media_id, _ in uploads]
            processing = [media_id for media_id, ready in uploads if not ready]
            if media_ids:
                attempt.checkpoint(mark + ",".join(media_ids))
        for media_id in processing:
            self._wait_until_processed(media_id, resumed)
        try:
            response = self.client.request(
                "POST",
                "/api/v1/statuses",
                data=self._form(rendered, media_ids),
                headers={"Idempotency-Key": key},
            )
        except PublishError as exc:
            if resumed and exc.kind == FAIL and _about_media(exc.message):
                # Past the key's hour Mastodon no longer knows the first send; media that
                # are "not found or already attached" mean it may well have been posted.
                raise PublishError(
                    UNKNOWN,
                    f"a stopped run uploaded this post's media, and now Mastodon refuses "
                    f"them ({exc.message})",
                ) from None
            raise
        return self._receipt(_json(response))

    def _receipt(self, status: dict) -> Receipt:
        status_id = str(status.get("id") or "")
        if not status_id:
            raise PublishError(RETRY, "Mastodon answered without a status id")
        url = str(status.get("url") or status.get("uri") or "")
        if not url:
            acct = str((status.get("account") or {}).get("acct") or "")
            url = f"{self.base}/@{acct}/{status_id}" if acct else ""
        return Receipt(status_id, url)

    def _upload(self, media: Media, attempt: Attempt) -> tuple[str, bool]:
        """The new attachment's id, and whether it is ready (200 with a `url`; a 202 has
        `url: null` until Mastodon has processed it)."""
        response = self.client.request(
            "POST",
            "/api/v2/media",
            files={"file": attempt.upload(media)},
            data={"description": media.alt},
        )
        answer = _json(response)
        media_id = str(answer.get("id") or "")
        if not media_id:
            raise PublishError(RETRY, f"Mastodon answered the upload of {media.src} without an id")
        return media_id, response.status_code == 200 and bool(answer.get("url"))

    def _wait_until_processed(self, media_id: str, resumed: bool) -> None:
        """Poll `GET /api/v1/media/:id` until its `url` is set (200, not 206), bounded."""
        waits = list(self.media_waits)
        while True:
            try:
                response = self.client.request("GET", f"/api/v1/media/{media_id}")
            except PublishError as exc:
                if resumed and "HTTP 404" in exc.message:
                    return  # attached by the stopped run's post (or gone): the POST decides
                raise
            if response.status_code == 200 and _json(response).get("url"):
                return
            if not waits:
                raise PublishError(
                    RETRY,
                    f"media {media_id} was still being processed after {sum(self.media_waits):.0f}s",
                )
            self.ctx.http.sleep(waits.pop(0))

    def edit(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        return edits.mastodon(self, rendered, attempt.remote_id, "")

    def comment(self, text: str, attempt: Attempt) -> Receipt:
        return firstcomment.mastodon(self, text, attempt.remote_id, attempt.key)

    def find_comment(self, text: str, attempt: Attempt) -> Receipt | None:
        return firstcomment.mastodon_find(self, text, attempt.remote_id)

    def delete(self, attempt: Attempt) -> None:
        try:
            self.client.request("DELETE", f"/api/v1/statuses/{attempt.remote_id}")
        except PublishError as exc:
            if "HTTP 404" in exc.message:
                return  # already gone: deleting is done
            raise

    # -- metrics -----------------------------------------------------------------------
    def measure(self, remote_ids: Sequence[str]) -> Measurement:
        return mastodon_metrics.measure(self.client, remote_ids)

    def doctor_metrics(self) -> list[Finding]:
        return mastodon_metrics.doctor(self.client)

    # -- doctor ------------------------------------------------------------------------
    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        found = list(secrets)
        try:
            base = self.base
        except PublishError as exc:
            return [*found, Finding("error", exc.message)]
        host = urlsplit(base).hostname or ""
        if base.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
            found.append(
                Finding("warning", f"instance {base} is not https: the token travels in clear")
            )
        visibility = (self.account.get("visibility") or "").strip()
        if visibility and visibility not in api.VISIBILITIES:
            found.append(
                Finding(
                    "error",
                    f"visibility {visibility!r} is not one of {', '.join(api.VISIBILITIES)}",
                )
            )
        redact = self.ctx.http.redact

        def get(path: str) -> requests.Response:
            return self.client.request("GET", path, classify=api.accept_all)

        me = get("/api/v1/accounts/verify_credentials")
        if me.status_code == 200:
            acct = str(_json(me).get("acct") or "?")
            found.append(Finding("ok", f"token valid: @{acct} on {host}"))
        elif me.status_code == 401:
            return [
                *found,
                Finding("error", f"the instance refused the token: {api.error_text(me, redact)}"),
            ]
        elif me.status_code == 403:
            found.append(
                Finding(
                    "warning",
                    f"the token may not read its own account ({api.error_text(me, redact)}); "
                    "publishing needs only write:statuses and write:media",
                )
            )
        else:
            found.append(
                Finding(
                    "warning",
                    f"could not check the account: HTTP {me.status_code}: {api.error_text(me, redact)}",
                )
            )
        found.extend(self._scopes(get("/api/v1/apps/verify_credentials")))
        return found

    def _scopes(self, response: requests.Response) -> list[Finding]:
        scopes = _json(response).get("scopes") if response.status_code == 200 else None
        if not isinstance(scopes, (list, str)):
            why = (
                "this instance does not report them"
                if response.status_code == 200
                else f"HTTP {response.status_code}: {api.error_text(response, self.ctx.http.redact)}"
            )
            return [
                Finding(
                    "warning",
                    f"could not read the token's scopes ({why}); it needs write:statuses and write:media",
                )
            ]
        missing = api.missing_scopes(scopes)
        if not missing:
            return [Finding("ok", "scopes allow publishing (write:statuses, write:media)")]
        return [
            Finding("error", f"the token lacks {scope} ({api.NEEDED_SCOPES[scope]})")
            for scope in missing
        ]


def _fingerprint(post: Post, key: str) -> str:
    parts = [key] + [f"{m.src}\0{m.alt}\0{m.size}" for m in post.media]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:12]


def _about_media(message: str) -> bool:
    text = message.lower()
    return "HTTP 422" in message and ("media" in text or "attached" in text)


def _json(response: requests.Response) -> dict:
    return json_object(response, "Mastodon")
