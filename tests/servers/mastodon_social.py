"""The social half of the loopback Mastodon (tests/servers/mastodon.py): other accounts
replying and mentioning, notifications and a status's context, as Mastodon documents them
(methods/notifications, methods/statuses#context, entities/Notification).

- `GET /api/v1/notifications`: the token's account's notifications, newest first; `types[]`
  filters (`mention`, `quote`, ...); `limit` (default 40, at most 80); `max_id` (older
  than), `since_id` (newer than, the newest page), `min_id` (the page immediately newer
  than: the oldest ones after it, still listed newest first). A `Link` header carries
  `next` (`max_id` = the oldest shown) and `prev` (`min_id` = the newest shown). A
  notification of a deleted status disappears with it.
- A reply creates a `mention` notification for the replied-to account only while its text
  still mentions that account (`@username`), as in Mastodon (there is no `reply` type).
- `GET /api/v1/statuses/:id/context`: `ancestors` and every `descendant` (any depth),
  oldest first.

Test handles: `server.comment(author, text, reply_to=status_id)` (another account writes,
`mention=False` leaves the @mention out), `server.remove(status_id)` (its author deletes it).
"""

from __future__ import annotations

import html
import re

DEFAULT_LIMIT = 40
MAX_LIMIT = 80


def comment(server, author: str, text: str, reply_to: str = "", mention: bool = True) -> dict:
    """A status by `author` (answering `reply_to`, if given); the notification Mastodon makes."""
    with server.lock:
        parent = server.statuses.get(reply_to) if reply_to else None
        owner = parent["account"]["username"] if parent else ""
        if parent and mention and f"@{owner}" not in text:
            text = f"@{owner} {text}"
        server._next += 1
        status_id = str(server._next)
        status = _status(server, author, status_id, text, parent)
        server.statuses[status_id] = status
        server.texts[status_id] = text
        for user in set(re.findall(r"@(\w+)", text)) - {author}:
            _notify(server, user, "mention", author, status_id)
    return status


def remove(server, status_id: str) -> None:
    with server.lock:
        server.statuses.pop(status_id, None)
        server.deleted.append(status_id)


def _status(server, user: str, status_id: str, text: str, parent: dict | None) -> dict:
    import time

    from servers.mastodon import _iso

    return {
        "id": status_id,
        "created_at": _iso(time.time() + server.clock),
        "in_reply_to_id": parent["id"] if parent else None,
        "in_reply_to_account_id": parent["account"]["id"] if parent else None,
        "uri": f"{server.url}/users/{user}/statuses/{status_id}",
        "url": f"{server.url}/@{user}/{status_id}",
        "content": "<p>" + html.escape(text).replace("\n", "<br>") + "</p>",
        "visibility": "public",
        "language": "en",
        "sensitive": False,
        "spoiler_text": "",
        "media_attachments": [],
        "account": server._account(user),
    }


def _notify(server, user: str, kind: str, author: str, status_id: str) -> None:
    server.note_seq += 1
    server.notifications.append(
        {
            "id": str(server.note_seq),
            "user": user,
            "type": kind,
            "author": author,
            "status": status_id,
            "created_at": server.statuses[status_id]["created_at"],
        }
    )


def on_reply(server, user: str, status: dict, text: str) -> None:
    """A status the API made that answers another: the replied-to account is notified if
    the text mentions it (called with the server's lock held)."""
    for name in set(re.findall(r"@(\w+)", text)) - {user}:
        _notify(server, name, "mention", user, status["id"])


def notifications(server, user: str, query: list[tuple[str, str]]) -> tuple[int, object, dict]:
    params = dict(query)
    types = [v for k, v in query if k == "types[]"]
    try:
        limit = min(MAX_LIMIT, max(1, int(params.get("limit") or DEFAULT_LIMIT)))
    except ValueError:
        return 422, {"error": "Validation failed: limit is not a number"}, {}
    with server.lock:
        mine = [
            n
            for n in server.notifications
            if n["user"] == user and n["status"] in server.statuses
            and (not types or n["type"] in types)
        ]  # fmt: skip
        ordered = sorted(mine, key=lambda n: int(n["id"]))  # oldest first
        if params.get("max_id"):
            ordered = [n for n in ordered if int(n["id"]) < int(params["max_id"])]
        if params.get("since_id"):
            ordered = [n for n in ordered if int(n["id"]) > int(params["since_id"])]
        if params.get("min_id"):
            ordered = [n for n in ordered if int(n["id"]) > int(params["min_id"])][:limit]
        else:
            ordered = ordered[-limit:]
        page = list(reversed(ordered))
        body = [_entity(server, n) for n in page]
    headers = {}
    if page:
        base = f"{server.url}/api/v1/notifications"
        extra = "".join(f"&types%5B%5D={t}" for t in types)
        headers["Link"] = (
            f'<{base}?max_id={page[-1]["id"]}&limit={limit}{extra}>; rel="next", '
            f'<{base}?min_id={page[0]["id"]}&limit={limit}{extra}>; rel="prev"'
        )
    return 200, body, headers


def _entity(server, note: dict) -> dict:
    return {
        "id": note["id"],
        "type": note["type"],
        "created_at": note["created_at"],
        "account": server._account(note["author"]),
        "status": server.statuses[note["status"]],
    }


def context(server, status_id: str) -> tuple[int, object, dict]:
    with server.lock:
        status = server.statuses.get(status_id)
        if status is None:
            return 404, {"error": "Record not found"}, {}
        ancestors, parent = [], status.get("in_reply_to_id")
        while parent and parent in server.statuses:
            ancestors.insert(0, server.statuses[parent])
            parent = server.statuses[parent].get("in_reply_to_id")
        below, frontier = [], {status_id}
        for candidate in sorted(server.statuses.values(), key=lambda s: int(s["id"])):
            if candidate.get("in_reply_to_id") in frontier:
                below.append(candidate)
                frontier.add(candidate["id"])
    return 200, {"ancestors": ancestors, "descendants": below}, {}
