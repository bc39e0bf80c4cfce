"""LinkedIn's "little" text format: a post's plain text made into `commentary`.

learn.microsoft.com/linkedin/marketing/community-management/shares/little-text-format:
"Characters reserved for little elements must be escaped to be treated as plaintext" —
`| { } @ [ ] ( ) < > # \\ * _ ~`, each with a backslash. An unescaped one that starts no
element does not make LinkedIn refuse the post: it cuts the text there (reported by
client authors; the reason this module exists).

Two things stay unescaped on purpose: a hashtag (`#word`, a HashtagElement, so it stays a
hashtag people can click) and a bare URL (clients leave URLs as they are so that they
still link; LinkedIn undoes escapes inside them anyway).
"""

from __future__ import annotations

import regex

from .count import url_spans

RESERVED = frozenset("|{}@[]()<>#\\*_~")
# A hashtag as LinkedIn reads one: `#` and a word with at least one letter, at the start
# or after white space (`#1` or `a#b` are left as text).
_HASHTAG = regex.compile(r"(?:^|(?<=\s))#(?=\w*[^\W\d_])\w+")


def escape(text: str) -> str:
    """`text` as little text: reserved characters escaped, hashtags and URLs kept."""
    keep = sorted(
        [*url_spans(text), *((m.start(), m.start() + 1) for m in _HASHTAG.finditer(text))]
    )
    out, position = [], 0
    for start, end in keep:
        if start < position:
            continue
        out += [_escaped(text[position:start]), text[start:end]]
        position = end
    out.append(_escaped(text[position:]))
    return "".join(out)


def _escaped(part: str) -> str:
    return "".join("\\" + ch if ch in RESERVED else ch for ch in part)
