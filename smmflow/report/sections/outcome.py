"""The plan against what happened: publications planned, published, missed and failed, per
account and per post type; how many went out on time; the mix against the group's rules;
the slots left empty.

A publication is one post on one account (a post for three accounts is three). Planned:
every publication of the month's posts (withdrawn posts are not planned). On time:
published at most `facts.ON_TIME` after the planned minute, out of those published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ...text.i18n import type_name
from ..blocks import Block, Column, Figure, Figures, Table, Text
from ..facts import ON_TIME, Facts, Pair
from ..names import account_name

ORDER = 10


def _counts(pairs: list[Pair]) -> tuple[int, int, int, int, int, float | None]:
    published = [p for p in pairs if p.state == "published"]
    missed = sum(p.state == "missed" for p in pairs)
    failed = sum(p.state == "failed" for p in pairs)
    other = len(pairs) - len(published) - missed - failed
    timed = [p.on_time for p in published if p.on_time is not None]
    rate = sum(timed) / len(timed) if timed else None
    return len(pairs), len(published), missed, failed, other, rate


def _table(
    facts: Facts,
    key: str,
    caption: str,
    first: Column,
    groups: Iterable[tuple[str, Callable[[Pair], bool]]],
) -> Table:
    w = facts.words
    columns = (
        first,
        Column("planned", w.gettext("Planned"), "int"),
        Column("published", w.gettext("Published"), "int"),
        Column("missed", w.gettext("Missed"), "int"),
        Column("failed", w.gettext("Failed"), "int"),
        Column("pending", w.gettext("Not yet out"), "int"),
        Column("on_time", w.gettext("On time"), "percent"),
    )
    pairs = list(facts.pairs)
    rows = tuple((label, *_counts([p for p in pairs if test(p)])) for label, test in groups)
    return Table(key, caption, columns, rows, (w.gettext("Total"), *_counts(pairs)))


def build(facts: Facts) -> Block:
    w = facts.words
    plan = facts.plan
    total, published, missed, failed, _other, rate = _counts(list(facts.pairs))
    figures = Figures(
        (
            Figure("posts", w.gettext("Posts planned"), len(plan.posts)),
            Figure("publications", w.gettext("Publications planned"), total),
            Figure("published", w.gettext("Published"), published),
            Figure("missed", w.gettext("Missed"), missed),
            Figure("failed", w.gettext("Failed"), failed),
            Figure("on_time", w.gettext("On time"), rate, "percent"),
            Figure("empty_slots", w.gettext("Empty slots"), len(plan.gaps)),
        )
    )
    accounts = [
        (account_name(a), (lambda p, name=a.name: p.account.name == name))
        for a in facts.group.accounts
    ]
    types = [
        (type_name(w, t.type), (lambda p, kind=t.type: p.post.type == kind))
        for t in plan.mix.counts
        if t.count
    ]
    parts = [
        Text(
            w.gettext(
                "A publication is one post on one account. On time: published at most "
                "{minutes} minutes after the planned time."
            ).format(minutes=int(ON_TIME.total_seconds() // 60)),
            "note",
        ),
        figures,
        _table(
            facts,
            "by_account",
            w.gettext("By account"),
            Column("account", w.gettext("Account")),
            accounts,
        ),
        _table(
            facts, "by_type", w.gettext("By post type"), Column("type", w.gettext("Type")), types
        ),
        _mix(facts),
        _gaps(facts),
    ]
    return Block("outcome", w.gettext("The plan and what happened"), tuple(parts))


def _rule_text(facts: Facts, rule) -> str:
    w = facts.words
    if rule.rule == "max_share":
        return w.gettext("at most {limit}").format(limit=w.percent(rule.limit))
    if rule.rule == "min_share":
        return w.gettext("at least {limit}").format(limit=w.percent(rule.limit))
    return w.gettext("at most {n} in a row (longest: {longest})").format(
        n=int(rule.limit), longest=int(rule.actual)
    )


def _mix(facts: Facts) -> Table:
    w = facts.words
    plan = facts.plan
    rows = []
    for figure in plan.mix.counts:
        rules = [r for r in plan.mix.rules if r.type == figure.type]
        if not figure.count and not rules:
            continue
        said = "; ".join(
            f"{_rule_text(facts, r)}: "
            + {True: w.gettext("kept"), False: w.gettext("broken"), None: w.gettext("no posts")}[
                r.ok
            ]
            for r in rules
        )
        rows.append((type_name(w, figure.type), figure.count, figure.share, said or "—"))
    columns = (
        Column("type", w.gettext("Type")),
        Column("posts", w.gettext("Posts"), "int"),
        Column("share", w.gettext("Share"), "percent"),
        Column("rules", w.gettext("The group's rules")),
    )
    caption = (
        w.gettext("Content mix")
        + ": "
        + (w.gettext("every rule kept") if plan.mix.ok else w.gettext("a rule was broken"))
    )
    return Table("mix", caption, columns, tuple(rows))


def _gaps(facts: Facts) -> Table | Text:
    w = facts.words
    if not facts.plan.gaps:
        return Text(w.gettext("No slot was left empty."))
    rows = tuple((when, slot.text) for when, slot in facts.plan.gaps)
    columns = (Column("when", w.gettext("When"), "datetime"), Column("slot", w.gettext("Slot")))
    return Table("empty_slots", w.gettext("Slots left empty"), columns, rows)
