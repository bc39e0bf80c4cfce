"""Editing statuses on the loopback Mastodon (tests/servers/mastodon.py), as Mastodon
documents it (methods/statuses: #edit, #source, #history; entities/StatusEdit,
StatusSource):

- `PUT /api/v1/statuses/:id` (`status`, `media_ids[]`, `language`, ...): the account's own
  status only (403 "This action is not allowed" otherwise, 404 when gone); the same
  validation as posting (blank text, 500 characters); answers the status with `edited_at`
  set. Every edit that changes something adds a revision to the history.
- `GET /api/v1/statuses/:id/source`: `{id, text, spoiler_text}`, the plain text as written.
- `GET /api/v1/statuses/:id/history`: every revision, oldest first (the first one is the
  original), each `{content, spoiler_text, sensitive, created_at, account, media_attachments}`.

Test handles: `server.edits` (status id, new text) in order; `server.texts[id]`: the text now.
"""

from __future__ import annotations

import html


def _content(text: str) -> str:
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


def serve(server, route: str, arg: str, user: str, form) -> tuple[int, object, dict]:
    from servers.mastodon import MAX_CHARACTERS, _iso, _length

    status = server.statuses.get(arg)
    if status is None:
        return 404, {"error": "Record not found"}, {}
    if route == "source":
        return 200, {"id": arg, "text": server.texts[arg], "spoiler_text": ""}, {}
    if route == "history":
        return (
            200,
            list(server.history.get(arg) or [_revision(server, status, status["created_at"])]),
            {},
        )
    assert route == "edit"
    if status["account"]["username"] != user:
        return 403, {"error": "This action is not allowed"}, {}
    text = dict((k, v) for k, v in form if isinstance(v, str)).get("status", "")
    if not text.strip() and not status["media_attachments"]:
        return 422, {"error": "Validation failed: Text can't be blank"}, {}
    if _length(text) > MAX_CHARACTERS:
        return (
            422,
            {"error": f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded"},
            {},
        )
    with server.lock:
        revisions = server.history.setdefault(
            arg, [_revision(server, status, status["created_at"])]
        )
        server.edits.append((arg, text))
        if text != server.texts[arg]:
            now = _iso(server.now())
            server.texts[arg] = text
            status["content"] = _content(text)
            status["edited_at"] = now
            revisions.append(_revision(server, status, now))
    return 200, status, {}


def _revision(server, status: dict, when: str) -> dict:
    return {
        "content": status["content"],
        "spoiler_text": "",
        "sensitive": False,
        "created_at": when,
        "account": status["account"],
        "media_attachments": status["media_attachments"],
    }
