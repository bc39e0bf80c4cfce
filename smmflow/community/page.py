"""`inbox --format html`: one local page, `.smmflow/inbox.html` (git-ignored with the store).

Everything from outside is inert there: escaped (`text.escape.esc`, which also drops
direction overrides), each text isolated (`dir="auto"` in its own cell, so a
right-to-left name cannot reorder its row), links only to http(s) addresses, and a
Content-Security-Policy that runs no script and loads nothing from anywhere.
"""

from __future__ import annotations

from pathlib import Path

from ..outputs import writing
from ..text.escape import esc
from .store import FOLDER
from .views import LABELS, Row

PAGE = "inbox.html"
STYLE = (
    "body{font:15px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
    "padding:.4em;vertical-align:top;text-align:left}.text{white-space:pre-wrap;"
    "overflow-wrap:anywhere;max-width:40em}.late{color:#b00;font-weight:bold}"
    ".state{font-family:monospace}"
)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"


def _link(url: str, text: str) -> str:
    if not url.startswith(("https://", "http://")):
        return esc(text)
    return f'<a href="{esc(url)}" rel="noopener noreferrer nofollow">{esc(text)}</a>'


def _row(row: Row) -> str:
    s = row.item
    marks = []
    if s.question:
        marks.append(esc(LABELS["question"]))
    if row.overdue:
        marks.append(f'<span class="late">{esc(LABELS["overdue"])}</span>')
    post = _link(s.post_url, s.post_title) if s.post_id else esc(LABELS["no_post"])
    cells = [
        f'<td class="state">{esc(s.id)}<br>{esc(s.state)}</td>',
        f"<td>{esc(s.grp)}<br>{esc(s.account)} ({esc(s.platform)})</td>",
        f'<td dir="auto">{esc(s.author)}</td>',
        f'<td class="text" dir="auto">{esc(s.text)}</td>',
        f'<td dir="auto">{post}<br>{_link(s.url, "↗") if s.url else ""}</td>',
        f"<td>{esc(row.age)}<br>{' '.join(marks)}</td>",
        f'<td dir="auto">{esc(s.note)}</td>',
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def render(found: list[Row], more: int) -> str:
    body = (
        "\n".join(_row(row) for row in found)
        or f'<tr><td colspan="7">{esc(LABELS["empty"])}</td></tr>'
    )
    tail = f"<p>{esc(LABELS['more'].format(n=more))}</p>" if more > 0 else ""
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(LABELS['title'])}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(LABELS['title'])}</h1><table>\n{body}\n</table>{tail}</body></html>\n"
    )


def write(root: Path, found: list[Row], more: int) -> Path:
    path = root / FOLDER / PAGE
    with writing(path):
        path.write_text(render(found, more), encoding="utf-8")
    return path
