"""A report as Markdown (for people, in the client's language), JSON (every section's
parts with raw values) and CSV (the invoice lines, for accounting)."""

from __future__ import annotations

import csv
import io
import json
import re

from ..model import Group
from ..text.escape import clean
from ..text.i18n import Words
from . import billing as billing_module
from .blocks import Block, Chart, Figures, Part, Table, Text
from .values import raw, shown

FORMAT = 1
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()|~&$!])")
# What would start a heading, a list item or a quote: a marker followed by a space.
_LEADING = re.compile(r"^(\d{0,9})([#+>=.)-])(?=\s|$)")


def md(text: str) -> str:
    """User text inert in Markdown: no markup, HTML or link from it takes effect."""
    flat = _SPECIAL.sub(r"\\\1", " ".join(clean(text).split()))
    return _LEADING.sub(r"\1\\\2", flat)


def _md_table(columns: list[str], rows: list[list[str]], caption: str) -> str:
    out = [f"**{md(caption)}**", "", "| " + " | ".join(md(c) for c in columns) + " |"]
    out.append("|" + "|".join("---" for _ in columns) + "|")
    out += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def _md_part(part: Part, w: Words, group: Group) -> str:
    if isinstance(part, Text):
        return (f"_{md(part.text)}_" if part.tone == "note" else md(part.text)) + "\n"
    if isinstance(part, Figures):
        return (
            " · ".join(
                f"**{md(f.label)}:** {md(shown(f.value, f.kind, w, group.billing))}"
                for f in part.items
            )
            + "\n"
        )
    if isinstance(part, Table):
        rows = [
            [shown(v, c.kind, w, group.billing) for v, c in zip(r, part.columns, strict=True)]
            for r in part.rows
        ]
        if part.total is not None:
            rows.append(
                [
                    shown(v, c.kind, w, group.billing)
                    for v, c in zip(part.total, part.columns, strict=True)
                ]
            )
        return _md_table([c.label for c in part.columns], rows, part.caption)
    if isinstance(part, Chart):
        columns = [part.label, *(name for name, _ in part.series)]
        rows = [
            [label, *(shown(values[i], part.value_kind, w) for _, values in part.series)]
            for i, label in enumerate(part.labels)
        ]
        return _md_table(columns, rows, part.caption)
    raise TypeError(f"not a report part: {type(part).__name__}")


def markdown(group: Group, title: str, made: str, blocks: list[Block], w: Words) -> bytes:
    out = [f"# {md(group.name)} — {md(title)}", "", f"_{md(made)}_", ""]
    for block in blocks:
        out += [f"## {md(block.title)}", ""]
        for part in block.parts:
            out += [_md_part(part, w, group)]
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")


def _json_part(part: Part) -> dict:
    if isinstance(part, Text):
        return {"type": "text", "text": part.text, "tone": part.tone}
    if isinstance(part, Figures):
        items = [
            {"key": f.key, "label": f.label, "value": raw(f.value), "kind": f.kind}
            for f in part.items
        ]
        return {"type": "figures", "items": items}
    if isinstance(part, Table):
        keys = [c.key for c in part.columns]
        return {
            "type": "table",
            "key": part.key,
            "caption": part.caption,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in part.columns],
            "rows": [dict(zip(keys, map(raw, row), strict=True)) for row in part.rows],
            "total": dict(zip(keys, map(raw, part.total), strict=True)) if part.total else None,
        }
    assert isinstance(part, Chart)
    return {
        "type": "chart",
        "key": part.key,
        "kind": part.kind,
        "caption": part.caption,
        "labels": list(part.labels),
        "series": [{"name": n, "values": [raw(v) for v in vs]} for n, vs in part.series],
    }


def as_json(group: Group, month: str, title: str, blocks: list[Block], lines: list) -> bytes:
    body = {
        "format": FORMAT,
        "group": group.id,
        "name": group.name,
        "month": month,
        "language": group.language,
        "title": title,
        "sections": [
            {"key": b.key, "title": b.title, "parts": [_json_part(p) for p in b.parts]}
            for b in blocks
        ],
        "invoice": _invoice(group, lines),
    }
    return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _invoice(group: Group, lines: list) -> dict | None:
    if group.billing is None:
        return None
    return {
        "currency": group.billing.currency,
        "lines": [
            {
                "item": line.item,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "amount": str(line.amount),
                "note": line.note,
            }
            for line in lines
        ],
        "total": str(billing_module.total(lines)),
    }


CSV_COLUMNS = (
    "group",
    "month",
    "item",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "note",
)


def invoice_csv(group: Group, month: str, lines: list, describe, explain) -> bytes:
    """The invoice lines, one per row (amounts as exact decimals, a dot for the point)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    currency = group.billing.currency if group.billing else ""
    for line in lines:
        writer.writerow(
            [
                group.id,
                month,
                line.item,
                _cell(describe(line.item)),
                "" if line.quantity is None else line.quantity,
                line.unit_price,
                line.amount,
                currency,
                _cell(explain(line.note)),
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _cell(text: str) -> str:
    """No cell a spreadsheet would take for a formula."""
    text = clean(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
