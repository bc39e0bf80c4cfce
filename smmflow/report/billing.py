"""The invoice estimate of a month: the group's `billing:` prices times what was done.

One line per price the group sets, in this order: the monthly base fee; posts published
(on at least one account); accounts that published in the month; published posts with a
video; revision rounds beyond the free ones, per post (asked of GitHub); ads campaigns
that ran and inbox items answered (from those features, when installed). A count that
cannot be known (no GitHub, no inbox) makes its line say so and adds nothing: an estimate
never invents work. Amounts are exact decimals, rounded to the currency's cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..model import Billing
from .facts import Facts


@dataclass(frozen=True)
class Line:
    item: str  # stable key: base_fee, per_post, ...
    quantity: int | None  # None: could not be counted (see `note`)
    unit_price: Decimal
    amount: Decimal
    note: str = ""


def _cents(value: Decimal, billing: Billing) -> Decimal:
    from babel.numbers import get_currency_precision

    places = get_currency_precision(billing.currency)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def counts(facts: Facts) -> dict[str, tuple[int | None, str]]:
    """item -> (quantity, why it is unknown) for every priced item."""
    published = facts.published_posts()
    accounts = {p.account.name for p in facts.pairs if p.state == "published"}
    videos = [p for p in published if any(m.kind == "video" for m in p.media)]
    free = facts.group.billing.free_revision_rounds if facts.group.billing else 0
    found: dict[str, tuple[int | None, str]] = {
        "base_fee": (1, ""),
        "per_post": (len(published), ""),
        "per_platform": (len(accounts), ""),
        "per_video": (len(videos), ""),
    }
    if facts.reviews is None:
        found["per_revision_round"] = (None, facts.reviews_note)
    else:
        rounds = [facts.reviews[p.id].rounds for p in facts.posts if p.id in facts.reviews]
        found["per_revision_round"] = (sum(max(0, r - free) for r in rounds), "")
    for item, extra, key in (
        ("per_campaign", "ads", "campaigns"),
        ("per_inbox_item", "community", "answered"),
    ):
        figures = facts.extras.get(extra)
        value = figures.get(key) if figures else None
        if isinstance(value, int) and not isinstance(value, bool):
            found[item] = (value, "")
        else:
            found[item] = (None, f"no {extra} data for this month")
    return found


def invoice(facts: Facts) -> list[Line]:
    """The invoice lines of the month (empty when the group has no `billing:`)."""
    billing = facts.group.billing
    if billing is None:
        return []
    lines = []
    for item, (quantity, note) in counts(facts).items():
        price = getattr(billing, item)
        if price is None:
            continue
        amount = (
            _cents(price * quantity, billing)
            if quantity is not None
            else _cents(Decimal(0), billing)
        )
        lines.append(Line(item, quantity, _cents(price, billing), amount, note))
    return lines


def total(lines: list[Line]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))
