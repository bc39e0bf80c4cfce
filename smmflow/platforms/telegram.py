"""Telegram channels through the Bot API: sendMessage / sendPhoto / sendVideo / sendMediaGroup.

One post is one request: a text, one photo or video with its caption, or an album of 2–10
with the caption on its first item. The text is the renderer's HTML subset with
`parse_mode=HTML`. Telegram has no idempotency key and no way for a bot to look up what a
channel holds, so a send that may have gone out is never repeated: it is `unknown` until a
person checks the channel (docs/platforms/telegram.md).
"""

from __future__ import annotations

from ..model import Media, Post
from ..text.count import utf16_units
from . import edits
from . import telegram_api as tg
from .base import MB, Attempt, Finding, Limits, Measurement, Publisher, Receipt, Rendered
from .http import FAIL, UNKNOWN, PublishError

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0", "")


class Telegram(Publisher):
    name = "telegram"
    title = "Telegram"
    style = "telegram"
    # 4096 characters per message, 1024 per media caption, after entity parsing. Telegram
    # counts code points; UTF-16 units (what its entity offsets use) are never fewer, so a
    # post that passes `check` always fits.
    limits = Limits(
        text=4096,
        caption=1024,
        count=utf16_units,
        unit="characters",
        media_max=10,
        image_bytes=10 * MB,
        video_bytes=50 * MB,
        videos_max=10,
    )
    required = ("chat", "token_env")
    optional = ("api", "silent")
    urls = ("api",)
    docs = "docs/platforms/telegram.md"
    community = "smmflow.platforms.telegram_inbox:TelegramInbox"  # comments: inbox, moderate, reply
    idempotent = False  # the Bot API has no idempotency key
    can_verify = False  # and a bot cannot read a channel's history
    can_delete = True
    can_edit = True  # editMessageText / editMessageCaption (platforms/edits.py)
    # Metrics: the Bot API counts a channel's subscribers (getChatMemberCount) and nothing
    # per post: `Message` has no views or forwards, and reaction counts reach a bot only
    # as updates (which the inbox reads), so per-post numbers are "not available".
    account_metrics = ("followers",)
    not_measured = (
        "Telegram's Bot API gives no views, forwards or reaction totals for channel posts"
    )

    # -- settings ----------------------------------------------------------------------
    @property
    def chat(self) -> str:
        return tg.chat_id(self.account.get("chat") or "")

    def silent(self) -> bool:
        value = (self.account.get("silent") or "").strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise PublishError(FAIL, f"`silent: {value}` must be true or false")

    def api(self) -> tg.BotApi:
        return tg.BotApi(self.ctx.http, self.secret("token_env"), self.account.get("api"))

    # -- what is sent ------------------------------------------------------------------
    def _request(self, post: Post, rendered: Rendered) -> tuple[str, dict, dict[str, Media]]:
        """(method, fields, files to upload by field name): one request per post."""
        fields: dict[str, object] = {"chat_id": self.chat}
        if self.silent():
            fields["disable_notification"] = True
        media = list(post.media)
        text = rendered.text
        if not media:
            fields.update(text=text, parse_mode="HTML")
            return "sendMessage", fields, {}
        if len(media) > self.limits.media_max:
            raise PublishError(
                FAIL, f"Telegram takes at most 10 photos or videos, not {len(media)}"
            )
        caption = {"caption": text, "parse_mode": "HTML"} if text else {}
        if len(media) == 1:
            method, field = _single(media[0])
            fields.update(caption)
            if field == "video":
                fields["supports_streaming"] = True
            return method, fields, {field: media[0]}
        items = []
        for i, item in enumerate(media):
            entry: dict[str, object] = {
                "type": "video" if item.kind == "video" else "photo",
                "media": f"attach://file{i}",
            }
            if item.kind == "video":
                entry["supports_streaming"] = True
            if i == 0:
                entry.update(caption)  # an album shows the caption of its first item
            items.append(entry)
        fields["media"] = items
        return "sendMediaGroup", fields, {f"file{i}": m for i, m in enumerate(media)}

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        method, fields, files = self._request(post, rendered)
        return {"method": method, **fields, **{name: m.src for name, m in files.items()}}

    # -- publishing --------------------------------------------------------------------
    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        method, fields, files = self._request(post, rendered)
        api = self.api()
        if files:
            uploads = {name: attempt.upload(m) for name, m in files.items()}
            album = method == "sendMediaGroup"
            result = api.call(method, sends=True, album=album, data=_form(fields), files=uploads)
        else:
            result = api.call(method, sends=True, json_body=fields)
        messages = result if isinstance(result, list) else [result]
        ids = [m.get("message_id") for m in messages if isinstance(m, dict)]
        if not ids or not all(isinstance(i, int) for i in ids):
            raise PublishError(
                UNKNOWN, f"Telegram accepted the post, but its answer has no message id ({method})"
            )
        return Receipt(",".join(str(i) for i in ids), tg.message_url(messages[0], self.chat))

    def edit(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        return edits.telegram(self, rendered, attempt.remote_id, "", bool(post.media))

    def delete(self, attempt: Attempt) -> None:
        remote_id = attempt.remote_id
        ids = tg.message_ids(remote_id)
        if not ids or 0 in ids:
            raise PublishError(
                FAIL,
                f"no Telegram message id in {remote_id!r}: delete the post in the channel by hand",
            )
        api = self.api()
        for message_id in ids:
            try:
                api.call(
                    "deleteMessage",
                    sends=False,
                    json_body={"chat_id": self.chat, "message_id": message_id},
                )
            except PublishError as exc:
                if "message to delete not found" in exc.message:
                    continue  # already gone: deleting is done
                if "can't be deleted" in exc.message:
                    exc.message += (
                        "; a bot may delete its channel posts only within 48 hours: "
                        "delete it in the channel by hand"
                    )
                    exc.args = (exc.message,)
                raise

    # -- metrics -----------------------------------------------------------------------
    def measure(self, remote_ids) -> Measurement:
        """Subscribers only (getChatMemberCount); the bot must be in the channel."""
        count = self.api().call("getChatMemberCount", sends=False, json_body={"chat_id": self.chat})
        if isinstance(count, bool) or not isinstance(count, int):
            raise PublishError(FAIL, "getChatMemberCount answered without a number")
        return Measurement({}, {"followers": count}, (self.not_measured,))

    def doctor_metrics(self) -> list[Finding]:
        try:
            self.measure(())
        except PublishError as exc:
            return [
                Finding(
                    "warning", f"metrics: cannot count subscribers of {self.chat}: {exc.message}"
                )
            ]
        return [
            Finding(
                "ok", f"metrics: subscribers of {self.chat} can be counted; {self.not_measured}"
            )
        ]

    # -- doctor ------------------------------------------------------------------------
    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        found = list(secrets)
        api = self.api()
        try:
            self.silent()
        except PublishError as exc:
            found.append(Finding("error", exc.message))
        try:
            me = api.call("getMe", sends=False)
        except PublishError as exc:
            return [*found, Finding("error", exc.message)]
        bot = f"@{me.get('username', '?')}"
        found.append(Finding("ok", f"token valid: {bot}"))
        chat = self.chat
        try:
            info = api.call("getChat", sends=False, json_body={"chat_id": chat})
            member = api.call(
                "getChatMember", sends=False, json_body={"chat_id": chat, "user_id": me.get("id")}
            )
        except PublishError as exc:
            return [*found, Finding("error", f"{chat}: {exc.message}")]
        found.append(_rights(bot, chat, info, member))
        return found


def _rights(bot: str, chat: str, info: dict, member: dict) -> Finding:
    """Can `bot` post in `chat`? Channels need an administrator with "Post messages"."""
    status = member.get("status")
    kind = info.get("type", "chat")
    title = info.get("title") or chat
    if status == "creator":
        return Finding("ok", f"{bot} owns {kind} {title!r}")
    if kind == "channel":
        if status == "administrator" and member.get("can_post_messages"):
            return Finding(
                "ok", f'{bot} is an administrator of channel {title!r} with "Post messages"'
            )
        if status == "administrator":
            return Finding(
                "error",
                f'{bot} is an administrator of channel {title!r} without the "Post messages" '
                "right (can_post_messages): turn it on under channel → Administrators → "
                f"{bot}",
            )
        return Finding(
            "error", f"{bot} is not an administrator of channel {title!r}: {tg.ADMIN_HINT}"
        )
    if status in ("administrator", "member") or (
        status == "restricted" and member.get("can_send_messages")
    ):
        return Finding("ok", f"{bot} can post in {kind} {title!r}")
    return Finding("error", f"{bot} cannot post in {kind} {title!r} (status: {status})")


def _single(media: Media) -> tuple[str, str]:
    if media.kind == "video":
        return "sendVideo", "video"
    if media.file.suffix.lower() == ".gif":
        return "sendAnimation", "animation"  # sendPhoto would keep only the first frame
    return "sendPhoto", "photo"


def _form(fields: dict[str, object]) -> dict[str, str]:
    """Multipart fields are strings; objects are JSON-serialized, as the Bot API wants."""
    form = {}
    for key, value in fields.items():
        if isinstance(value, bool):
            form[key] = "true" if value else "false"
        elif isinstance(value, (list, dict)):
            form[key] = tg.dumps(value)
        else:
            form[key] = str(value)
    return form
