"""Community: comments and messages answered, the median time to answer, items overdue.

The inbox feature gives these through `smmflow.community.summary.month_summary(root,
group, year, month)` → {"items", "answered", "median_answer_seconds", "overdue", "store",
"answer_within_seconds"} when the group has an inbox; otherwise the section says there is
none. The answers come from the ledger (every clone has them); the comments received, the
time to answer and what was overdue only from the local inbox store, and where the report
is made without it the section says so instead of guessing.
"""

from __future__ import annotations

from ..blocks import Block, Figure, Figures, Text
from ..facts import Facts

ORDER = 50


def build(facts: Facts) -> Block:
    w = facts.words
    title = w.gettext("Community")
    data = facts.extras.get("community")
    if not data:
        return Block("community", title, (Text(w.gettext("No data for this month."), "note"),))
    figures = (
        Figure("items", w.gettext("Comments and messages"), _int(data.get("items"))),
        Figure("answered", w.gettext("Answered"), _int(data.get("answered"))),
        Figure(
            "median_answer",
            w.gettext("Median time to answer"),
            _num(data.get("median_answer_seconds")),
            "duration",
        ),
        Figure("overdue", w.gettext("Overdue"), _int(data.get("overdue"))),
    )
    parts: list = [Figures(figures)]
    within = _num(data.get("answer_within_seconds"))
    if data.get("store") is False:
        note = w.gettext(
            "The inbox's comments are kept only on the computer that reads them, and this "
            "report was made elsewhere: only the answers are counted here."
        )
        parts.append(Text(note, "note"))
    elif within is None:
        note = w.gettext("No answer time is set for this client: nothing is counted as overdue.")
        parts.append(Text(note, "note"))
    else:
        note = w.gettext("Overdue: questions not answered within {span}.").format(
            span=w.duration(within)
        )
        parts.append(Text(note, "note"))
    return Block("community", title, tuple(parts))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
