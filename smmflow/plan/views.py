"""`smmflow plan` output: the month plans as terminal text, Markdown or JSON.

Pure functions from `plan.MonthPlan`s to a string. Text takes a `paint` function (the CLI
passes `click.style` when colour is wanted, else nothing is painted), so colour never
changes the layout: padding is done before painting.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict

import regex

from ..text.headline import SIMPLE
from .month import MonthPlan, Planned, SlotCell, Upcoming

Paint = Callable[..., str]
TYPE_COLOURS = {
    "informative": "blue",
    "sales": "magenta",
    "entertaining": "green",
    "announcement": "cyan",
}
_BY_COLOUR = {
    "green": "published",
    "blue": "scheduled ready",
    "bright_black": "draft withdrawn skipped",
    "yellow": "due held claimed",
    "red": "failed missed unknown corrupt",
}
STATE_COLOURS = {state: colour for colour, names in _BY_COLOUR.items() for state in names.split()}
EMPTY = "---"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")


def no_paint(text: str, **_: object) -> str:
    return text


@functools.cache
def _columns(grapheme: str) -> int:
    """Terminal columns of one grapheme: wide (CJK, emoji, emoji presentation) take two."""
    wide = "\ufe0f" in grapheme or any(unicodedata.east_asian_width(c) in "WF" for c in grapheme)
    return 2 if wide else 1


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(_columns(g) for g in regex.findall(r"\X", text))


def _pad(text: str, width: int) -> str:
    used = len(text) if SIMPLE.fullmatch(text) else _width(text)
    return text + " " * max(0, width - used)


def _cut(text: str, width: int) -> str:
    """At most `width` columns, cut at a grapheme, with an ellipsis when cut."""
    plain = SIMPLE.match(text).end()  # type: ignore[union-attr]  # a column per character
    if plain == len(text) and plain <= width:
        return text
    if plain >= width:
        return text[: width - 1] + "…"
    if _width(text) <= width:
        return text
    kept, used = [], 0
    for grapheme in regex.findall(r"\X", text):
        wide = "\ufe0f" in grapheme or any(
            unicodedata.east_asian_width(c) in "WF" for c in grapheme
        )
        used += 2 if wide else 1
        if used > width - 1:
            break
        kept.append(grapheme)
    return "".join(kept) + "…"


def abbreviations(types: list[str]) -> dict[str, str]:
    """Three letters per type for the calendar grid, unique within the group."""
    found: dict[str, str] = {}
    for post_type in types:
        short, n = post_type[:3], 1
        while short in found.values():
            short, n = f"{post_type[:2]}{n}", n + 1
        found[post_type] = short
    return found


def _day(when: dt.datetime) -> str:
    return f"{when:%a %d %H:%M}"


def states_text(item: Planned, paint: Paint = no_paint) -> str:
    """`published: feed · missed: telegram, instagram`."""
    parts = []
    for state, accounts in item.by_state():
        parts.append(f"{paint(state, fg=STATE_COLOURS.get(state))}: {', '.join(accounts)}")
    return " · ".join(parts) or "no accounts"


def _grid(plan: MonthPlan, short: dict[str, str], paint: Paint) -> list[str]:
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    lines = ["  " + "".join(f"{d:<10}" for d in days).rstrip()]
    for week in plan.weeks():
        cells = []
        for day in week:
            if day is None:
                cells.append(" " * 10)
                continue
            marks, width = [], 0
            for item in plan.on_day(day):
                if isinstance(item, SlotCell):
                    post = item.posts[0].post if item.posts else None
                    mark = short.get(post.type, post.type[:3]) if post else EMPTY
                    mark += "*" if len(item.posts) > 1 else ""
                    colour = TYPE_COLOURS.get(post.type) if post else "red"
                else:
                    mark, colour = "+" + short.get(item.post.type, "?"), None
                if width + len(mark) + bool(marks) > 7:
                    break
                width += len(mark) + bool(marks)
                marks.append(paint(mark, fg=colour))
            text = " ".join(marks)
            cells.append(f"{day.day:>2} {text}" + " " * (7 - width))
        lines.append("  " + "".join(cells).rstrip())
    return lines


def _legend(plan: MonthPlan, short: dict[str, str]) -> list[str]:
    names = " · ".join(f"{short[t.type]} {t.type}" for t in plan.mix)
    marks = f"{EMPTY} empty slot · * more than one post in the slot · + a post outside the slots"
    return [f"  {names}", f"  {marks}"]


def _post_line(item: Planned, type_width: int, paint: Paint, when: str | None = None) -> str:
    post = item.post
    kind = paint(_pad(post.type, type_width), fg=TYPE_COLOURS.get(post.type))
    stamp = when if when is not None else _day(item.local)
    return f"  {stamp}  {kind}  {_pad(_cut(item.title, 40), 40)}  {states_text(item, paint)}"


def _summary(plan: MonthPlan) -> str:
    slots = ", ".join(s.text for s in plan.group.slots) or "none"
    filled = len(plan.slots) - len(plan.gaps)
    return (
        f"slots {slots}: {len(plan.slots)} this month, {filled} filled, {len(plan.gaps)} empty; "
        f"{len(plan.outside)} post(s) outside the slots"
    )


def _rule_text(plan: MonthPlan, post_type: str, paint: Paint) -> str:
    parts = []
    for rule in plan.rules:
        if rule.type != post_type:
            continue
        verdict = {True: paint("ok", fg="green"), False: paint("FAILS", fg="red", bold=True)}
        mend = " (still being planned: open places can mend it)" if rule.mendable else ""
        parts.append(f"{rule.describe()}: {verdict.get(rule.ok, 'no posts')}{mend}")
    return " · ".join(parts)


def _upcoming_line(item: Upcoming, type_width: int, paint: Paint) -> str:
    stamp = f"{item.when:%a %d %b %H:%M}"
    if item.post is None:
        return f"  {stamp}  {paint('empty slot', fg='red')}"
    return _post_line(item.post, type_width, paint, stamp)


def text(plan: MonthPlan, paint: Paint = no_paint) -> str:
    """One group's month for a terminal."""
    group = plan.group
    short = abbreviations([t.type for t in plan.mix])
    width = max((len(t.type) for t in plan.mix), default=5)
    out = [
        paint(f"{group.name} ({group.id}) · {plan.title} · {group.timezone}", bold=True),
        _summary(plan),
        "",
        *_grid(plan, short, paint),
        *_legend(plan, short),
        "",
        paint("Slots", bold=True),
    ]
    for cell in plan.slots:
        if cell.empty:
            out.append(f"  {_day(cell.when)}  {paint('(empty)', fg='red')}")
        for i, item in enumerate(cell.posts):
            out.append(_post_line(item, width, paint, _day(cell.when) if i == 0 else " " * 12))
    out.append(paint("Outside the slots", bold=True))
    out += [_post_line(item, width, paint) for item in plan.outside] or ["  (none)"]
    verdict = "all rules pass" if plan.rules_ok else paint("a rule fails", fg="red", bold=True)
    out.append(paint(f"Mix ({plan.total} posts)", bold=True) + f": {verdict}")
    for figure in plan.mix:
        rules = _rule_text(plan, figure.type, paint)
        line = f"  {_pad(figure.type, width)}  {figure.count:>3}  {figure.share:>4.0%}"
        out.append(f"{line}  {rules}".rstrip())
    since = plan.now.astimezone(group.tz)
    out.append(paint(f"Next 7 days (from {since:%a %d %b %H:%M %Z})", bold=True))
    out += [_upcoming_line(u, width, paint) for u in plan.upcoming] or ["  (nothing)"]
    return "\n".join(out)


def _gaps_head(plan: MonthPlan) -> str:
    """`3 empty slots ahead (2 already past, not listed)`."""
    ahead = len(plan.gaps_ahead)
    past = len(plan.gaps) - ahead
    head = f"{ahead} empty slot{'s' * (ahead != 1)} ahead"
    return head + (f" ({past} already past, not listed)" if past else "")


def gaps_text(plan: MonthPlan, paint: Paint = no_paint) -> str:
    head = f"{plan.group.id} · {plan.title} · {_gaps_head(plan)}"
    lines = [paint(head, bold=True)]
    lines += [f"  {c.when:%a %Y-%m-%d %H:%M %Z}  ({c.slot.text})" for c in plan.gaps_ahead]
    return "\n".join(lines)


# -- Markdown -----------------------------------------------------------------------------
def md_escape(value: str) -> str:
    """User text inside Markdown: every mark escaped, line breaks flattened (tables)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def markdown(plan: MonthPlan) -> str:
    group = plan.group
    out = [
        f"## {md_escape(group.name)} — {plan.title}",
        "",
        f"Timezone {md_escape(group.timezone)} · {md_escape(_summary(plan))}",
        "",
        "| Mon | Tue | Wed | Thu | Fri | Sat | Sun |",
        "|---|---|---|---|---|---|---|",
    ]
    for week in plan.weeks():
        cells = []
        for day in week:
            if day is None:
                cells.append(" ")
                continue
            marks = []
            for item in plan.on_day(day):
                if isinstance(item, SlotCell):
                    marks += [f"{p.post.type}" for p in item.posts] or ["**empty**"]
                else:
                    marks.append(f"{item.post.type} (outside)")
            cells.append(" ".join([str(day.day), *marks]))
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "### Slots", "", "| when | type | post | accounts |", "|---|---|---|---|"]
    for cell in plan.slots:
        if cell.empty:
            out.append(f"| {_day(cell.when)} | **empty** | | |")
        for item in cell.posts:
            out.append(f"| {_day(cell.when)} | {_md_row(item)} |")
    out += ["", "### Outside the slots", ""]
    out += [f"- {_day(p.local)} · {_md_row(p).replace(' | ', ' · ')}" for p in plan.outside]
    out += [] if plan.outside else ["_none_"]
    verdict = "all rules pass" if plan.rules_ok else "**a rule fails**"
    out += ["", f"### Mix ({plan.total} posts): {verdict}", "", "| type | posts | share | rules |"]
    out.append("|---|---:|---:|---|")
    for figure in plan.mix:
        rules = md_escape(_rule_text(plan, figure.type, no_paint)).replace("FAILS", "**FAILS**")
        out.append(f"| {md_escape(figure.type)} | {figure.count} | {figure.share:.0%} | {rules} |")
    since = plan.now.astimezone(group.tz)
    out += ["", f"### Next 7 days (from {since:%a %d %b %H:%M %Z})", ""]
    for item in plan.upcoming:
        stamp = f"{item.when:%a %d %b %H:%M}"
        if item.post is None:
            out.append(f"- {stamp} · **empty slot**")
        else:
            out.append(f"- {stamp} · {_md_row(item.post).replace(' | ', ' · ')}")
    out += [] if plan.upcoming else ["_nothing_"]
    return "\n".join(out) + "\n"


def _md_row(item: Planned) -> str:
    return f"{md_escape(item.post.type)} | {md_escape(item.title)} | {md_escape(states_text(item))}"


def gaps_markdown(plan: MonthPlan) -> str:
    out = [f"## {md_escape(plan.group.name)} — {plan.title}: {_gaps_head(plan)}", ""]
    out += [f"- {c.when:%a %Y-%m-%d %H:%M %Z} ({md_escape(c.slot.text)})" for c in plan.gaps_ahead]
    return "\n".join(out) + "\n"


# -- JSON -----------------------------------------------------------------------------------
def _iso(when: dt.datetime) -> str:
    return when.isoformat(timespec="minutes")


def _utc(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def _post(item: Planned) -> dict:
    post = item.post
    return {
        "id": post.id,
        "path": post.path,
        "local": _iso(post.date),
        "utc": _utc(post.date),
        "type": post.type,
        "title": item.title,
        "status": post.status,
        "in_slot": item.in_slot,
        "accounts": [{"account": r.account, "state": r.state, "url": r.url} for r in item.states],
    }


def _cell(cell: SlotCell) -> dict:
    return {
        "local": _iso(cell.when),
        "utc": _utc(cell.when),
        "slot": cell.slot.text,
        "posts": [_post(p) for p in cell.posts],
    }


def as_dict(plan: MonthPlan, gaps_only: bool = False) -> dict:
    group = plan.group
    data: dict = {"group": group.id, "name": group.name, "timezone": group.timezone}
    data["month"] = plan.label
    if gaps_only:
        data["empty"] = [_cell(c) for c in plan.gaps_ahead]
        return data
    data["slots"] = [_cell(c) for c in plan.slots]
    data["counts"] = {
        "slots": len(plan.slots),
        "filled": len(plan.slots) - len(plan.gaps),
        "empty": len(plan.gaps),
        "outside": len(plan.outside),
    }
    data["outside"] = [_post(p) for p in plan.outside]
    data["mix"] = {
        "total": plan.total,
        "ok": plan.rules_ok,
        "types": [{**asdict(t), "share": round(t.share, 4)} for t in plan.mix],
        "rules": [r.as_dict() for r in plan.rules],
    }
    data["next_7_days"] = [
        {"local": _iso(u.when), "utc": _utc(u.when), "post": _post(u.post) if u.post else None}
        for u in plan.upcoming
    ]
    return data


def as_json(plans: list[MonthPlan], now: dt.datetime, ledger: bool, gaps_only: bool = False) -> str:
    groups = [as_dict(p, gaps_only) for p in plans]
    data = {"now": _utc(now), "ledger": ledger, "groups": groups}
    return json.dumps(data, ensure_ascii=False, indent=2)
