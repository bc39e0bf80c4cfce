"""Engagement: what people did with each published post, and with each type of post.

Interactions are the counts of people acting on a post (likes, favourites, reactions,
boosts, reposts, shares, replies, comments, quotes, saves), added over its accounts, each
at its latest snapshot (`metrics.store.series`); views and reach are shown apart, where a
platform counts them. What a platform does not count is said, never made up.
"""

from __future__ import annotations

from ...platforms import registry
from ...platforms.base import Publisher
from ...text.headline import headline
from ...text.i18n import type_name
from ..blocks import Block, Chart, Column, Table, Text
from ..facts import Facts
from ..names import account_name, interactions, metric_name, why_not

ORDER = 30


def _measured(facts: Facts) -> list[tuple]:
    """(post, {account: numbers}) of each published post that has numbers."""
    found = []
    for post in facts.published_posts():
        numbers = {
            name: facts.metrics.posts[(post.id, name)]
            for name in post.platforms
            if (post.id, name) in facts.metrics.posts
        }
        if numbers:
            found.append((post, numbers))
    return found


def _sum(numbers: dict[str, dict[str, int]], metric: str) -> int | None:
    values = [n[metric] for n in numbers.values() if metric in n]
    return sum(values) if values else None


def build(facts: Facts) -> Block:
    w = facts.words
    title = w.gettext("Engagement")
    measured = _measured(facts)
    parts: list = [_coverage(facts)]
    if not measured:
        parts.insert(
            0,
            Text(
                w.gettext("No numbers yet: `smmflow metrics` has not measured these posts."), "note"
            ),
        )
        return Block("engagement", title, tuple(parts))
    accounts = [a for a in facts.group.accounts if any(a.name in n for _, n in measured)]
    labels = tuple(w.day_month(post.date.date()) for post, _ in measured)
    series = tuple(
        (
            account_name(a),
            tuple(float(interactions(n[a.name])) if a.name in n else None for _, n in measured),
        )
        for a in accounts
    )
    parts.append(
        Chart(
            "per_post",
            "column",
            w.gettext("Interactions per post"),
            w.gettext("Post"),
            labels,
            series,
            stacked=True,
        )
    )
    parts.append(_by_type(facts, measured))
    parts += _sales(facts, measured)
    rows = tuple(
        (
            post.date,
            headline(post),
            type_name(w, post.type),
            sum(interactions(n) for n in numbers.values()),
            _sum(numbers, "views"),
            _sum(numbers, "reach"),
        )
        for post, numbers in measured
    )
    columns = (
        Column("date", w.gettext("Date"), "date"),
        Column("post", w.gettext("Post")),
        Column("type", w.gettext("Type")),
        Column("interactions", w.gettext("Interactions"), "int"),
        Column("views", metric_name(w, "views"), "int"),
        Column("reach", metric_name(w, "reach"), "int"),
    )
    parts.append(Table("posts", w.gettext("Each post"), columns, rows))
    return Block("engagement", title, tuple(parts))


def _by_type(facts: Facts, measured: list[tuple]) -> Chart:
    w = facts.words
    totals: dict[str, list[int]] = {}
    for post, numbers in measured:
        totals.setdefault(post.type, []).append(sum(interactions(n) for n in numbers.values()))
    kinds = [t for t in facts.group.types if t in totals] + [
        t for t in totals if t not in facts.group.types
    ]
    averages = tuple(sum(totals[t]) / len(totals[t]) for t in kinds)
    return Chart(
        "per_type",
        "column",
        w.gettext("Average interactions per post, by type"),
        w.gettext("Type"),
        tuple(type_name(w, t) for t in kinds),
        ((w.gettext("Interactions"), averages),),
        value_kind="number",
    )


def _sales(facts: Facts, measured: list[tuple]) -> list[Text]:
    """Does selling cost attention? Sales posts' average against the other posts'."""
    w = facts.words
    sales = [sum(interactions(n) for n in ns.values()) for p, ns in measured if p.type == "sales"]
    others = [sum(interactions(n) for n in ns.values()) for p, ns in measured if p.type != "sales"]
    if not sales or not others:
        return []
    text = w.gettext("Sales posts averaged {sales} interactions; the other posts {others}.").format(
        sales=w.number(sum(sales) / len(sales), 1), others=w.number(sum(others) / len(others), 1)
    )
    return [Text(text)]


def _coverage(facts: Facts) -> Table:
    """What each account's platform counts, and what it does not (and why)."""
    w = facts.words
    rows = []
    for account in facts.group.accounts:
        cls = registry.get(account.platform)
        counts = getattr(cls, "post_metrics", ()) if cls and issubclass(cls, Publisher) else ()
        missing = [m for m in ("views", "reach") if m not in counts]
        said = ", ".join(metric_name(w, m) for m in counts) or w.gettext("nothing per post")
        why = ", ".join(metric_name(w, m) for m in missing)
        reason = why_not(w, account.platform)
        rows.append((account_name(account), said, f"{why} ({reason})" if why and reason else why))
    columns = (
        Column("account", w.gettext("Account")),
        Column("counted", w.gettext("Counted per post")),
        Column("not_available", w.gettext("Not available")),
    )
    return Table("coverage", w.gettext("What each platform counts"), columns, tuple(rows))
