"""Mastodon's community part: mentions from notifications, replies from each post's context,
answers with an `Idempotency-Key`.

Reading (Mastodon docs, methods/notifications and methods/statuses): `GET
/api/v1/notifications?types[]=mention&types[]=quote`, newest first, `Link`-header paging;
after the first run only what is newer than the newest notification seen (`min_id`). A
reply reaches notifications only while it still mentions the account, so each watched
post's `GET /api/v1/statuses/:id/context` is read too (its `descendants`, every depth):
that full listing also shows which stored replies were deleted.

Answering: `POST /api/v1/statuses` with `in_reply_to_id` and the action's key as
`Idempotency-Key` (kept one hour), starting with the author's `@acct` as Mastodon's apps
do. Mastodon cannot hide or delete another account's status.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from . import mastodon_api as api
from .base import Finding, Receipt
from .community import Fetched, Inbox, Item, Watched, html_text, seconds
from .http import RETRY, PublishError, json_body, json_object

if TYPE_CHECKING:
    import requests

PAGE = 40
MAX_PAGES = 25  # per run: 1,000 notifications; the rest waits for the next run
NEEDED = {
    "read:notifications": "to read mentions",
    "read:statuses": "to read replies under the account's posts",
    "write:statuses": "to answer",
}


class MastodonInbox(Inbox):
    reply_idempotent = True
    reply_key_ttl = 3600
    can_find_reply = True

    @property
    def client(self) -> api.Client:
        return self.publisher.client  # type: ignore[attr-defined]

    def _get(self, path: str, **params: object) -> requests.Response:
        return self.client.request("GET", path, params=params or None)

    def _me(self) -> dict:
        found = self.__dict__.get("_me_cache")
        if found is None:
            found = self.__dict__["_me_cache"] = _json(
                self._get("/api/v1/accounts/verify_credentials")
            )
        return found

    # -- reading -------------------------------------------------------------------------
    def fetch(self, cursor: str, watched: list[Watched], since: float) -> Fetched:
        me = str(self._me().get("id") or "")
        newest = (json.loads(cursor) if cursor else {}).get("notifications", "")
        found = Fetched(requests=1)
        posts = {w.remote_id for w in watched}
        for post in watched:  # first: a reply found there is a comment under its post
            self._context(post.remote_id, me, found)
        top = self._notifications(newest, since, me, posts, found)
        found.cursor = json.dumps({"notifications": top or newest})
        return found

    def _notifications(self, newest: str, since: float, me: str, posts: set, found: Fetched) -> str:
        """Collect mentions and quotes; the id of the newest notification seen."""
        params: dict = {"types[]": ["mention", "quote"], "limit": PAGE}
        if newest:
            params["min_id"] = newest
        top = newest
        for _ in range(MAX_PAGES):
            response = self._get("/api/v1/notifications", **params)
            found.requests += 1
            page = json_body(response) if response.content.strip() else []
            if not isinstance(page, list) or not page:
                break
            top = max([top, *(str(n.get("id") or "") for n in page)], key=_order)
            old = False
            for note in page:
                status = note.get("status") or {}
                if status and str((status.get("account") or {}).get("id")) != me:
                    found.items.append(_item(status, note.get("type") or "mention", posts))
                old = old or seconds(note.get("created_at")) < since
            following = _link(response, "prev" if newest else "next")
            if not following or (old and not newest):
                break
            params = {"types[]": ["mention", "quote"], "limit": PAGE, **following}
        return top

    def _context(self, post: str, me: str, found: Fetched) -> None:
        try:
            response = self._get(f"/api/v1/statuses/{post}/context")
        except PublishError as exc:
            if "HTTP 404" in exc.message:
                return  # the post itself is gone
            raise
        found.requests += 1
        statuses = _json(response).get("descendants") or []
        uris = {str(s.get("id")): str(s.get("uri") or "") for s in statuses}
        present = set()
        for status in statuses:
            if str((status.get("account") or {}).get("id")) == me:
                parent = uris.get(str(status.get("in_reply_to_id")))
                if parent:
                    found.own.append(_item(status, "reply", {post}, parent_uri=parent))
                continue
            item = _item(status, "comment", {post}, root=post)
            found.items.append(item)
            present.add(item.remote_id)
        found.complete[post] = present

    # -- acting --------------------------------------------------------------------------
    def target(self, item: Item) -> str:
        return item.ref  # the local status id: its URI names the author

    def reply_text(self, item: Item, text: str) -> str:
        acct = item.author_id.lstrip("@")
        return f"@{acct} {text}" if acct and f"@{acct}" not in text else text

    def reply(self, item: Item, text: str, key: str) -> Receipt:
        form = {"status": text, "in_reply_to_id": item.ref}
        visibility = (self.account.get("visibility") or "").strip()
        if visibility:
            form["visibility"] = visibility
        response = self.client.request(
            "POST", "/api/v1/statuses", data=form, headers={"Idempotency-Key": key}
        )
        return self.publisher._receipt(_json(response))  # type: ignore[attr-defined]

    def find_reply(self, item: Item, key: str) -> Receipt | None:
        me = str(self._me().get("id") or "")
        statuses = _json(self._get(f"/api/v1/statuses/{item.ref}/context")).get("descendants") or []
        for status in statuses:
            mine = str((status.get("account") or {}).get("id")) == me
            if mine and str(status.get("in_reply_to_id")) == item.ref:
                return self.publisher._receipt(status)  # type: ignore[attr-defined]
        return None

    # -- doctor --------------------------------------------------------------------------
    def doctor(self) -> list[Finding]:
        response = self.client.request(
            "GET", "/api/v1/apps/verify_credentials", classify=api.accept_all
        )
        scopes = _json(response).get("scopes") if response.status_code == 200 else None
        if not isinstance(scopes, (list, str)):
            return [
                Finding(
                    "warning",
                    "could not read the token's scopes; the inbox needs " + ", ".join(NEEDED),
                )
            ]
        held = set(scopes.split() if isinstance(scopes, str) else scopes)
        missing = [s for s in NEEDED if s not in held and s.split(":")[0] not in held]
        if not missing:
            return [Finding("ok", "the token may read mentions and replies and answer them")]
        return [Finding("error", f"the token lacks {s} ({NEEDED[s]})") for s in missing]


def _item(status: dict, kind: str, posts: set, *, root: str = "", parent_uri: str = "") -> Item:
    account = status.get("account") or {}
    parent = str(status.get("in_reply_to_id") or "")
    if kind == "comment" and parent != root:
        kind = "reply"
    if status.get("visibility") == "direct":
        kind = "message"  # a private mention: Mastodon's direct message
    return Item(
        remote_id=str(status.get("uri") or status.get("url") or status.get("id")),
        kind=kind,
        author_id=str(account.get("acct") or ""),
        author=str(account.get("display_name") or account.get("acct") or ""),
        text=html_text(str(status.get("content") or "")),
        created=seconds(status.get("created_at")),
        ref=str(status.get("id") or ""),
        url=str(status.get("url") or ""),
        parent=parent_uri or parent,
        post=root or (parent if parent in posts else ""),
    )


def _link(response: requests.Response, rel: str) -> dict | None:
    """The query of a `Link` header's `rel` URL (Mastodon paging), without `types[]`."""
    target = response.links.get(rel, {}).get("url")
    if not target:
        return None
    query = parse_qs(urlsplit(target).query)
    found = {k: v[-1] for k, v in query.items() if k in ("max_id", "min_id", "since_id")}
    return found or None


def _order(value: str) -> tuple[int, str]:
    """Mastodon ids are numbers in strings: compare by length, then text."""
    return (len(value), value)


def _json(response: requests.Response) -> dict:
    body = json_object(response, "Mastodon", RETRY)
    return body
