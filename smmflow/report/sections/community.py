"""Community: comments and messages answered, the median time to answer, items overdue.

The inbox feature (`smmflow.community`) gives these through `month_summary(root, group,
year, month)` → {"items", "answered", "median_answer_seconds", "overdue"} when it is
installed and has data for the month; otherwise the section says there is none.
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
    return Block("community", title, (Figures(figures),))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
