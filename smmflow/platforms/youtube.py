"""YouTube through the Data API v3: `videos.insert` as a resumable upload
(docs/platforms/youtube.md). A video post becomes a video (a Short when it is vertical or
square and at most three minutes long: YouTube decides, there is no flag), with its title,
the post's text as description, tags and privacy; `publishAt` is never set, since smmflow
publishes at the planned time itself.

Exactly once: the upload session is the idempotency key. Starting one publishes nothing;
its URI is kept on this machine (platforms/localstate: it may work without the token) and
its reference saved in the ledger (`checkpoint`) before the first byte. A resumed try asks
the session where it stands and goes on with the same upload, or gets the very answer
YouTube gave when it completed. When the session is gone (another machine, or expired),
the channel's latest uploads are searched for the attempt's marker, the description's last
line `smmflow:<12 hex>`, before anything is sent again.
"""

from __future__ import annotations

import time

from ..errors import Problem
from ..model import VIDEO_SUFFIXES, Account, Group, Post
from . import youtube_rules, youtube_upload
from .base import MB, Attempt, Finding, Limits, Publisher, Receipt, Rendered
from .google_api import Google
from .http import FAIL, PublishError
from .localstate import Capabilities, state_dir

LOOKBACK = 50  # latest uploads searched for a marker
SESSION_LIFETIME = 6 * 86400.0  # Google says "about a week"; use the session for less


class YouTube(Publisher):
    name = "youtube"
    title = "YouTube"
    style = "plain"  # no Markdown on YouTube: plain text; URLs become links by themselves
    limits = Limits(
        text=youtube_rules.DESCRIPTION_BYTES,
        count=youtube_rules.description_bytes,
        unit="bytes (UTF-8, with smmflow's marker line)",
        media_max=1,
        media_suffixes=frozenset(VIDEO_SUFFIXES),
        video_bytes=256 * 1024 * MB,
    )
    required = ("client_id_env", "client_secret_env", "refresh_token_env")
    optional = (
        "privacy",
        "category",
        "made_for_kids",
        "notify_subscribers",
        "uploads_per_day",
        "api",
    )
    urls = ("api",)
    docs = "docs/platforms/youtube.md"
    post_options = youtube_rules.OPTIONS
    idempotent = True  # through the upload session and the marker, see the module docstring
    can_verify = False
    can_delete = True

    @classmethod
    def post_problems(cls, post: Post, account: Account, group: Group) -> list[Problem]:
        return youtube_rules.problems(post, account)

    def google(self) -> Google:
        client = (self.secret("client_id_env"), self.secret("client_secret_env"))
        learn = getattr(self.ctx.redact, "add", lambda secret: None)
        refresh = self.secret("refresh_token_env")
        return Google(self.ctx.http, client, refresh, "YouTube", self.account.get("api"), learn)

    def _sessions(self) -> Capabilities:
        return Capabilities(
            state_dir(self.ctx.environ), self.ctx.root, "youtube-sessions", SESSION_LIFETIME
        )

    def _metadata(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        metadata = youtube_rules.settings(post, self.account)
        metadata["snippet"]["description"] = youtube_rules.description(rendered.text, attempt.key)
        return metadata

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        steps = ["POST /upload/youtube/v3/videos?uploadType=resumable", "PUT {session}"]
        return {"steps": steps, **self._metadata(post, rendered, attempt)}

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        self.refuse_problems(post)
        google = self.google()
        video = next(m for m in post.media if m.kind == "video")
        _, data, kind = attempt.upload(video)
        metadata = self._metadata(post, rendered, attempt)
        if attempt.remote_id.startswith("session:"):
            found = self._resume(google, attempt, data, kind)
            if found is not None:
                return self._receipt(found, metadata)
        notify = (self.account.get("notify_subscribers") or "true") != "false"
        session = youtube_upload.start(google, metadata, len(data), kind, notify)
        reference = f"{attempt.key}:{time.time():.0f}"
        self._sessions().keep(reference, session)
        attempt.checkpoint(f"session:{reference}")
        try:
            return self._receipt(youtube_upload.send(google, session, data, kind), metadata)
        except youtube_upload.SessionGone:
            raise PublishError(
                FAIL, "YouTube forgot the upload session as it began; the next run starts again"
            ) from None

    def _resume(self, google: Google, attempt: Attempt, data: bytes, kind: str) -> dict | None:
        """The video a stopped try made or goes on making, or None when none exists."""
        session = self._sessions().find(attempt.remote_id.removeprefix("session:"))
        if session:
            try:
                got = youtube_upload.where(google, session, len(data))
                if isinstance(got, dict):
                    return got
                return youtube_upload.send(google, session, data, kind, got)
            except youtube_upload.SessionGone:
                pass
        return self._find(google, youtube_rules.marker(attempt.key))

    def _uploads_playlist(self, google: Google) -> str:
        url = f"{google.host('youtube')}/youtube/v3/channels"
        answer = google.call(
            "GET", url, publish=False, params={"part": "contentDetails", "mine": "true"}
        )
        items = _items(answer)
        uploads = (
            items[0].get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads")
            if items
            else ""
        )
        if not uploads:
            raise PublishError(FAIL, "YouTube says the token's user has no channel")
        return str(uploads)

    def latest(self, google: Google, count: int = LOOKBACK) -> list[dict]:
        """The channel's latest uploads (playlistItems snippets), newest first."""
        url = f"{google.host('youtube')}/youtube/v3/playlistItems"
        params = {
            "part": "snippet",
            "playlistId": self._uploads_playlist(google),
            "maxResults": str(count),
        }
        return [
            item.get("snippet") or {}
            for item in _items(google.call("GET", url, publish=False, params=params))
        ]

    def _find(self, google: Google, mark: str) -> dict | None:
        for snippet in self.latest(google):
            if str(snippet.get("description") or "").rstrip().endswith(mark):
                video_id = str((snippet.get("resourceId") or {}).get("videoId") or "")
                return {"id": video_id, "snippet": snippet, "status": {}}
        return None

    def _receipt(self, video: dict, metadata: dict) -> Receipt:
        video_id = str(video["id"])
        wanted = metadata["status"]["privacyStatus"]
        got = str((video.get("status") or {}).get("privacyStatus") or wanted)
        note = ""
        if got == "private" and wanted != "private":
            note = "YouTube made it private: uploads from a Cloud project YouTube has not audited stay private (docs/platforms/youtube.md)"
        return Receipt(video_id, f"https://www.youtube.com/watch?v={video_id}", note)

    def delete(self, attempt: Attempt) -> None:
        google = self.google()
        url = f"{google.host('youtube')}/youtube/v3/videos"
        try:
            google.call("DELETE", url, publish=False, params={"id": attempt.remote_id})
        except PublishError as exc:
            if exc.kind == FAIL and "videoNotFound" in exc.message:
                return  # gone already
            raise

    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        from .youtube_doctor import findings

        return findings(self, secrets)


def _items(response) -> list[dict]:
    from .http import json_object

    items = json_object(response, "YouTube").get("items") or []
    return [item for item in items if isinstance(item, dict)]
