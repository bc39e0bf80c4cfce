"""The one headline of a post, wherever a post is named in a line: the plan, calendars, the
feed site and its Atom feed, pull-request previews, webhook payloads.

The writer's `title` when there is one; else the body's first line as a reader sees it
(links by their text, no Markdown marks). Longer than `width` graphemes, it is cut to
`width - 1` of them and "…": never inside an emoji or a letter with its accents.
"""

from __future__ import annotations

import regex

from ..model import Post
from .render import rich

_GRAPHEME = regex.compile(r"\X")
# Characters that are each a grapheme of one column: no combining marks, no emoji, no
# wide scripts, no joiners (Latin with its accents precomposed, Cyrillic, Greek...).
SIMPLE = regex.compile(r"[\u0020-\u007e\u00a0-\u02ff\u0370-\u0482\u048a-\u052f]*")
WIDTH = 80


def headline(post: Post, width: int = WIDTH) -> str:
    if width == WIDTH:  # a post from the cache may carry it (`content.cache`, `remember`)
        known = post.__dict__.get("_headline")
        if known is not None:
            return known
        found = _headline(post, width)
        post.__dict__["_headline"] = found
        return found
    return _headline(post, width)


def _headline(post: Post, width: int) -> str:
    if post.title:
        text = post.title.strip()
    else:
        first = post.body.lstrip().split("\n\n", 1)[0]  # only the first block can hold it
        lines = [line.strip() for line in rich(first).text.splitlines() if line.strip()]
        text = lines[0] if lines else post.slug
    if len(text) <= width and SIMPLE.fullmatch(text):  # one grapheme per character
        return text
    chars = _GRAPHEME.findall(text)
    return "".join(chars[: width - 1]) + "…" if len(chars) > width else text
