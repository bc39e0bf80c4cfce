"""VK's community part: the comments under the community's recent wall posts; answer as
the community, delete (docs/platforms/vk.md, "The inbox").

Sources: VKCOM/vk-api-schema (API 5.199) `wall.getComments`, `wall.createComment`,
`wall.deleteComment`, `comment_thread`, `errors.json`.

- Read: `wall.getComments` for each watched post (`owner_id`, `post_id`), paged by
  `offset`/`count` (at most 100), `sort=asc`, `extended=1` (the authors' names in
  `profiles` and `groups`), `preview_length=0` (VK cuts texts to 90 characters unless told
  not to), `thread_items_count=10`; a thread longer than that is read on its own
  (`comment_id` = the thread's first comment, paged the same way). Deleted comments come
  back as `deleted` placeholders while they have replies: they are not items, and a stored
  item missing from a post read in full is marked deleted.
- Answer: `wall.createComment` with `from_group` (the community's id), `reply_to_comment`
  and the action's key as `guid` ("unique identifier to avoid repeated comments": VK
  answers a repeated guid with the first comment; how long it remembers one is not
  documented for comments, so smmflow counts an hour, as for `wall.post`, and past it
  looks for the community's answer under the comment).
- Delete: `wall.deleteComment` (an editor or moderator's user token). VK has no way to
  hide a comment.
"""

from __future__ import annotations

from .base import Finding, Receipt
from .community import Fetched, Inbox, Item, Watched
from .http import UNKNOWN, PublishError
from .vk_api import OFFLINE, RIGHTS, Client, VkError

PAGE = 100  # the most wall.getComments gives at once
THREAD = 10  # the most replies it gives inside each comment
MAX_PAGES = 50
GONE = frozenset({104, 211})  # not found; access to the comment denied (also once it is gone)


class VkInbox(Inbox):
    can_reply = True
    can_hide = False
    can_delete = True
    reply_idempotent = True  # guid
    reply_key_ttl = 3600.0  # not documented for comments: the hour wall.post's guid has
    can_find_reply = True  # the community's own answer under the comment

    def client(self) -> Client:
        return self.publisher._client()  # type: ignore[attr-defined]

    @property
    def owner(self) -> str:
        return self.publisher.owner  # type: ignore[attr-defined]

    # -- reading -------------------------------------------------------------------------
    def fetch(self, cursor: str, watched: list[Watched], since: float) -> Fetched:
        client, found = self.client(), Fetched()
        for post in watched:
            owner, _, post_id = post.remote_id.rpartition("_")
            if owner != self.owner or not post_id.isdigit():
                continue  # not a post of this community's wall
            present: set[str] = set()
            for row, names in self._comments(client, post_id, "", found):
                self._take(row, names, post, since, found, present)
                thread = row.get("thread") or {}
                shown = [r for r in thread.get("items") or [] if isinstance(r, dict)]
                if int(thread.get("count") or 0) > len(shown):
                    shown = [r for r, _ in self._comments(client, post_id, str(row["id"]), found)]
                for reply in shown:
                    self._take(reply, names, post, since, found, present, str(row.get("id")))
            found.complete[post.remote_id] = present
        return found

    def _comments(
        self, client: Client, post_id: str, thread: str, found: Fetched
    ) -> list[tuple[dict, dict]]:
        """Every comment of a post (or of one thread), page by page, with the names of
        the authors VK gave with the page."""
        rows: list[tuple[dict, dict]] = []
        for page in range(MAX_PAGES):
            params = {
                "owner_id": self.owner, "post_id": post_id, "offset": page * PAGE,
                "count": PAGE, "sort": "asc", "extended": 1, "preview_length": 0,
            }  # fmt: skip
            if thread:
                params["comment_id"] = thread
            else:
                params["thread_items_count"] = THREAD
            answer = client.call("wall.getComments", params)
            found.requests += 1
            answer = answer if isinstance(answer, dict) else {}
            items = [r for r in answer.get("items") or [] if isinstance(r, dict) and r.get("id")]
            names = _names(answer)
            rows += [(r, names) for r in items]
            total = int(answer.get("current_level_count") or answer.get("count") or 0)
            if len(items) < PAGE or (page + 1) * PAGE >= total:
                break
        return rows

    def _take(self, row: dict, names: dict, post: Watched, since: float, found: Fetched,
              present: set[str], root: str = "") -> None:  # fmt: skip
        if row.get("deleted"):
            return  # a placeholder kept for its replies
        item = _item(row, names, self.owner, post, root)
        if str(row.get("from_id")) == self.owner:
            found.own.append(item)  # the community's own answer
            return
        present.add(item.remote_id)
        if item.created >= since:
            found.items.append(item)

    # -- acting --------------------------------------------------------------------------
    def reply(self, item: Item, text: str, key: str) -> Receipt:
        post_id, comment, _root = _ref(item)
        answer = self.client().call(
            "wall.createComment",
            {
                "owner_id": self.owner,
                "post_id": post_id,
                "from_group": self.owner.lstrip("-"),
                "message": text,
                "reply_to_comment": comment,
                "guid": key,
            },
        )
        made = str(answer.get("comment_id") or "") if isinstance(answer, dict) else ""
        if not made:
            raise PublishError(UNKNOWN, "VK answered wall.createComment without a comment_id")
        return Receipt(f"{self.owner}_{made}", _url(self.owner, post_id, made))

    def find_reply(self, item: Item, key: str) -> Receipt | None:
        post_id, comment, root = _ref(item)
        for row, _ in self._comments(self.client(), post_id, root or comment, Fetched()):
            if (
                str(row.get("from_id")) == self.owner
                and str(row.get("reply_to_comment")) == comment
            ):
                made = str(row.get("id"))
                return Receipt(f"{self.owner}_{made}", _url(self.owner, post_id, made))
        return None

    def delete(self, item: Item) -> None:
        post_id, comment, root = _ref(item)
        client = self.client()
        try:
            client.call("wall.deleteComment", {"owner_id": self.owner, "comment_id": comment})
        except VkError as exc:
            if exc.code not in GONE or self._still_there(client, post_id, comment, root):
                raise

    def _still_there(self, client: Client, post_id: str, comment: str, root: str) -> bool:
        """Whether the comment is still listed (VK answers a gone one with 211, as it does
        a comment the token may not delete)."""
        params = {"owner_id": self.owner, "post_id": post_id, "start_comment_id": comment,
                  "count": 1, "preview_length": 0}  # fmt: skip
        if root:
            params["comment_id"] = root
        try:
            answer = client.call("wall.getComments", params)
        except VkError as exc:
            if exc.code in GONE:
                return False
            raise
        items = answer.get("items") if isinstance(answer, dict) else None
        first = items[0] if isinstance(items, list) and items else {}
        return str(first.get("id")) == comment and not first.get("deleted")

    # -- doctor --------------------------------------------------------------------------
    def doctor(self) -> list[Finding]:
        client, group_id = self.client(), self.owner.lstrip("-")
        rights = int(client.call("account.getAppPermissions", {}) or 0)
        answer = client.call("groups.getById", {"group_ids": group_id, "fields": "can_post"})
        groups = answer.get("groups") if isinstance(answer, dict) else answer
        group = groups[0] if isinstance(groups, list) and groups else {}
        name = group.get("name") or f"club{group_id}"
        if not rights & RIGHTS["wall"]:
            return [
                Finding("error", "the token lacks the right wall (to read and answer comments)")
            ]
        if int(group.get("admin_level") or 0) < 2:
            return [
                Finding(
                    "error",
                    f"the token's user must be an editor or administrator of {name} to answer "
                    "as the community and delete comments",
                )
            ]
        lines = [Finding("ok", f"may read comments, answer as {name} and delete comments")]
        if not rights & OFFLINE:
            lines.append(Finding("warning", "without `offline` the token expires within a day"))
        return lines


def _names(answer: dict) -> dict[str, str]:
    """from_id -> the name shown: people from `profiles`, communities (negative) from
    `groups`."""
    found = {}
    for person in answer.get("profiles") or []:
        if isinstance(person, dict):
            name = f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()
            found[str(person.get("id"))] = name
    for group in answer.get("groups") or []:
        if isinstance(group, dict):
            found[f"-{group.get('id')}"] = str(group.get("name") or "")
    return found


def _item(row: dict, names: dict, owner: str, post: Watched, root: str) -> Item:
    post_id = post.remote_id.rpartition("_")[2]
    comment, author = str(row.get("id")), str(row.get("from_id") or "")
    answers = str(row.get("reply_to_comment") or "")
    return Item(
        remote_id=f"{owner}_{comment}",
        kind="reply" if root else "comment",
        author_id=author,
        author=names.get(author) or f"id{author}",
        text=str(row.get("text") or ""),
        created=float(row.get("date") or 0),
        ref=f"{post_id}:{comment}:{root}",
        url=_url(owner, post_id, comment, root),
        parent=f"{owner}_{answers or root}" if (answers or root) else post.remote_id,
        post=post.remote_id,
    )


def _ref(item: Item) -> tuple[str, str, str]:
    """(post id, comment id, thread root or "") of a stored item."""
    post_id, comment, root = (item.ref.split(":") + ["", "", ""])[:3]
    return post_id, comment, root


def _url(owner: str, post_id: str, comment: str, root: str = "") -> str:
    thread = f"&thread={root}" if root else ""
    return f"https://vk.com/wall{owner}_{post_id}?reply={comment}{thread}"
