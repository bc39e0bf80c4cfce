"""One value of a report, shown to a person (in the client's language) or given to a
machine (JSON, CSV: plain numbers, ISO dates, amounts as exact decimal strings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..model import Billing
from ..text.i18n import Words

NONE = "—"


def shown(value: object, kind: str, w: Words, billing: Billing | None = None) -> str:
    """`value` as the client reads it; an unknown value as a dash."""
    if value is None:
        return NONE
    if kind == "int" and isinstance(value, (int, float, Decimal)):
        return w.number(value)
    if kind == "number" and isinstance(value, (int, float, Decimal)):
        return w.number(value, 1)
    if kind == "percent" and isinstance(value, (int, float)):
        return w.percent(value)
    if kind == "money" and isinstance(value, Decimal):
        if billing is None:
            return w.number(value, 2)
        return w.money(value, billing.currency, billing.symbol)
    if kind == "duration" and isinstance(value, (int, float)):
        return w.duration(value)
    if kind == "date" and isinstance(value, dt.date):
        return w.date(value.date() if isinstance(value, dt.datetime) else value, "medium")
    if kind == "datetime" and isinstance(value, dt.datetime):
        return w.datetime(value)
    return str(value)


def raw(value: object, kind: str = "text") -> object:
    """`value` for JSON: numbers as numbers, amounts as decimal strings, times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value
