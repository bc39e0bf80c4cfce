"""The invoice estimate, line by line, from the group's `billing:` prices (`billing`);
last, as an invoice is. `--format csv` gives the same lines to accounting."""

from __future__ import annotations

from .. import billing
from ..blocks import Block, Column, Table, Text
from ..facts import Facts

ORDER = 90


def item_name(w, item: str, free: int) -> str:
    return {
        "base_fee": w.gettext("Monthly fee"),
        "per_post": w.gettext("Posts published"),
        "per_platform": w.gettext("Accounts that published"),
        "per_video": w.gettext("Posts with a video"),
        "per_revision_round": w.ngettext(
            "Rounds of changes beyond {n} per post",
            "Rounds of changes beyond {n} per post",
            free,
        ).format(n=free),
        "per_campaign": w.gettext("Ads campaigns"),
        "per_inbox_item": w.gettext("Comments and messages answered"),
    }.get(item, item)


def build(facts: Facts) -> Block | None:
    w = facts.words
    title = w.gettext("Invoice estimate")
    plan = facts.group.billing
    if plan is None:
        note = w.gettext("No prices: this group's file has no `billing:` section.")
        return Block("invoice", title, (Text(note, "note"),))
    lines = billing.invoice(facts)
    rows = tuple(
        (
            item_name(w, line.item, plan.free_revision_rounds),
            line.quantity,
            line.unit_price,
            line.amount,
            note_text(w, line.note),
        )
        for line in lines
    )
    columns = (
        Column("item", w.gettext("Item")),
        Column("quantity", w.gettext("Quantity"), "int"),
        Column("unit_price", w.gettext("Unit price"), "money"),
        Column("amount", w.gettext("Amount"), "money"),
        Column("note", w.gettext("Note")),
    )
    total = (w.gettext("Total"), None, None, billing.total(lines), "")
    note = Text(w.gettext("An estimate from what smmflow recorded; not a tax invoice."), "note")
    return Block("invoice", title, (note, Table("invoice", title, columns, rows, total)))


def note_text(w, note: str) -> str:
    if not note:
        return ""
    if note.startswith("no ads"):
        return w.gettext("not counted: no ads data for this month")
    if note.startswith("no community"):
        return w.gettext("not counted: no inbox data for this month")
    if note.startswith("no GitHub access"):
        return w.gettext("not counted: no GitHub access")
    return w.gettext("not counted: GitHub could not be read")
