"""Secrets come from environment variables only, and are redacted from every text we emit."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

from .errors import SmmflowError
from .model import Group

MASK = "[redacted]"
_MIN_SECRET = 4  # shorter values would mask ordinary words; no real token is that short


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


class Redactor:
    """Replaces every known secret value (and its common encodings) in text."""

    def __init__(self, values: Iterable[str] = ()):
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        if value and value.strip() != value:
            self.add(value.strip())  # what is actually sent
        if not value or len(value) < _MIN_SECRET:
            return
        self._values.update(_encodings(value))
        ordered = sorted(self._values, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def __call__(self, text: object) -> str:
        out = str(text)
        return self._pattern.sub(MASK, out) if self._pattern else out

    def __bool__(self) -> bool:
        return bool(self._values)


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
