"""The checkpoint of a send that a platform cannot deduplicate by itself for ever.

Saved (`Attempt.checkpoint`) just before the request that publishes, it says when the
request left, a fingerprint of what it carried, and what a publisher wants back on a
resumed try (uploaded media, say): `sent:<epoch seconds>:<fingerprint>[:<extra>]`.

`verify` reads it after a run stopped mid-send: no checkpoint means the request never
left (the post is certainly not out); with one, the account's posts since that moment
(less `SKEW` for clocks that disagree) are searched for the same text.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
from dataclasses import dataclass

from .base import Attempt
from .http import FAIL, PublishError

PREFIX = "sent:"
SKEW = 300.0  # seconds a platform's clock may be behind ours
_FORM = re.compile(r"^sent:(\d+):([0-9a-f]{12})(?::(.*))?$", re.S)


@dataclass(frozen=True)
class Sent:
    at: float  # epoch seconds when the request left
    fingerprint: str
    extra: str = ""

    @property
    def since(self) -> float:
        """The earliest creation time a post of this send can carry, allowing for skew."""
        return self.at - SKEW


def fingerprint(*parts: object) -> str:
    raw = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:12]


def mark(attempt: Attempt, fingerprint: str, extra: str = "", now: float | None = None) -> Sent:
    """Checkpoint the send that is about to leave."""
    sent = Sent(float(int(time.time() if now is None else now)), fingerprint, extra)
    value = f"{PREFIX}{int(sent.at)}:{fingerprint}" + (f":{extra}" if extra else "")
    attempt.checkpoint(value)
    return sent


def read(remote_id: str) -> Sent | None:
    """What a stopped try saved, or None (nothing, or something that is not ours)."""
    found = _FORM.match(remote_id or "")
    if not found:
        return None
    return Sent(float(found.group(1)), found.group(2), found.group(3) or "")


def same_text(a: str, b: str) -> bool:
    """Two texts read alike: NFC, white space collapsed (platforms reflow it)."""
    return _plain(a) == _plain(b)


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def post_id(recorded: str, pattern: re.Pattern[str], title: str) -> str:
    """The post's id in what the ledger holds for a publication: the id a publisher
    recorded, or found in the URL a person gave `resolve --published` (`pattern`'s first
    group). A checkpoint is no post id: `FAIL`, so a withdrawal is handed to a person
    instead of deleting nothing and calling it done."""
    found = pattern.search(recorded or "")
    if found is None or recorded.startswith(PREFIX):
        raise PublishError(
            FAIL,
            f"no {title} post id is recorded for it ({recorded or 'nothing'}): delete it by "
            "hand, then `smmflow resolve` records that",
        )
    return found.group(1)
