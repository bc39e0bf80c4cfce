"""Google Business Profile local posts ("What's new", events, offers) on one location
(docs/platforms/google_business.md), through the v4 `localPosts` API (still the only home
of local posts) with one photo fetched by Google from its public URL.

Exactly once: `localPosts.create` takes no idempotency key. The time of the create is
saved in the ledger (`checkpoint`) just before it is sent, so a run that stopped after it
looks among the location's latest posts for one with this summary and topic made since
(`verify`) before anything is sent again; a create whose answer was lost in the run is
`unknown` for a person (`smmflow resolve`).
"""

from __future__ import annotations

import time

from ..errors import Problem
from ..model import Account, Group, Post
from . import gbp_rules, publicmedia
from .base import MB, Attempt, Finding, Limits, Publisher, Receipt, Rendered
from .google_api import Google
from .http import FAIL, UNKNOWN, PublishError, json_object

SLACK = 300  # seconds a post's createTime may be before the saved time (clocks differ)
LOOKBACK = 100  # latest posts of the location searched by `verify`


class GoogleBusiness(Publisher):
    name = "google_business"
    title = "Google Business Profile"
    style = "plain"  # no Markdown on Google: plain text
    limits = Limits(
        text=1500,
        media_max=1,
        media_suffixes=frozenset({".jpg", ".jpeg", ".png"}),
        image_bytes=5 * MB,
    )
    required = ("location", "client_id_env", "client_secret_env", "refresh_token_env")
    optional = ("language", "media_base_url", "api")
    urls = ("api", "media_base_url")
    docs = "docs/platforms/google_business.md"
    post_options = gbp_rules.OPTIONS
    idempotent = False
    can_verify = True  # the location's latest posts, by summary and time
    can_delete = True

    @classmethod
    def post_problems(cls, post: Post, account: Account, group: Group) -> list[Problem]:
        found = gbp_rules.problems(post, account, group)
        location = account.get("location") or ""
        if not gbp_rules.LOCATION.fullmatch(location):
            message = f"location of {account.name} must look like accounts/123/locations/456 (`smmflow doctor` lists them)"
            found.append(
                Problem(
                    group.path,
                    group.line(f"accounts.{account.name}"),
                    f"accounts.{account.name}.location",
                    message,
                    code="google-business",
                )
            )
        return found

    def google(self) -> Google:
        client = (self.secret("client_id_env"), self.secret("client_secret_env"))
        learn = getattr(self.ctx.redact, "add", lambda secret: None)
        refresh = self.secret("refresh_token_env")
        return Google(
            self.ctx.http,
            client,
            refresh,
            "Google Business Profile",
            self.account.get("api"),
            learn,
        )

    def _posts_url(self, google: Google) -> str:
        return f"{google.host('mybusiness')}/v4/{self.account.get('location')}/localPosts"

    def _body(self, post: Post, rendered: Rendered) -> dict:
        photo = None
        images = [m for m in post.media if m.kind == "image"]
        if images:
            where = (self.account, self.ctx.group, post, (images[0],))
            photo = publicmedia.media_urls(*where, "Google", self.docs)[0]
        return gbp_rules.body(post, rendered.text, self.account.get("language") or "", photo)

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        try:
            return {
                "POST": f"v4/{self.account.get('location')}/localPosts",
                **self._body(post, rendered),
            }
        except PublishError as exc:
            return {"summary": rendered.text, "error": exc.message}

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        self.refuse_problems(post)
        google = self.google()
        body = self._body(post, rendered)
        attempt.checkpoint(f"sent-at:{time.time():.0f}")
        answer = google.call("POST", self._posts_url(google), publish=True, json=body)
        local = json_object(answer, "Google Business Profile", UNKNOWN)
        if not local.get("name"):
            raise PublishError(UNKNOWN, "Google Business Profile answered without the post's name")
        return self._receipt(local)

    def _receipt(self, local: dict) -> Receipt:
        state = str(local.get("state") or "")
        note = ""
        if state == "REJECTED":
            note = "Google rejected it after publishing (content policy): see the profile"
        elif state == "PROCESSING":
            note = "Google is still reviewing it; it shows once it is LIVE"
        return Receipt(str(local["name"]), str(local.get("searchUrl") or ""), note)

    def verify(self, post: Post, attempt: Attempt) -> Receipt | None:
        if not attempt.remote_id.startswith("sent-at:"):
            return None  # the create was never sent
        since = float(attempt.remote_id.split(":", 1)[1]) - SLACK
        google = self.google()
        want = (self.render(post).text, gbp_rules.topic(post).upper())
        for local in self.latest(google):
            if (str(local.get("summary") or ""), str(local.get("topicType") or "")) != want:
                continue
            if _seconds(str(local.get("createTime") or "")) >= since:
                return self._receipt(local)
        return None

    def latest(self, google: Google, count: int = LOOKBACK) -> list[dict]:
        """The location's latest local posts (newest first, as Google lists them)."""
        answer = google.call(
            "GET", self._posts_url(google), publish=False, params={"pageSize": str(count)}
        )
        found = json_object(answer, "Google Business Profile").get("localPosts") or []
        return [p for p in found if isinstance(p, dict)]

    def delete(self, attempt: Attempt) -> None:
        google = self.google()
        url = f"{google.host('mybusiness')}/v4/{attempt.remote_id}"
        try:
            google.call("DELETE", url, publish=False)
        except PublishError as exc:
            if exc.kind == FAIL and ("NOT_FOUND" in exc.message or "not found" in exc.message):
                return  # gone already
            raise

    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        from .gbp_doctor import findings

        return findings(self, secrets)


def _seconds(stamp: str) -> float:
    """An RFC 3339 time as Google writes it (up to nanoseconds, `Z`) in POSIX seconds."""
    import datetime as dt
    import re

    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?Z?", stamp)
    if match is None:
        return 0.0
    return dt.datetime.fromisoformat(match.group(1)).replace(tzinfo=dt.timezone.utc).timestamp()
