"""The `billing:` and `language:` keys of a group file: what a client pays, what it reads.

Every price is an exact decimal (`120`, `12.50`), never negative, with no more decimals
than the currency has; the currency is an ISO 4217 code. Problems carry their line, like
every other key of the group file (docs/format.md).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ..model import Billing
from .fields import Fields, did_you_mean, one_of

PRICES = (
    "base_fee",
    "per_post",
    "per_platform",
    "per_video",
    "per_revision_round",
    "per_campaign",
    "per_inbox_item",
)
KEYS = ("currency", "symbol", "free_revision_rounds", *PRICES)
CURRENCY = re.compile(r"^[A-Z]{3}$")
# Currencies whose minor unit is not 2 digits (ISO 4217); the rest have cents.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "HUF": 2, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "TND": 3}
LANGUAGES = ("en", "ro")  # the languages smmflow's catalogs speak (smmflow/locale/)


def language(f: Fields, raw: object) -> str:
    """`language:` (default `en`): one of the languages smmflow speaks to clients."""
    text = f.string("language", raw)
    if text is None:
        return "en"
    wanted = text.strip()
    if wanted not in LANGUAGES:
        hint = did_you_mean(wanted, LANGUAGES)
        f.error(
            "language",
            f"{text!r} is not a language smmflow speaks{hint}; use one of {one_of(LANGUAGES)}",
            "language",
        )
        return "en"
    return wanted


def billing(f: Fields, raw: object) -> Billing | None:
    """`billing:`, or None when the group has none (or it has errors: all reported)."""
    if raw is None:
        return None
    mapping = f.mapping("billing", raw)
    if mapping is None:
        return None
    f.unknown_keys(mapping, KEYS, "billing.")
    before = len(f.problems)
    currency = _currency(f, mapping.get("currency"))
    places = MINOR_UNITS.get(currency or "", 2)
    prices = {key: _price(f, f"billing.{key}", mapping.get(key), places) for key in PRICES}
    free = 0
    if mapping.get("free_revision_rounds") is not None:
        free = f.integer("billing.free_revision_rounds", mapping["free_revision_rounds"], 0) or 0
    symbol = f.string("billing.symbol", mapping.get("symbol")) or ""
    if not any(mapping.get(key) is not None for key in PRICES):
        message = f"names no price: give at least one of {one_of(PRICES)}"
        f.error("billing", message, "billing", value=False)
    if len(f.problems) != before or currency is None:
        return None
    return Billing(currency, symbol.strip(), free_revision_rounds=free, **prices)


def _currency(f: Fields, raw: object) -> str | None:
    text = f.string("billing.currency", raw, required=True)
    if text is None:
        return None
    code = text.strip()
    if not CURRENCY.match(code):
        f.error(
            "billing.currency", f"{text!r} is not an ISO 4217 code like RON, EUR or USD", "currency"
        )
        return None
    return code


def _price(f: Fields, key: str, raw: object, places: int) -> Decimal | None:
    text = f.string(key, raw)
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        f.error(key, f"{text!r} is not an amount (write it like 120 or 12.50)", "type")
        return None
    if not value.is_finite() or value < 0:
        f.error(key, f"{text!r} must be an amount of at least 0", "range")
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        f.error(key, f"{text!r} has more decimals than the currency ({places})", "range")
        return None
    return value
