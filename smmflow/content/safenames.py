"""The file names a post may have, and how to show any other name without harm.

A post's path becomes its identity: the ledger's record paths, git pathspecs, page
names and command lines are built from it. A newline there broke a ledger batch, and
`*?[]` made git match other files, so names outside one small, safe set are refused
(docs/format.md, "File names"): the loader skips such a post and `check` reports it.
"""

from __future__ import annotations

import re
import unicodedata

PUNCTUATION = "-_."
RULE = (
    "a post's file and folder names may use letters, digits, `-`, `_` and `.` "
    "(not first); rename it, e.g. with `git mv`"
)


def _describe(char: str) -> str:
    if char == " ":
        return "a space"
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        if char == "\n":
            return "a newline"
        if 0xDC80 <= ord(char) <= 0xDCFF:
            return "bytes that are not UTF-8"
        return f"an invisible character U+{ord(char):04X}"
    return f"`{char}` (U+{ord(char):04X})"


def _component(name: str) -> str | None:
    if not name:
        return "an empty folder name"
    if name[0] in "-.":
        return f"`{name[0]}` at the start of {printable(name)!r}"
    for char in name:
        if char in PUNCTUATION or unicodedata.category(char)[0] in "LMN":
            continue
        return _describe(char)
    if not unicodedata.is_normalized("NFC", name):
        return "letters in decomposed form (save the name in NFC, as most systems do)"
    return None


_PLAIN = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)*[A-Za-z0-9_][A-Za-z0-9_.-]*")


def unsafe(rel: str) -> str | None:
    """Why the post path `rel` (e.g. `content/shop/2026-12-04-a.md`) is refused, or None."""
    if _PLAIN.fullmatch(rel):  # plain ASCII names, the usual case: nothing to look at
        return None
    parts = rel.split("/")
    if parts and parts[0] == "content":
        parts = parts[1:]
    for part in parts:
        found = _component(part)
        if found is not None:
            return f"the file name has {found}: {RULE}"
    return None


def printable(text: str) -> str:
    """`text` with every character outside the safe set shown as an escape (`\\n`,
    `\\x1b`, `\\udcff` for a byte that is not UTF-8): one line, always encodable."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
            continue
        if char in "/ " or char in PUNCTUATION or unicodedata.category(char)[0] in "LMNPS":
            if not (0xD800 <= ord(char) <= 0xDFFF):
                out.append(char)
                continue
        out.append(char.encode("unicode_escape", "backslashreplace").decode("ascii"))
    return "".join(out)
