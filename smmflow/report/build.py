"""`smmflow report`: one report per client for a month, written as files.

Each group's facts (`facts.gather`) go through every section (`sections.modules`), then
into the format asked for: html (with charts), md, json, csv (the invoice lines) or pdf
(the html printed by Chromium). Files are `<out>/<group>-<YYYY-MM>.<ext>`. A group whose
file has errors gets no report (its prices or language would be a guess): it is named in
`Made.skipped`, and the others are still made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..content.repo import require_selection
from ..ledger.states import Clock
from ..outputs import writing
from ..plan.sitehtml import write_file
from . import billing, page, pdf, plain
from .blocks import Block
from .facts import Facts, gather, open_sources
from .sections import invoice, modules

FORMATS = ("html", "md", "json", "csv", "pdf")


@dataclass
class Made:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a group got no report
    notes: list[str] = field(default_factory=list)  # a report made from a group file with errors

    @property
    def problems(self) -> bool:
        return bool(self.skipped or self.notes)


# A group file with errors in these keys gets no report: its prices or language would be
# a guess. Errors elsewhere (an account's setting) leave the report to be made without it.
CLIENT_KEYS = ("billing", "language", "name", "timezone")


def _refused(loaded, group: str, always: bool = False) -> str:
    found = loaded.group_problems.get(group) or []
    wrong = [p for p in found if always or p.field.split(".")[0] in CLIENT_KEYS or not p.field]
    if not wrong:
        return ""
    return f"no report for group {group}: {wrong[0].format()}; run `smmflow check`"


def _partial(loaded, group: str) -> list[str]:
    found = loaded.group_problems.get(group) or []
    if not found:
        return []
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return [f"report of {group} made, but its group file has errors: {found[0].format()}{more}"]


def blocks(facts: Facts) -> list[Block]:
    return [block for module in modules() if (block := module.build(facts)) is not None]


def titles(facts: Facts) -> tuple[str, str]:
    w = facts.words
    title = w.gettext("Monthly report: {month}").format(month=w.month(facts.year, facts.month))
    made = w.gettext(
        "Made on {date} from the plan in git, the publishing ledger and the platforms' numbers."
    )
    return title, made.format(date=w.date(facts.now.astimezone(facts.group.tz).date()))


def render(facts: Facts, fmt: str) -> bytes:
    """One report in one format."""
    w = facts.words
    title, made = titles(facts)
    found = blocks(facts)
    if fmt in ("html", "pdf"):
        html = page.document(facts.group, title, made, found, w)
        return html if fmt == "html" else pdf.print_pdf(html, facts.now)
    if fmt == "md":
        return plain.markdown(facts.group, title, made, found, w)
    lines = billing.invoice(facts)
    if fmt == "json":
        return plain.as_json(facts.group, facts.label, title, found, lines)
    free = facts.group.billing.free_revision_rounds if facts.group.billing else 0
    return plain.invoice_csv(
        facts.group,
        facts.label,
        lines,
        lambda item: invoice.item_name(w, item, free),
        lambda note: invoice.note_text(w, note),
    )


def make(
    root: Path,
    month: str,
    *,
    group: str | None = None,
    fmt: str = "html",
    out: Path | None = None,
    now: dt.datetime | None = None,
    remote: str | None = None,
) -> Made:
    """Write the reports of `month` (YYYY-MM) into `out` (default: reports/ in the root)."""
    if fmt == "pdf":
        pdf.chromium()  # say at once when there is none
    year, number = int(month[:4]), int(month[5:7])
    now = now or dt.datetime.now(dt.timezone.utc)
    clock = Clock(now, dt.datetime.now(dt.timezone.utc))
    target = out or root / "reports"
    sources = open_sources(root, year, number, remote, group)
    made = Made()
    try:
        require_selection(sources.loaded, group)
        for grp in sorted(sources.loaded.groups.values(), key=lambda g: g.id):
            if group and grp.id != group:
                continue
            why = _refused(sources.loaded, grp.id)
            if why:
                made.skipped.append(why)
                continue
            made.notes += _partial(sources.loaded, grp.id)
            facts = gather(
                root,
                sources.loaded,
                grp,
                year,
                number,
                clock,
                sources.ledger,
                sources.committed,
                sources.github,
            )
            data = render(facts, fmt)
            with writing(target):
                made.written.append(write_file(target / f"{grp.id}-{month}.{fmt}", data))
        broken = sorted(set(sources.loaded.group_problems) - set(sources.loaded.groups))
        made.skipped += [
            _refused(sources.loaded, g, always=True) for g in broken if group in (None, g)
        ]
    finally:
        sources.close()
    return made
