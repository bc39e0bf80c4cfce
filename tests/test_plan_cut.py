"""Cutting a headline to a plan line's width: the plain-text fast path (issue #19) gives
exactly what the grapheme-by-grapheme way gives, and never cuts inside an emoji or a
letter with its accents."""

from __future__ import annotations

import unicodedata

import pytest
import regex

from smmflow.plan.views import _cut, _pad
from smmflow.text.headline import SIMPLE


def slow_cut(text: str, width: int) -> str:
    graphemes = regex.findall(r"\X", text)

    def cols(g: str) -> int:
        return 2 if "\ufe0f" in g or any(unicodedata.east_asian_width(c) in "WF" for c in g) else 1

    if sum(cols(g) for g in graphemes) <= width:
        return text
    kept, used = [], 0
    for g in graphemes:
        used += cols(g)
        if used > width - 1:
            break
        kept.append(g)
    return "".join(kept) + "…"


TEXTS = [
    "Cozonac proaspăt din cuptor, comandă acum pentru sărbători și weekend",
    "Short",
    "Pâine ✨ proaspătă",
    "Ofertă 🔥🔥🔥 " * 5,
    "a" * 39 + "🎄" + "b" * 10,
    "e\u0301" * 45,  # combining accents: one grapheme each
    "日本語のテキスト" * 6,
    "Привет, это пост на русском языке про наш новый магазин в центре",
    "x" * 40,
    "x" * 41,
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("width", [10, 40])
def test_the_fast_cut_is_the_grapheme_cut(text: str, width: int) -> None:
    assert _cut(text, width) == slow_cut(text, width)


def test_simple_text_is_one_column_per_character() -> None:
    assert SIMPLE.fullmatch("Ofertă de sărbători la brutărie")
    for odd in ("e\u0301", "🔥", "日", "\u200b", "\u202e"):
        assert not SIMPLE.fullmatch("abc" + odd)
    assert len(_pad("ăîșț", 10)) == 10
