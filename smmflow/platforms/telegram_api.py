"""Talking to the Telegram Bot API: method calls, its `ok:false` errors, links to messages.

Every call is `POST {api}/bot<token>/<method>`; the answer is always JSON,
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": "...",
"parameters": {"retry_after": N, "migrate_to_chat_id": N}}` (core.telegram.org/bots/api,
"Making requests"). The token is part of the URL, so no message built here ever contains
the URL, and every text is scrubbed of the token before it leaves this module.

Telegram has no idempotency key: a send whose answer was lost may have been posted. So a
send is retried only when Telegram certainly did not act on it (429, a refused
connection); 5xx, timeouts and cut-off answers become UNKNOWN for a person to check.
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING

from .http import FAIL, REAUTH, RETRY, UNKNOWN, Http, PublishError, Redact, json_body, short_body
from .secrets import MASK, clip

if TYPE_CHECKING:
    import requests

DEFAULT_API = "https://api.telegram.org"
ADMIN_HINT = (
    'add the bot to the channel as an administrator with the "Post messages" right '
    "(channel → Administrators → Add Admin)"
)
# 400 descriptions that mean "the bot may not post here", as the Bot API words them.
_RIGHTS = (
    "need administrator rights",
    "not enough rights",
    "have no rights to send",
    "chat_write_forbidden",
    "chat_admin_required",
    "chat_send_",
)
# sendMediaGroup: some items of the album may already be in the channel.
_PARTIAL_ALBUM = re.compile(r"failed to send message #\d+", re.IGNORECASE)
_RETRY_AFTER_TEXT = re.compile(r"retry after (\d+)", re.IGNORECASE)


class BotApi:
    """One bot token against one Bot API server."""

    def __init__(self, http: Http, token: str, api: str | None = None):
        self.http = http
        self.token = token
        self.base = (api or DEFAULT_API).rstrip("/")

    def scrub(self, text: str) -> str:
        """`text` without the token (defence in depth: the http layer never shows URLs)."""
        return text.replace(self.token, MASK) if self.token else text

    def call(
        self,
        method: str,
        *,
        sends: bool,
        album: bool = False,
        json_body: dict | None = None,
        data: dict | None = None,
        files: dict | None = None,
    ) -> object:
        """The `result` of `method`, or a `PublishError` whose text names neither URL nor token.

        `sends`: the call posts something, so it must never be repeated blindly.
        """
        url = f"{self.base}/bot{self.token}/{method}"
        kwargs: dict[str, object] = {}
        if json_body is not None:
            kwargs["json"] = json_body
        if data is not None:
            kwargs["data"] = data
        if files:
            kwargs["files"] = files
        try:
            response = self.http.request(
                "POST",
                url,
                idempotent=not sends,
                classify=functools.partial(classify, method=method, album=album, token=self.token),
                **kwargs,
            )
        except PublishError as exc:
            exc.message = self.scrub(exc.message)
            exc.args = (exc.message,)
            raise
        except Exception as exc:  # never let an unexpected error carry the URL out
            kind = UNKNOWN if sends else FAIL
            raise PublishError(kind, f"{method}: request failed ({type(exc).__name__})") from None
        return _result(method, response, sends)


def _result(method: str, response: requests.Response, sends: bool) -> object:
    body = _body(response)
    if body is None or "result" not in body:
        kind = UNKNOWN if sends else RETRY
        raise PublishError(kind, f"{method}: Telegram answered OK without a result")
    return body["result"]


def _body(response: requests.Response) -> dict | None:
    body = json_body(response)
    return body if isinstance(body, dict) else None


def retry_after(body: dict | None, response: requests.Response) -> float | None:
    """Seconds to wait: `parameters.retry_after` (JSON), else `Retry-After`, else the text."""
    params = (body or {}).get("parameters") or {}
    if isinstance(params, dict) and isinstance(params.get("retry_after"), (int, float)):
        return max(0.0, float(params["retry_after"]))
    header = response.headers.get("Retry-After", "")
    if header.strip().isdigit():
        return float(header)
    found = _RETRY_AFTER_TEXT.search(str((body or {}).get("description", "")))
    return float(found.group(1)) if found else None


def classify(
    response: requests.Response,
    idempotent: bool,
    redact: Redact,
    *,
    method: str,
    album: bool = False,
    token: str = "",
) -> PublishError | None:
    """The Bot API's answers mapped to the four kinds of `http.PublishError` (the shape of
    `http.default_classify`; `idempotent` False: the call sends something). `token` is
    masked too, before any text is cut."""
    sends = not idempotent
    status = response.status_code
    body = _body(response)
    if 200 <= status < 300:
        if body is not None and body.get("ok") is False:
            status = int(body.get("error_code") or 400)  # not seen in practice; be safe
        elif body is None or body.get("ok") is not True:
            kind = UNKNOWN if sends else RETRY
            return PublishError(kind, f"{method}: Telegram's answer was not Bot API JSON")
        else:
            return None

    def masked(text: object) -> str:
        shown = redact(text)
        return shown.replace(token, MASK) if token else shown

    return error_for(method, status, body, response, sends=sends, album=album, redact=masked)


def error_for(
    method: str,
    status: int,
    body: dict | None,
    response: requests.Response,
    *,
    sends: bool,
    album: bool = False,
    redact: Redact,
) -> PublishError:
    if body is not None and isinstance(body.get("description"), str):
        description = clip(body["description"], redact)
    else:
        description = f"HTTP {status}: {short_body(response, redact)}"
    said = f"Telegram: {description}"
    lower = description.lower()
    if status == 429:
        return PublishError(RETRY, f"{said} (rate limited)", retry_after(body, response))
    if status in (401, 404):
        return PublishError(
            REAUTH,
            f"{said}: the bot token was refused (or `api` is not a Bot API server); "
            "get the token from @BotFather",
        )
    if status == 403:
        return PublishError(FAIL, f"{said}: {ADMIN_HINT}")
    if album and _PARTIAL_ALBUM.search(description):
        return PublishError(
            UNKNOWN, f"{said}: some photos of the album may be in the channel already"
        )
    if status >= 500:
        # The Bot API answers 5xx (even "Internal Server Error: restart") for sends already
        # handed to Telegram, so a send may have gone out. Reads are safe to repeat.
        return PublishError(UNKNOWN if sends else RETRY, said)
    if status == 400:
        if any(word in lower for word in _RIGHTS):
            return PublishError(FAIL, f"{said}: {ADMIN_HINT}")
        if "chat not found" in lower:
            return PublishError(
                FAIL,
                f"{said}: check `chat` (the channel's @username, or its -100… id for a "
                f"private channel) and {ADMIN_HINT}",
            )
        migrate = ((body or {}).get("parameters") or {}).get("migrate_to_chat_id")
        if migrate:
            return PublishError(FAIL, f"{said}: set the account's `chat` to {migrate}")
        return PublishError(FAIL, said)
    return PublishError(FAIL, said)


# -- chats and links -------------------------------------------------------------------------
def chat_id(setting: str) -> str:
    """The `chat_id` to send: `@username` or the numeric id (`t.me/name` is accepted too)."""
    chat = setting.strip()
    for prefix in ("https://t.me/", "http://t.me/", "t.me/"):
        if chat.startswith(prefix):
            chat = chat[len(prefix) :].strip("/")
    if chat.lstrip("-").isdigit() or chat.startswith("@"):
        return chat
    return f"@{chat}"


def message_url(message: dict, chat: str) -> str:
    """`https://t.me/<username>/<id>` for a public channel, `t.me/c/<id>/<id>` for a private one."""
    message_id = message.get("message_id")
    if not isinstance(message_id, int) or message_id <= 0:
        return ""  # e.g. a video Telegram will post once re-encoded (message_id 0)
    where = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    username = where.get("username")
    if not username and chat.startswith("@"):
        username = chat[1:]
    if username:
        return f"https://t.me/{username}/{message_id}"
    number = str(where.get("id") or chat)
    if number.startswith("-100"):
        return f"https://t.me/c/{number[4:]}/{message_id}"
    return ""  # a basic group or private chat: no link to a message exists


def message_ids(remote_id: str) -> list[int]:
    """The ids a `remote_id` holds: `"12"`, `"12,13,14"` (an album), or a t.me link
    (what `smmflow resolve --published URL` records)."""
    text = remote_id.strip()
    if "t.me/" in text:
        last = text.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        return [int(last)] if last.isdigit() else []
    return [int(part) for part in text.split(",") if part.strip().isdigit()]


def dumps(value: object) -> str:
    """A JSON-serialized field of a form request (Bot API: "JSON-serialized")."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
