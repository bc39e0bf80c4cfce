"""Text that would display differently from what it is: refused wherever people read it."""

from __future__ import annotations

import unicodedata

from ..errors import Problem

# Bidirectional embeddings, overrides and isolates: invisible, they make text display in
# another order than it is written ("Trojan Source"), so a client could approve one text
# and see another. Right-to-left languages need none of them (U+200E/U+200F marks stay
# allowed). Control characters (an ESC would drive a terminal that shows `smmflow plan`)
# are refused with them; tab, newline and carriage return are ordinary text.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE = BIDI_CONTROLS | {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - set("\t\n\r")


def invisible(text: str) -> tuple[int, str] | None:
    """(index, message) of the first bidirectional control or control character, if any."""
    if not INVISIBLE.intersection(text):
        return None
    index = next(i for i, c in enumerate(text) if c in INVISIBLE)
    char = text[index]
    if char in BIDI_CONTROLS:
        name = unicodedata.name(char)
        why = "makes text display in another order than it is written, which can disguise what is published"
    else:
        name = "a control character"
        why = "is not text: it can hide or garble what readers and terminals show"
    return index, f"invisible character U+{ord(char):04X} ({name}) {why}; delete it"


def bidi_problems(rel: str, field: str, text: str, line: int) -> list[Problem]:
    """An error for the first invisible control in `text` (which starts at `line`)."""
    found = invisible(text)
    if found is None:
        return []
    index, message = found
    before = text[:index]
    column = index - (before.rfind("\n") + 1) + 1
    at = line + before.count("\n")
    return [Problem(rel, at, field, f"column {column}: {message}", code="invisible")]
