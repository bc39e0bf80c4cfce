"""Updates for the loopback Bot API (tests/servers/telegram.py): a channel's discussion
group, comments, messages to the bot, and `getUpdates`, as core.telegram.org/bots/api
describes them.

- A channel may have a linked discussion group (`getChat(channel).linked_chat_id`, a
  supergroup). Every post in the channel is copied into it as an automatic forward
  (`is_automatic_forward: true`, `sender_chat` = the channel, `forward_origin` of type
  `channel` with the channel post's `message_id`); comments reply to that copy
  (`reply_to_message`) and carry its id as `message_thread_id`.
- The bot gets a group's messages as updates only as an administrator (or with privacy
  mode off), never its own messages. Private messages to the bot always arrive.
- `getUpdates(offset, limit 1-100, timeout, allowed_updates)`: updates with `update_id >=
  offset`, oldest first; giving an offset confirms (forgets) every update before it.
  While a webhook is set, getUpdates answers 409 "Conflict: can't use getUpdates method
  while webhook is active; use deleteWebhook to delete the webhook first".

Test handles: `server.discussion(channel, group_id)`, `server.user_comment(group, text,
reply_to, user=...)`, `server.private_message(text, user=...)`.
"""

from __future__ import annotations

import json

USER = {
    "id": 5551234,
    "is_bot": False,
    "first_name": "Ana",
    "last_name": "Pop",
    "username": "ana_pop",
}


def discussion(server, channel, group_id: int = -1009876543210, **kw):
    group = server.channel(None, group_id, type="supergroup", title=f"{channel.title} Chat", **kw)
    channel.linked_chat_id = group.id
    group.linked_chat_id = channel.id
    return group


def on_channel_post(server, sent) -> None:
    """Telegram copies a channel post into the linked discussion group (lock held)."""
    channel = server.chats.get(sent.chat_id)
    group = server.chats.get(channel.linked_chat_id or 0) if channel else None
    if channel is None or channel.type != "channel" or group is None:
        return
    copy = _add(server, group, sent.kind, sent.text, origin=sent.message_id)
    _deliver(server, group, copy)


def user_comment(server, group, text: str, reply_to: int, user: dict | None = None):
    with server.lock:
        parent = _find(server, group.id, reply_to)
        thread = parent.thread or parent.message_id if parent else None
        sent = _add(server, group, "text", text, sender=user or USER, reply_to=reply_to,
                    thread=thread)  # fmt: skip
        _deliver(server, group, sent)
    return sent


def private_message(server, text: str, user: dict | None = None):
    user = user or USER
    with server.lock:
        chat = server.chats.get(user["id"])
        if chat is None:
            chat = server.channel(
                user.get("username"), user["id"], type="private", title=user["first_name"]
            )
        sent = _add(server, chat, "text", text, sender=user)
        _deliver(server, chat, sent)
    return sent


def _add(server, chat, kind: str, text: str, **extra):
    from servers.telegram import Sent

    number = 100 + sum(1 for m in server.messages if m.chat_id == chat.id)
    sent = Sent(chat.id, number, server.now(), kind, text, [], text, **extra)
    server.messages.append(sent)
    return sent


def _find(server, chat_id: int, message_id: int):
    return next(
        (m for m in server.messages if m.chat_id == chat_id and m.message_id == message_id), None
    )


def _deliver(server, chat, sent) -> None:
    if chat.type != "private" and not (
        chat.bot_status in ("administrator", "creator") or not server.privacy
    ):
        return  # privacy mode: a member bot sees only what is meant for it
    server.update_seq += 1
    server.updates.append({"update_id": server.update_seq, "message": message(server, sent)})


def message(server, sent) -> dict:
    """The Message object of a stored message (with what it replies to)."""
    found = server._message(sent)
    if sent.sender is not None:
        found.pop("sender_chat", None)
        found["from"] = sent.sender
    if sent.origin is not None:  # sent by the channel, as the channel
        channel = server.chats.get(server.chats[sent.chat_id].linked_chat_id or 0)
        found["sender_chat"] = channel.as_json() if channel else found.get("sender_chat")
        found["is_automatic_forward"] = True
        found["forward_origin"] = {
            "type": "channel",
            "chat": found.get("sender_chat"),
            "message_id": sent.origin,
            "date": sent.date,
        }
    if sent.thread is not None:
        found["message_thread_id"] = sent.thread
    if sent.reply_to is not None:
        parent = _find(server, sent.chat_id, sent.reply_to)
        if parent is not None:
            found["reply_to_message"] = message(server, parent)
    return found


def get_updates(server, params: dict) -> list:
    from servers.telegram import ApiError

    if server.webhook:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
            "to delete the webhook first",
        )
    offset = int(params.get("offset") or 0)
    limit = max(1, min(100, int(params.get("limit") or 100)))
    allowed = json.loads(params["allowed_updates"]) if params.get("allowed_updates") else None
    with server.lock:
        if offset:
            server.updates = [u for u in server.updates if u["update_id"] >= offset]
        found = [u for u in server.updates if not allowed or any(k in u for k in allowed)][:limit]
        server.update_reads += 1
    return found
