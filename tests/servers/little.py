"""LinkedIn's "little" text format, read the way the Posts API reads `commentary`.

Grammar (learn.microsoft.com .../community-management/shares/little-text-format):

    Text            ::= ( NON_RESERVED | "\\|" | "\\{" | "\\}" | "\\@" | "\\[" | "\\]" | "\\("
                          | "\\)" | "\\<" | "\\>" | "\\#" | "\\\\" | "\\*" | "\\_" | "\\~" )+
    MentionElement  ::= "@[" FallbackText "](" Urn ")"     e.g. @[Devtestco](urn:li:organization:2414183)
    HashtagElement  ::= "#" SINGLE_WORD
    HashtagTemplate ::= "{hashtag|" ("#" | "＃") "|" Text "}"

"Characters reserved for little elements must be escaped to be treated as plaintext." An
unescaped reserved character that starts no element is not rejected: the post is created
(201) and LinkedIn cuts the text at that character (reported by crossposter v1.1.5 and
linkedctl #194; (unconfirmed) by LinkedIn itself). `render` returns what a reader sees and
whether it was cut.

(unconfirmed) Inside a URL (`https?://` up to white space) reserved characters are kept as
they are and escapes are still undone: crossposter leaves URLs unescaped "so they still
auto-link" and reports no cut there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RESERVED = frozenset("|{}@[]()<>#\\*_~")
_MENTION = re.compile(
    r"@\[([^\]\\]*(?:\\.[^\]\\]*)*)\]\((urn:li:(?:person|organization):[^)\s]+)\)"
)
_HASHTAG = re.compile(r"#(\w+)")
_TEMPLATE = re.compile(r"\{hashtag\|(?:#|＃|\\#)\|((?:[^}\\]|\\.)+)\}")
_URL = re.compile(r"https?://\S+")


@dataclass
class Rendered:
    text: str  # what a reader sees
    cut_at: int | None = None  # index in the commentary where LinkedIn cut it, if it did
    mentions: list[tuple[str, str]] = field(default_factory=list)  # (name, urn)
    hashtags: list[str] = field(default_factory=list)

    @property
    def cut(self) -> bool:
        return self.cut_at is not None


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: m.group(1) if m.group(1) in RESERVED else m.group(0), text)


def render(commentary: str) -> Rendered:
    out: list[str] = []
    result = Rendered("")
    i = 0
    while i < len(commentary):
        ch = commentary[i]
        url = _URL.match(commentary, i) if ch in "hH" else None
        if url:
            out.append(_unescape(url.group(0)))
            i = url.end()
            continue
        if ch not in RESERVED:
            out.append(ch)
            i += 1
            continue
        if ch == "\\" and i + 1 < len(commentary) and commentary[i + 1] in RESERVED:
            out.append(commentary[i + 1])
            i += 2
            continue
        element = _element(commentary, i, result)
        if element is None:
            result.cut_at = i
            break
        shown, i = element
        out.append(shown)
    result.text = "".join(out)
    return result


def _element(text: str, i: int, result: Rendered) -> tuple[str, int] | None:
    """A little element starting at `i`: (what a reader sees, where it ends), or None."""
    for pattern, kind in ((_MENTION, "mention"), (_TEMPLATE, "template"), (_HASHTAG, "tag")):
        found = pattern.match(text, i)
        if not found:
            continue
        if kind == "mention":
            name = _unescape(found.group(1))
            result.mentions.append((name, found.group(2)))
            return name, found.end()
        tag = _unescape(found.group(1))
        result.hashtags.append(tag)
        return "#" + tag, found.end()
    return None


def escape(text: str) -> str:
    """Plain text as little text: every reserved character escaped (for tests)."""
    return "".join("\\" + ch if ch in RESERVED else ch for ch in text)
