"""How X counts a post's length: twitter-text's v3 weighting, re-implemented for the tests.

Read from twitter/twitter-text @30e2430 (config/v3.json; js/src/parseTweet.js,
extractUrlsWithIndices.js, regexp/*.js) and docs.x.com fundamentals/counting-characters:

- the text is NFC-normalised first;
- every URL twitter-text detects counts `transformedURLLength` = 23, whatever its length,
  with or without `https://` (a bare `example.com` is a URL; `README.md` too: `md` is a
  country-code TLD);
- every emoji counts 2, a whole sequence (ZWJ family, skin tone, flag, keycap) as one;
- any other character weighs 1 if its code point is in U+0000-U+10FF, U+2000-U+200D,
  U+2010-U+201F or U+2032-U+2037, else 2 (so Latin with Romanian diacritics and Cyrillic
  weigh 1, CJK, `…` and `€` weigh 2);
- at most 280; U+FFFE, U+FEFF and U+FFFF make a text invalid.

Approximations (unconfirmed against twitter-text for rare input): the TLD lists below are
every ISO 3166 country code plus a few hundred common generic TLDs (twitter-text carries
~1,500 gTLDs); URL paths stop before parentheses; emoji sequences are recognised by
Unicode block, not twemoji's exact table.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WEIGHTED = 280
URL_LENGTH = 23
INVALID = "\ufffe\ufeff\uffff"
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

_CC = """ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn
bo br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm
do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt
gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr
kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu
mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw
py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td
tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt
za zm zw рф укр бел срб қаз мкд мон"""
_GENERIC = """com net org edu gov mil int info biz name pro aero coop museum mobi asia tel travel
jobs cat xxx post app dev blog shop store online site tech xyz top club live news page link
cloud art design digital agency media studio email world life today space website fun one
group company solutions services network systems center academy social marketing ventures
photography photos pics gallery restaurant cafe bar menu pizza kitchen recipes wine beer
coffee events expert guru ninja rocks works zone city london moscow berlin paris nyc tokyo
wiki google amazon bank insurance health care clinic dental law legal fashion clothing shoes
beauty hair fitness yoga house home land estate realty property rent apartments hotel tours
vacations flights game games movie film music radio video photo family kids school
university college education training courses science engineering technology software
support help guide tips report press market shopping deals sale discount gift gifts flowers
garden farm eco green energy solar bike auto car cars taxi express delivery ltd llc inc gmbh
global international work jobs career careers consulting finance money capital fund
investments credit loans tax accountant lawyer doctor hospital pharmacy vet pet pets dog
love dating wedding events party red blue black pink gold live stream tube show theater
studio audio gratis free best cool plus team vip win bet poker casino sex porn adult onl
eus gal cymru wales scot bzh krd onion local москва онлайн сайт орг ком дети"""
CCTLDS = frozenset(_CC.split())
GTLDS = frozenset(_GENERIC.split())

_SPACE = r"\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_MARKS = r"\u200e\u200f\u202a-\u202e\u2066-\u2069"
_DCH = rf"[^{_SPACE}!-/:-@\[-`{{-~{INVALID}{_MARKS}]"  # validDomainChars
_SUB = rf"(?:(?:{_DCH}(?:[_-]|{_DCH})*)?{_DCH}\.)"
_NAME = rf"(?:(?:{_DCH}(?:-|{_DCH})*)?{_DCH}\.)"
_TLD = "|".join(sorted((re.escape(t) for t in CCTLDS | GTLDS), key=len, reverse=True))
_ACCENTS = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257"
_GEN = rf"[a-z\u0400-\u04ff0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_ACCENTS}]"
_END = rf"[+\-a-z\u0400-\u04ff0-9=_#/{_ACCENTS}]"
URL = re.compile(
    rf"(?<![A-Za-z0-9@＠$#＃{INVALID}])"
    rf"(https?://)?"
    rf"({_SUB}*{_NAME}(?:{_TLD}|xn--[0-9a-z]+)(?=[^a-z0-9@+\-]|$))"
    rf"(?::[0-9]+)?"
    rf"(?:/(?:{_GEN}*{_END})?)?"
    rf"(?:\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/])?",
    re.IGNORECASE,
)
_ASCII_DOMAIN = re.compile(
    rf"(?:[-a-z0-9{_ACCENTS}]+\.)+[a-z]+|(?:[-a-z0-9]+\.)+xn--[0-9a-z]+", re.I
)


def extract_urls(text: str) -> list[tuple[int, int]]:
    """(start, end) of every URL twitter-text detects in `text` (already NFC)."""
    if "." not in text:
        return []
    found = []
    for match in URL.finditer(text):
        protocol, domain = match.group(1), match.group(2)
        if not protocol:
            before = text[match.start() - 1] if match.start() else ""
            if before in ("-", "_", ".", "/") or not _ASCII_DOMAIN.fullmatch(domain):
                continue
        found.append((match.start(), match.end()))
    return found


def _pictographic(text: str, i: int) -> bool:
    cp = ord(text[i])
    if 0x1F000 <= cp <= 0x1FAFF or 0x2190 <= cp <= 0x21FF or 0x2300 <= cp <= 0x23FF:
        return True
    if 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF or 0x2934 <= cp <= 0x2935:
        return True
    if cp in (0x203C, 0x2049, 0x2122, 0x2139, 0x24C2, 0x3030, 0x303D, 0x3297, 0x3299):
        return True
    return cp in (0xA9, 0xAE) and text[i + 1 : i + 2] == "\ufe0f"


def emoji_length(text: str, i: int) -> int:
    """Code points of the emoji sequence starting at `i` (0: none starts there)."""
    n = len(text)
    if text[i] in "#*0123456789":
        j = i + 1 + (text[i + 1 : i + 2] == "\ufe0f")
        return j + 1 - i if text[j : j + 1] == "\u20e3" else 0
    if 0x1F1E6 <= ord(text[i]) <= 0x1F1FF:
        pair = i + 1 < n and 0x1F1E6 <= ord(text[i + 1]) <= 0x1F1FF
        return 2 if pair else 1
    if not _pictographic(text, i):
        return 0
    j = i + 1
    while j < n:
        cp = ord(text[j])
        if cp == 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F or cp == 0x20E3:
            j += 1
        elif cp == 0x200D and j + 1 < n and _pictographic(text, j + 1):
            j += 2
        else:
            break
    return j - i


def char_weight(ch: str) -> int:
    cp = ord(ch)
    return 1 if any(lo <= cp <= hi for lo, hi in _LIGHT) else 2


def weighted_length(text: str) -> int:
    """X's length of `text`: what must be at most 280."""
    text = unicodedata.normalize("NFC", text)
    urls = dict(extract_urls(text))
    total, i = 0, 0
    while i < len(text):
        if i in urls:
            total, i = total + URL_LENGTH, urls[i]
            continue
        emoji = emoji_length(text, i)
        if emoji:
            total, i = total + 2, i + emoji
            continue
        total, i = total + char_weight(text[i]), i + 1
    return total


def is_valid(text: str, limit: int = MAX_WEIGHTED) -> bool:
    """twitter-text's `valid`: no invalid characters, 0 < weighted length <= limit."""
    return not any(c in INVALID for c in text) and 0 < weighted_length(text) <= limit


def shortened(text: str, slug: callable) -> tuple[str, list[dict]]:
    """The text as X returns it: URLs as t.co links (`slug(i)`: 10 characters), then `&`,
    `<`, `>` as HTML entities; and the `entities.urls` of that text."""
    text = unicodedata.normalize("NFC", text)
    out, urls, last = [], [], 0
    for n, (start, end) in enumerate(extract_urls(text)):
        out.append(_escape(text[last:start]))
        tco = "https://t.co/" + slug(n)
        position = sum(len(p) for p in out)
        original = text[start:end]
        expanded = original if "://" in original else "http://" + original
        display = re.sub(r"^https?://(www\.)?", "", expanded)
        display = display if len(display) <= 26 else display[:25] + "…"
        urls.append(
            {
                "start": position,
                "end": position + len(tco),
                "url": tco,
                "expanded_url": expanded,
                "display_url": display,
            }
        )
        out.append(tco)
        last = end
    out.append(_escape(text[last:]))
    return "".join(out), urls


def _escape(part: str) -> str:
    return part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
