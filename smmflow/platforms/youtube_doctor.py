"""`smmflow doctor` for a YouTube account: the refresh token, the scopes, the channel, and
an estimate of the uploads left today.

Quota (developers.google.com/youtube/v3/determine_quota_cost): the current page gives
`videos.insert` a bucket of its own, 100 calls a day per Cloud project (cost 1 each);
older versions of the page, and projects still on that model, charge 1600 of the daily
10,000 units per upload (6 uploads). Both reset at midnight Pacific time and are shared by
every channel the project uploads to; no API reports what is left, so the estimate counts
this channel's uploads since midnight Pacific (its uploads playlist, 2 units).
"""

from __future__ import annotations

import datetime as dt

from .base import Finding, Publisher
from .google_api import PACIFIC
from .http import PublishError, json_object

YT = "https://www.googleapis.com/auth/"
UPLOAD = {YT + s for s in ("youtube.upload", "youtube", "youtube.force-ssl", "youtubepartner")}
READ = {YT + s for s in ("youtube.readonly", "youtube", "youtube.force-ssl", "youtubepartner")}
DELETE = {YT + s for s in ("youtube", "youtube.force-ssl", "youtubepartner")}
CURRENT, LEGACY = 100, 10_000 // 1600


def findings(publisher: Publisher, secrets: list[Finding]) -> list[Finding]:
    found = list(secrets)
    google = publisher.google()
    try:
        google.token()
    except PublishError as exc:
        return [*found, Finding("error", f"no access token: {exc.message}")]
    found += _scopes(google)
    try:
        uploads = publisher.latest(google)
    except PublishError as exc:
        return [*found, Finding("error", f"could not read the channel: {exc.message}")]
    found.append(Finding("ok", "the channel's uploads can be read (to verify a stopped upload)"))
    found.append(_quota(publisher, uploads))
    found.append(
        Finding(
            "ok",
            "uploads from a Cloud project that has not passed YouTube's API audit are made "
            "private by YouTube (docs/platforms/youtube.md)",
        )
    )
    return found


def _scopes(google) -> list[Finding]:
    url = f"{google.host('oauth')}/tokeninfo"
    try:
        answer = google.call(
            "GET", url, publish=False, auth=False, params={"access_token": google.token()}
        )
    except PublishError as exc:
        return [Finding("warning", f"could not read the token's scopes ({exc.message})")]
    scopes = set(str(json_object(answer, "Google").get("scope") or "").split())
    lines = []
    for need, what, level in (
        (UPLOAD, "upload", "error"),
        (READ, "read the channel's uploads", "error"),
        (DELETE, "delete videos", "warning"),
    ):
        if not scopes & need:
            lines.append(
                Finding(
                    level, f"the token may not {what}: authorise one of {', '.join(sorted(need))}"
                )
            )
    return lines or [Finding("ok", "scopes to upload, read and delete granted")]


def _quota(publisher: Publisher, uploads: list[dict]) -> Finding:
    midnight = dt.datetime.combine(dt.datetime.now(PACIFIC).date(), dt.time(), PACIFIC)
    today = 0
    for snippet in uploads:
        try:
            when = dt.datetime.fromisoformat(str(snippet.get("publishedAt")).replace("Z", "+00:00"))
        except ValueError:
            continue
        today += when >= midnight
    configured = publisher.account.get("uploads_per_day")
    if configured and configured.isdigit():
        left = max(0, int(configured) - today)
        return Finding(
            "ok" if left else "warning",
            f"about {left} uploads left today ({today} made since midnight Pacific, uploads_per_day {configured})",
        )
    return Finding(
        "ok" if today < LEGACY else "warning",
        f"{today} uploads on this channel since midnight Pacific: about {max(0, CURRENT - today)} "
        f"left today if the project has the current videos.insert quota (100 a day), "
        f"{max(0, LEGACY - today)} if it is on the older 1600-unit model (6 a day); other "
        "channels of the same Cloud project share it (set uploads_per_day to say which)",
    )
