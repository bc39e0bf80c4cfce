"""Threads of replies (a post split with `<!-- part -->`): what a publisher is told about
the part it sends, each part's idempotency key, and the progress checkpoint of a thread.

A publisher whose `thread_style` is "reply" reads `Attempt.reply` and sends the part as a
reply to `parent` in the thread that starts at `root` (Mastodon `in_reply_to_id`, Bluesky
`reply.root`/`reply.parent`, X `reply.in_reply_to_tweet_id`, Threads `reply_to_id`). The
engine's driver (publish/thread) sends the parts in order and checkpoints after each one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

PREFIX = "thread:"  # a checkpoint of a thread being sent (the pair's `remote_id` meanwhile)


@dataclass(frozen=True)
class Reply:
    """Where a part goes: under `parent`, in the thread started by `root` (remote ids as
    the publisher's receipts gave them)."""

    root: str
    parent: str
    index: int  # of this part, 1-based among the replies (the root is part 0)


def part_key(key: str, index: int) -> str:
    """The idempotency key of part `index`: the attempt's own for the first part (a post
    of one part keeps its key), one derived from it for each later part."""
    if index == 0:
        return key
    return hashlib.sha256(f"{key}:part:{index}".encode()).hexdigest()[:32]


@dataclass
class Progress:
    """What a thread's checkpoint holds: the remote ids of the parts sent, the first
    part's URL, and the checkpoint of the part being sent (its publisher's)."""

    ids: list[str] = field(default_factory=list)
    url: str = ""
    inner: str = ""

    def encode(self) -> str:
        data = {"ids": self.ids, "url": self.url, "inner": self.inner}
        return PREFIX + json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def decode(cls, saved: str) -> Progress:
        """The progress a checkpoint saved; a fresh one for anything else (a first try,
        or the checkpoint of a post that was not a thread then)."""
        if not saved.startswith(PREFIX):
            return cls()
        try:
            data = json.loads(saved[len(PREFIX) :])
            ids = [str(i) for i in data["ids"]]
            return cls(ids, str(data.get("url") or ""), str(data.get("inner") or ""))
        except (ValueError, KeyError, TypeError):
            return cls()
