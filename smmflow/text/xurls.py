"""Which parts of a text X turns into links (and counts 23 characters each): the rules of
its twitter-text library (v3, `extractUrlsWithIndices`), for `x_weighted` and X's `verify`.

- A link needs a known top-level domain (`text/tlds.py`, or punycode `xn--…`), with or
  without `http(s)://`: `example.com`, `brutaria.ro`, `README.md` and `t.co/abc` are
  links; `localhost`, `foo.baz` and `http://127.0.0.1` are not.
- It may not follow a letter, a digit, `@`, `$` or `#` (`ana@brutaria.ro` is an address,
  `#brutaria.ro` a hashtag); without a scheme it may not follow `-`, `_`, `.` or `/`
  either. The top-level domain may not be followed by a letter, digit, `@`, `+` or `-`.
- Without a scheme only the ASCII part of a domain is the link (`日本語example.com` links
  `example.com`); a path after it belongs to the link.
- A label longer than 63 characters makes no host name, so no link.
- A path ends on a letter, digit, `+ - = _ # /` or a balanced `(...)`; a query on a
  letter, digit or `- _ & = # /`: `example.com/a.` leaves the full stop out.
"""

from __future__ import annotations

import regex

from .tlds import COUNTRY, GENERIC

_LATIN = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    "\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_DIRECTIONAL = "\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
_SPACES = "\t-\r \u0085\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"
_CHAR = f"[^{_PUNCT}{_SPACES}\ufffe\ufeff\uffff{_DIRECTIONAL}]"  # one character of a domain
_TLDS = sorted({*COUNTRY, *GENERIC}, key=lambda tld: (-len(tld), tld))
_TLD = "(?:" + "|".join(map(regex.escape, _TLDS)) + ")(?=[^0-9a-zA-Z@+-]|$)"
_PUNYCODE = r"xn--[\-0-9a-z]+"
_PATH_CHAR = f"[a-z\u0400-\u04ff0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{_LATIN}]"
_PARENS = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
_PATH_END = f"(?:[+\\-a-z\u0400-\u04ff0-9=_#/{_LATIN}]|{_PARENS})"
_PATH = rf"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|@{_PATH_CHAR}+/)"
_QUERY = r"\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]"

_URL = regex.compile(
    rf"""
    (?P<before>[^A-Za-z0-9@＠$#＃\ufffe\ufeff\uffff]|[{_DIRECTIONAL}]|^)
    (?P<url>
        (?P<scheme>https?://)?
        (?P<domain>
            (?:(?:{_CHAR}(?:[_-]|{_CHAR})*)?{_CHAR}\.)*
            (?:(?:{_CHAR}(?:-|{_CHAR})*)?{_CHAR}\.)
            (?:{_TLD}|{_PUNYCODE})
        )
        (?::[0-9]+)?
        (?P<path>/{_PATH}*)?
        (?:{_QUERY})?
    )
    """,
    regex.IGNORECASE | regex.VERBOSE,
)
_ASCII_DOMAIN = regex.compile(
    rf"(?:[\-a-z0-9{_LATIN}]+\.)+(?:{_TLD}|{_PUNYCODE})", regex.IGNORECASE
)
_TCO = regex.compile(r"https?://t\.co/[a-z0-9]+", regex.IGNORECASE)


def x_url_spans(text: str) -> list[tuple[int, int]]:
    """Each link X finds in `text`, as (start, end)."""
    if "." not in text:
        return []
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        start, end = match.span("url")
        if any(len(label) > 63 for label in match.group("domain").split(".")):
            continue  # not a host name (IDNA allows 63 characters a label)
        if match.group("scheme"):
            tco = _TCO.match(match.group("url"))
            spans.append((start, start + tco.end() if tco else end))
            continue
        if match.group("before")[-1:] in ("-", "_", ".", "/"):
            continue
        found = [
            (start + m.start(), start + m.end()) for m in _ASCII_DOMAIN.finditer(match["domain"])
        ]
        if found and match.group("path"):
            found[-1] = (found[-1][0], end)
        spans += found
    return spans
