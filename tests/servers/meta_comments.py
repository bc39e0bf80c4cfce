"""Comments for the loopback Graph API (tests/servers/meta.py), as the Pages API and the
Instagram comment-moderation docs describe them.

Facebook (developers.facebook.com/docs/graph-api/reference/object/comments):
- `GET /{post-id}/comments`: `filter=toplevel` (default) or `stream` (every level, oldest
  first; `order=reverse_chronological` newest first), `limit` (default 25), cursor paging
  (`paging.cursors.after`, `paging.next` while more remain). Fields: id, message, from
  (only with pages_read_user_content), created_time, parent, is_hidden, permalink_url.
  Needs pages_read_engagement (code 10 otherwise). `GET /{comment-id}/comments`: its replies.
- `POST /{comment-id}/comments` `message`: an answer from the Page (pages_manage_engagement,
  code 200 otherwise); `POST /{comment-id}` `is_hidden=true|false`; `DELETE /{comment-id}`
  `{"success": true}`, and the usual "does not exist" (100/33) once gone.
- `GET /{page-id}/conversations?platform=messenger`: needs pages_messaging (code 230).
Instagram (developers.facebook.com/docs/instagram-platform/comment-moderation):
- `GET /{media-id}/comments` (top level, newest first) with `replies{...}` expanded;
  `GET /{comment-id}/replies`; `POST /{comment-id}/replies` `message` (top-level comments
  only); `POST /{comment-id}` `hide=true`; `DELETE /{comment-id}`. Needs
  instagram_manage_comments (code 10 otherwise) beside instagram_basic.

Test handles: `server.add_comment(on, text, author=(id, name))` (Facebook; `on` is a post or
a comment), `server.add_ig_comment(on, text, username)` (`on` a media or a comment),
`server.remove_comment(id)` (its author deletes it).
"""

from __future__ import annotations

import time

FB_READ = ("pages_read_engagement",)
FB_MODERATE = ("pages_manage_engagement",)
IG_MODERATE = ("instagram_manage_comments",)
DEFAULT_LIMIT = 25


def add(state, on: str, text: str, author: tuple[str, str] = ("991", "Ana Pop"),
        ig: bool = False, when: float | None = None) -> dict:  # fmt: skip
    with state.lock:
        parent = state.comments.get(on)
        root = parent["root"] if parent else on
        number = state._id()
        cid = f"{root}_{number}" if not ig else number
        comment = {
            "id": cid, "on": on, "root": root, "ig": ig, "text": text, "from_id": author[0],
            "from_name": author[1], "time": when if when is not None else time.time(),
            "hidden": False, "deleted": False,
        }  # fmt: skip
        state.comments[cid] = comment
    return comment


def remove(state, cid: str) -> None:
    with state.lock:
        state.comments[cid]["deleted"] = True


def _stamp(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(when))


def _fb(state, c: dict, token) -> dict:
    found = {"id": c["id"], "message": c["text"], "created_time": _stamp(c["time"]),
             "is_hidden": c["hidden"],
             "permalink_url": f"https://www.facebook.com/{c['root']}?comment_id={c['id']}"}  # fmt: skip
    if "pages_read_user_content" in token.scopes or c["from_id"] == token.profile:
        found["from"] = {"id": c["from_id"], "name": c["from_name"]}
    if c["on"] != c["root"]:
        found["parent"] = {"id": c["on"]}
    return found


def _ig(state, c: dict, token, nested: bool) -> dict:
    found = {"id": c["id"], "text": c["text"], "username": c["from_name"],
             "timestamp": _stamp(c["time"]), "hidden": c["hidden"],
             "from": {"id": c["from_id"], "username": c["from_name"]}}  # fmt: skip
    if nested:
        replies = [_ig(state, r, token, False) for r in _children(state, c["id"])]
        found["replies"] = {"data": replies}
    return found


def _children(state, on: str, every_level: bool = False) -> list[dict]:
    found = [c for c in state.comments.values() if not c["deleted"] and c["on"] == on]
    if every_level:
        for c in list(found):
            found += _children(state, c["id"], True)
    return sorted(found, key=lambda c: (c["time"], c["id"]))


def _page(call, rows: list) -> dict:
    try:
        limit = max(1, min(100, int(call.params.get("limit") or DEFAULT_LIMIT)))
        start = int(call.params.get("after") or 0)
    except ValueError:
        from servers.meta import GraphFailure

        raise GraphFailure(100, "(#100) Invalid cursor") from None
    chunk = rows[start : start + limit]
    paging: dict = {"cursors": {"before": str(start), "after": str(start + len(chunk))}}
    if start + limit < len(rows):
        paging["next"] = f"https://graph.facebook.com/{call.path}?after={start + len(chunk)}"
    return {"data": chunk, "paging": paging}


def route(state, call, token, parts: list[str]) -> dict | None:
    """The answer for a comments request, or None when it is not one."""
    from servers.meta import GraphFailure, _unsupported

    method = call.method
    if len(parts) == 2 and parts[1] == "conversations" and parts[0] in state.pages:
        state._needs(token, "pages_messaging", code=230,
                     message="(#230) Requires pages_messaging permission to manage the object")  # fmt: skip
        return _page(call, list(state.conversations.get(parts[0], [])))
    target = parts[0] if parts else ""
    node = state.comments.get(target)
    is_post = target in state.posts or target in state.media
    if not (node or is_post) or (node and node["deleted"]):
        return None if not node else _gone(method, target, _unsupported)
    ig = node["ig"] if node else target in state.media
    if len(parts) == 2 and parts[1] in ("comments", "replies") and method == "GET":
        state._needs(token, *(("instagram_basic", *IG_MODERATE) if ig else FB_READ), code=10)
        every = call.params.get("filter") == "stream"
        rows = _children(state, target, every_level=every and not ig)
        if ig or call.params.get("order") == "reverse_chronological":
            rows.reverse()
        shown = [_ig(state, c, token, not node) if ig else _fb(state, c, token) for c in rows]
        return _page(call, shown)
    if len(parts) == 2 and parts[1] in ("comments", "replies") and method == "POST" and node:
        state._needs(token, *(IG_MODERATE if ig else FB_MODERATE), code=200)
        if ig and node["on"] != node["root"]:
            raise GraphFailure(100, "(#100) Replies can only be made to top-level comments")
        message = call.params.get("message", "")
        if not message:
            raise GraphFailure(100, "(#100) Missing message")
        author = (token.profile, _name(state, token.profile))
        made = add(state, target, message, author, ig=ig)
        return {"id": made["id"]}
    if len(parts) == 1 and node and method == "POST":
        state._needs(token, *(IG_MODERATE if ig else FB_MODERATE), code=200)
        flag = call.params.get("hide" if ig else "is_hidden", "")
        node["hidden"] = flag.lower() == "true"
        return {"success": True}
    if len(parts) == 1 and node and method == "DELETE":
        state._needs(token, *(IG_MODERATE if ig else FB_MODERATE), code=200)
        node["deleted"] = True
        return {"success": True}
    return None


def _gone(method: str, target: str, unsupported):
    raise unsupported(method, target)


def _name(state, profile: str) -> str:
    if profile in state.pages:
        return state.pages[profile]["name"]
    return state.ig_users.get(profile, {}).get("username", profile)
