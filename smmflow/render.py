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
from dataclasses import dataclass, field

import regex
from markdown_it import MarkdownIt

from .textcount import url_spans

_MD = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
# markdown-it refuses javascript:, vbscript: and file: links but lets `data:image/...`
# through; no post needs an inline data: address either (on a page it would show a
# picture, or open a document, that nobody reviewed as a file).
_BAD_SCHEME = regex.compile(r"^(?:javascript|vbscript|file|data):")


def _link_allowed(url: str) -> bool:
    # Like markdown-it's own check: lowercase, ends stripped (browsers ignore them too).
    return not _BAD_SCHEME.match(url.strip().lower())


_MD.validateLink = _link_allowed  # type: ignore[method-assign]
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
    link_stack: list[tuple[int, str, bool]] = field(default_factory=list)

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


def _inline(b: _Builder, children: list) -> None:
    for tok in children:
        kind = tok.type
        if kind == "text":
            b.write(tok.content)
        elif kind in ("softbreak", "hardbreak"):
            b.write("\n")
        elif kind in _MARKS:
            name, closing = _MARKS[kind]
            b.tag(name, closing=closing)
        elif kind == "code_inline":
            b.tag("code")
            b.write(tok.content)
            b.tag("code", closing=True)
        elif kind == "link_open":
            href = str(tok.attrGet("href") or "")
            allowed = href.lower().startswith(_TG_SCHEMES)
            if allowed:
                b.tag("a", attrs=f' href="{html.escape(href, quote=True)}"')
            b.link_stack.append((b.length, href, allowed))
        elif kind == "link_close":
            start, href, allowed = b.link_stack.pop()
            if allowed:
                b.tag("a", closing=True)
            anchor = "".join(b.text)[start:]
            if href and start < b.length:
                b.links.append(Link(start, b.length, href))
            if href and anchor.strip() != href:
                b.plain.append(f" ({href})")
        elif kind == "image":
            b.write(tok.content)


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


@functools.lru_cache(maxsize=4096)
def rich(body: str) -> Rich:
    """Render a Markdown body (cached: every platform of a post shares one parse)."""
    b = _Builder()
    lists: list[list[int]] = []  # [ordered, next number]
    for tok in _MD.parse(body):
        kind = tok.type
        if kind == "paragraph_open":
            if not tok.hidden:
                b.separate("\n\n")
        elif kind == "heading_open":
            b.separate("\n\n")
            b.tag("b")
        elif kind == "heading_close":
            b.tag("b", closing=True)
        elif kind in ("bullet_list_open", "ordered_list_open"):
            if not lists:
                b.separate("\n\n")
            start = int(tok.attrGet("start") or 1)
            lists.append([kind == "ordered_list_open", start])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            b.separate("\n")
            ordered, number = lists[-1]
            marker = f"{number}. " if ordered else "• "
            lists[-1][1] += 1
            b.write("  " * (len(lists) - 1) + marker)
            b.fresh = True
        elif kind == "blockquote_open":
            b.separate("\n\n")
            if not b.quote_depth:  # Telegram blockquotes cannot nest
                b.tag("blockquote")
            b.quote_depth += 1
        elif kind == "blockquote_close":
            b.quote_depth -= 1
            if not b.quote_depth:
                b.tag("blockquote", closing=True)
        elif kind in ("fence", "code_block"):
            _fence(b, tok)
        elif kind == "hr":
            b.separate("\n\n")
            b.write("———")
        elif kind == "inline":
            _inline(b, tok.children or [])
    return b.result()


def to_html(body: str) -> str:
    """HTML for pages people read (feed, site, previews): raw HTML escaped, unsafe links dropped."""
    return _MD.render(body)


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
