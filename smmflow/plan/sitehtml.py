"""HTML pieces of the plan site: the page shell, its style sheet, type colours, file writes.

Every piece of user text goes through `esc` (`text.escape`: XML-illegal characters and
bidirectional controls dropped, then `html.escape` with quotes). Pages carry no JavaScript at all and a Content
Security Policy that would refuse any (`script-src 'none'`), so even a slip in escaping
could not run a script. Colours meet WCAG AA contrast (dark text on light fills), and
colour is never the only cue: every post also shows its type as text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from ..check.mix import RuleCheck
from ..text.escape import esc  # one escaping for every page smmflow writes
from ..text.i18n import Words, state_name, type_name, words
from .month import MonthPlan, Planned, SlotCell

# Light fills for post types (text on them is #1b1b1b: contrast above 12:1), and a darker
# edge for bars. Built-in types keep their colours; a group's own types take the rest.
FILLS = {
    "informative": ("#d6e6ff", "#2f62b8"),
    "sales": ("#ffe0c2", "#b35900"),
    "entertaining": ("#d8f3dc", "#2b7a3d"),
    "announcement": ("#eadcff", "#6a3fb5"),
}
SPARE = [
    ("#fff2b3", "#8a6d00"),
    ("#ffd9e6", "#b0305f"),
    ("#cff2f2", "#1f7373"),
    ("#e6e6e6", "#555555"),
]
STATE_CLASS = {
    "published": "ok",
    "scheduled": "soon",
    "ready": "soon",
    "draft": "quiet",
    "withdrawn": "quiet",
    "skipped": "quiet",
    "due": "warn",
    "held": "warn",
    "claimed": "warn",
    "failed": "bad",
    "missed": "bad",
    "unknown": "bad",
    "corrupt": "bad",
}
_CSP = (
    "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
    "script-src 'none'; base-uri 'none'; form-action 'none'"
)
_STYLE = """
body{margin:0 auto;max-width:78rem;padding:1rem;font:1rem/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff}
a{color:#0b4fa8}a:focus{outline:3px solid #ffbf47}
nav.crumbs,footer{font-size:.9rem;color:#444}
table{border-collapse:collapse}
table.cal{width:100%;table-layout:fixed}
.cal th{background:#f0f0f0;padding:.3rem;border:1px solid #bbb}
.cal td{vertical-align:top;border:1px solid #bbb;height:7.5rem;padding:.25rem;overflow-wrap:anywhere}
.cal td.pad{background:#f7f7f7}
.cal td.today{outline:3px solid #1b1b1b;outline-offset:-3px}
.cal .day{font-weight:700}
.cal ul,ul.posts{list-style:none;margin:0;padding:0}
.cal li,ul.posts li{margin:.2rem 0;padding:.2rem .3rem;border-radius:4px;font-size:.85rem;line-height:1.3}
.item{border-left:5px solid #555}span.item{padding:0 .4rem;border-radius:3px}
.empty{border:2px dashed #b00020;color:#8b0018;background:#fff}
.outside{border-style:double}
.time{font-variant-numeric:tabular-nums;font-weight:700}
.type{font-size:.75rem;text-transform:uppercase;letter-spacing:.03em}
.state{display:block;font-size:.75rem}
.ok{color:#0a5c26}.soon{color:#1f3f8a}.quiet{color:#555}.warn{color:#7a4d00}.bad{color:#a0001c;font-weight:700}
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
ul.legend li{padding:.2rem .5rem;border-radius:4px}
table.mix td,table.mix th{padding:.3rem .6rem;border-bottom:1px solid #ccc;text-align:left}
.bar{display:block;position:relative;width:14rem;height:1rem;background:#eee;border:1px solid #999}
.fill{display:block;height:100%}
.limit{position:absolute;top:-3px;bottom:-3px;width:2px;background:#1b1b1b}
pre.sent{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;border:1px solid #ccc;padding:.6rem;font:.95rem/1.45 ui-monospace,monospace}
section.platform{border-top:1px solid #ccc;margin-top:1rem}
img{max-width:20rem;height:auto}figure{display:inline-block;margin:.5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.facts dt{font-weight:700}
"""


def type_colours(types: list[str]) -> dict[str, tuple[str, str]]:
    spare = iter(SPARE * (len(types) // len(SPARE) + 1))
    return {t: FILLS[t] if t in FILLS else next(spare) for t in types}


def type_class(post_type: str, types: list[str]) -> str:
    """A class name safe for any type string: `t0`, `t1`, ... by its place in the group."""
    return f"t{types.index(post_type)}" if post_type in types else "tx"


def type_css(types: list[str]) -> str:
    rules = []
    for i, (fill, edge) in enumerate(type_colours(types).values()):
        rules.append(
            f".t{i}{{background:{fill};border-color:{edge}}}.t{i} .fill,.f{i}{{background:{edge}}}"
        )
    return "".join(rules)


def legend(types: list[str], w: Words | None = None) -> str:
    w = w or words("en")
    items = "".join(
        f'<li class="item {type_class(t, types)}">{esc(type_name(w, t))}</li>' for t in types
    )
    label, empty = w.gettext("Post types"), w.gettext("empty slot")
    outside = w.gettext("outside the slots (double edge)")
    return (
        f'<ul class="legend" aria-label="{esc(label)}">{items}'
        f'<li class="empty">{esc(empty)}</li><li class="item outside">{esc(outside)}</li></ul>\n'
    )


def document(
    title: str, body: str, types: list[str] | None = None, head: str = "", lang: str = "en"
) -> bytes:
    """A page of the site; `lang` is the language its words are in (the group's)."""
    css = _STYLE.strip() + (type_css(types) if types else "")
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f'<meta name="generator" content="smmflow">\n<title>{title}</title>\n{head}'
        f"<style>{css}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    ).encode()


def write_file(path: Path, data: bytes) -> Path:
    """Replace `path` atomically, and only when its bytes change (re-runs touch nothing)."""
    if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


# -- the month page ---------------------------------------------------------------------------
def month_title(plan: MonthPlan, w: Words) -> str:
    """`December 2026` / `decembrie 2026`."""
    return w.month(plan.year, plan.month)


def _states(item: Planned, w: Words) -> str:
    return "".join(
        f'<span class="state {STATE_CLASS.get(state, "quiet")}">{esc(state_name(w, state))}: {esc(", ".join(accounts))}</span>'
        for state, accounts in item.by_state()
    )


def _post_item(
    item: Planned, pages: dict[str, str], types: list[str], outside: bool, w: Words
) -> str:
    post = item.post
    kind = type_class(post.type, types)
    note = " <em>(" + esc(w.gettext("outside the slots")) + ")</em>" if outside else ""
    href = f"posts/{quote(pages[post.id], safe='')}.html"
    return (
        f'<li class="item {kind}{" outside" if outside else ""}"><a href="{esc(href)}">'
        f'<span class="time">{post.date:%H:%M}</span> <span class="type">{esc(type_name(w, post.type))}</span>{note}'
        f"<br>{esc(item.title)}</a>{_states(item, w)}</li>"
    )


def _cell(plan: MonthPlan, day: dt.date, pages: dict[str, str], types: list[str], w: Words) -> str:
    items = []
    empty = esc(w.gettext("empty slot"))
    for entry in plan.on_day(day):
        if isinstance(entry, SlotCell):
            if entry.empty:
                items.append(
                    f'<li class="empty"><span class="time">{entry.when:%H:%M}</span> {empty}</li>'
                )
            items += [_post_item(p, pages, types, False, w) for p in entry.posts]
        else:
            items.append(_post_item(entry, pages, types, True, w))
    today = plan.now.astimezone(plan.group.tz).date() == day
    attrs = ' class="today" aria-current="date"' if today else ""
    listing = f"<ul>{''.join(items)}</ul>" if items else ""
    return f'<td{attrs}><span class="day">{day.day}</span>{listing}</td>'


MONDAY = dt.date(2026, 11, 30)  # any Monday: the week's names are read from it


def calendar_table(plan: MonthPlan, pages: dict[str, str], types: list[str]) -> str:
    w = words(plan.group.language)
    days = [MONDAY + dt.timedelta(days=i) for i in range(7)]
    heads = "".join(
        f'<th scope="col"><abbr title="{esc(w.pattern(d, "EEEE"))}">{esc(w.pattern(d, "EEE"))}</abbr></th>'
        for d in days
    )
    rows = []
    for week in plan.weeks():
        cells = [
            '<td class="pad"></td>' if day is None else _cell(plan, day, pages, types, w)
            for day in week
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>\n")
    caption = w.gettext("{group}, {month}: slots and posts by day ({zone})").format(
        group=plan.group.name, month=month_title(plan, w), zone=plan.group.timezone
    )
    return (
        f'<table class="cal">\n<caption>{esc(caption)}</caption>\n<thead><tr>{heads}</tr></thead>\n'
        f"<tbody>\n{''.join(rows)}</tbody>\n</table>\n"
    )


def rule_text(rule: RuleCheck, w: Words) -> str:
    """A mix rule and where the month stands, in the client's language."""
    if rule.rule == "max_share":
        said = w.gettext("at most {limit} (has {actual})")
    elif rule.rule == "min_share":
        said = w.gettext("at least {limit} (has {actual})")
    else:
        return w.gettext("at most {limit} in a row (longest {actual})").format(
            limit=int(rule.limit), actual=int(rule.actual)
        )
    return said.format(limit=w.percent(rule.limit, 0), actual=w.percent(rule.actual, 0))


def mix_table(plan: MonthPlan, types: list[str]) -> str:
    """A bar per type (pure HTML/CSS); each rule's limit is a mark on the bar and a sentence."""
    w = words(plan.group.language)
    word = {
        True: '<span class="ok">' + esc(w.gettext("ok")) + "</span>",
        False: '<strong class="bad">' + esc(w.gettext("fails")) + "</strong>",
    }
    none = esc(w.gettext("no posts"))
    rows = []
    for figure in plan.mix:
        kind = type_class(figure.type, types)
        marks, verdicts = "", []
        for rule in (r for r in plan.rules if r.type == figure.type):
            if rule.rule != "max_in_a_row":
                marks += f'<span class="limit" style="left:{rule.limit * 100:.1f}%"></span>'
            verdicts.append(f"{esc(rule_text(rule, w))}: {word.get(rule.ok, none)}")
        bar = (
            f'<span class="bar" aria-hidden="true"><span class="fill {kind.replace("t", "f", 1)}" '
            f'style="width:{figure.share * 100:.1f}%"></span>{marks}</span>'
        )
        rows.append(
            f'<tr><th scope="row"><span class="item {kind}">{esc(type_name(w, figure.type))}</span></th>'
            f"<td>{figure.count}</td><td>{esc(w.percent(figure.share, 0))} {bar}</td>"
            f"<td>{'; '.join(verdicts) or '—'}</td></tr>\n"
        )
    if plan.rules_ok:
        verdict = esc(w.gettext("all rules pass"))
    else:
        verdict = '<strong class="bad">' + esc(w.gettext("a rule fails")) + "</strong>"
    caption = esc(w.gettext("Mix of {n} posts:").format(n=plan.total))
    heads = [w.gettext("Type"), w.gettext("Posts"), w.gettext("Share"), w.gettext("Rules")]
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in heads)
    return (
        f'<table class="mix">\n<caption>{caption} {verdict}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{''.join(rows)}</tbody>\n</table>\n"
    )


def upcoming_list(plan: MonthPlan, types: list[str], pages: dict[str, str]) -> str:
    """The next 7 days from `now`: posts and empty slots (links work from plan/<group>/)."""
    w = words(plan.group.language)
    since = plan.now.astimezone(plan.group.tz)
    empty = esc(w.gettext("empty slot"))
    items = []
    for entry in plan.upcoming:
        stamp = esc(w.pattern(entry.when, "EEE dd MMM HH:mm"))
        if entry.post is None:
            items.append(
                f'<li><span class="time">{stamp}</span> <strong class="bad">{empty}</strong></li>'
            )
            continue
        title = esc(entry.post.title)
        href = f"posts/{quote(pages[entry.post.post.id], safe='')}.html"
        title = f'<a href="{esc(href)}">{title}</a>'
        kind = type_class(entry.post.post.type, types)
        items.append(
            f'<li><span class="time">{stamp}</span> <span class="item {kind}">{esc(type_name(w, entry.post.post.type))}</span> '
            f"{title} {_states(entry.post, w)}</li>"
        )
    when = f"{w.pattern(since, 'EEE dd MMM HH:mm')} {since.tzname() or ''}".strip()
    head = "<p>" + esc(w.gettext("From {when}:").format(when=when)) + "</p>\n"
    listing = "".join(item + "\n" for item in items)
    nothing = esc(w.gettext("Nothing."))
    return head + (f'<ul class="posts">\n{listing}</ul>\n' if items else f"<p>{nothing}</p>\n")


def _summary(plan: MonthPlan, w: Words, subscribe: str) -> str:
    group = plan.group
    filled = len(plan.slots) - len(plan.gaps)
    if plan.gaps:
        gaps = "<strong>" + esc(w.gettext("{n} empty").format(n=len(plan.gaps))) + "</strong>"
    else:
        gaps = esc(w.gettext("none empty"))
    slots = ", ".join(s.text for s in group.slots) or w.gettext("none")
    said = w.gettext(
        "Timezone {zone} · slots {slots}: {count} this month, {filled} filled, {gaps} · "
        "{outside} outside the slots · {subscribe}"
    )
    return said.format(
        zone=esc(group.timezone),
        slots=esc(slots),
        count=len(plan.slots),
        filled=filled,
        gaps=gaps,
        outside=len(plan.outside),
        subscribe=subscribe,
    )


def month_page(
    plan: MonthPlan,
    before: MonthPlan | None,
    after: MonthPlan | None,
    pages: dict[str, str],
    current: bool,
    subscribe: str,
) -> bytes:
    group = plan.group
    w = words(group.language)
    types = [t.type for t in plan.mix]
    name = esc(group.name)
    title = esc(month_title(plan, w))
    around = []
    if before:
        around.append(
            f'<a rel="prev" href="{before.label}.html">← {esc(month_title(before, w))}</a>'
        )
    if after:
        around.append(f'<a rel="next" href="{after.label}.html">{esc(month_title(after, w))} →</a>')
    outside = "".join(_post_item(p, pages, types, True, w) + "\n" for p in plan.outside)
    none_outside = esc(w.gettext("None: every post is in a slot."))
    crumbs, months = esc(w.gettext("Breadcrumbs")), esc(w.gettext("Months"))
    plan_word, calendar = esc(w.gettext("Content plan")), esc(w.gettext("Calendar"))
    outside_head, mix_head = esc(w.gettext("Outside the slots")), esc(w.gettext("Mix"))
    next_head = esc(w.gettext("Next 7 days"))
    body = (
        f'<nav class="crumbs" aria-label="{crumbs}"><a href="../index.html">{plan_word}</a> › '
        f'<a href="index.html">{name}</a></nav>\n<main>\n<h1>{name}: {title}</h1>\n'
        f"<p>{_summary(plan, w, subscribe)}</p>\n"
        + (f'<nav aria-label="{months}"><p>{" · ".join(around)}</p></nav>\n' if around else "")
        + f'<h2 id="calendar">{calendar}</h2>\n{legend(types, w)}{calendar_table(plan, pages, types)}'
        + f"<h2>{outside_head}</h2>\n"
        + (f'<ul class="posts">\n{outside}</ul>\n' if outside else f"<p>{none_outside}</p>\n")
        + f"<h2>{mix_head}</h2>\n{mix_table(plan, types)}"
        + (f"<h2>{next_head}</h2>\n{upcoming_list(plan, types, pages)}" if current else "")
        + "</main>\n"
    )
    return document(f"{name}: {title}", body, types, lang=group.language)
