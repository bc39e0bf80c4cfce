"""`smmflow status` for a person: one line per post and account, the cause of a problem
under its row, each piece of advice said once below the table, and totals per state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from ..ledger.status import Row, advice_for
from ..plan.views import STATE_COLOURS, no_paint

Paint = Callable[..., str]
# The order totals are given in: what needs a person first, then what went well.
ORDER = (
    "unknown corrupt failed missed held due claimed scheduled ready draft published "
    "withdrawn skipped"
).split()


def table(rows: list[Row], paint: Paint = no_paint) -> str:
    """The rows, then `What to do` (each advice once, with its count), then the totals."""
    lines = []
    for row in rows:
        line = f"{paint(f'{row.state:<10}', fg=STATE_COLOURS.get(row.state))} {row.date:<22} "
        line += f"{row.post} → {row.account}"
        lines.append(line + (f"  {row.url}" if row.url else ""))
        cause = row.cause
        if cause:
            lines.append(f"           {cause}")
    hints = Counter(row.hint for row in rows if row.hint)
    if hints:
        lines += ["", "What to do:"]
        for hint, count in sorted(hints.items(), key=lambda h: _rank(h[0])):
            lines.append(f"  {hint} ({count}): {advice_for(hint)}")
    lines += ["", totals(rows, paint)]
    return "\n".join(lines)


def totals(rows: list[Row], paint: Paint = no_paint) -> str:
    """`2 failed · 3 scheduled · 52 published` (`no posts` when there are none)."""
    counts = Counter(row.state for row in rows)
    if not counts:
        return "no posts"
    parts = [
        paint(f"{counts[state]} {state}", fg=STATE_COLOURS.get(state))
        for state in sorted(counts, key=_rank)
    ]
    return " · ".join(parts)


def _rank(state: str) -> int:
    return ORDER.index(state) if state in ORDER else len(ORDER)
