"""What a report section says, before it is a page: text, figures, tables and charts.

Sections build these with raw values (numbers, dates, amounts) and a `kind` for each;
the formats draw them (`page` as HTML with charts, `plain` as Markdown, JSON and CSV), each
value formatted in the client's language there. So a new section is only a new module in
`sections/`: no format changes for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# How a value is shown: text as is; int and number (one decimal) as numbers; percent (a
# fraction); money (a Decimal in the billing currency); duration (seconds); date; datetime.
KINDS = ("text", "int", "number", "percent", "money", "duration", "date", "datetime")


@dataclass(frozen=True)
class Column:
    key: str  # stable, for JSON and CSV
    label: str  # in the client's language
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    key: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...]
    total: tuple[object, ...] | None = None  # a last row, set apart (totals)


@dataclass(frozen=True)
class Chart:
    """A chart drawn from a table of numbers: `labels` along one axis, one value per
    label in each series. `column` and `bar` charts may stack their series; `line`
    charts join each series' values in order."""

    key: str
    kind: str  # column | line
    caption: str
    label: str  # what the labels are (the first column of the chart's table)
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    value_kind: str = "int"  # how its values are shown
    stacked: bool = False


@dataclass(frozen=True)
class Text:
    text: str
    tone: str = ""  # "" | note (not available, how a number is counted) | warn


@dataclass(frozen=True)
class Figure:
    """One headline number: `label: value`."""

    key: str
    label: str
    value: object
    kind: str = "int"


@dataclass(frozen=True)
class Figures:
    items: tuple[Figure, ...]


Part = Text | Figures | Table | Chart


@dataclass(frozen=True)
class Block:
    """One section of a report, as built."""

    key: str  # the section's module name
    title: str
    parts: tuple[Part, ...] = field(default=())
