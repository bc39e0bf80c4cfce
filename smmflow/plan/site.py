"""`smmflow site`: the content plan as a static site for the admin and the clients.

Layout, all under OUT/plan/ so that it sits beside the feed site (which owns
OUT/index.html and OUT/<group>/) without touching it:

    plan/index.html                     every group: this month, gaps, mix, calendar link
    plan/<group>/index.html             the group's months and its next 7 days
    plan/<group>/<YYYY-MM>.html         a month: calendar grid, outside posts, mix chart
    plan/<group>/posts/<slug>.html      a post as each of its platforms receives it
    plan/<group>/media/...              copies of the media the posts show
    plan/<group>.ics, plan/all.ics      the same plan to subscribe to (`ics`)

Links are relative, so the site works offline and wherever it is served; `base_url`
only adds canonical links and absolute subscription URLs. smmflow owns plan/: files
there that a run did not write (a deleted post's page) are removed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from ..content import overrides
from ..content.repo import Repo
from ..errors import UsageError
from ..ledger.status import Row
from ..model import IMAGE_SUFFIXES, VIDEO_SUFFIXES, Group, Post
from ..outputs import writing
from ..platforms import registry
from ..text.escape import esc
from ..text.i18n import Words, state_name, type_name, words
from . import ics
from . import month as plan_module
from .month import MonthPlan, Planned
from .sitehtml import (
    STATE_CLASS,
    document,
    month_page,
    month_title,
    type_class,
    upcoming_list,
    write_file,
)

FOLDER = "plan"
MEDIA_SUFFIXES = IMAGE_SUFFIXES | VIDEO_SUFFIXES


NEAR = 12  # empty months shown around each month with posts (and now's)


def _months(group: Group, posts: list[Post], now: dt.datetime) -> list[tuple[int, int]]:
    """Every month from the first post's (or now's) to the last post's (or now's), except
    empty months more than `NEAR` months from any month with posts: a post years away (or
    a typo in its year) adds its month, not a page for every month on the way."""
    found = {plan_module.current_month(group, now)}
    found |= {(p.date.year, p.date.month) for p in posts if p.status != "withdrawn"}
    anchors = sorted(year * 12 + month - 1 for year, month in found)
    months = []
    for index in range(anchors[0], anchors[-1] + 1):
        at = bisect.bisect_left(anchors, index)
        near = [abs(anchors[i] - index) for i in (at - 1, at) if 0 <= i < len(anchors)]
        if min(near) <= NEAR:
            months.append((index // 12, index % 12 + 1))
    return months


def _check_names(groups: Iterable[Group]) -> None:
    ids = [g.id for g in groups]
    if FOLDER in ids:
        raise UsageError(
            f"a group named {FOLDER!r} would share OUT/{FOLDER}/ with the plan site; rename it"
        )
    ics.check_names(groups)


def _media_parts(src: str) -> tuple[str, ...]:
    # The loader already refused absolute paths, `..` and links leaving the group folder.
    return tuple(p for p in PurePosixPath(src.replace("\\", "/")).parts if p != ".")


def _copy_media(folder: Path, post: Post) -> list[Path]:
    copied = []
    for media in post.media:
        target = folder.joinpath(*_media_parts(media.src))
        if not (target.is_file() and target.read_bytes() == media.file.read_bytes()):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(media.file, target)
        copied.append(target)
    return copied


def _href(base: str, parts: tuple[str, ...]) -> str:
    return base + "/".join(quote(p, safe="") for p in parts)


def _link(url: str, depth: str) -> str:
    """A ledger URL as a link: web URLs as they are, the feed's relative ones from public/."""
    if url.startswith(("https://", "http://")):
        return f'<a href="{esc(url)}">{esc(url)}</a>'
    if url and ":" not in url.split("/")[0]:
        return f'<a href="{esc(depth + url)}">{esc(url)}</a>'
    return f"<code>{esc(url)}</code>"


def _account_section(post: Post, group: Group, row: Row | None, index: int, w: Words) -> str:
    account = group.account(row.account if row else "")
    name = row.account if row else "?"
    cls = registry.get(account.platform) if account else None
    head = f'<h3 id="a{index}">{esc(name)}'
    head += f" <small>({esc(cls.title)})</small></h3>\n" if cls else "</h3>\n"
    parts = [f'<section class="platform" aria-labelledby="a{index}">\n{head}']
    if row is not None:
        state = f'<span class="{STATE_CLASS.get(row.state, "quiet")}">{esc(state_name(w, row.state))}</span>'
        if row.url:
            state += " · " + _link(row.url, "../../../")
        parts.append("<p>" + esc(w.gettext("State:")) + f" {state}</p>\n")
        if row.detail:
            parts.append(f"<p>{esc(row.detail)}</p>\n")
    if cls is None:
        unknown = esc(w.gettext("Unknown platform: nothing to preview."))
        parts.append(f"<p>{unknown}</p>\n</section>\n")
        return "".join(parts)
    sent = cls.render(overrides.view(post, account) if account else post)  # its own text
    if sent.limit is None:
        size = esc(w.gettext("{n} {unit}, no limit").format(n=sent.length, unit=sent.unit))
    else:
        over = sent.length - sent.limit
        if over > 0:
            over_text = esc(w.gettext("{n} over the limit").format(n=over))
            verdict = f'<strong class="bad">{over_text}</strong>'
        else:
            verdict = esc(w.gettext("fits"))
        size = esc(
            w.gettext("{n} of {limit} {unit}:").format(
                n=sent.length, limit=sent.limit, unit=sent.unit
            )
        )
        size = f"{size} {verdict}"
    length, as_sent = esc(w.gettext("Length:")), esc(w.gettext("As sent"))
    parts.append(
        f'<p>{length} {size}</p>\n<h4>{as_sent}</h4>\n<pre class="sent">{esc(sent.text)}</pre>\n'
    )
    if sent.visible != sent.text:
        seen = esc(w.gettext("As readers see it"))
        parts.append(f'<h4>{seen}</h4>\n<pre class="sent">{esc(sent.visible)}</pre>\n')
    parts.append("</section>\n")
    return "".join(parts)


def _facts(item: Planned, group: Group, types: list[str], w: Words) -> str:
    post = item.post
    local = post.date.astimezone(group.tz)
    if item.in_slot:
        slot = esc(w.gettext("one of the group's slots"))
    else:
        slot = "<strong>" + esc(w.gettext("outside the slots")) + "</strong>"
    kind = type_class(post.type, types)
    when = f"{w.pattern(local, 'EEE yyyy-MM-dd HH:mm')} {local.tzname() or ''}"
    names = [w.gettext("When"), w.gettext("Type"), w.gettext("File"), w.gettext("Accounts")]
    when_, type_, file_, accounts_ = (esc(n) for n in names)
    status = esc(w.gettext("status {status}").format(status=state_name(w, post.status)))
    return (
        f'<dl class="facts">\n'
        f"<dt>{when_}</dt><dd>{esc(when)} ({post.utc:%Y-%m-%d %H:%M} UTC), {slot}</dd>\n"
        f'<dt>{type_}</dt><dd><span class="item {kind}">{esc(type_name(w, post.type))}</span></dd>\n'
        f"<dt>{file_}</dt><dd><code>{esc(post.path)}</code>, {status}</dd>\n"
        f"<dt>{accounts_}</dt><dd>{esc(', '.join(post.platforms))}</dd>\n</dl>\n"
    )


def post_page(
    item: Planned, group: Group, month: str, types: list[str], page: str, base: str | None
) -> bytes:
    w = words(group.language)
    post, title = item.post, esc(item.title)
    month_name = esc(w.month(int(month[:4]), int(month[5:7])))
    figures = "".join(
        f'<figure><img src="{esc(_href("../", _media_parts(m.src)))}" alt="{esc(m.alt)}"></figure>\n'
        if m.kind == "image"
        else f'<figure><video controls preload="none" src="{esc(_href("../", _media_parts(m.src)))}" aria-label="{esc(m.alt)}">{esc(m.alt)}</video></figure>\n'
        for m in post.media
    )
    rows = list(item.states) or [None]
    sections = "".join(_account_section(post, group, r, i, w) for i, r in enumerate(rows))
    crumbs, plan_word = esc(w.gettext("Breadcrumbs")), esc(w.gettext("Content plan"))
    media, each = esc(w.gettext("Media")), esc(w.gettext("On each platform"))
    body = (
        f'<nav class="crumbs" aria-label="{crumbs}"><a href="../../index.html">{plan_word}</a> › '
        f'<a href="../index.html">{esc(group.name)}</a> › <a href="../{month}.html">{month_name}</a></nav>\n'
        f"<main>\n<article>\n<h1>{title}</h1>\n{_facts(item, group, types, w)}"
        + (f"<h2>{media}</h2>\n{figures}" if figures else "")
        + f"<h2>{each}</h2>\n{sections}</article>\n</main>\n"
    )
    head = ""
    if base:
        url = f"{base.rstrip('/')}/{FOLDER}/{quote(group.id)}/posts/{quote(page, safe='')}.html"
        head = f'<link rel="canonical" href="{esc(url)}">\n'
    return document(f"{title} · {esc(group.name)}", body, types, head, group.language)


def _subscribe(group_id: str, base: str | None, depth: str, w: Words | None = None) -> str:
    w = w or words("en")
    name = f"{quote(group_id, safe='')}.ics"
    if not base:
        file = esc(w.gettext("Calendar file (iCalendar)"))
        return f'<a href="{depth}{name}" type="text/calendar">{file}</a>'
    url = f"{base.rstrip('/')}/{FOLDER}/{name}"
    webcal = "webcal://" + url.split("://", 1)[-1]
    subscribe, file = esc(w.gettext("Subscribe to the calendar")), esc(w.gettext("iCalendar file"))
    return (
        f'<a href="{esc(webcal)}">{subscribe}</a> '
        f'(<a href="{esc(url)}" type="text/calendar">{file}</a>)'
    )


def group_index(
    group: Group,
    plans: list[MonthPlan],
    current: MonthPlan,
    pages: dict[str, str],
    base: str | None,
) -> bytes:
    w = words(group.language)
    items = []
    for p in plans:
        mark = ' aria-current="page"' if p is current else ""
        if p.rules_ok:
            verdict = esc(w.gettext("mix ok"))
        else:
            verdict = '<strong class="bad">' + esc(w.gettext("mix rule fails")) + "</strong>"
        said = w.gettext("{posts} posts, {slots} slots, {empty} empty,").format(
            posts=len(p.planned), slots=len(p.slots), empty=len(p.gaps)
        )
        items.append(
            f'<li><a href="{p.label}.html"{mark}>{esc(month_title(p, w))}</a>: {esc(said)} {verdict}</li>\n'
        )
    slots = ", ".join(s.text for s in group.slots) or w.gettext("none")
    where = w.gettext("Timezone {zone} · slots {slots}").format(zone=group.timezone, slots=slots)
    crumbs, plan_word = esc(w.gettext("Breadcrumbs")), esc(w.gettext("Content plan"))
    months, soon = esc(w.gettext("Months")), esc(w.gettext("Next 7 days"))
    types = [t.type for t in current.mix]
    body = (
        f'<nav class="crumbs" aria-label="{crumbs}"><a href="../index.html">{plan_word}</a></nav>\n'
        f"<main>\n<h1>{esc(group.name)}</h1>\n<p>{esc(where)} · "
        f"{_subscribe(group.id, base, '../', w)}</p>\n<h2>{months}</h2>\n<ul>\n{''.join(items)}</ul>\n"
        f"<h2>{soon}</h2>\n{upcoming_list(current, types, pages)}</main>\n"
    )
    return document(esc(group.name), body, types, lang=group.language)


def root_index(entries: list[tuple[Group, MonthPlan]], now: dt.datetime, base: str | None) -> bytes:
    rows = []
    for group, p in entries:
        gid = quote(group.id, safe="")
        verdict = "all rules pass" if p.rules_ok else '<strong class="bad">a rule fails</strong>'
        rows.append(
            f'<tr><th scope="row"><a href="{gid}/index.html">{esc(group.name)}</a></th>'
            f'<td>{esc(group.timezone)}</td><td><a href="{gid}/{p.label}.html">{p.title}</a></td>'
            f"<td>{len(p.planned)}</td><td>{len(p.gaps)}</td><td>{verdict}</td>"
            f"<td>{_subscribe(group.id, base, '')}</td></tr>\n"
        )
    body = (
        "<main>\n<h1>Content plan</h1>\n"
        f"<p>As of {now:%Y-%m-%d %H:%M} UTC. {_subscribe(ics.COMBINED, base, '')} with every group.</p>\n"
        '<table class="mix">\n<caption>Groups and their current month</caption>\n<thead><tr>'
        '<th scope="col">Group</th><th scope="col">Timezone</th><th scope="col">Month</th>'
        '<th scope="col">Posts</th><th scope="col">Empty slots</th><th scope="col">Mix</th>'
        f'<th scope="col">Calendar</th></tr></thead>\n<tbody>\n{"".join(rows)}</tbody>\n</table>\n</main>\n'
    )
    return document("Content plan", body)


def build(
    public: Path,
    repo: Repo,
    rows: list[Row],
    now: dt.datetime,
    base_url: str | None = None,
    stamp: dt.datetime | None = None,
) -> list[Path]:
    """Write the whole plan site into public/plan/; returns every file it holds."""
    groups = [repo.groups[g] for g in sorted(repo.groups)]
    _check_names(groups)
    out = public / FOLDER
    with writing(out):
        return _build(out, repo, rows, groups, now, base_url, stamp)


def _build(
    out: Path,
    repo: Repo,
    rows: list[Row],
    groups: list[Group],
    now: dt.datetime,
    base_url: str | None,
    stamp: dt.datetime | None,
) -> list[Path]:
    pages = ics.page_names(repo.posts)
    written: list[Path] = []
    entries = []
    for group in groups:
        folder = out / group.id
        months = _months(group, repo.posts_of(group.id), now)
        plans = [plan_module.build(group, repo.posts, rows, y, m, now) for y, m in months]
        current = next(
            p for p in plans if (p.year, p.month) == plan_module.current_month(group, now)
        )
        entries.append((group, current))
        for i, p in enumerate(plans):
            before = plans[i - 1] if i else None
            after = plans[i + 1] if i + 1 < len(plans) else None
            subscribe = _subscribe(group.id, base_url, "../", words(group.language))
            page = month_page(p, before, after, pages, p is current, subscribe)
            written.append(write_file(folder / f"{p.label}.html", page))
            types = [t.type for t in p.mix]
            for item in p.planned:
                page = pages[item.post.id]
                data = post_page(item, group, p.label, types, page, base_url)
                written.append(write_file(folder / "posts" / f"{page}.html", data))
                written += _copy_media(folder, item.post)
        written.append(
            write_file(folder / "index.html", group_index(group, plans, current, pages, base_url))
        )
    written.append(write_file(out / "index.html", root_index(entries, now, base_url)))
    written += ics.write_calendars(out, repo, groups, stamp or now, base_url, True, pages)
    _prune(out, set(written))
    return written


def _prune(out: Path, keep: set[Path]) -> None:
    """Remove pages, calendars and media that earlier runs wrote and this one did not."""
    ours = {".html", ".ics", *MEDIA_SUFFIXES}
    for path in sorted(out.rglob("*"), reverse=True):
        if path.is_file() and path not in keep and path.suffix.lower() in ours:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
