"""Facebook's and Instagram's community parts: comments per post (and the Page's Messenger
conversations where the token may read them); reply, hide and delete through Graph.

Facebook (Pages API, comments): `GET /{post-id}/comments?filter=stream` (every level,
cursor paging) with `id,message,from,created_time,parent,is_hidden,permalink_url`; answer
`POST /{comment-id}/comments`; hide `POST /{comment-id}` `is_hidden=true`; delete `DELETE
/{comment-id}`. Conversations: `GET /{page-id}/conversations?platform=messenger` (needs
`pages_messaging`; without it, skipped).
Instagram (comment moderation): `GET /{media-id}/comments` with each comment's `replies`;
answer `POST /{comment-id}/replies`; hide `POST /{comment-id}` `hide=true`; delete `DELETE
/{comment-id}`.
Graph has no idempotency key, but a stopped run's answer can be looked for: the page's (or
the account's) own reply under the comment (`find_reply`).
"""

from __future__ import annotations

from .base import Finding, Receipt
from .community import Fetched, Inbox, Item, Watched, seconds
from .meta_api import Graph, GraphError, token_findings

PAGE = 100
MAX_PAGES = 50
FB_FIELDS = "id,message,from{id,name},created_time,parent{id},is_hidden,permalink_url"
IG_FIELDS = "id,text,username,timestamp,hidden,from{id,username}"
FB_NEEDED = ("pages_read_engagement", "pages_read_user_content", "pages_manage_engagement")
IG_NEEDED = ("instagram_basic", "instagram_manage_comments")


class _Graph(Inbox):
    can_hide = True
    can_delete = True
    can_find_reply = True

    def graph(self) -> Graph:
        return self.publisher._graph()  # type: ignore[attr-defined]

    def _pages(self, graph: Graph, path: str, found: Fetched, **params: object) -> list[dict]:
        rows: list[dict] = []
        after = None
        for _ in range(MAX_PAGES):
            query = {**params, "limit": PAGE, **({"after": after} if after else {})}
            answer = graph.get(path, **query)
            found.requests += 1
            rows += [r for r in answer.get("data") or [] if isinstance(r, dict)]
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not (answer.get("paging") or {}).get("next"):
                break
        return rows

    def delete(self, item: Item) -> None:
        try:
            self.graph().delete(item.remote_id)
        except GraphError as exc:
            if exc.code == 100 and exc.subcode == 33:
                return  # does not exist any more: deleting it is done
            raise


class FacebookInbox(_Graph):
    def fetch(self, cursor: str, watched: list[Watched], since: float) -> Fetched:
        graph, page = self.graph(), str(self.account.get("page") or "")
        found = Fetched()
        for post in watched:
            rows = self._pages(graph, f"{post.remote_id}/comments", found, fields=FB_FIELDS,
                               filter="stream", order="reverse_chronological")  # fmt: skip
            present = set()
            for row in rows:
                item = _facebook(row, post.remote_id)
                if (row.get("from") or {}).get("id") == page:
                    found.own.append(item)
                    continue
                present.add(item.remote_id)
                if item.created >= since:
                    found.items.append(item)
            found.complete[post.remote_id] = present
        self._conversations(graph, page, since, found)
        return found

    def _conversations(self, graph: Graph, page: str, since: float, found: Fetched) -> None:
        """Messenger messages to the Page, where the token may read them."""
        try:
            rows = self._pages(graph, f"{page}/conversations", found, platform="messenger",
                               fields="messages{id,message,from,created_time}")  # fmt: skip
        except GraphError as exc:
            if exc.code in (10, 200, 230) or (exc.code or 0) in range(200, 300):
                return  # no pages_messaging: comments only
            raise
        for row in rows:
            for message in (row.get("messages") or {}).get("data") or []:
                if (message.get("from") or {}).get("id") == page:
                    continue
                item = _facebook(message, "", kind="message")
                if item.created >= since:
                    found.items.append(item)

    def reply(self, item: Item, text: str, key: str) -> Receipt:
        made = self.graph().post(f"{item.remote_id}/comments", {"message": text}, publish=True)
        return Receipt(str(made.get("id") or ""), item.url)

    def find_reply(self, item: Item, key: str) -> Receipt | None:
        page = str(self.account.get("page") or "")
        found = self.graph().get(f"{item.remote_id}/comments", fields="id,from{id}", limit=PAGE)
        for row in found.get("data") or []:
            if (row.get("from") or {}).get("id") == page:
                return Receipt(str(row.get("id")), item.url)
        return None

    def hide(self, item: Item) -> None:
        self.graph().post(item.remote_id, {"is_hidden": "true"}, publish=False)

    def doctor(self) -> list[Finding]:
        return _permissions(self.graph(), FB_NEEDED, "read and moderate comments")


class InstagramInbox(_Graph):
    def fetch(self, cursor: str, watched: list[Watched], since: float) -> Fetched:
        graph = self.graph()
        me = str(graph.get(str(self.account.get("user") or ""), fields="username").get("username"))
        found = Fetched(requests=1)
        fields = f"{IG_FIELDS},replies{{{IG_FIELDS}}}"
        for post in watched:
            present = set()
            for row in self._pages(graph, f"{post.remote_id}/comments", found, fields=fields):
                nested = ((row.get("replies") or {}).get("data")) or []
                for entry, parent in [(row, ""), *((r, str(row.get("id"))) for r in nested)]:
                    item = _instagram(entry, post.remote_id, parent)
                    if entry.get("username") == me:
                        found.own.append(item)
                        continue
                    present.add(item.remote_id)
                    if item.created >= since:
                        found.items.append(item)
            found.complete[post.remote_id] = present
        return found

    def reply(self, item: Item, text: str, key: str) -> Receipt:
        target = _top(item)  # Instagram answers top-level comments only
        made = self.graph().post(f"{target}/replies", {"message": text}, publish=True)
        return Receipt(str(made.get("id") or ""), item.url)

    def find_reply(self, item: Item, key: str) -> Receipt | None:
        graph = self.graph()
        me = graph.get(str(self.account.get("user") or ""), fields="username").get("username")
        target = _top(item)
        for row in (
            graph.get(f"{target}/replies", fields="id,username", limit=PAGE).get("data") or []
        ):
            if row.get("username") == me:
                return Receipt(str(row.get("id")), item.url)
        return None

    def hide(self, item: Item) -> None:
        self.graph().post(item.remote_id, {"hide": "true"}, publish=False)

    def doctor(self) -> list[Finding]:
        return _permissions(self.graph(), IG_NEEDED, "read and moderate comments")


def _permissions(graph: Graph, needed: tuple[str, ...], what: str) -> list[Finding]:
    found = [f for f in token_findings(graph, needed) if "expire" not in f.message]
    return [Finding(f.level, f"{f.message} (to {what})") for f in found]


def _facebook(row: dict, post: str, kind: str = "") -> Item:
    sender = row.get("from") or {}
    parent = str((row.get("parent") or {}).get("id") or "")
    return Item(
        remote_id=str(row.get("id") or ""),
        kind=kind or ("reply" if parent else "comment"),
        author_id=str(sender.get("id") or ""),
        author=str(sender.get("name") or ""),
        text=str(row.get("message") or ""),
        created=seconds(row.get("created_time")),
        ref=str(row.get("id") or ""),
        url=str(row.get("permalink_url") or ""),
        parent=parent or post,
        post=post,
        hidden=bool(row.get("is_hidden")),
    )


def _instagram(row: dict, media: str, parent: str) -> Item:
    sender = row.get("from") or {}
    name = str(row.get("username") or sender.get("username") or "")
    return Item(
        remote_id=str(row.get("id") or ""),
        kind="reply" if parent else "comment",
        author_id=str(sender.get("id") or name),
        author=name,
        text=str(row.get("text") or ""),
        created=seconds(row.get("timestamp")),
        ref=str(row.get("id") or ""),
        parent=parent or media,
        post=media,
        hidden=bool(row.get("hidden")),
    )


def _top(item: Item) -> str:
    """The top-level comment of a thread (Instagram nests one level)."""
    return item.remote_id if item.kind == "comment" else item.parent
