"""Mastodon's numbers for `smmflow metrics`: what the REST API counts, read, never written.

- the account: `GET /api/v1/accounts/verify_credentials` → `followers_count`;
- its posts: `GET /api/v1/accounts/:id/statuses` (40 a page, newest first, the next page
  in the `Link` header) → each status's `favourites_count`, `reblogs_count`,
  `replies_count` and, from Mastodon 4.5, `quotes_count`. Paging stops once every wanted
  status was seen or the pages are older than the oldest wanted one (ids grow with time).

Mastodon counts no views. Reading needs the scopes `read:accounts` and `read:statuses`
(or `read`); without them the instance answers 403 (docs: methods/accounts, api/oauth-scopes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import mastodon_api as api
from .base import Finding, Measurement
from .http import FAIL, PublishError, Redact, json_body

if TYPE_CHECKING:
    import requests

POST_METRICS = ("favourites", "reblogs", "replies", "quotes")
READ_SCOPES = {
    "read:accounts": "to read the follower count",
    "read:statuses": "to read each post's favourites, boosts and replies",
}
PAGE = 40  # the most Mastodon gives per page
MAX_PAGES = 50


def classify(response: requests.Response, idempotent: bool, redact: Redact) -> PublishError | None:
    """Mastodon's `classify`, with a 403 that names the read scopes metrics need."""
    if response.status_code == 403:
        return PublishError(
            FAIL,
            f"the instance does not let this token read (HTTP 403: "
            f"{api.error_text(response, redact)}); metrics need the scopes "
            f"{' and '.join(READ_SCOPES)} (or read)",
        )
    return api.classify(response, idempotent, redact)


def _counts(status: dict) -> dict[str, int]:
    found = {}
    for name in POST_METRICS:
        value = status.get(f"{name}_count")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            found[name] = value
    return found


def _order(status_id: str) -> int:
    return int(status_id) if status_id.isdigit() else 0


def measure(client: api.Client, remote_ids: Sequence[str]) -> Measurement:
    me = _object(client.request("GET", "/api/v1/accounts/verify_credentials", classify=classify))
    account = {}
    if isinstance(me.get("followers_count"), int):
        account["followers"] = int(me["followers_count"])
    wanted = {i for i in remote_ids if i}
    found: dict[str, dict[str, int]] = {}
    if wanted and me.get("id") is not None:
        oldest = min(_order(i) for i in wanted)
        path: str | None = f"/api/v1/accounts/{me['id']}/statuses?limit={PAGE}&exclude_reblogs=true"
        for _ in range(MAX_PAGES):
            if path is None:
                break
            response = client.request("GET", path, classify=classify)
            page = json_body(response)
            statuses = [s for s in page if isinstance(s, dict)] if isinstance(page, list) else []
            for status in statuses:
                status_id = str(status.get("id") or "")
                if status_id in wanted:
                    found[status_id] = _counts(status)
            seen = [_order(str(s.get("id") or "")) for s in statuses]
            if not statuses or wanted <= set(found) or min(seen, default=0) <= oldest:
                break
            path = _next(client.base, response)
    return Measurement(found, account)


def _next(base: str, response: requests.Response) -> str | None:
    """The next page's path, only on the same instance (the token never goes elsewhere)."""
    url = (response.links.get("next") or {}).get("url") or ""
    return url[len(base) :] if url.startswith(base + "/") else None


def _object(response: requests.Response) -> dict:
    body = json_body(response)
    return body if isinstance(body, dict) else {}


def doctor(client: api.Client) -> list[Finding]:
    """A warning for each read scope the token lacks (asked of apps/verify_credentials)."""
    response = client.request("GET", "/api/v1/apps/verify_credentials", classify=api.accept_all)
    scopes = _object(response).get("scopes") if response.status_code == 200 else None
    if not isinstance(scopes, (list, str)):
        return [
            Finding(
                "warning",
                "metrics: could not read the token's scopes; `smmflow metrics` needs "
                f"{' and '.join(READ_SCOPES)}",
            )
        ]
    held = set(scopes.split() if isinstance(scopes, str) else scopes)
    missing = [s for s in READ_SCOPES if s not in held and "read" not in held]
    if not missing:
        return [Finding("ok", "metrics: scopes allow reading followers and post counts")]
    return [
        Finding(
            "warning", f"metrics: the token lacks {scope} ({why}); `smmflow metrics` cannot read it"
        )
        for scope, why in READ_SCOPES.items()
        if scope in missing
    ]
