"""Bluesky's numbers for `smmflow metrics`, read from an AppView (counts are public).

- the account: `app.bsky.actor.getProfile?actor=<handle>` → `followersCount`;
- its posts: `app.bsky.feed.getPosts?uris=...` (at most 25 AT-URIs a call) → each post
  view's `likeCount`, `repostCount`, `replyCount`, `quoteCount`. A post that is gone is
  simply not in the answer.

A PDS only proxies these to an AppView, so they go straight to one: the account's
`appview` setting, by default Bluesky's public one (no login: nothing secret is sent).
Bluesky counts no views. Errors and rate limits (429, `RateLimit-Reset`) are read as the
publisher reads them (`bluesky_api.classify`). Lexicons: app.bsky.feed.getPosts,
app.bsky.actor.getProfile, app.bsky.feed.defs#postView.
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Finding, Measurement
from .bluesky_api import classify, rate_limit_wait
from .http import Http, PublishError, json_object

DEFAULT_APPVIEW = "https://public.api.bsky.app"
POST_METRICS = ("likes", "reposts", "replies", "quotes")
BATCH = 25  # getPosts takes at most 25 URIs
WHO = "the Bluesky AppView"


def _get(http: Http, appview: str, nsid: str, params: object) -> dict:
    response = http.request(
        "GET",
        f"{appview.rstrip('/')}/xrpc/{nsid}",
        idempotent=True,
        classify=classify,
        retry_after=rate_limit_wait,
        params=params,
    )
    return json_object(response, WHO)


FIELDS = {
    "likes": "likeCount",
    "reposts": "repostCount",
    "replies": "replyCount",
    "quotes": "quoteCount",
}


def _count(view: dict, name: str) -> int | None:
    value = view.get(FIELDS[name])
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def measure(http: Http, appview: str, actor: str, remote_ids: Sequence[str]) -> Measurement:
    profile = _get(http, appview, "app.bsky.actor.getProfile", {"actor": actor})
    account = {}
    if isinstance(profile.get("followersCount"), int):
        account["followers"] = int(profile["followersCount"])
    wanted = [uri for uri in dict.fromkeys(remote_ids) if uri.startswith("at://")]
    found: dict[str, dict[str, int]] = {}
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        answer = _get(http, appview, "app.bsky.feed.getPosts", [("uris", u) for u in chunk])
        for view in answer.get("posts") or ():
            if isinstance(view, dict) and view.get("uri") in chunk:
                counts = {n: c for n in POST_METRICS if (c := _count(view, n)) is not None}
                found[str(view["uri"])] = counts
    return Measurement(found, account)


def doctor(http: Http, appview: str, actor: str) -> list[Finding]:
    """Whether the AppView answers for the account (its counts are public: no permission)."""
    try:
        _get(http, appview, "app.bsky.actor.getProfile", {"actor": actor})
    except PublishError as exc:
        return [
            Finding("warning", f"metrics: {appview} does not answer for @{actor}: {exc.message}")
        ]
    return [Finding("ok", f"metrics: public counts of @{actor} readable from {appview}")]
