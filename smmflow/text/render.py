"""Markdown bodies rendered into exactly what each platform receives.

One markdown-it-py parser with raw HTML disabled (HTML in a post stays literal text). A
single walk over its tokens writes three streams at once:

- `text`: what a reader sees, links shown by their anchor text (Bluesky, Telegram);
- `plain`: plain text with each link's URL after its anchor (Mastodon, Facebook, VK, X, ...);
- `html`: Telegram's HTML subset, every piece of user text escaped.
"""

from __future__ import annotations

import functools
import html
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

import regex

from .count import url_spans

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# markdown-it refuses javascript:, vbscript: and file: links but lets `data:image/...`
# through; no post needs an inline data: address either (on a page it would show a
# picture, or open a document, that nobody reviewed as a file).
_BAD_SCHEME = regex.compile(r"^(?:javascript|vbscript|file|data):")


def _link_allowed(url: str) -> bool:
    # Like markdown-it's own check: lowercase, ends stripped (browsers ignore them too).
    return not _BAD_SCHEME.match(url.strip().lower())


# markdown-it-py and mdurl are not thread-safe (rule lists compiled on first use, mdurl's
# encoding table published half built), and `sync` renders from one thread per account.
_LOCK = threading.Lock()


@functools.cache
def _parser() -> MarkdownIt:
    """The one parser (made on first use: commands that render nothing never import it)."""
    import markdown_it

    md = markdown_it.MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
    md.validateLink = _link_allowed  # type: ignore[method-assign]
    return md


_MARKS = {
    f"{md}_{edge}": (tg, edge == "close")
    for md, tg in (("strong", "b"), ("em", "i"), ("s", "s"))
    for edge in ("open", "close")
}
_TG_SCHEMES = ("http://", "https://", "tg://")
_HASHTAG = regex.compile(r"(?:^|(?<=\s))[#＃]([^\s#＃]*[^\d\s\p{P}][^\s#＃]*)")
_MENTION = regex.compile(
    r"(?:^|(?<=[\s(]))@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]"
    r"(?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)
_TRAILING_PUNCT = regex.compile(r"\p{P}+$")


@dataclass(frozen=True)
class Link:
    start: int  # code-point offsets into `Rich.text`
    end: int
    href: str


@dataclass(frozen=True)
class Rich:
    """A body rendered once; each platform takes the stream it needs."""

    text: str
    plain: str
    html: str
    links: tuple[Link, ...] = ()


@dataclass
class _Builder:
    text: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    length: int = 0
    fresh: bool = True  # nothing written since the last list marker / start
    quote_depth: int = 0
    link_stack: list[tuple[int, str, bool, int]] = field(default_factory=list)
    lists: list[list] = field(default_factory=list)  # [ordered, next number] per open list

    def write(self, chunk: str) -> None:
        if not chunk:
            return
        self.text.append(chunk)
        self.plain.append(chunk)
        self.html.append(html.escape(chunk, quote=False))
        self.length += len(chunk)
        self.fresh = False

    def separate(self, gap: str) -> None:
        if not self.fresh and self.length:
            self.write(gap)
        self.fresh = True

    def tag(self, name: str, closing: bool = False, attrs: str = "") -> None:
        self.html.append(f"</{name}>" if closing else f"<{name}{attrs}>")

    def result(self) -> Rich:
        return Rich(
            "".join(self.text).rstrip(),
            "".join(self.plain).strip(),
            "".join(self.html).strip(),
            tuple(self.links),
        )


# -- inline tokens -------------------------------------------------------------------------
def _link_open(b: _Builder, tok) -> None:
    href = str(tok.attrGet("href") or "")
    allowed = href.lower().startswith(_TG_SCHEMES)
    if allowed:
        b.tag("a", attrs=f' href="{html.escape(href, quote=True)}"')
    b.link_stack.append((b.length, href, allowed, len(b.plain)))


def _link_close(b: _Builder, tok) -> None:
    start, href, allowed, plain_at = b.link_stack.pop()
    if allowed:
        b.tag("a", closing=True)
    anchor = "".join(b.text)[start:]
    if href and start < b.length:
        b.links.append(Link(start, b.length, href))
    if not href or anchor.strip() == href:
        return
    if _bare(anchor) == _bare(href):  # `[x.example/a](https://x.example/a)`: say it once
        b.plain[plain_at:] = [anchor[: len(anchor) - len(anchor.lstrip())], href]
    else:
        b.plain.append(f" ({href})")


def _bare(address: str) -> str:
    """An address without what people leave out when they write it: the scheme, `www.`,
    `mailto:`, a last `/`, percent-encoding and case."""
    text = unquote(address.strip()).lower()
    text = regex.sub(r"^(?:[a-z][a-z0-9+.-]*://|mailto:)", "", text)
    return text.removeprefix("www.").rstrip("/")


def _code_inline(b: _Builder, tok) -> None:
    b.tag("code")
    b.write(tok.content)
    b.tag("code", closing=True)


def _mark(b: _Builder, tok) -> None:
    name, closing = _MARKS[tok.type]
    b.tag(name, closing=closing)


_INLINE = {
    "text": lambda b, tok: b.write(tok.content),
    "softbreak": lambda b, tok: b.write("\n"),
    "hardbreak": lambda b, tok: b.write("\n"),
    "code_inline": _code_inline,
    "link_open": _link_open,
    "link_close": _link_close,
    "image": lambda b, tok: b.write(tok.content),
    **dict.fromkeys(_MARKS, _mark),
}


# -- block tokens ---------------------------------------------------------------------------
def _paragraph_open(b: _Builder, tok) -> None:
    if not tok.hidden:
        b.separate("\n\n")


def _heading_open(b: _Builder, tok) -> None:
    b.separate("\n\n")
    b.tag("b")


def _list_open(b: _Builder, tok) -> None:
    if not b.lists:
        b.separate("\n\n")
    b.lists.append([tok.type == "ordered_list_open", int(tok.attrGet("start") or 1)])


def _list_item(b: _Builder, tok) -> None:
    b.separate("\n")
    ordered, number = b.lists[-1]
    b.lists[-1][1] += 1
    b.write("  " * (len(b.lists) - 1) + (f"{number}. " if ordered else "• "))
    b.fresh = True


def _quote_open(b: _Builder, tok) -> None:
    b.separate("\n\n")
    if not b.quote_depth:  # Telegram blockquotes cannot nest
        b.tag("blockquote")
    b.quote_depth += 1


def _quote_close(b: _Builder, tok) -> None:
    b.quote_depth -= 1
    if not b.quote_depth:
        b.tag("blockquote", closing=True)


def _fence(b: _Builder, tok) -> None:
    b.separate("\n\n")
    lang = tok.info.strip().split(" ")[0] if tok.info else ""
    b.tag("pre")
    if lang:
        b.tag("code", attrs=f' class="language-{html.escape(lang, quote=True)}"')
    b.write(tok.content.rstrip("\n"))
    if lang:
        b.tag("code", closing=True)
    b.tag("pre", closing=True)


def _hr(b: _Builder, tok) -> None:
    b.separate("\n\n")
    b.write("———")


def _inline(b: _Builder, tok) -> None:
    for child in tok.children or ():
        handle = _INLINE.get(child.type)
        if handle is not None:
            handle(b, child)


_BLOCK = {
    "paragraph_open": _paragraph_open,
    "heading_open": _heading_open,
    "heading_close": lambda b, tok: b.tag("b", closing=True),
    "bullet_list_open": _list_open,
    "ordered_list_open": _list_open,
    "bullet_list_close": lambda b, tok: b.lists.pop(),
    "ordered_list_close": lambda b, tok: b.lists.pop(),
    "list_item_open": _list_item,
    "blockquote_open": _quote_open,
    "blockquote_close": _quote_close,
    "fence": _fence,
    "code_block": _fence,
    "hr": _hr,
    "inline": _inline,
}


@functools.lru_cache(maxsize=4096)
def rich(body: str) -> Rich:
    """Render a Markdown body (cached: every platform of a post shares one parse)."""
    b = _Builder()
    with _LOCK:
        tokens = _parser().parse(body)
    for tok in tokens:
        handle = _BLOCK.get(tok.type)
        if handle is not None:
            handle(b, tok)
    return b.result()


def to_html(body: str) -> str:
    """HTML for pages people read (feed, site, previews): raw HTML escaped, unsafe links dropped."""
    with _LOCK:
        return _parser().render(body)


def _byte_range(text: str, start: int, end: int) -> dict[str, int]:
    prefix = len(text[:start].encode("utf-8"))
    return {"byteStart": prefix, "byteEnd": prefix + len(text[start:end].encode("utf-8"))}


def bluesky_facets(text: str, links: tuple[Link, ...] = ()) -> list[dict]:
    """Facets for links, bare URLs, #tags and @mentions, with UTF-8 byte offsets.

    A mention carries the handle under `handle`; the publisher swaps it for a `did`
    (resolved on the server) or drops the facet when the handle does not resolve.
    """
    taken: list[tuple[int, int]] = []
    facets: list[tuple[int, dict]] = []

    def add(start: int, end: int, feature: dict) -> None:
        if any(start < e and s < end for s, e in taken):
            return  # facets must not overlap
        taken.append((start, end))
        facets.append((start, {"index": _byte_range(text, start, end), "features": [feature]}))

    link_type = "app.bsky.richtext.facet#link"
    for link in links:
        add(link.start, link.end, {"$type": link_type, "uri": link.href})
    for start, end in url_spans(text):
        add(start, end, {"$type": link_type, "uri": text[start:end]})
    for m in _MENTION.finditer(text):
        add(m.start(), m.end(), {"$type": "app.bsky.richtext.facet#mention", "handle": m.group(1)})
    for m in _HASHTAG.finditer(text):
        tag = _TRAILING_PUNCT.sub("", m.group(1))
        if tag and len(tag) <= 64:
            end = m.start() + 1 + len(tag)
            add(m.start(), end, {"$type": "app.bsky.richtext.facet#tag", "tag": tag})
    return [facet for _, facet in sorted(facets, key=lambda item: item[0])]
