"""`smmflow doctor` for a Google Business Profile account: the refresh token, Basic API
access (a quota of 0 means Google has not granted it yet), and the locations the token's
user may post to (Account Management and Business Information APIs, v1)."""

from __future__ import annotations

from .base import Finding, Publisher
from .google_api import Google
from .http import PublishError, json_object

PAGES = 5  # pages of accounts (20 each) and of locations (100 each) listed at most


def findings(publisher: Publisher, secrets: list[Finding]) -> list[Finding]:
    found = list(secrets)
    google = publisher.google()
    try:
        google.token()
        places = locations(google)
    except PublishError as exc:
        return [*found, Finding("error", f"could not list the locations: {exc.message}")]
    if not places:
        return [
            *found,
            Finding(
                "error",
                "the token's user manages no location (invite it as a manager of the client's profile)",
            ),
        ]
    shown = "; ".join(f"{title} ({name})" for name, title in places)
    found.append(Finding("ok", f"the token may post to {len(places)} location(s): {shown}"))
    wanted = publisher.account.get("location") or ""
    if wanted not in dict(places):
        found.append(Finding("error", f"location {wanted} is not among them: set one of the above"))
        return found
    try:
        publisher.latest(google, 1)
    except PublishError as exc:
        found.append(Finding("error", f"local posts of {wanted} cannot be read: {exc.message}"))
    else:
        found.append(
            Finding("ok", f"local posts of {wanted} can be read and written (v4 localPosts)")
        )
    return found


def locations(google: Google) -> list[tuple[str, str]]:
    """(accounts/A/locations/L, title) of every location of every account of the user."""
    found: list[tuple[str, str]] = []
    for account in _pages(
        google, f"{google.host('accounts')}/v1/accounts", {"pageSize": "20"}, "accounts"
    ):
        name = str(account.get("name") or "")
        url = f"{google.host('info')}/v1/{name}/locations"
        params = {"readMask": "name,title", "pageSize": "100"}
        for place in _pages(google, url, params, "locations"):
            found.append((f"{name}/{place.get('name')}", str(place.get("title") or "")))
    return found


def _pages(google: Google, url: str, params: dict, key: str) -> list[dict]:
    items: list[dict] = []
    token = ""
    for _ in range(PAGES):
        answer = google.call(
            "GET", url, publish=False, params={**params, **({"pageToken": token} if token else {})}
        )
        body = json_object(answer, "Google Business Profile")
        items += [x for x in body.get(key) or [] if isinstance(x, dict)]
        token = str(body.get("nextPageToken") or "")
        if not token:
            break
    return items
