"""User text made safe for the pages smmflow writes (feed site, plan site): one escaping.

`clean` drops what XML 1.0 cannot hold at all (one stray form feed would break a feed) and
bidirectional embeddings, overrides and isolates (they could make a page show text
reordered; `check` refuses them in posts, but a group's name reaches pages without it).
`esc` is `clean`, then `html.escape` with quotes: safe in element text and attributes.
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
