"""Ads: the campaigns that ran in the month and what they spent.

The ads feature (`smmflow.ads`) gives these through `month_summary(root, group, year,
month)` → {"campaigns": n, "spend": "<decimal>", "currency": "RON", "rows": [{"name",
"spend", "results"}]} when it is installed and has data; otherwise the section says
there is none.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..blocks import Block, Column, Figure, Figures, Table, Text
from ..facts import Facts

ORDER = 60


def _amount(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def build(facts: Facts) -> Block:
    w = facts.words
    title = w.gettext("Ads")
    data = facts.extras.get("ads")
    if not data:
        return Block("ads", title, (Text(w.gettext("No data for this month."), "note"),))
    currency = str(data.get("currency") or "")
    figures = Figures(
        (
            Figure("campaigns", w.gettext("Campaigns"), data.get("campaigns")),
            Figure(
                "spend", w.gettext("Spent"), _spent(w, _amount(data.get("spend")), currency), "text"
            ),
        )
    )
    rows = tuple(
        (str(r.get("name") or ""), _spent(w, _amount(r.get("spend")), currency), r.get("results"))
        for r in data.get("rows") or ()
        if isinstance(r, dict)
    )
    columns = (
        Column("campaign", w.gettext("Campaign")),
        Column("spend", w.gettext("Spent")),
        Column("results", w.gettext("Results"), "int"),
    )
    return Block("ads", title, (figures, Table("campaigns", w.gettext("Campaigns"), columns, rows)))


def _spent(w, amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "—"
    return w.money(amount, currency) if len(currency) == 3 else w.number(amount, 2)
