"""Telegram's community part: comments in the channel's discussion group, messages to the bot.

Comments on channel posts are messages in the discussion group linked to the channel
(`getChat(channel).linked_chat_id`): each channel post arrives there as an automatic
forward (`is_automatic_forward`, `forward_origin.message_id` = the channel post), and
comments answer it (`reply_to_message`) or belong to its thread (`message_thread_id`).
The bot sees them only through `getUpdates` (offset = last `update_id` + 1 confirms what
came before; Telegram keeps unconfirmed updates 24 hours), and in a group only as an
administrator. The Bot API reads no history and reports no deletions.

Acting: `sendMessage` to the group with `reply_parameters`; `deleteMessage` (the bot
needs the "Delete messages" right). Telegram has no idempotency key and a bot cannot list
what it sent: a reply whose answer was lost is `unknown` until a person looks.
"""

from __future__ import annotations

import json

from . import telegram_api as tg
from .base import Finding, Receipt
from .community import Fetched, Inbox, Item, Watched
from .http import UNKNOWN, PublishError

PAGE = 100
MAX_PAGES = 50
KEEP_FORWARDS = 2000  # automatic forwards remembered (discussion message -> channel post)


class TelegramInbox(Inbox):
    can_delete = True

    def _api(self) -> tg.BotApi:
        return self.publisher.api()  # type: ignore[attr-defined]

    def group(self) -> int | None:
        """The id of the channel's discussion group, if it has one."""
        found = self.__dict__.get("_group", False)
        if found is False:
            chat = self.publisher.chat  # type: ignore[attr-defined]
            info = self._api().call("getChat", sends=False, json_body={"chat_id": chat})
            found = self.__dict__["_group"] = info.get("linked_chat_id")
        return found

    # -- reading -------------------------------------------------------------------------
    def fetch(self, cursor: str, watched: list[Watched], since: float) -> Fetched:
        state = json.loads(cursor) if cursor else {}
        offset = int(state.get("offset") or 0)
        forwards: dict[str, str] = dict(state.get("forwards") or {})
        posts = {part: w.remote_id for w in watched for part in w.remote_id.split(",")}
        group, me = self.group(), self._api().call("getMe", sends=False).get("id")
        found = Fetched(requests=2)
        for _ in range(MAX_PAGES):
            body = {"offset": offset, "limit": PAGE, "timeout": 0,
                    "allowed_updates": ["message"]}  # fmt: skip
            updates = self._api().call("getUpdates", sends=False, json_body=body)
            found.requests += 1
            if not isinstance(updates, list) or not updates:
                break
            for update in updates:
                offset = max(offset, int(update.get("update_id", 0)) + 1)
                message = update.get("message")
                if isinstance(message, dict) and message.get("date", 0) >= since:
                    self._message(message, group, me, forwards, posts, found)
            if len(updates) < PAGE:
                break
        kept = dict(list(forwards.items())[-KEEP_FORWARDS:])
        found.cursor = json.dumps({"offset": offset, "forwards": kept})
        return found

    def _message(self, message, group, me, forwards, posts, found: Fetched) -> None:
        chat = message.get("chat") or {}
        where = f"{chat.get('id')}:{message.get('message_id')}"
        if chat.get("id") == group and group is not None:
            if message.get("is_automatic_forward"):
                origin = _origin(message)
                if origin:
                    forwards[where] = origin
                return
            replied = message.get("reply_to_message") or {}
            thread = message.get("message_thread_id") or replied.get("message_id")
            origin = _origin(replied) if replied.get("is_automatic_forward") else None
            origin = origin or forwards.get(f"{group}:{thread}", "")
            parent = f"{group}:{replied['message_id']}" if replied.get("message_id") else ""
            kind = "comment" if replied.get("is_automatic_forward") else "reply"
            item = _item(message, where, kind, parent, posts.get(origin, ""))
        elif chat.get("type") == "private":
            item = _item(message, where, "message", "", "")
        else:
            return
        if (message.get("from") or {}).get("id") == me:
            found.own.append(item)
        elif item.text:
            found.items.append(item)

    # -- acting --------------------------------------------------------------------------
    def reply(self, item: Item, text: str, key: str) -> Receipt:
        chat, _, message_id = item.ref.partition(":")
        body = {
            "chat_id": int(chat),
            "text": text,
            "reply_parameters": {"message_id": int(message_id)},
        }
        sent = self._api().call("sendMessage", sends=True, json_body=body)
        number = sent.get("message_id") if isinstance(sent, dict) else None
        if not isinstance(number, int):
            raise PublishError(UNKNOWN, "Telegram accepted the answer without a message id")
        return Receipt(f"{chat}:{number}", tg.message_url(sent, chat))

    def delete(self, item: Item) -> None:
        chat, _, message_id = item.ref.partition(":")
        body = {"chat_id": int(chat), "message_id": int(message_id)}
        try:
            self._api().call("deleteMessage", sends=False, json_body=body)
        except PublishError as exc:
            if "message to delete not found" in exc.message:
                return  # gone already
            raise

    # -- doctor --------------------------------------------------------------------------
    def doctor(self) -> list[Finding]:
        api = self._api()
        try:
            group = self.group()
        except PublishError as exc:
            return [Finding("error", f"cannot read the channel: {exc.message}")]
        if group is None:
            return [Finding("warning", "the channel has no discussion group: comments are off")]
        me = api.call("getMe", sends=False)
        body = {"chat_id": group, "user_id": me.get("id")}
        try:
            member = api.call("getChatMember", sends=False, json_body=body)
        except PublishError as exc:
            return [Finding("error", f"discussion group {group}: {exc.message}")]
        bot = f"@{me.get('username', '?')}"
        if member.get("status") not in ("administrator", "creator"):
            return [Finding("error", f"{bot} is not an administrator of the discussion group "
                            f"{group}: it cannot see the comments (add it as an admin with "
                            '"Delete messages")')]  # fmt: skip
        if member.get("status") == "administrator" and not member.get("can_delete_messages"):
            return [Finding("warning", f'{bot} lacks "Delete messages" in the discussion group: '
                            "rules that delete cannot act")]  # fmt: skip
        return [Finding("ok", f"{bot} administers the discussion group {group}")]


def _origin(message: dict) -> str | None:
    """The channel post an automatic forward copies (`forward_origin`, or the older
    `forward_from_message_id`)."""
    origin = message.get("forward_origin") or {}
    number = origin.get("message_id") or message.get("forward_from_message_id")
    return str(number) if number else None


def _item(message: dict, where: str, kind: str, parent: str, post: str) -> Item:
    sender = message.get("from") or message.get("sender_chat") or {}
    name = " ".join(str(sender.get(k) or "") for k in ("first_name", "last_name")).strip()
    chat = message.get("chat") or {}
    return Item(
        remote_id=where,
        kind=kind,
        author_id=str(sender.get("username") or sender.get("id") or ""),
        author=name or str(sender.get("title") or sender.get("username") or ""),
        text=str(message.get("text") or message.get("caption") or ""),
        created=float(message.get("date") or 0),
        ref=where,
        url=tg.message_url(message, str(chat.get("id", ""))),
        parent=parent,
        post=post,
    )
