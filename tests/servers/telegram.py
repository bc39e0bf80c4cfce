"""A loopback Telegram Bot API server for channels, written from the official docs
(core.telegram.org/bots/api) and the error texts of the reference server
(tdlib/telegram-bot-api, Client.cpp), so that smmflow's Telegram publisher is tested
against what Telegram accepts, answers and shows — not against a mock of our own code.

What it does like Telegram:

- `POST|GET /bot<token>/<method>`, method names case-insensitive; parameters as a query
  string, `application/x-www-form-urlencoded`, `application/json` (non-string values
  re-serialized, as the Bot API does) or `multipart/form-data` (uploads, `attach://name`).
- Answers `{"ok":true,"result":...}` or `{"ok":false,"error_code":N,"description":"...",
  "parameters":{"retry_after":N}}`, with the Bot API's own descriptions: "Unauthorized",
  "Not Found", "Bad Request: chat not found", "Forbidden: bot is not a member of the channel
  chat", "Bad Request: need administrator rights in the channel chat", "Bad Request:
  message is too long", "Bad Request: message caption is too long", "Bad Request: message
  text is empty", "Bad Request: can't parse entities: ...", "Too Many Requests: retry
  after N" (also as a `Retry-After` header, as the reference server sends it).
- HTML `parse_mode` is parsed the way TDLib parses it (`parse_html` below): only the
  documented tags, `&lt; &gt; &amp; &quot;` and numeric entities; anything else is an error
  naming the byte offset. Limits (4096 text, 1024 caption) are counted after parsing, in
  characters (code points), on the trimmed text.
- Keeps every channel's messages (plain text + entities, as a reader's app gets them), so
  a test reads back what a subscriber would see.

Discussion groups, comments, messages to the bot and `getUpdates` (the inbox) live in
tests/servers/telegram_updates.py; `sendMessage` takes `reply_parameters`. Edits
(`editMessageText`, `editMessageCaption`) live in tests/servers/telegram_edits.py.
Metrics: `getChatMemberCount` answers a channel's `members` (Bot API: "the number of
members in a chat"); the Bot API has no method that gives a channel post's views.

What it does not do: other chat types' finer rules, files by URL or file_id, real image
decoding (a photo must start like a JPEG/PNG/GIF/WebP), webhooks.

Faults: `server.faults` is consumed one send request at a time (send* methods only):
"429" (retry_after `server.retry_after`, header and JSON), "429-json" (JSON only, no
header), "500" (refused before posting), "500-after" (posted, then 500), "502" (an HTML
gateway page, nothing posted), "reset-after" (posted, connection dropped before the
answer), "slow-after" (posted, answered after `server.slow` seconds), "album-partial"
(sendMediaGroup: the first item posted, then the Bot API's "failed to send message #2"),
or "ok".
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from servers import telegram_edits
from servers import telegram_updates as updates
from servers.loopback import close, listen

TEXT_MAX = 4096
CAPTION_MAX = 1024
ALBUM_MAX = 10
DELETE_WINDOW = 48 * 3600  # "A message can only be deleted if it was sent less than 48 hours ago."
SEND_METHODS = ("sendmessage", "sendphoto", "sendvideo", "sendanimation", "sendmediagroup")


# -- HTML parse_mode, as TDLib parses it ---------------------------------------------------
class EntityError(Exception):
    """A parse failure; the Bot API answers 400 "Bad Request: can't parse entities: <it>"."""


TAG_KINDS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NUMERIC = re.compile(r"&#(?:([0-9]{1,10})|[xX]([0-9a-fA-F]{1,8}));")
_NAMED = re.compile(r"&([a-zA-Z]+);")
_SPACE = " \t\r\n\f\v"


def _units(text: str) -> int:
    """UTF-16 code units: the unit of MessageEntity offsets and lengths."""
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def _entity_at(source: str, i: int) -> tuple[str, int] | None:
    """The character an HTML entity at `i` stands for, and where it ends; None: a plain `&`."""
    numeric = _NUMERIC.match(source, i)
    if numeric:
        code = int(numeric.group(1)) if numeric.group(1) else int(numeric.group(2), 16)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), numeric.end()
        return None
    named = _NAMED.match(source, i)
    if named and named.group(1) in NAMED:
        return NAMED[named.group(1)], named.end()
    return None


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        found = _entity_at(value, i) if value[i] == "&" else None
        if found:
            out.append(found[0])
            i = found[1]
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


@dataclass
class _Open:
    name: str
    attrs: dict
    offset: int  # UTF-16 units
    start: int  # index into the output characters
    language: str = ""


def parse_html(source: str) -> tuple[str, list[dict]]:
    """(text, entities) of an HTML-formatted text, or `EntityError` with TDLib's message."""
    out: list[str] = []
    units = 0
    stack: list[_Open] = []
    entities: list[dict] = []
    i, n = 0, len(source)

    def at(pos: int) -> str:
        return f"at byte offset {len(source[:pos].encode('utf-8'))}"

    while i < n:
        c = source[i]
        if c == "&":
            found = _entity_at(source, i)
            if found:
                out.append(found[0])
                units += _units(found[0])
                i = found[1]
                continue
        if c != "<":
            out.append(c)
            units += _units(c)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and source[i] == "/":
            if not stack:
                raise EntityError(f"Unexpected end tag {at(begin)}")
            j = i + 1
            while j < n and source[j] not in _SPACE and source[j] != ">":
                j += 1
            end_name = source[i + 1 : j]
            while j < n and source[j] in _SPACE:
                j += 1
            if j >= n or source[j] != ">":
                raise EntityError(f"Unclosed end tag {at(begin)}")
            tag = stack.pop()
            if end_name and end_name != tag.name:
                raise EntityError(
                    f'Unmatched end tag {at(begin)}, expected "</{tag.name}>", found "</{end_name}>"'
                )
            _close(tag, "".join(out[tag.start :]), units, stack, entities)
            i = j + 1
            continue
        j = i
        while j < n and source[j] not in _SPACE and source[j] != ">":
            j += 1
        if j >= n:
            raise EntityError(f"Unclosed start tag {at(begin)}")
        name = source[i:j].lower()
        if name not in TAG_KINDS:
            raise EntityError(f'Unsupported start tag "{name}" {at(begin)}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and source[j] in _SPACE:
                j += 1
            if j >= n:
                raise EntityError(f"Unclosed start tag {at(begin)}")
            if source[j] == ">":
                break
            first = j
            while j < n and source[j] not in _SPACE and source[j] not in "=>":
                j += 1
            attr = source[first:j].lower()
            if not attr:
                raise EntityError(f'Empty attribute name in the tag "{name}" {at(begin)}')
            while j < n and source[j] in _SPACE:
                j += 1
            if j >= n or source[j] != "=":
                if name == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                raise EntityError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" {at(begin)}'
                )
            j += 1
            while j < n and source[j] in _SPACE:
                j += 1
            if j < n and source[j] in "'\"":
                end = source.find(source[j], j + 1)
                if end < 0:
                    raise EntityError(
                        f'Unclosed end of an attribute value in the tag "{name}" {at(begin)}'
                    )
                raw, j = source[j + 1 : end], end + 1
            else:
                end = j
                while end < n and source[end] not in _SPACE and source[end] != ">":
                    end += 1
                raw, j = source[j:end], end
            attrs[attr] = _unescape(raw)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityError('Tag "span" must have class "tg-spoiler"')
        stack.append(_Open(name, attrs, units, len(out)))
        i = j + 1
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return _trim("".join(out), entities)


def _close(tag: _Open, inner: str, units: int, stack: list[_Open], entities: list[dict]) -> None:
    length = units - tag.offset
    if length <= 0:
        return
    kind = TAG_KINDS[tag.name]
    entity: dict = {"offset": tag.offset, "length": length, "type": kind}
    if tag.name == "code" and stack and stack[-1].name == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].language = language[len("language-") :]
        return  # <pre><code>…</code></pre> is one pre entity
    if kind == "pre" and tag.language:
        entity["language"] = tag.language
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
    elif kind == "text_link":
        url = tag.attrs.get("href") or inner
        if url.startswith("tg://user?id="):
            entity.update(type="text_mention", user={"id": int(url.split("=", 1)[1] or 0)})
        elif re.match(r"(?i)(https?|tg)://\S", url):
            entity["url"] = url
        else:
            return  # an invalid URL makes no entity (the text stays)
    entities.append(entity)


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Leading and trailing whitespace goes; entities are shifted and clipped with it."""
    stripped = text.strip(_SPACE)
    if not stripped:
        return "", []
    lead = _units(text[: len(text) - len(text.lstrip(_SPACE))])
    end = lead + _units(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"], lead)
        stop = min(entity["offset"] + entity["length"], end)
        if stop > start:
            kept.append({**entity, "offset": start - lead, "length": stop - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, kept


def entity_text(text: str, entity: dict) -> str:
    """The part of `text` an entity covers (offsets are UTF-16 units)."""
    raw = text.encode("utf-16-le")
    start, length = entity["offset"] * 2, entity["length"] * 2
    return raw[start : start + length].decode("utf-16-le")


# -- the server's world --------------------------------------------------------------------
class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class Chat:
    id: int
    title: str
    username: str | None = None  # None: a private channel
    type: str = "channel"
    bot_status: str = "administrator"  # creator | administrator | member | left | kicked
    can_post_messages: bool = True
    can_delete_messages: bool = False
    linked_chat_id: int | None = None  # a channel's discussion group, and back
    members: int = 0  # subscribers, as getChatMemberCount answers

    def as_json(self) -> dict:
        found = {"id": self.id, "title": self.title, "type": self.type}
        if self.username:
            found["username"] = self.username
        return found


@dataclass
class Sent:
    """One message in a chat, as Telegram keeps it."""

    chat_id: int
    message_id: int
    date: int
    kind: str  # text | photo | video | animation
    text: str  # the text or caption as shown (entities parsed out)
    entities: list[dict]
    html: str  # what the bot sent, before parsing
    file: dict | None = None  # filename, size, content_type, data
    media_group_id: str | None = None
    silent: bool = False
    link_preview_options: dict | None = None
    params: dict = field(default_factory=dict)
    deleted: bool = False
    sender: dict | None = None  # `from`: a user (None: the chat itself, as in channels)
    reply_to: int | None = None  # the message_id it answers
    thread: int | None = None  # message_thread_id
    origin: int | None = None  # an automatic forward: the channel post it copies

    def marked(self, kind: str) -> list[str]:
        """The texts of every entity of one type, e.g. `marked("bold")`."""
        return [entity_text(self.text, e) for e in self.entities if e["type"] == kind]

    def links(self) -> list[tuple[str, str]]:
        return [
            (entity_text(self.text, e), e["url"]) for e in self.entities if e["type"] == "text_link"
        ]


@dataclass
class Call:
    """One request as it arrived (the token is kept out of it: only the method)."""

    method: str
    params: dict
    files: dict
    content_type: str
    http_method: str
    token: str


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1")


def _image(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )


@dataclass
class BotApiServer:
    token: str = "7311846021:AAH4xXk9Zq2bC3dE5fG6hJ7kL8mN9pQ0rSt"
    bot_id: int = 7311846021
    bot_username: str = "brutaria_posting_bot"
    chats: dict[int, Chat] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    read_faults: list[str] = field(default_factory=list)  # the same, for the other methods
    retry_after: int = 1
    slow: float = 3.0
    clock: float | None = None  # fixed "now" (seconds since the epoch); None: the real clock
    calls: list[Call] = field(default_factory=list)
    messages: list[Sent] = field(default_factory=list)
    edits: list[tuple[int, int, str]] = field(default_factory=list)  # telegram_edits.py
    updates: list[dict] = field(default_factory=list)
    update_seq: int = 700000000
    update_reads: int = 0
    privacy: bool = True  # a member bot (not an admin) sees no group messages
    webhook: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)

    def discussion(self, channel: Chat, group_id: int = -1009876543210, **kw) -> Chat:
        return updates.discussion(self, channel, group_id, **kw)

    def user_comment(self, group: Chat, text: str, reply_to: int, user: dict | None = None) -> Sent:
        return updates.user_comment(self, group, text, reply_to, user)

    def private_message(self, text: str, user: dict | None = None) -> Sent:
        return updates.private_message(self, text, user)

    # -- setting up --------------------------------------------------------------------
    def channel(self, username: str | None, chat_id: int = -1001234567890, **kw) -> Chat:
        chat = Chat(chat_id, kw.pop("title", f"Channel {username or chat_id}"), username, **kw)
        self.chats[chat.id] = chat
        return chat

    def now(self) -> int:
        return int(self.clock if self.clock is not None else time.time())

    # -- reading back --------------------------------------------------------------------
    def posts(self, chat: Chat | int | None = None) -> list[Sent]:
        """Messages still in the channel (all chats when none is named), oldest first."""
        wanted = chat.id if isinstance(chat, Chat) else chat
        with self.lock:
            return [m for m in self.messages if not m.deleted and wanted in (None, m.chat_id)]

    def sends(self) -> list[Call]:
        return [c for c in self.calls if c.method in SEND_METHODS]

    # -- running -----------------------------------------------------------------------
    def start(self) -> BotApiServer:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: bytes, kind: str, headers: dict) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self._send(status, body, "application/json", headers or {})

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                match = re.fullmatch(r"/bot([^/]*)/([^/]*)", parts.path)
                if not match:
                    return self._json(404, _error(404, "Not Found"))
                token, method = match.group(1), match.group(2).lower()
                try:
                    params, files = _parse(self.headers.get("Content-Type", ""), raw, parts.query)
                except ValueError as exc:
                    return self._json(400, _error(400, f"Bad Request: {exc}"))
                call = Call(
                    method, params, files, self.headers.get("Content-Type", ""), self.command, token
                )
                with api.lock:
                    api.calls.append(call)
                    fault = "ok"
                    if method in SEND_METHODS and api.faults:
                        fault = api.faults.pop(0)
                    elif method not in SEND_METHODS and api.read_faults:
                        fault = api.read_faults.pop(0)
                if fault in ("429", "429-json"):
                    wait = api.retry_after
                    payload = _error(
                        429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}
                    )
                    return self._json(
                        429, payload, {"Retry-After": str(wait)} if fault == "429" else {}
                    )
                if fault == "500":
                    return self._json(500, _error(500, "Internal Server Error: restart"))
                if fault == "502":
                    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
                    return self._send(502, page, "text/html", {})
                try:
                    result = api.dispatch(token, method, params, files, fault)
                except ApiError as exc:
                    return self._json(exc.code, _error(exc.code, exc.description, exc.parameters))
                if fault == "500-after":
                    return self._json(500, _error(500, "Internal Server Error: restart"))
                if fault == "reset-after":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                if fault == "slow-after":
                    time.sleep(api.slow)
                self._json(200, {"ok": True, "result": result})

            do_GET = _handle
            do_POST = _handle

        self.server = listen(Handler)
        return self

    @property
    def url(self) -> str:
        """What an account's `api` setting points at (like https://api.telegram.org)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        close(self.server)

    # -- the Bot API -------------------------------------------------------------------
    def dispatch(self, token: str, method: str, params: dict, files: dict, fault: str):
        if token.startswith("0") or ":" not in token or len(token) > 80:
            raise ApiError(401, "Unauthorized: invalid token specified")
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if method in SEND_METHODS:
            return handler(params, files, fault)
        return handler(params, files)

    def _me(self) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Brutăria bot",
            "username": self.bot_username,
        }

    def _chat(self, params: dict, write: bool = False) -> Chat:
        given = (params.get("chat_id") or "").strip()
        if not given:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = None
        if given.startswith("@"):
            chat = next(
                (c for c in self.chats.values() if (c.username or "").lower() == given[1:].lower()),
                None,
            )
        elif re.fullmatch(r"-?\d+", given):
            chat = self.chats.get(int(given))
        if chat is None or (chat.username is None and chat.bot_status in ("left", "kicked")):
            raise ApiError(400, "Bad Request: chat not found")
        if chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if write:
            if chat.bot_status == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
            if chat.type == "channel" and not (
                chat.bot_status == "creator"
                or (chat.bot_status == "administrator" and chat.can_post_messages)
            ):
                raise ApiError(400, "Bad Request: need administrator rights in the channel chat")
        return chat

    def _m_getme(self, params: dict, files: dict) -> dict:
        return self._me()

    def _m_getchat(self, params: dict, files: dict) -> dict:
        chat = self._chat(params)
        found = {**chat.as_json(), "accent_color_id": 0, "max_reaction_count": 11}
        if chat.linked_chat_id is not None:
            found["linked_chat_id"] = chat.linked_chat_id
        return found

    def _m_getupdates(self, params: dict, files: dict) -> list:
        return updates.get_updates(self, params)

    def _m_getchatmembercount(self, params: dict, files: dict) -> int:
        """The number of members (a channel's subscribers). A bot may ask it of a public
        channel by @username; a private one it is not in is "chat not found"."""
        return self._chat(params).members

    def _m_getchatmember(self, params: dict, files: dict) -> dict:
        chat = self._chat(params)
        user_id = params.get("user_id", "")
        if not user_id.lstrip("-").isdigit():
            raise ApiError(400, "Bad Request: invalid user_id specified")
        if int(user_id) != self.bot_id:
            raise ApiError(400, "Bad Request: user not found")
        member: dict = {"user": self._me(), "status": chat.bot_status}
        if chat.bot_status == "creator":
            member["is_anonymous"] = False
        elif chat.bot_status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=chat.can_delete_messages,
                can_manage_video_chats=False,
                can_restrict_members=False,
                can_promote_members=False,
                can_change_info=False,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
            if chat.type == "channel":
                member.update(can_post_messages=chat.can_post_messages, can_edit_messages=False)
        return member

    def _formatted(self, params: dict, key: str, limit: int, required: bool) -> tuple[str, list]:
        source = params.get(key, "")
        if required and not source:
            raise ApiError(400, "Bad Request: message text is empty")
        mode = (params.get("parse_mode") or "").lower()
        if source and mode not in ("", "none"):
            if mode != "html":
                if mode in ("markdown", "markdownv2"):
                    raise AssertionError("this test server implements the HTML parse_mode only")
                raise ApiError(400, "Bad Request: unsupported parse_mode")
            try:
                text, entities = parse_html(source)
            except EntityError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        else:
            text, entities = _trim(source, [])
        if required and not text:
            raise ApiError(400, "Bad Request: message must be non-empty")
        if len(text) > limit:  # TDLib counts characters (code points)
            what = "message is too long" if key == "text" else "message caption is too long"
            raise ApiError(400, f"Bad Request: {what}")
        return text, entities

    def _store(self, chat: Chat, kind: str, text: str, entities, params: dict, **extra) -> Sent:
        with self.lock:
            number = 100 + sum(1 for m in self.messages if m.chat_id == chat.id)
            sent = Sent(
                chat.id,
                number,
                self.now(),
                kind,
                text,
                entities,
                params.get("text") or params.get("caption") or "",
                silent=_bool(params.get("disable_notification")),
                params=dict(params),
                **extra,
            )
            self.messages.append(sent)
            updates.on_channel_post(self, sent)
        return sent

    def _message(self, sent: Sent) -> dict:
        chat = self.chats[sent.chat_id].as_json()
        found = {
            "message_id": sent.message_id,
            "sender_chat": chat,
            "chat": chat,
            "date": sent.date,
        }
        if sent.media_group_id:
            found["media_group_id"] = sent.media_group_id
        if sent.kind == "text":
            found["text"] = sent.text
            if sent.entities:
                found["entities"] = sent.entities
            if sent.link_preview_options:
                found["link_preview_options"] = sent.link_preview_options
            return found
        if sent.text:
            found["caption"] = sent.text
            if sent.entities:
                found["caption_entities"] = sent.entities
        info = sent.file or {}
        unique = f"{sent.chat_id}-{sent.message_id}"
        if sent.kind == "photo":
            found["photo"] = [
                {
                    "file_id": f"photo-{unique}",
                    "file_unique_id": unique,
                    "width": 160,
                    "height": 160,
                }
            ]
        else:
            found[sent.kind] = {
                "file_id": f"{sent.kind}-{unique}",
                "file_unique_id": unique,
                "width": 640,
                "height": 360,
                "duration": 5,
                "file_name": info.get("filename", ""),
                "mime_type": info.get("content_type", ""),
                "file_size": info.get("size", 0),
            }
        return found

    def _m_sendmessage(self, params: dict, files: dict, fault: str) -> dict:
        chat = self._chat(params, write=True)
        text, entities = self._formatted(params, "text", TEXT_MAX, required=True)
        options = None
        if params.get("link_preview_options"):
            try:
                options = json.loads(params["link_preview_options"])
            except ValueError:
                raise ApiError(
                    400, "Bad Request: can't parse link preview options JSON object"
                ) from None
        elif "disable_web_page_preview" in params:
            options = {"is_disabled": _bool(params["disable_web_page_preview"])}
        reply_to = None
        if params.get("reply_parameters"):
            wanted = json.loads(params["reply_parameters"]).get("message_id")
            if not any(m.chat_id == chat.id and m.message_id == wanted for m in self.messages):
                raise ApiError(400, "Bad Request: message to be replied not found")
            reply_to = wanted
        sender = self._me() if chat.type != "channel" else None  # a bot writes as itself
        sent = self._store(
            chat,
            "text",
            text,
            entities,
            params,
            link_preview_options=options,
            reply_to=reply_to,
            sender=sender,
        )
        return updates.message(self, sent)

    def _file(self, kind: str, value: str, files: dict) -> dict:
        name = value[len("attach://") :] if value.startswith("attach://") else None
        upload = files.get(name) if name else None
        if upload is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if not upload["data"]:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if kind == "photo" and not _image(upload["data"]):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        return upload

    def _single(self, kind: str, params: dict, files: dict) -> dict:
        chat = self._chat(params, write=True)
        upload = files.get(kind)
        if upload is None:
            value = params.get(kind, "")
            if not value:
                raise ApiError(400, f"Bad Request: there is no {kind} in the request")
            upload = self._file(kind, value, files)
        else:
            upload = self._file(kind, "attach://" + kind, files)
        text, entities = self._formatted(params, "caption", CAPTION_MAX, required=False)
        sent = self._store(chat, kind, text, entities, params, file=upload)
        return self._message(sent)

    def _m_sendphoto(self, params: dict, files: dict, fault: str) -> dict:
        return self._single("photo", params, files)

    def _m_sendvideo(self, params: dict, files: dict, fault: str) -> dict:
        return self._single("video", params, files)

    def _m_sendanimation(self, params: dict, files: dict, fault: str) -> dict:
        return self._single("animation", params, files)

    def _m_sendmediagroup(self, params: dict, files: dict, fault: str) -> list:
        chat = self._chat(params, write=True)
        raw = params.get("media")
        if not raw:
            raise ApiError(400, 'Bad Request: parameter "media" is required')
        try:
            items = json.loads(raw)
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse media JSON object") from None
        if not isinstance(items, list):
            raise ApiError(400, "Bad Request: expected an Array of InputMedia")
        if not 2 <= len(items) <= ALBUM_MAX:  # the docs: "must include 2-10 items"
            raise ApiError(400, "Bad Request: media group must include 2-10 items")
        prepared = []
        for item in items:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "video"):
                raise ApiError(400, "Bad Request: can't parse InputMedia: unsupported media type")
            upload = self._file(item["type"], str(item.get("media", "")), files)
            fields = {
                "caption": item.get("caption") or "",
                "parse_mode": item.get("parse_mode") or "",
            }
            text, entities = self._formatted(fields, "caption", CAPTION_MAX, required=False)
            prepared.append((item["type"], text, entities, upload, fields))
        group = str(13000000000000000 + len(self.messages))
        sent = []
        for i, (kind, text, entities, upload, fields) in enumerate(prepared):
            if fault == "album-partial" and i == 1:
                raise ApiError(
                    400,
                    'Bad Request: failed to send message #2 with the error message "Too Many Requests: retry after 8"',
                )
            item_params = {**params, **fields}
            item_params.pop("media", None)
            sent.append(
                self._store(
                    chat, kind, text, entities, item_params, file=upload, media_group_id=group
                )
            )
        return [self._message(s) for s in sent]

    def _m_editmessagetext(self, params: dict, files: dict) -> dict:
        return telegram_edits.edit(self, params, "text")

    def _m_editmessagecaption(self, params: dict, files: dict) -> dict:
        return telegram_edits.edit(self, params, "caption")

    def _m_deletemessage(self, params: dict, files: dict) -> bool:
        chat = self._chat(params)
        number = params.get("message_id", "")
        if not number.isdigit():
            raise ApiError(400, "Bad Request: message identifier is not specified")
        with self.lock:
            sent = next(
                (m for m in self.messages if m.chat_id == chat.id and m.message_id == int(number)),
                None,
            )
            if sent is None or sent.deleted:
                raise ApiError(400, "Bad Request: message to delete not found")
            own = chat.bot_status == "creator" or (
                chat.bot_status == "administrator" and chat.can_post_messages
            )
            if not (own or chat.can_delete_messages) or (
                not chat.can_delete_messages and self.now() - sent.date >= DELETE_WINDOW
            ):
                raise ApiError(400, "Bad Request: message can't be deleted")
            sent.deleted = True
        return True


def _error(code: int, description: str, parameters: dict | None = None) -> dict:
    found: dict = {"ok": False, "error_code": code, "description": description}
    if parameters:
        found["parameters"] = parameters
    return found


def _parse(kind: str, raw: bytes, query: str) -> tuple[dict, dict]:
    """Parameters (all strings, as the Bot API sees them) and uploaded files."""
    params: dict[str, str] = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, dict] = {}
    kind_lower = kind.lower()
    if not raw:
        return params, files
    if kind_lower.startswith("application/json"):
        body = json.loads(raw.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        for key, value in body.items():
            params[key] = value if isinstance(value, str) else json.dumps(value)
    elif kind_lower.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    elif kind_lower.startswith("multipart/form-data"):
        head = f"Content-Type: {kind}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        if not message.is_multipart():
            raise ValueError("can't parse multipart/form-data")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            data = part.get_payload(decode=True) or b""
            if filename is not None:
                files[name] = {
                    "filename": filename,
                    "data": data,
                    "size": len(data),
                    "content_type": part.get_content_type(),
                }
            else:
                params[name] = data.decode("utf-8")
    else:
        raise ValueError(f"unsupported Content-Type {kind!r}")
    return params, files
