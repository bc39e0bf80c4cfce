"""Bluesky's community part: notifications and threads from the AppView, answers written
to the PDS under a record key of our own.

Reading (lexicons app.bsky.notification.listNotifications and app.bsky.feed.getPostThread,
served by the AppView; the PDS proxies them): notifications of reason `reply`, `mention`
and `quote`, newest first, paged back with `cursor` until the newest one seen last time;
and each watched post's thread (every reply, every depth), which also shows which stored
replies are gone.

Answering: `com.atproto.repo.createRecord` of an `app.bsky.feed.post` whose `reply` holds
the thread's `root` and the comment as `parent` (strong refs: uri and cid), at a record
key made from the action's key: a second create at that key is refused, and
`getRecord` tells whether a stopped run's reply went out. Hiding: the root post's
`app.bsky.feed.threadgate` (same record key as the post) lists the reply in
`hiddenReplies` (at most 300). Nobody can delete another account's reply.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

from .base import Finding, Receipt
from .bluesky_api import POST, at_uri, now_rfc3339, parse_at_uri, rkey_for
from .community import Fetched, Inbox, Item, Watched, seconds
from .http import FAIL, PublishError, json_object

REASONS = ("reply", "mention", "quote")
PAGE = 100
MAX_PAGES = 20
THREADGATE = "app.bsky.feed.threadgate"
HIDDEN_MAX = 300
PROBES = 4


class BlueskyInbox(Inbox):
    can_hide = True
    can_find_reply = True  # the record key is ours: getRecord answers "sent or not"

    @property
    def client(self):
        return self.publisher.client  # type: ignore[attr-defined]

    def _get(self, nsid: str, **params: object) -> dict:
        response = self.client.call("GET", nsid, idempotent=True, params=params)
        return json_object(response, "Bluesky")

    # -- reading -------------------------------------------------------------------------
    def fetch(self, cursor: str, watched: list[Watched], since: float) -> Fetched:
        me = self.client.ensure().did
        seen = (json.loads(cursor) if cursor else {}).get("seen", "")
        found = Fetched()
        top = self._notifications(seen, since, me, found)
        for post in watched:
            self._thread(post.remote_id, me, found)
        found.cursor = json.dumps({"seen": top or seen})
        return found

    def _notifications(self, seen: str, since: float, me: str, found: Fetched) -> str:
        top, page_cursor = seen, None
        for _ in range(MAX_PAGES):
            params: dict = {"limit": PAGE, "reasons": list(REASONS)}
            if page_cursor:
                params["cursor"] = page_cursor
            answer = self._get("app.bsky.notification.listNotifications", **params)
            found.requests += 1
            notes = [n for n in answer.get("notifications") or [] if isinstance(n, dict)]
            done = not notes
            for note in notes:
                stamp = str(note.get("indexedAt") or "")
                if (seen and stamp <= seen) or seconds(note.get("indexedAt")) < since:
                    done = True
                    continue
                top = max(top, stamp)
                if note.get("reason") in REASONS and (note.get("author") or {}).get("did") != me:
                    found.items.append(_item(note, str(note["reason"]), me))
            page_cursor = answer.get("cursor")
            if done or not page_cursor:
                break
        return top

    def _thread(self, post: str, me: str, found: Fetched) -> None:
        try:
            answer = self._get("app.bsky.feed.getPostThread", uri=post, depth=100, parentHeight=0)
        except PublishError as exc:
            if "NotFound" in exc.message:
                return
            raise
        found.requests += 1
        present: set[str] = set()
        queue = list((answer.get("thread") or {}).get("replies") or [])
        while queue:
            node = queue.pop()
            view = node.get("post") if isinstance(node, dict) else None
            if not isinstance(view, dict):
                continue  # blocked or not found
            queue.extend(node.get("replies") or [])
            item = _item(view, "comment", me)
            if (view.get("author") or {}).get("did") == me:
                found.own.append(item)
                continue
            if item.parent != post:
                item = replace(item, kind="reply")
            found.items.append(item)
            present.add(item.remote_id)
        found.complete[post] = present

    # -- acting --------------------------------------------------------------------------
    def reply(self, item: Item, text: str, key: str) -> Receipt:
        from ..text.render import bluesky_facets

        client = self.client
        did = client.ensure().did
        refs = json.loads(item.ref)
        record: dict = {
            "$type": POST,
            "text": text,
            "createdAt": now_rfc3339(),
            "reply": {"root": refs["root"], "parent": refs["parent"]},
        }
        facets = [f for f in bluesky_facets(text) if "handle" not in f["features"][0]]
        if facets:
            record["facets"] = facets
        for rkey in self._keys(item, key):
            found = client.get_record(did, rkey)
            if found is not None:
                if _answers(found, item):
                    return self._receipt(did, rkey)
                continue  # another record of that instant: the next key
            client.create_record(did, rkey, record)
            return self._receipt(did, rkey)
        raise PublishError(FAIL, f"{PROBES} record keys for this answer are taken")

    def find_reply(self, item: Item, key: str) -> Receipt | None:
        did = self.client.ensure().did
        for rkey in self._keys(item, key):
            found = self.client.get_record(did, rkey)
            if found is None:
                return None
            if _answers(found, item):
                return self._receipt(did, rkey)
        return None

    def _keys(self, item: Item, key: str) -> list[str]:
        when = dt.datetime.fromtimestamp(item.created + 1, dt.timezone.utc)
        return [rkey_for(when, key, probe) for probe in range(PROBES)]

    def _receipt(self, did: str, rkey: str) -> Receipt:
        return Receipt(at_uri(did, rkey), self.publisher.post_url(rkey))  # type: ignore[attr-defined]

    def hide(self, item: Item) -> None:
        client = self.client
        did = client.ensure().did
        root = json.loads(item.ref)["root"]["uri"]
        repo, _, rkey = parse_at_uri(root)
        if repo != did:
            raise PublishError(FAIL, "Bluesky hides replies only under the account's own posts")
        current = client.get_record(did, rkey, THREADGATE)
        gate = dict((current or {}).get("value") or {})
        hidden = [u for u in gate.get("hiddenReplies") or [] if isinstance(u, str)]
        if item.remote_id in hidden:
            return
        if len(hidden) >= HIDDEN_MAX:
            raise PublishError(
                FAIL, f"the thread already hides {HIDDEN_MAX} replies, Bluesky's most"
            )
        gate.update({"$type": THREADGATE, "post": root, "hiddenReplies": [*hidden, item.remote_id]})
        gate.setdefault("createdAt", now_rfc3339())
        body = {"repo": did, "collection": THREADGATE, "rkey": rkey, "record": gate}
        client.call("POST", "com.atproto.repo.putRecord", idempotent=True, json=body)

    def doctor(self) -> list[Finding]:
        try:
            self._get("app.bsky.notification.listNotifications", limit=1)
        except PublishError as exc:
            return [Finding("error", f"cannot read notifications: {exc.message}")]
        return [Finding("ok", "notifications and threads are readable")]


def _item(view: dict, kind: str, me: str) -> Item:
    """An item from a post view or a notification (both have uri, cid, author, record)."""
    record = view.get("record") if isinstance(view.get("record"), dict) else {}
    author = view.get("author") or {}
    uri, cid = str(view.get("uri") or ""), str(view.get("cid") or "")
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    parent = (reply.get("parent") or {}).get("uri", "")
    root = reply.get("root") or {"uri": uri, "cid": cid}
    mine = str(root.get("uri", "")).startswith(f"at://{me}/")
    _, _, rkey = uri.rpartition("/")
    handle = str(author.get("handle") or "")
    return Item(
        remote_id=uri,
        kind=kind,
        author_id=handle or str(author.get("did") or ""),
        author=str(author.get("displayName") or handle),
        text=str(record.get("text") or ""),
        created=seconds(record.get("createdAt") or view.get("indexedAt")),
        ref=json.dumps({"root": root, "parent": {"uri": uri, "cid": cid}}),
        url=f"https://bsky.app/profile/{handle}/post/{rkey}" if handle else "",
        parent=str(parent),
        post=str(root.get("uri", "")) if mine else "",
    )


def _answers(found: dict, item: Item) -> bool:
    value = found.get("value") if isinstance(found.get("value"), dict) else {}
    parent = ((value.get("reply") or {}).get("parent") or {}).get("uri")
    return parent == item.remote_id
