"""The client's side: rounds of changes and the time from pull request to approval, per
post (`clientside` asks GitHub; without it the section says the numbers are not available)."""

from __future__ import annotations

import statistics

from ...text.headline import headline
from ..blocks import Block, Column, Figure, Figures, Table, Text
from ..facts import Facts

ORDER = 20


def build(facts: Facts) -> Block:
    w = facts.words
    title = w.gettext("Approvals")
    if facts.reviews is None:
        why = w.gettext("Not available: {why}.").format(why=_why(facts))
        return Block("client", title, (Text(why, "note"),))
    rows = []
    for post in facts.posts:
        review = facts.reviews.get(post.id)
        if review is None:
            continue
        number = f"#{review.pull_request}" if review.pull_request else "—"
        rows.append((post.date, headline(post), number, review.rounds, review.seconds))
    seconds = [r[4] for r in rows if r[4] is not None]
    figures = Figures(
        (
            Figure("posts", w.gettext("Posts reviewed"), len(rows)),
            Figure("rounds", w.gettext("Rounds of changes"), sum(r[3] for r in rows)),
            Figure(
                "median",
                w.gettext("Median time to approval"),
                statistics.median(seconds) if seconds else None,
                "duration",
            ),
        )
    )
    columns = (
        Column("date", w.gettext("Date"), "date"),
        Column("post", w.gettext("Post")),
        Column("pull_request", w.gettext("Pull request")),
        Column("rounds", w.gettext("Rounds of changes"), "int"),
        Column("time_to_approval", w.gettext("Time to approval"), "duration"),
    )
    note = Text(
        w.gettext(
            "A round of changes is a review asking for changes; the time counts from the "
            "pull request's opening to the first approval."
        ),
        "note",
    )
    table = Table("reviews", w.gettext("Each post"), columns, tuple(rows))
    return Block("client", title, (note, figures, table))


def _why(facts: Facts) -> str:
    w = facts.words
    if facts.reviews_note.startswith("no GitHub access"):
        return w.gettext("no GitHub access")
    if facts.reviews_note.startswith("nothing is committed"):
        return w.gettext("nothing is committed yet")
    return w.gettext("GitHub could not be read")
