"""Each platform's own way of counting the length of a text."""

from __future__ import annotations

import functools
import unicodedata

import regex

from .xurls import x_url_spans

_URL_CANDIDATE = regex.compile(r"https?://[^\s<>\"']+", regex.IGNORECASE)
_TRAILING = ".,;:!?'\"*"


def url_spans(text: str) -> list[tuple[int, int]]:
    """Bare URLs as (start, end): trailing punctuation dropped, a `)` kept when balanced."""
    spans = []
    for match in _URL_CANDIDATE.finditer(text):
        url = match.group(0)
        while url:
            if url[-1] in _TRAILING or url[-1] in "]}":
                url = url[:-1]
            elif url[-1] == ")" and url.count("(") < url.count(")"):
                url = url[:-1]
            else:
                break
        if len(url) > len("https://"):
            spans.append((match.start(), match.start() + len(url)))
    return spans


def _replace_urls(text: str, replacement: str) -> str:
    out, position = [], 0
    for start, end in url_spans(text):
        out += [text[position:start], replacement]
        position = end
    return "".join(out) + text[position:]


_GRAPHEME = regex.compile(r"\X")
_MASTODON_MENTION = regex.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w", regex.UNICODE)
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
_THREADS_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
URL_WEIGHT = 23  # Mastodon and X both count any link as 23 characters


@functools.lru_cache(maxsize=8192)
def graphemes(text: str) -> int:
    """User-perceived characters: 👨‍❤️‍👨 is one, ă written as a + ̆ is one.

    Cached: several platforms of one post usually receive the very same text.
    """
    if text.isascii():
        return len(text)
    return len(_GRAPHEME.findall(text))


def utf16_units(text: str) -> int:
    """Telegram measures messages and entities in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def mastodon_length(text: str) -> int:
    """Graphemes, with each URL as 23 and `@user@domain` as `@user` (Mastodon's rule)."""
    text = _replace_urls(text, "x" * URL_WEIGHT)
    text = _MASTODON_MENTION.sub(lambda m: "@" + m.group(1), text)
    return graphemes(text)


def _x_weight(cluster: str) -> int:
    if _EMOJI.search(cluster):
        return 2
    weight = 0
    for char in cluster:
        point = ord(char)
        light = (
            point <= 4351 or 8192 <= point <= 8205 or 8208 <= point <= 8223 or 8242 <= point <= 8247
        )
        weight += 1 if light else 2
    return weight


def x_weighted(text: str) -> int:
    """twitter-text v3: every link X finds 23 (`text/xurls.py`: bare domains such as
    `example.com` too), emoji 2, CJK and most non-Latin 2, the rest 1; on the text in NFC,
    as X counts it (a + combining breve is one ă)."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for start, end in x_url_spans(text):
        total += sum(_x_weight(c) for c in _GRAPHEME.findall(text[position:start]))
        total += URL_WEIGHT
        position = end
    total += sum(_x_weight(c) for c in _GRAPHEME.findall(text[position:]))
    return total


def threads_length(text: str) -> int:
    """Threads: 500 characters, where "emojis are counted as the number of UTF-8 bytes"
    (developers.facebook.com/docs/threads/posts): a grapheme holding an emoji counts its
    UTF-8 bytes (👍 is 4, 👍🏽 is 8), any other grapheme 1. Links count in full."""
    if text.isascii():
        return len(text)
    return sum(
        len(g.encode("utf-8")) if _THREADS_EMOJI.search(g) else 1 for g in _GRAPHEME.findall(text)
    )
