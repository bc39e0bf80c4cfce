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

import functools
import re

from .tlds import COUNTRY, GENERIC

_LATIN = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    "\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_DIRECTIONAL = "\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
_SPACES = "\t-\r \u0085\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"
_CHAR = f"[^{_PUNCT}{_SPACES}\ufffe\ufeff\uffff{_DIRECTIONAL}]"  # one character of a domain


def _trie(words: set[str]) -> str:
    """One pattern matching exactly `words`, as a tree of their letters (an alternation
    of 1,500 words is tried word by word; a tree letter by letter)."""
    tree: dict = {}
    for word in words:
        node = tree
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        alts = [
            re.escape(letter) + pattern(child) for letter, child in sorted(node.items()) if letter
        ]
        body = alts[0] if len(alts) == 1 else f"(?:{'|'.join(alts)})" if alts else ""
        return f"(?:{body})?" if "" in node and body else body

    return pattern(tree)


_PUNYCODE = r"xn--[\-0-9a-z]+"
_PATH_CHAR = f"[a-z\u0400-\u04ff0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{_LATIN}]"
_PARENS = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
_PATH_END = f"(?:[+\\-a-z\u0400-\u04ff0-9=_#/{_LATIN}]|{_PARENS})"
_PATH = rf"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|@{_PATH_CHAR}+/)"
_QUERY = r"\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]"


@functools.cache
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    """The link pattern and the ASCII-domain pattern, compiled on first use (a fifth of a
    second: not paid by commands that never count for X)."""
    tld = f"(?:{_trie({*COUNTRY, *GENERIC})})(?=[^0-9a-zA-Z@+-]|$)"
    url = re.compile(
        rf"""
        (?P<before>[^A-Za-z0-9@＠$#＃\ufffe\ufeff\uffff]|[{_DIRECTIONAL}]|^)
        (?P<url>
            (?P<scheme>https?://)?
            (?P<domain>
                (?:(?:{_CHAR}(?:[_-]|{_CHAR})*)?{_CHAR}\.)*
                (?:(?:{_CHAR}(?:-|{_CHAR})*)?{_CHAR}\.)
                (?:{tld}|{_PUNYCODE})
            )
            (?::[0-9]+)?
            (?P<path>/{_PATH}*)?
            (?:{_QUERY})?
        )
        """,
        re.IGNORECASE | re.VERBOSE,
    )
    return url, re.compile(rf"(?:[\-a-z0-9{_LATIN}]+\.)+(?:{tld}|{_PUNYCODE})", re.IGNORECASE)


_TCO = re.compile(r"https?://t\.co/[a-z0-9]+", re.IGNORECASE)
# A link never holds white space: only the runs of other characters with a full stop in
# them are searched (with the character before each, which a link may not follow).
_RUN = re.compile(f"[^{_SPACES}]*\\.[^{_SPACES}]*")


def x_url_spans(text: str) -> list[tuple[int, int]]:
    """Each link X finds in `text`, as (start, end)."""
    if "." not in text:
        return []
    spans: list[tuple[int, int]] = []
    for run in _RUN.finditer(text):
        spans += _links(text, max(0, run.start() - 1), run.end())
    return spans


def _links(text: str, begin: int, until: int) -> list[tuple[int, int]]:
    """The links in text[begin:until] (text[begin] may be the character before one)."""
    spans: list[tuple[int, int]] = []
    url, ascii_domain = _patterns()
    for match in url.finditer(text, begin, until):
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
            (start + m.start(), start + m.end()) for m in ascii_domain.finditer(match["domain"])
        ]
        if found and match.group("path"):
            found[-1] = (found[-1][0], end)
        spans += found
    return spans
