"""Words a client reads, in the client's language: gettext catalogs and Babel's formats.

Client-facing pages (the monthly report, the plan site, the feed pages, the pull-request
preview) say everything through a `Words` for the group's `language:`. Messages come
from the standard gettext catalogs in smmflow/locale/<lang>/LC_MESSAGES/smmflow.mo
(compiled from the .po beside them; tests/test_i18n.py keeps the two equal); dates,
numbers and money from Babel's CLDR data, imported only when a page first needs them.
English is the source language: a message without a translation is shown as written.
The command line itself speaks English.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
from decimal import Decimal
from pathlib import Path

DOMAIN = "smmflow"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
# Babel's locale for each language smmflow speaks (English dates as in the US: CLDR `en`).
BABEL_LOCALE = {"en": "en", "ro": "ro"}


@functools.cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of `lang`; the source strings (English) when there is none."""
    return gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang], fallback=True)


class Words:
    """Messages and formats in one language. Mark every client-facing string with
    `gettext`/`ngettext`/`pgettext` on a `Words` (pybabel finds them: tools/i18n.py)."""

    def __init__(self, lang: str = "en"):
        self.lang = lang if lang in BABEL_LOCALE else "en"
        self.locale = BABEL_LOCALE[self.lang]
        self._catalog = catalog(self.lang)

    # -- messages --------------------------------------------------------------------------
    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._catalog.pgettext(context, message)

    # -- formats ---------------------------------------------------------------------------
    def date(self, day: dt.date, style: str = "long") -> str:
        """`8 decembrie 2026` / `December 8, 2026` (`medium`: `8 dec. 2026`)."""
        from babel.dates import format_date

        return format_date(day, style, locale=self.locale)

    def month(self, year: int, month: int) -> str:
        """`decembrie 2026` / `December 2026`."""
        from babel.dates import format_skeleton

        return format_skeleton("yMMMM", dt.date(year, month, 1), locale=self.locale)

    def day_month(self, day: dt.date) -> str:
        """`8 dec.` / `Dec 8`: a short label for one day of a chart."""
        from babel.dates import format_skeleton

        return format_skeleton("MMMd", day, locale=self.locale)

    def weekday(self, day: dt.date, width: str = "wide") -> str:
        from babel.dates import format_date

        return format_date(day, "EEEE" if width == "wide" else "EEE", locale=self.locale)

    def datetime(self, when: dt.datetime) -> str:
        """`08.12.2026, 14:30` / `12/8/26, 2:30 PM`, in `when`'s own timezone."""
        from babel.dates import format_datetime

        return format_datetime(when, "short", tzinfo=when.tzinfo, locale=self.locale)

    def time(self, when: dt.datetime) -> str:
        from babel.dates import format_time

        return format_time(when, "short", tzinfo=when.tzinfo, locale=self.locale)

    def pattern(self, when: dt.datetime | dt.date, pattern: str) -> str:
        """`when` in a CLDR pattern (`EEE dd MMM HH:mm`: `Tue 08 Dec 10:00`, `mar. 08 dec. 10:00`)."""
        from babel.dates import format_date, format_datetime

        if isinstance(when, dt.datetime):
            return format_datetime(when, pattern, tzinfo=when.tzinfo, locale=self.locale)
        return format_date(when, pattern, locale=self.locale)

    def number(self, value: float | int | Decimal, places: int | None = None) -> str:
        """`1.234,5` / `1,234.5`; `places` fixes the decimals shown."""
        from babel.numbers import format_decimal

        if places is None:
            return format_decimal(value, locale=self.locale)
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(value, pattern, locale=self.locale, decimal_quantization=True)

    def percent(self, fraction: float, decimals: int = 1) -> str:
        """`37,5%` / `37.5%` (at most `decimals` decimals; 0: `38%`)."""
        from babel.numbers import format_percent

        pattern = "#,##0" + ("." + "#" * decimals if decimals else "") + "%"
        return format_percent(fraction, pattern, locale=self.locale)

    def money(self, amount: Decimal, currency: str, symbol: str = "") -> str:
        """`1.234,56 RON` (`1.234,56 lei` with a symbol) / `RON 1,234.56`."""
        from babel.numbers import format_currency, get_currency_precision

        places = get_currency_precision(currency)
        if symbol:
            number = self.number(amount, places)
            return f"{number}\u00a0{symbol}"
        return format_currency(amount, currency, locale=self.locale)

    def duration(self, seconds: float) -> str:
        """A span of time for people: `3 h 20 min`, `2 days 4 h`, `12 min`."""
        minutes = int(round(seconds / 60))
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        parts = []
        if days:
            parts.append(self.ngettext("{n} day", "{n} days", days).format(n=days))
        if hours:
            parts.append(self.gettext("{n} h").format(n=hours))
        if mins or not parts:
            parts.append(self.gettext("{n} min").format(n=mins))
        return " ".join(parts[:2])


def type_name(w: Words, post_type: str) -> str:
    """A built-in type in the client's language; a group's own type as written."""
    known = {
        "informative": w.pgettext("post type", "informative"),
        "sales": w.pgettext("post type", "sales"),
        "entertaining": w.pgettext("post type", "entertaining"),
        "announcement": w.pgettext("post type", "announcement"),
    }
    return known.get(post_type, post_type)


def state_name(w: Words, state: str) -> str:
    known = {
        "published": w.pgettext("state", "published"),
        "scheduled": w.pgettext("state", "scheduled"),
        "due": w.pgettext("state", "due"),
        "held": w.pgettext("state", "waiting for approval"),
        "failed": w.pgettext("state", "failed"),
        "missed": w.pgettext("state", "missed"),
        "unknown": w.pgettext("state", "to be checked"),
        "draft": w.pgettext("state", "draft"),
        "withdrawn": w.pgettext("state", "withdrawn"),
        "skipped": w.pgettext("state", "skipped"),
        "claimed": w.pgettext("state", "being published"),
        "corrupt": w.pgettext("state", "to be checked"),
    }
    return known.get(state, state)


@functools.cache
def words(lang: str) -> Words:
    """The `Words` of a language (made once per process)."""
    return Words(lang)
