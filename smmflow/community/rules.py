"""Moderation rules: what a rule matches and what it does, one rule per list entry.

A rule holds one or more conditions, all of which must hold:
`words` (any of these words or phrases, read without case and diacritics, so `ț`, `ţ`
and `t` are one letter), `regex` (a regular expression, searched in the text as written;
`(?i)` for any case), `links: true`, `phones: true`, `caps: true` (shouting: mostly
capital letters), `authors` (names or ids, without `@`), `accounts` (only items of these
accounts). `action` is `hide`, `delete`, `flag` or `reply: <template>`. The first rule that
matches an item decides; an item no rule matches is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..content.fields import Fields, did_you_mean
from .questions import fold

CONDITIONS = ("words", "regex", "links", "phones", "caps", "authors", "accounts")
KEYS = ("name", *CONDITIONS, "action")
SIMPLE_ACTIONS = ("hide", "delete", "flag")
REGEX_TIMEOUT = 0.25  # seconds one rule may search one comment (hostile texts exist)
LINK = (
    r"(?:https?://|www\.)\S+|\bt\.me/\S+|\b[\w-]+(?:\.[\w-]+)*\."
    r"(?:com|net|org|info|biz|ro|md|ru|ua|by|kz|eu|io|me|co|ly|link|xyz|top|club|shop|site|online|app)\b"
)
PHONE = r"(?<!\w)\+?\d[\d\s().-]{6,}\d(?!\w)"


@dataclass(frozen=True)
class Rule:
    index: int
    name: str
    line: int  # of its `action`
    action: str  # hide | delete | flag | reply
    template: str = ""  # for reply
    words: tuple[str, ...] = ()  # folded
    pattern: str = ""
    links: bool = False
    phones: bool = False
    caps: bool = False
    authors: frozenset[str] = frozenset()
    accounts: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name or f"rule {self.index + 1}"


def rule_from(f: Fields, key: str, raw: dict, index: int) -> Rule | None:
    """A `Rule` from one list entry; None (with its problems said) when it is unusable."""
    before = len(f.problems)
    f.unknown_keys(raw, KEYS, key + ".")
    if not any(c in raw for c in CONDITIONS):
        f.error(key, f"a rule needs at least one condition: {', '.join(CONDITIONS)}", "rule")
    action, template = _action(f, key, raw.get("action"))
    words = tuple(fold(w).strip() for w in f.strings(f"{key}.words", raw.get("words")) or ())
    if any(not w for w in words):
        f.error(f"{key}.words", "an empty word would match every comment", "rule")
    pattern = f.string(f"{key}.regex", raw.get("regex")) or ""
    if pattern:
        _compile(f, f"{key}.regex", pattern)
    authors = f.strings(f"{key}.authors", raw.get("authors")) or ()
    rule = Rule(
        index,
        f.string(f"{key}.name", raw.get("name")) or "",
        f.line(f"{key}.action", value=False),
        action or "",
        template,
        words,
        pattern,
        _flag(f, f"{key}.links", raw.get("links")),
        _flag(f, f"{key}.phones", raw.get("phones")),
        _flag(f, f"{key}.caps", raw.get("caps")),
        frozenset(a.lstrip("@").casefold() for a in authors),
        f.strings(f"{key}.accounts", raw.get("accounts")) or (),
    )
    return rule if len(f.problems) == before else None


def _action(f: Fields, key: str, raw: object) -> tuple[str | None, str]:
    where = f"{key}.action"
    if raw is None:
        f.error(key, "a rule needs an `action`: hide, delete, flag or reply: <template>", "rule")
        return None, ""
    if isinstance(raw, str):
        if raw in SIMPLE_ACTIONS:
            return raw, ""
        hint = did_you_mean(raw, (*SIMPLE_ACTIONS, "reply"))
        f.error(where, f"unknown action {raw!r}{hint}; use hide, delete, flag or reply: <template>")
        return None, ""
    if isinstance(raw, dict) and list(raw) == ["reply"] and isinstance(raw["reply"], str):
        if raw["reply"].strip():
            return "reply", raw["reply"].strip()
    f.error(where, "write `reply: <template name>` (a file in community/<group>/answers/)")
    return None, ""


def _flag(f: Fields, key: str, raw: object) -> bool:
    text = f.string(key, raw)
    if text is None:
        return False
    if text.strip().lower() not in ("true", "false"):
        f.error(key, f"{text!r}: write true or false", "type")
        return False
    return text.strip().lower() == "true"


def _compile(f: Fields, key: str, pattern: str) -> None:
    import regex

    try:
        regex.compile(pattern)
    except regex.error as exc:
        where = f" at position {exc.pos}" if getattr(exc, "pos", None) is not None else ""
        message = str(exc).split(" at position")[0]
        f.error(key, f"bad regular expression {pattern!r}: {message}{where}", "regex")


def matches(rule: Rule, text: str, author: str, author_id: str, account: str) -> bool:
    """Whether every condition of `rule` holds for this item."""
    if rule.accounts and account not in rule.accounts:
        return False
    if rule.authors and not {author.lstrip("@").casefold(), author_id.casefold()} & rule.authors:
        return False
    if rule.words and not _any_word(rule.words, fold(text)):
        return False
    if rule.links and not re.search(LINK, text, re.IGNORECASE):
        return False
    if rule.phones and not _phone(text):
        return False
    if rule.caps and not shouting(text):
        return False
    return not rule.pattern or _search(rule.pattern, text)


def _any_word(words: tuple[str, ...], folded: str) -> bool:
    for word in words:
        pattern = r"\s+".join(re.escape(part) for part in word.split())
        if re.search(rf"(?<!\w){pattern}(?!\w)", folded):
            return True
    return False


def _phone(text: str) -> bool:
    return any(sum(c.isdigit() for c in m.group()) >= 9 for m in re.finditer(PHONE, text))


def shouting(text: str) -> bool:
    """Mostly capital letters: at least 8 cased letters, 80% of them capitals."""
    cased = [c for c in text if c.isupper() or c.islower()]
    return len(cased) >= 8 and sum(c.isupper() for c in cased) >= 0.8 * len(cased)


def _search(pattern: str, text: str) -> bool:
    import regex

    try:
        return regex.search(pattern, text, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        return False  # a pathological pattern on a hostile text: not a match
