"""The community part of the platform contract: reading what people write, and acting on it.

A publisher whose platform lets a page read comments names its `Inbox` class in its
`community` attribute ("module:Class"); `inbox_for` makes one for an account. The inbox
stage (smmflow/community/) fetches with `fetch`, answers with `reply`, hides and deletes,
and claims and records every action on the ledger around these calls. The contract is
written up in docs/platforms/writing-a-publisher.md, "The community part".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import importlib
import re
from dataclasses import dataclass, field
from typing import ClassVar

from .base import Finding, Publisher, Receipt
from .http import FAIL, PublishError

KINDS = ("comment", "reply", "mention", "quote", "message")


def item_id(platform: str, remote_id: str) -> str:
    """The id smmflow shows for a comment: stable across fetches, stores and clones."""
    return hashlib.sha256(f"{platform}\0{remote_id}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Item:
    """One thing a person wrote to the account, as the platform gave it."""

    remote_id: str  # unique on the platform (Mastodon: the status URI; Telegram: chat:message)
    kind: str  # comment | reply | mention | quote | message
    author_id: str
    author: str  # the name shown (display name or handle)
    text: str
    created: float  # POSIX seconds
    ref: str = ""  # what the platform needs to act on it (Mastodon: the local status id)
    url: str = ""
    parent: str = ""  # remote id of what it answers (a post or a comment)
    post: str = ""  # remote id of the account's post it is under, when known
    hidden: bool = False


@dataclass(frozen=True)
class Watched:
    """One of the account's posts whose comments are read (from the ledger)."""

    remote_id: str
    url: str = ""


@dataclass
class Fetched:
    """What one fetch found: new items, the cursor to start from next time, the items the
    account itself wrote (its answers: the items they answer count as answered) and, for
    each post read in full, the ids under it (a stored item missing there was deleted)."""

    items: list[Item] = field(default_factory=list)
    cursor: str = ""
    own: list[Item] = field(default_factory=list)
    complete: dict[str, set[str]] = field(default_factory=dict)
    requests: int = 0


class Inbox:
    """The community side of one account. Subclasses set the capabilities and implement
    what the platform allows; the defaults refuse, with a message for people."""

    can_reply: ClassVar[bool] = True
    can_hide: ClassVar[bool] = False
    can_delete: ClassVar[bool] = False
    # Exactly once for replies, as for posts: a native key (`reply_idempotent`, remembered
    # `reply_key_ttl` seconds), or a way to ask whether a reply went out (`can_find_reply`).
    reply_idempotent: ClassVar[bool] = False
    reply_key_ttl: ClassVar[float | None] = None
    can_find_reply: ClassVar[bool] = False
    # The reply's text is limited like a post's: the platform's `Limits.text`.

    def __init__(self, publisher: Publisher):
        self.publisher = publisher
        self.account = publisher.account
        self.ctx = publisher.ctx

    def fetch(self, cursor: str, watched: list[Watched], since: float) -> Fetched:
        """Everything new since `cursor` ("" on a first fetch: nothing older than `since`),
        and the comments under `watched`."""
        raise NotImplementedError

    def reply(self, item: Item, text: str, key: str) -> Receipt:
        """Answer `item` publicly with `text`, once; `key` is the action's idempotency key."""
        raise PublishError(FAIL, f"{self.publisher.title} cannot answer through its API")

    def target(self, item: Item) -> str:
        """The id the ledger records for an action on `item`: the platform's id of the
        comment, never a name (Mastodon's URIs hold the author's: its local id instead)."""
        return item.remote_id

    def reply_text(self, item: Item, text: str) -> str:
        """The text as it is sent (Mastodon names whom it answers); limits count this."""
        return text

    def find_reply(self, item: Item, key: str) -> Receipt | None:
        """The reply sent with `key`, if it is on the platform; None if it certainly is not."""
        raise NotImplementedError

    def hide(self, item: Item) -> None:
        raise PublishError(FAIL, f"{self.publisher.title} cannot hide comments through its API")

    def delete(self, item: Item) -> None:
        raise PublishError(FAIL, f"{self.publisher.title} cannot delete others' comments")

    def doctor(self) -> list[Finding]:
        """What `doctor` says about reading and answering comments on this account."""
        return []


def inbox_class(publisher_class: type) -> type[Inbox] | None:
    """The `Inbox` class a publisher class names in `community`, or None."""
    target = getattr(publisher_class, "community", "") or ""
    if not target:
        return None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def inbox_for(publisher: Publisher) -> Inbox | None:
    cls = inbox_class(type(publisher))
    return cls(publisher) if cls is not None else None


_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def html_text(content: str) -> str:
    """The text of a status's HTML (Mastodon): paragraphs and breaks as new lines."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content))).strip()


def seconds(stamp: object) -> float:
    """POSIX seconds of an ISO 8601 time (`2026-12-04T10:00:00.000Z`, `+0000` too); 0.0
    when it is not one."""
    text = str(stamp or "").strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.timestamp()
