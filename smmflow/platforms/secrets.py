"""Secrets come from environment variables only, and are redacted from every text we emit.

The redactor masks each secret in every common encoding (`_encodings`), and also any piece
of at least `PIECE` characters that begins or ends one: text is often cut to a length
(an error body shortened to 300 characters), and a cut that falls inside a token must not
give most of it away. Cutting code redacts first and cuts after (`clip`); the piece rule
is the second line of defence. A piece shorter than `PIECE` is not masked: it would mask
ordinary words, and 7 characters of a random token do not give it away.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping

from ..errors import SmmflowError
from ..model import Group

MASK = "[redacted]"
_MIN_SECRET = 4  # shorter values would mask ordinary words; no real token is that short
PIECE = 8  # a piece this long at either end of a secret is masked too (a cut-off secret)


class MissingSecret(SmmflowError):
    """An account's `*_env` variable is not set."""


def _encodings(value: str) -> set[str]:
    """The ways a secret comes back in text: as sent in a URL, and as a server quoting the
    request would write it (JSON with or without \\uXXXX, PHP's `\\/`, HTML, base64)."""
    import base64
    import html
    import json
    from urllib.parse import quote, quote_plus

    escaped = json.dumps(value)[1:-1]
    unescaped = json.dumps(value, ensure_ascii=False)[1:-1]
    raw = value.encode("utf-8")
    found = {value, quote(value, safe=""), quote(value), quote_plus(value), escaped, unescaped}
    found |= {escaped.replace("/", "\\/"), unescaped.replace("/", "\\/")}
    found |= {html.escape(value), html.escape(value, quote=False)}
    found |= {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    return {form for form in found if len(form) >= _MIN_SECRET}


def _common_head(text: str, start: int, form: str) -> int:
    """How many characters of `form` `text` repeats from `start` on."""
    n = 0
    limit = min(len(form), len(text) - start)
    while n < limit and text[start + n] == form[n]:
        n += 1
    return n


def _common_tail(text: str, end: int, form: str) -> int:
    """How many last characters of `form` `text` repeats just before `end`."""
    n = 0
    limit = min(len(form), end)
    while n < limit and text[end - 1 - n] == form[-1 - n]:
        n += 1
    return n


class Redactor:
    """Replaces every known secret value (its common encodings, and any piece of at least
    `PIECE` characters at either end of one) in text."""

    def __init__(self, values: Iterable[str] = ()):
        self._values: set[str] = set()
        self._heads: dict[str, list[str]] = {}  # first PIECE characters -> forms
        self._tails: dict[str, list[str]] = {}  # last PIECE characters -> forms
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        if value and value.strip() != value:
            self.add(value.strip())  # what is actually sent
        if not value or len(value) < _MIN_SECRET:
            return
        self._values.update(_encodings(value))
        self._heads, self._tails = {}, {}
        short = []
        for form in self._values:
            if len(form) <= PIECE:
                short.append(form)
                continue
            self._heads.setdefault(form[:PIECE], []).append(form)
            self._tails.setdefault(form[-PIECE:], []).append(form)
        anchors = sorted({*short, *self._heads, *self._tails}, key=len, reverse=True)
        # A lookahead finds every start, overlapping ones included.
        self._pattern = re.compile("(?=(" + "|".join(re.escape(a) for a in anchors) + "))")

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The stretches of `text` to mask, merged, in order."""
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(text):
            start, anchor = match.start(), match.group(1)
            found.append((start, start + len(anchor)))
            for form in self._heads.get(anchor, ()):
                found.append((start, start + _common_head(text, start, form)))
            end = start + len(anchor)
            for form in self._tails.get(anchor, ()):
                found.append((end - _common_tail(text, end, form), end))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def __call__(self, text: object) -> str:
        out = str(text)
        parts, last = [], 0
        for start, end in self.spans(out):
            parts += [out[last:start], MASK]
            last = end
        return "".join(parts) + out[last:] if parts else out

    def __bool__(self) -> bool:
        return bool(self._values)


def clip(text: str, redact: Callable[[object], str], limit: int = 300) -> str:
    """`text` on one line, redacted, then cut to `limit` characters (never the other way
    round: a cut inside a secret would leave a piece the redactor may not know)."""
    text = redact(" ".join(str(text).split()))
    if len(text) <= limit:
        return text
    cut = limit
    masked = text.rfind(MASK, 0, limit + len(MASK) - 1)
    if masked != -1 and masked < limit < masked + len(MASK):
        cut = masked + len(MASK)  # keep a mask whole rather than cut it
    return text[:cut] + "…"


def env_secrets(groups: Iterable[Group], environ: Mapping[str, str] | None = None) -> Redactor:
    """A redactor for every secret any account of `groups` names, plus GitHub's token."""
    environ = os.environ if environ is None else environ
    redactor = Redactor()
    for group in groups:
        for account in group.accounts:
            for variable in account.secret_envs.values():
                redactor.add(environ.get(variable))
    for variable in ("GITHUB_TOKEN", "GH_TOKEN", "SMMFLOW_GITHUB_TOKEN"):
        redactor.add(environ.get(variable))
    return redactor


def secret(
    variable: str | None, setting: str, account: str, environ: Mapping[str, str] | None = None
) -> str:
    """The value of an account's secret, or a `MissingSecret` that names the variable."""
    environ = os.environ if environ is None else environ
    if not variable:
        raise MissingSecret(f"{account}: no `{setting}` is configured")
    value = environ.get(variable, "")
    if not value.strip():
        raise MissingSecret(f"{account}: environment variable {variable} is not set ({setting})")
    return value.strip()
