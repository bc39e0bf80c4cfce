"""Ads: the campaigns that ran in the month, what each spent and what it got.

The ads feature gives these through `smmflow.ads.summary.month_summary(root, group,
year, month)` → {"campaigns": n, "rows": [{"name", "platform", "status", "spend",
"currency", "results", "impressions", "clicks"}], "totals": [{"amount", "currency"}],
"unread": n} when the group has an ad account; otherwise the section says there is none.
A campaign whose numbers could not be read here shows dashes, and a note says why.
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
    rows = [r for r in data.get("rows") or () if isinstance(r, dict)]
    totals = [
        _spent(w, _amount(t.get("amount")), str(t.get("currency") or ""))
        for t in data.get("totals") or ()
        if isinstance(t, dict)
    ]
    figures = Figures(
        (
            Figure("campaigns", w.gettext("Campaigns"), data.get("campaigns")),
            Figure("spend", w.gettext("Spent"), " + ".join(totals) or "—", "text"),
        )
    )
    if not rows:
        return Block(
            "ads", title, (figures, Text(w.gettext("No campaign ran this month."), "note"))
        )
    table = Table(
        "campaigns",
        w.gettext("Campaigns"),
        (
            Column("campaign", w.gettext("Campaign")),
            Column("platform", w.gettext("Platform")),
            Column("status", w.gettext("State")),
            Column("spend", w.gettext("Spent")),
            Column("impressions", w.gettext("Impressions"), "int"),
            Column("clicks", w.gettext("Clicks"), "int"),
            Column("results", w.gettext("Results"), "int"),
        ),
        tuple(
            (
                str(r.get("name") or ""),
                _platform(w, str(r.get("platform") or "")),
                _status(w, str(r.get("status") or "")),
                _spent(w, _amount(r.get("spend")), str(r.get("currency") or "")),
                r.get("impressions"),
                r.get("clicks"),
                r.get("results"),
            )
            for r in rows
        ),
    )
    parts: list = [figures, table, Text(_results_note(w), "note")]
    if data.get("unread"):
        note = w.ngettext(
            "The numbers of {n} campaign could not be read from its platform here "
            "(no ad token, or the platform refused): shown as —.",
            "The numbers of {n} campaigns could not be read from their platforms here "
            "(no ad token, or the platform refused): shown as —.",
            int(data["unread"]),
        ).format(n=data["unread"])
        parts.append(Text(note, "warn"))
    return Block("ads", title, tuple(parts))


def _results_note(w) -> str:
    return w.gettext(
        "Results: interactions with the promoted post (Meta), goals reached (VK); "
        "a campaign created paused counts, and spends nothing until it is started."
    )


def _platform(w, platform: str) -> str:
    return {"meta": w.gettext("Meta (Facebook, Instagram)"), "vk": "VK"}.get(platform, platform)


def _status(w, status: str) -> str:
    if status == "paused":
        return w.gettext("paused")
    if status == "active":
        return w.gettext("active")
    return status or "—"


def _spent(w, amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "—"
    return w.money(amount, currency) if len(currency) == 3 else w.number(amount, 2)
