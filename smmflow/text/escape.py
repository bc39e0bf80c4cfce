"""User text made safe for the pages smmflow writes (feed site, plan site): one escaping.

`clean` drops what XML 1.0 cannot hold at all (one stray form feed would break a feed) and
bidirectional embeddings, overrides and isolates (they could make a page show text
reordered; `check` refuses them in posts, but a group's name reaches pages without it).
`esc` is `clean`, then `html.escape` with quotes: safe in element text and attributes.
`terminal` is for text from outside (comments) printed where people read it: every
control, bidirectional or otherwise invisible formatting character is shown as a `\\u` escape (`\\u202e`).
"""

from __future__ import annotations

import html
import re

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` without XML-illegal characters and bidirectional controls."""
    return BIDI.sub("", _NOT_XML.sub("", text))


def esc(text: str) -> str:
    """`text` for HTML or XML, in element text or a quoted attribute."""
    return html.escape(clean(text), quote=True)


_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)


def terminal(text: str) -> str:
    """`text` inert in a terminal: no escape sequences, no reordering, nothing hidden."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
