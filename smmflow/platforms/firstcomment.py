"""The first comment under a published post (`first_comment:`), per platform.

- Mastodon: a reply of the account to its own status (`POST /api/v1/statuses` with
  `in_reply_to_id` and the attempt's key as `Idempotency-Key`); found again among the
  status's `context` descendants by the account with the same text.
- Facebook: `POST /{post-id}/comments` `message`, as the Page; found again in
  `GET /{post-id}/comments` (from the Page, the same message).
- Instagram: `POST /{ig-media-id}/comments` `message`; found again in
  `GET /{ig-media-id}/comments` (from the account, the same text).

- Bluesky: a reply of the account to its own post (`app.bsky.feed.post` with `reply`
  naming the post as root and parent), under a record key made from the attempt's key and
  the post's time, so `getRecord` says whether a stopped run's comment went out.
- LinkedIn: `POST /rest/socialActions/{urn}/comments` with the organization as `actor`;
  found again in `GET /rest/socialActions/{urn}/comments` (its actor, the same text).
- VK: `wall.createComment` as the community (`from_group`) with the attempt's key as
  `guid` (VK answers a repeated `guid` with the first comment); found again in
  `wall.getComments` (from the community, the same text).

Graph has no idempotency key: a comment that may have gone out is looked up before it is
sent again (publish/followups). docs/format.md, `first_comment`.
"""

from __future__ import annotations

from typing import Any

from .base import Receipt
from .http import FAIL, UNKNOWN, PublishError, json_object


def mastodon(publisher: Any, text: str, remote_id: str, key: str) -> Receipt:
    form = [("status", text), ("in_reply_to_id", remote_id)]
    visibility = (publisher.account.get("visibility") or "").strip()
    if visibility:
        form.append(("visibility", visibility))
    response = publisher.client.request(
        "POST", "/api/v1/statuses", data=form, headers={"Idempotency-Key": key}
    )
    return publisher._receipt(json_object(response, "Mastodon"))


def mastodon_find(publisher: Any, text: str, remote_id: str) -> Receipt | None:
    client = publisher.client
    me = json_object(client.request("GET", "/api/v1/accounts/verify_credentials"), "Mastodon")
    context = json_object(
        client.request("GET", f"/api/v1/statuses/{remote_id}/context"), "Mastodon"
    )
    for status in context.get("descendants") or ():
        mine = str((status.get("account") or {}).get("id")) == str(me.get("id"))
        if mine and str(status.get("in_reply_to_id")) == remote_id:
            source = client.request("GET", f"/api/v1/statuses/{status.get('id')}/source")
            if str(json_object(source, "Mastodon").get("text") or "") == text:
                return publisher._receipt(status)
    return None


def graph_comment(publisher: Any, text: str, remote_id: str) -> Receipt:
    answer = publisher._graph().post(f"{remote_id}/comments", {"message": text}, publish=True)
    comment_id = str(answer.get("id") or "")
    if not comment_id:
        raise PublishError(UNKNOWN, f"{publisher.title} answered without the comment's id")
    return Receipt(comment_id, _comment_url(publisher, remote_id, comment_id))


def graph_find(publisher: Any, text: str, remote_id: str, me: str) -> Receipt | None:
    """The account's comment `text` under `remote_id` (`me`: the Page's or the
    Instagram account's id), looked up page by page."""
    graph, after = publisher._graph(), ""
    instagram = publisher.name == "instagram"
    fields = "id,text,from" if instagram else "id,message,from"
    for _ in range(50):  # at most 5,000 comments: a first comment is among the first
        params = {"fields": fields, "limit": 100, **({"after": after} if after else {})}
        page = graph.get(f"{remote_id}/comments", **params)
        for row in page.get("data") or ():
            said = row.get("text") if instagram else row.get("message")
            who = (row.get("from") or {}).get("id")
            if str(said or "") == text and str(who or "") == me:
                comment_id = str(row.get("id"))
                return Receipt(comment_id, _comment_url(publisher, remote_id, comment_id))
        after = str(((page.get("paging") or {}).get("cursors") or {}).get("after") or "")
        if not (page.get("paging") or {}).get("next"):
            return None
    return None


def _comment_url(publisher: Any, remote_id: str, comment_id: str) -> str:
    if publisher.name == "facebook":
        return f"https://www.facebook.com/{remote_id}?comment_id={comment_id}"
    return ""


def vk(publisher: Any, text: str, remote_id: str, key: str) -> Receipt:
    owner, _, post_id = remote_id.rpartition("_")
    params = {"owner_id": owner, "post_id": post_id, "message": text, "guid": key}
    params["from_group"] = publisher.group_id
    answer = publisher._client().call("wall.createComment", params)
    comment_id = str(answer.get("comment_id") or "") if isinstance(answer, dict) else ""
    if not comment_id:
        raise PublishError(UNKNOWN, "VK answered wall.createComment without a comment_id")
    return Receipt(comment_id, f"https://vk.com/wall{remote_id}?reply={comment_id}")


def vk_find(publisher: Any, text: str, remote_id: str) -> Receipt | None:
    owner, _, post_id = remote_id.rpartition("_")
    params = {"owner_id": owner, "post_id": post_id, "count": 100, "sort": "asc"}
    answer = publisher._client().call("wall.getComments", params)
    for item in (answer.get("items") if isinstance(answer, dict) else None) or ():
        if str(item.get("from_id")) == owner and str(item.get("text") or "") == text:
            comment_id = str(item.get("id"))
            return Receipt(comment_id, f"https://vk.com/wall{remote_id}?reply={comment_id}")
    return None


def bluesky(publisher: Any, text: str, remote_id: str, key: str) -> Receipt:
    from . import bluesky_api as bsky

    client = publisher.client
    did = client.ensure().did
    post = client.get_record(did, bsky.parse_at_uri(remote_id)[2])
    if post is None:
        raise PublishError(FAIL, f"Bluesky has no post {remote_id}: was it deleted?")
    ref = {"uri": str(post.get("uri") or remote_id), "cid": str(post.get("cid") or "")}
    record = {"$type": bsky.POST, "text": text, "createdAt": bsky.now_rfc3339(),
              "reply": {"root": ref, "parent": ref}}  # fmt: skip
    for rkey in _bluesky_keys(post, key):
        found = client.get_record(did, rkey)
        if found is None:
            client.create_record(did, rkey, record)
            return Receipt(bsky.at_uri(did, rkey), publisher.post_url(rkey))
        if _answers(found, ref["uri"]):
            return Receipt(bsky.at_uri(did, rkey), publisher.post_url(rkey))
    raise PublishError(FAIL, "every record key for this comment is taken")


def bluesky_find(publisher: Any, text: str, remote_id: str, key: str) -> Receipt | None:
    from . import bluesky_api as bsky

    client = publisher.client
    did = client.ensure().did
    post = client.get_record(did, bsky.parse_at_uri(remote_id)[2])
    for rkey in _bluesky_keys(post or {}, key):
        found = client.get_record(did, rkey)
        if found is None:
            return None
        if _answers(found, remote_id):
            return Receipt(bsky.at_uri(did, rkey), publisher.post_url(rkey))
    return None


def _bluesky_keys(post: dict, key: str) -> list[str]:
    """Record keys for the comment: the post's time plus a second, the attempt's key."""
    import datetime as dt

    from . import bluesky_api as bsky

    made = str((post.get("value") or {}).get("createdAt") or "1970-01-01T00:00:00Z")
    try:
        when = dt.datetime.fromisoformat(made.replace("Z", "+00:00"))
    except ValueError:
        when = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    when += dt.timedelta(seconds=1)
    return [bsky.rkey_for(when, key, probe) for probe in range(8)]


def _answers(found: dict, uri: str) -> bool:
    reply = (found.get("value") or {}).get("reply") or {}
    return str((reply.get("parent") or {}).get("uri") or "") == uri


def linkedin(publisher: Any, text: str, urn: str) -> Receipt:
    from .linkedin_api import encode

    body = {"actor": publisher.author, "object": urn, "message": {"text": text}}
    path = f"/socialActions/{encode(urn)}/comments"
    response = publisher._client().request(
        "POST", path, what="POST /rest/socialActions/comments", publish=True, json=body
    )
    comment = response.headers.get("x-restli-id", "")
    if not comment:
        raise PublishError(UNKNOWN, "LinkedIn answered the comment without x-restli-id")
    return Receipt(comment, f"https://www.linkedin.com/feed/update/{urn}")


def linkedin_find(publisher: Any, text: str, urn: str) -> Receipt | None:
    from .linkedin_api import encode

    path = f"/socialActions/{encode(urn)}/comments"
    client = publisher._client()
    for start in range(0, 1000, 100):
        page = client.read("GET", path, what="GET /rest/socialActions/comments",
                           params={"start": start, "count": 100})  # fmt: skip
        rows = page.get("elements") or []
        for row in rows:
            said = str((row.get("message") or {}).get("text") or "")
            if row.get("actor") == publisher.author and said == text:
                comment = str(row.get("commentUrn") or row.get("id"))
                return Receipt(comment, f"https://www.linkedin.com/feed/update/{urn}")
        if len(rows) < 100:
            return None
    return None
