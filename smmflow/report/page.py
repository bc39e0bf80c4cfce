"""A report as one self-contained HTML page: the client's language, charts drawn by the
inlined Charts.css, print-ready on A4 (`@page`), no script and a Content Security Policy
that would refuse one. Every piece of text goes through `esc`."""

from __future__ import annotations

from ..model import Group
from ..text.escape import esc
from ..text.i18n import Words
from . import charts
from .blocks import Block, Chart, Figures, Part, Table, Text
from .values import shown

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
STYLE = """
body{margin:0 auto;max-width:60rem;padding:1rem 1.5rem;font:1rem/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff}
header{border-bottom:3px solid #2f62b8;margin-bottom:1rem}header .who{margin:0;font-size:1.1rem;color:#444}
h1{margin:.2rem 0 .4rem}h2{margin-top:2rem;border-bottom:1px solid #ccc;break-after:avoid}
nav.toc ol{columns:2;padding-left:1.2rem}
p.note{color:#444;font-size:.9rem}p.warn{color:#8b0018;font-weight:700}
dl.figures{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
dl.figures div{border:1px solid #bbb;border-radius:6px;padding:.4rem .8rem;min-width:8rem}
dl.figures dt{font-size:.8rem;color:#444}dl.figures dd{margin:0;font-size:1.4rem;font-weight:700;font-variant-numeric:tabular-nums}
table.data{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.92rem;break-inside:avoid}
table.data caption{text-align:left;font-weight:700;padding:.3rem 0}
table.data th,table.data td{border-bottom:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
table.data td.n,table.data th.n{text-align:right;font-variant-numeric:tabular-nums}
table.data tfoot th,table.data tfoot td{border-top:2px solid #1b1b1b;font-weight:700}
figure.chart{margin:1.2rem 0 2.4rem;break-inside:avoid}
figure.chart .charts-css{--color-1:rgb(47 98 184/.85);--color-2:rgb(179 89 0/.85);--color-3:rgb(43 122 61/.85);--color-4:rgb(106 63 181/.85);--color-5:rgb(176 48 95/.85);--color-6:rgb(31 115 115/.85);--color-7:rgb(138 109 0/.85);--color-8:rgb(85 85 85/.85);--labels-size:2.2rem;--chart-bg-color:#fafafa}
figure.chart .charts-css caption{font-weight:700;margin-bottom:.4rem;text-align:left}
figure.chart .charts-css th[scope=row]{font-size:.7rem;font-weight:400;line-height:1.1;overflow:hidden}
figure.chart .charts-css .data{font-size:.7rem}
figure.chart p.axis{font-size:.75rem;color:#444;margin:.2rem 0}
footer{margin-top:2rem;border-top:1px solid #ccc;font-size:.8rem;color:#555}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;padding:0;font-size:10pt}nav.toc{display:none}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}section{break-inside:auto}}
"""
NUMERIC = ("int", "number", "percent", "money", "duration")
NUMBER = ' class="n"'


def _text(part: Text) -> str:
    tone = f' class="{part.tone}"' if part.tone else ""
    return f"<p{tone}>{esc(part.text)}</p>\n"


def _figures(part: Figures, w: Words, group: Group) -> str:
    items = "".join(
        f'<div id="fig-{esc(f.key)}"><dt>{esc(f.label)}</dt><dd>{esc(shown(f.value, f.kind, w, group.billing))}</dd></div>'
        for f in part.items
    )
    return f'<dl class="figures">{items}</dl>\n'


def _cell(tag: str, value: object, kind: str, w: Words, group: Group, scope: str = "") -> str:
    cls = NUMBER if kind in NUMERIC else ""
    return f"<{tag}{scope}{cls}>{esc(shown(value, kind, w, group.billing))}</{tag}>"


def _table(part: Table, w: Words, group: Group) -> str:
    head = "".join(
        f'<th scope="col"{NUMBER if c.kind in NUMERIC else ""}>{esc(c.label)}</th>'
        for c in part.columns
    )
    rows = []
    for row in part.rows:
        cells = [
            _cell("th" if i == 0 else "td", v, c.kind, w, group, ' scope="row"' if i == 0 else "")
            for i, (v, c) in enumerate(zip(row, part.columns, strict=True))
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    foot = ""
    if part.total is not None:
        cells = [
            _cell("th" if i == 0 else "td", v, c.kind, w, group, ' scope="row"' if i == 0 else "")
            for i, (v, c) in enumerate(zip(part.total, part.columns, strict=True))
        ]
        foot = f"<tfoot><tr>{''.join(cells)}</tr></tfoot>"
    return (
        f'<table class="data" id="table-{esc(part.key)}"><caption>{esc(part.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>{foot}</table>\n"
    )


def part_html(part: Part, w: Words, group: Group) -> str:
    if isinstance(part, Text):
        return _text(part)
    if isinstance(part, Figures):
        return _figures(part, w, group)
    if isinstance(part, Table):
        return _table(part, w, group)
    if isinstance(part, Chart):
        return charts.html(part, w)
    raise TypeError(f"not a report part: {type(part).__name__}")


def document(group: Group, title: str, made: str, blocks: list[Block], w: Words) -> bytes:
    """The whole page."""
    toc = "".join(f'<li><a href="#{esc(b.key)}">{esc(b.title)}</a></li>' for b in blocks)
    sections = "".join(
        f'<section id="{esc(b.key)}" aria-labelledby="h-{esc(b.key)}">\n'
        f'<h2 id="h-{esc(b.key)}">{esc(b.title)}</h2>\n'
        + "".join(part_html(p, w, group) for p in b.parts)
        + "</section>\n"
        for b in blocks
    )
    contents = esc(w.gettext("Contents"))
    body = (
        f'<header><p class="who">{esc(group.name)}</p><h1>{esc(title)}</h1>'
        f'<p class="note">{esc(made)}</p></header>\n'
        f'<nav class="toc" aria-label="{contents}"><ol>{toc}</ol></nav>\n'
        f"<main>\n{sections}</main>\n<footer><p>smmflow</p></footer>\n"
    )
    css = charts.stylesheet() + STYLE
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(w.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f'<meta name="generator" content="smmflow">\n<title>{esc(group.name)} — {esc(title)}</title>\n'
        f"<style>{css}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    ).encode()
