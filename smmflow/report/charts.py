"""Charts as HTML tables that Charts.css draws: no script, no image, no network.

Charts.css (MIT, vendored in vendor/, inlined into every report) styles a semantic
`<table>` as a chart from CSS custom properties on its cells: `--size` (0–1) for columns,
`--start`/`--end` for lines. The numbers stay in the table, so a screen reader, a
printout and a copy-paste all get them. Every label goes through `esc`; sizes are
written with a fixed format, so the same data gives the same bytes.
"""

from __future__ import annotations

from importlib.resources import files

from ..text.escape import esc
from ..text.i18n import Words
from .blocks import Chart
from .values import shown

# Charts.css 1.2 sizes a chart's body by its width and `--aspect-ratio` (21/9 by default).
ASPECT = {"column": "3.2", "line": "3.6"}


def stylesheet() -> str:
    """Charts.css itself (vendor/charts.min.css, MIT: vendor/charts.css.LICENSE)."""
    return (files(__package__) / "vendor" / "charts.min.css").read_text(encoding="utf-8")


def _size(value: float) -> str:
    return f"{min(1.0, max(0.0, value)):.4f}"


def _head(chart: Chart) -> str:
    cells = "".join(f'<th scope="col">{esc(name)}</th>' for name, _ in chart.series)
    return f'<thead><tr><th scope="col">{esc(chart.label)}</th>{cells}</tr></thead>'


def _legend(chart: Chart) -> str:
    if len(chart.series) < 2:
        return ""
    items = "".join(f"<li>{esc(name)}</li>" for name, _ in chart.series)
    return (
        f'<ul class="charts-css legend legend-inline legend-square" aria-hidden="true">{items}</ul>'
    )


def _column_rows(chart: Chart, w: Words) -> str:
    values = [[v for v in values] for _, values in chart.series]
    if chart.stacked:
        top = max((sum(v or 0 for v in row) for row in zip(*values, strict=False)), default=0) or 1
    else:
        top = max((v or 0 for row in values for v in row), default=0) or 1
    rows = []
    for i, label in enumerate(chart.labels):
        cells = []
        for name, series in chart.series:
            value = series[i]
            data = shown(value, chart.value_kind, w)
            tip = f"{esc(name)}: {esc(data)}"
            cells.append(
                f'<td style="--size:{_size((value or 0) / top)}"><span class="data">{esc(data)}</span>'
                f'<span class="tooltip">{tip}</span></td>'
            )
        rows.append(f'<tr><th scope="row">{esc(label)}</th>{"".join(cells)}</tr>')
    return "".join(rows)


def _line_rows(chart: Chart, w: Words) -> tuple[str, float, float]:
    known = [v for _, series in chart.series for v in series if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    pad = (high - low) * 0.15 or max(1.0, abs(high) * 0.05)
    low, high = low - pad, high + pad
    span = high - low

    def at(value: float) -> str:
        return _size((value - low) / span)

    rows = []
    count = len(chart.labels)
    step = max(1, round(count / 8))  # about 8 labels shown; every value keeps its row
    for i in range(1 if count > 1 else 0, count):
        cells = []
        for name, series in chart.series:
            end, start = series[i], series[i - 1] if i else series[i]
            if end is None or start is None:
                cells.append("<td></td>")
                continue
            data = shown(end, chart.value_kind, w)
            cells.append(
                f'<td style="--start:{at(start)};--end:{at(end)}"><span class="data">{esc(data)}</span>'
                f'<span class="tooltip">{esc(name)}: {esc(data)}</span></td>'
            )
        hide = ' class="hide-label"' if i % step and i != count - 1 else ""
        rows.append(f'<tr{hide}><th scope="row">{esc(chart.labels[i])}</th>{"".join(cells)}</tr>')
    return "".join(rows), low, high


def html(chart: Chart, w: Words) -> str:
    """The chart as a Charts.css table inside a `<figure>`, with its legend."""
    classes = ["charts-css", chart.kind, "show-heading", "show-labels", "show-primary-axis"]
    axis = ""
    if chart.kind == "line":
        body, low, high = _line_rows(chart, w)
        classes += ["show-4-secondary-axes", "hide-data"]
        scale = w.gettext("Scale: from {low} to {high}")
        said = scale.format(low=shown(low, "int", w), high=shown(high, "int", w))
        axis = f'<p class="axis">{esc(said)}</p>'
    else:
        body = _column_rows(chart, w)
        classes += ["show-4-secondary-axes", "data-spacing-4"]
        if len(chart.labels) > 8:
            classes.append("hide-data")
    if len(chart.series) > 1:
        classes.append("multiple")
        if chart.stacked and chart.kind == "column":
            classes.append("stacked")
    table = (
        f'<table class="{" ".join(classes)}" id="chart-{esc(chart.key)}" '
        f'style="--aspect-ratio:{ASPECT.get(chart.kind, "3.2")}">'
        f"<caption>{esc(chart.caption)}</caption>{_head(chart)}<tbody>{body}</tbody></table>"
    )
    return f'<figure class="chart">{table}{_legend(chart)}{axis}</figure>\n'
