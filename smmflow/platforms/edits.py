"""Edits of published posts, where a platform's API makes them (`Publisher.edit`).

Each one is safe to repeat after a run stopped in the middle (the contract): it reads
the post first and sends nothing when the platform already shows the new text
(Mastodon's status source, Facebook's `message`), or the platform itself refuses an edit
that changes nothing (Telegram's "message is not modified", taken as done).

- Mastodon: `GET /api/v1/statuses/:id/source`, then `PUT /api/v1/statuses/:id` with
  `status` (and the media ids it has, kept) — Mastodon keeps the edit history.
- Telegram: `editMessageText` (a text post) or `editMessageCaption` (the first message
  of a post with media), `parse_mode=HTML` as sent.
- Facebook: `GET /{post-id}?fields=message`, then `POST /{post-id}` with `message`.
- LinkedIn: `GET /rest/posts/{urn}`, then `POST /rest/posts/{urn}` with
  `X-RestLi-Method: PARTIAL_UPDATE` and `{"patch": {"$set": {"commentary": ...}}}`.
- VK: `wall.getById`, then `wall.edit` (`owner_id`, `post_id`, `message`, and the post's
  `attachments` given again: `wall.edit` replaces them).

Media are not changed by an edit: the text is. docs/sync.md, "Edits after publication".
"""

from __future__ import annotations

from typing import Any

from .base import Receipt, Rendered
from .http import FAIL, PublishError, json_object

NOT_MODIFIED = "message is not modified"


def mastodon(publisher: Any, rendered: Rendered, remote_id: str, url: str) -> Receipt:
    client = publisher.client
    source = json_object(client.request("GET", f"/api/v1/statuses/{remote_id}/source"), "Mastodon")
    if str(source.get("text") or "") == rendered.text:
        return Receipt(remote_id, url)  # already edited (a stopped run's PUT arrived)
    status = json_object(client.request("GET", f"/api/v1/statuses/{remote_id}"), "Mastodon")
    form = [("status", rendered.text)]
    form += [("media_ids[]", str(m.get("id"))) for m in status.get("media_attachments") or ()]
    for setting in ("language",):
        value = (publisher.account.get(setting) or "").strip()
        if value:
            form.append((setting, value))
    answer = client.request("PUT", f"/api/v1/statuses/{remote_id}", data=form)
    edited = json_object(answer, "Mastodon")
    return Receipt(remote_id, str(edited.get("url") or url))


def telegram(publisher: Any, rendered: Rendered, remote_id: str, url: str, media: bool) -> Receipt:
    from . import telegram_api as tg

    ids = tg.message_ids(remote_id)
    if not ids or 0 in ids:
        raise PublishError(FAIL, f"no Telegram message id in {remote_id!r}: edit it in the channel")
    fields: dict[str, object] = {
        "chat_id": publisher.chat,
        "message_id": ids[0],
        "parse_mode": "HTML",
    }
    method = "editMessageCaption" if media else "editMessageText"
    fields["caption" if media else "text"] = rendered.text
    try:
        publisher.api().call(method, sends=False, json_body=fields)
    except PublishError as exc:
        if NOT_MODIFIED not in exc.message:
            raise
    return Receipt(remote_id, url)


def facebook(publisher: Any, rendered: Rendered, remote_id: str, url: str) -> Receipt:
    graph = publisher._graph()
    shown = graph.get(remote_id, fields="message")
    if str(shown.get("message") or "") != rendered.text:
        answer = graph.post(remote_id, {"message": rendered.text}, publish=False)
        if answer.get("success") is not True:
            raise PublishError(FAIL, "Facebook did not confirm the edit of the post")
    return Receipt(remote_id, url)


def vk(publisher: Any, rendered: Rendered, remote_id: str, url: str) -> Receipt:
    owner, _, post_id = remote_id.rpartition("_")
    client = publisher._client()
    answer = client.call("wall.getById", {"posts": remote_id})
    items = answer.get("items") if isinstance(answer, dict) else answer
    item = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None
    if item is None:
        raise PublishError(FAIL, f"VK has no post {remote_id}: was it deleted?")
    if str(item.get("text") or "") == rendered.text:
        return Receipt(remote_id, url)  # already edited (a stopped run's wall.edit arrived)
    params = {"owner_id": owner, "post_id": post_id, "message": rendered.text}
    kept = ",".join(_vk_attachment(a) for a in item.get("attachments") or () if _vk_attachment(a))
    if kept:
        params["attachments"] = kept
    client.call("wall.edit", params)
    return Receipt(remote_id, url)


def _vk_attachment(found: dict) -> str:
    """`photo-1_2`, `video-1_3` or a link's URL: an attachment as `wall.edit` takes it."""
    kind = found.get("type")
    inner = found.get(kind) if isinstance(kind, str) else None
    if not isinstance(inner, dict):
        return ""
    if kind == "link":
        return str(inner.get("url") or "")
    if kind in ("photo", "video") and inner.get("id") is not None:
        return f"{kind}{inner.get('owner_id')}_{inner.get('id')}"
    return ""


def linkedin(publisher: Any, rendered: Rendered, urn: str, url: str) -> Receipt:
    from .linkedin_api import encode

    client = publisher._client()
    path = f"/posts/{encode(urn)}"
    shown = client.read("GET", path, what="GET /rest/posts")
    if str(shown.get("commentary") or "") != rendered.text:
        patch = {"patch": {"$set": {"commentary": rendered.text}}}
        headers = {"X-RestLi-Method": "PARTIAL_UPDATE"}
        client.request("POST", path, what="PARTIAL_UPDATE /rest/posts", json=patch, headers=headers)
    return Receipt(urn, url)
