"""Editing channel messages on the loopback Bot API (tests/servers/telegram.py), as the
Bot API documents it (core.telegram.org/bots/api#updating-messages) with the reference
server's error texts (tdlib/telegram-bot-api):

- `editMessageText` (`chat_id`, `message_id`, `text`, `parse_mode`): a text message only
  ("Bad Request: there is no text in the message to edit" otherwise);
- `editMessageCaption` (`chat_id`, `message_id`, `caption`, `parse_mode`): a photo or video
  ("Bad Request: there is no caption in the message to edit" on a text message);
- the same text and entities again: "Bad Request: message is not modified: specified new
  message content and reply markup are exactly the same as a current content and reply
  markup of the message"; a deleted or unknown message: "Bad Request: message to edit not
  found". Answers the edited `Message` with `edit_date`.

Test handle: `server.edits` — (chat id, message id, new text) of every edit that changed one.
"""

from __future__ import annotations

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def edit(server, params: dict, key: str) -> dict:
    from servers.telegram import CAPTION_MAX, TEXT_MAX, ApiError

    chat = server._chat(params, write=True)
    number = params.get("message_id", "")
    if not str(number).isdigit():
        raise ApiError(400, "Bad Request: message identifier is not specified")
    with server.lock:
        sent = next(
            (m for m in server.messages if m.chat_id == chat.id and m.message_id == int(number)),
            None,
        )
        if sent is None or sent.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if key == "text" and sent.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if key == "caption" and sent.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        limit = TEXT_MAX if key == "text" else CAPTION_MAX
        text, entities = server._formatted(params, key, limit, required=key == "text")
        if text == sent.text and entities == sent.entities:
            raise ApiError(400, NOT_MODIFIED)
        sent.text, sent.entities, sent.html = text, entities, params.get(key, "")
        sent.params = {**sent.params, "edit_date": str(server.now())}
        server.edits.append((chat.id, sent.message_id, text))
        return {**server._message(sent), "edit_date": server.now()}
