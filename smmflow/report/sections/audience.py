"""Followers over the month: each account's daily count (the `metrics` snapshots), as a
line chart and as first, last and growth."""

from __future__ import annotations

import datetime as dt

from ..blocks import Block, Chart, Column, Table, Text
from ..facts import Facts
from ..names import account_name

ORDER = 40


def build(facts: Facts) -> Block:
    w = facts.words
    title = w.gettext("Followers")
    series = facts.metrics.followers
    accounts = [a for a in facts.group.accounts if series.get(a.name)]
    if not accounts:
        note = w.gettext("No numbers yet: `smmflow metrics` has not counted followers this month.")
        return Block("audience", title, (Text(note, "note"),))
    days = sorted({day for a in accounts for day in series[a.name]})
    rows = []
    for account in accounts:
        counts = series[account.name]
        first, last = counts[min(counts)], counts[max(counts)]
        growth = (last - first) / first if first else None
        rows.append((account_name(account), first, last, last - first, growth))
    columns = (
        Column("account", w.gettext("Account")),
        Column("first", w.gettext("First day"), "int"),
        Column("last", w.gettext("Last day"), "int"),
        Column("change", w.gettext("Change"), "int"),
        Column("growth", w.gettext("Growth"), "percent"),
    )
    first_day, last_day = dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1])
    span = w.gettext("Counted from {first} to {last}.").format(
        first=w.date(first_day, "medium"), last=w.date(last_day, "medium")
    )
    labels = tuple(w.day_month(dt.date.fromisoformat(d)) for d in days)
    charts = [  # one chart per account: their sizes differ too much to share a scale
        Chart(
            f"followers-{a.name}",
            "line",
            w.gettext("Followers by day: {account}").format(account=account_name(a)),
            w.gettext("Day"),
            labels,
            ((account_name(a), tuple(_float(series[a.name].get(d)) for d in days)),),
        )
        for a in accounts
    ]
    table = Table("followers", w.gettext("Followers"), columns, tuple(rows))
    return Block("audience", title, (Text(span, "note"), table, *charts))


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)
