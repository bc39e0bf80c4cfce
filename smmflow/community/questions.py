"""Is a comment a question? A question mark, or a question word in Romanian, English or
Russian ("cât costă", "când", "how much", "сколько"), read diacritics-insensitively.

A question word counts at the start of a sentence (`Unde sunteți`), or anywhere for the
unmistakable ones (`how much`, `cât costă`, `сколько`); a sentence that ends with `!` is
an exclamation (`Ce frumos!`), not a question.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Characters that differ only by their marks (ț/ţ/t, ș/ş/s, ă/â/a, ё/е) read as the same.
_SAME = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ё": "е", "й": "и"})


def fold(text: str) -> str:
    """Lowercase, without diacritics (Romanian comma and cedilla forms alike)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).translate(_SAME)


# Folded. Anywhere in the text: asking for a price, a time, a place or availability.
ANYWHERE = (
    # ro
    "cat costa", "cat e", "cat este", "ce pret", "ce ora", "ce program", "care e pretul",
    "care este pretul", "se poate", "aveti", "puteti", "unde va gasesc", "cand deschideti",
    # en
    "how much", "how many", "how long", "how do i", "how can i", "is there", "is it",
    "are there", "are you open", "do you", "can i", "could you", "what time",
    # ru
    "сколько", "когда", "где купить", "можно ли", "есть ли", "как заказать", "почему",
)  # fmt: skip
# Folded. At the start of a sentence.
OPENING = (
    # ro
    "cand", "unde", "cum", "de ce", "care", "cine", "exista",
    # en
    "how", "when", "where", "what", "why", "who", "which", "can", "could",
    # ru
    "сколько", "когда", "где", "как", "почему", "зачем", "что", "кто", "какой", "какая",
    "какие", "можно", "есть ли", "ли",
)  # fmt: skip
_SENTENCES = r"[^.!?\n]+[.!?\n]*"


@functools.cache
def _compiled() -> tuple[re.Pattern, tuple[str, ...]]:
    """The phrases as one pattern and the opening words, folded (made on first use)."""
    anywhere = "|".join(re.escape(fold(p)) for p in ANYWHERE)
    return re.compile(rf"(?<!\w)(?:{anywhere})(?!\w)"), tuple(fold(w) for w in OPENING)


_MARKS = "?？؟"


def is_question(text: str) -> bool:
    folded = fold(text)
    if any(mark in folded for mark in _MARKS):
        return True
    anywhere, opening = _compiled()
    if anywhere.search(folded):
        return True
    for sentence in re.findall(_SENTENCES, folded):
        body = sentence.strip()
        if not body or body.endswith("!"):
            continue
        words = re.sub(r"[^\w\s-]", " ", body).split()
        head = " ".join(words[:2])
        if any(head == w or head.startswith(w + " ") for w in opening):
            return True
    return False
