"""Commands for the content plan: plan, repeat, calendar, site."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from ..errors import SmmflowError, UsageError
from .common import NOW_HELP, clock, fail, month_option, now_option, repo_root, shower

BASE_URL_HELP = "Public URL where the site folder (public/) is served, e.g. https://ana.github.io/repo/: event URLs become absolute."
SITE_BASE_HELP = "Public URL where OUT is served, e.g. https://ana.github.io/repo/: adds canonical links and webcal:// subscription links (page links stay relative)."


def _year_month(text: str | None) -> tuple[int, int] | None:
    shown = month_option(text)
    return None if shown is None else (int(shown[:4]), int(shown[5:]))


def _months(month: tuple[int, int] | None, now: dt.datetime) -> set[tuple[int, int]]:
    if month is not None:
        return {month}
    months = {(now.year, now.month)}
    for delta in (-1, 1):
        shifted = now + dt.timedelta(days=31 * delta)
        months.add((shifted.year, shifted.month))
    return months


def _window(month: tuple[int, int] | None, now: dt.datetime) -> list:
    """The instants whose posts a plan may show (`_shown`), a day either side: only
    these posts are read (`repo.load(window=...)`)."""
    day, utc = dt.timedelta(days=1), dt.timezone.utc
    spans = [(now - 2 * day, now + 9 * day)]
    for year, mon in _months(month, now):
        first = dt.datetime(year, mon, 1, tzinfo=utc)
        after = (first + dt.timedelta(days=32)).replace(day=1)
        spans.append((first - day, after + day))
    return spans


def _shown(loaded, month: tuple[int, int] | None, now: dt.datetime):
    """The repository with only the posts a plan can show: its month (a day either side,
    for timezones) and the next 7 days. States are asked for these alone."""
    import dataclasses

    months = _months(month, now)
    soon_end = now + dt.timedelta(days=8)
    keep = [
        p
        for p in loaded.posts
        if (p.date.year, p.date.month) in months or now - dt.timedelta(days=1) <= p.utc <= soon_end
    ]
    return dataclasses.replace(loaded, posts=keep)


def _groups(loaded, group: str | None) -> list:
    if group is None:
        return [loaded.groups[g] for g in sorted(loaded.groups)]
    if group not in loaded.groups:
        known = ", ".join(sorted(loaded.groups)) or "none"
        raise UsageError(f"no group {group!r} (known: {known})")
    return [loaded.groups[group]]


def _colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@click.command()
@click.option(
    "--month",
    "month_text",
    help="Month to show, e.g. 2026-12 (default: the month of --now in each group's timezone).",
)
@click.option("--group", help="Only this group.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text for a terminal (coloured on a tty unless NO_COLOR is set), markdown for an issue or pull request, json for tools.",
)
@click.option("--gaps", is_flag=True, help="List only the month's empty slots.")
@click.option("--now", "now_text", help=NOW_HELP)
def plan(month_text, group, fmt, gaps, now_text) -> None:
    """The content plan: per group, the month as a calendar.

    Every slot with its post (type, accounts, and each account's state from the
    ledger when there is one) or marked empty; posts outside the slots; the type mix
    against the group's rules; what comes in the next 7 days. Without a git
    repository the states are only draft, ready or scheduled.
    """
    from ..check.output import as_text
    from ..content import repo as repo_module
    from ..plan import month as plan_module
    from ..plan import views
    from ..publish.rows import for_plan

    month = _year_month(month_text)
    now = now_option(now_text)
    try:
        root = repo_root(())
        loaded = repo_module.load(root, window=_window(month, now))
        chosen = _groups(loaded, group)
        rows, has_ledger = for_plan(root, _shown(loaded, month, now), clock(now))
    except SmmflowError as exc:
        fail(exc)
    errors = [p for p in loaded.problems if p.severity.value == "error"]
    if errors:
        click.echo(
            f"plan: {len(errors)} problem(s) leave some posts out (run `smmflow check`)", err=True
        )
        click.echo(as_text(errors[:5], shower(root)), err=True)
    plans = []
    posts_by_group: dict[str, list] = {}
    for post in loaded.posts:
        posts_by_group.setdefault(post.group, []).append(post)
    rows_by_group: dict[str, list] = {}
    for row in rows:
        rows_by_group.setdefault(row.group, []).append(row)
    for grp in chosen:
        year, mon = month or plan_module.current_month(grp, now)
        plans.append(
            plan_module.build(
                grp, posts_by_group.get(grp.id, []), rows_by_group.get(grp.id, []), year, mon, now
            )
        )
    repo_module.remember(loaded)  # the headlines worked out, for the next plan
    if not plans:
        click.echo("plan: no groups yet (add schedules/<group>.yml)", err=True)
    if fmt == "json":
        click.echo(views.as_json(plans, now, has_ledger, gaps))
        return
    if fmt == "markdown":
        render = views.gaps_markdown if gaps else views.markdown
        click.echo("\n".join(render(p) for p in plans), nl=False)
        return
    paint = click.style if _colour() else views.no_paint
    render = views.gaps_text if gaps else views.text
    click.echo("\n\n".join(render(p, paint) for p in plans), color=_colour())


@click.command()
@click.argument("post")
@click.option("--every", type=click.Choice(["week", "month"]), required=True, help="How often.")
@click.option(
    "--until", "until_text", metavar="DATE", help="Last date (inclusive, local), e.g. 2027-03-31."
)
@click.option("--count", type=click.IntRange(1, 100), help="How many copies (at most 100).")
def repeat(post, every, until_text, count) -> None:
    """Write dated copies of POST, every week or month, as new files.

    Each copy keeps the post's local wall-clock time in its group's timezone (so
    across a DST change its UTC time moves by an hour) and everything else in the
    file, status included; each is a new file that goes through review like any
    other. Monthly copies on a day a month lacks (the 31st) skip that month. A time
    that does not exist or exists twice on a date (DST) is an error: nothing is
    written. Existing files are never overwritten. Give --until, --count or both.
    """
    from ..content import repo as repo_module
    from ..content.timeparse import TimeError, parse_date
    from ..plan.repeat import find_post, plan_copies, write_copies

    try:
        until = parse_date(until_text) if until_text else None
    except TimeError as exc:
        raise click.BadParameter(str(exc), param_hint="--until") from None
    try:
        if until is None and count is None:
            raise UsageError("give --until DATE or --count N (or both): how far to repeat")
        root = repo_root(())
        loaded = repo_module.load(root)
        original = find_post(loaded, post)
        copies = plan_copies(root, loaded.groups[original.group], original, every, until, count)
        written = write_copies(root, copies)
    except SmmflowError as exc:
        fail(exc)
    show = shower(root)
    for note in copies.skipped:
        click.echo(f"skipped {note}", err=True)
    for copy, path in zip(copies.copies, written, strict=True):
        utc = copy.when.astimezone(dt.timezone.utc)
        click.echo(f"{show(path)}  ({copy.when:%a %Y-%m-%d %H:%M %Z}, {utc:%H:%M} UTC)")
    click.echo(f"repeat: {len(written)} new file(s); review and commit them", err=True)


def _stamp(now_text: str | None) -> dt.datetime:
    """DTSTAMP: --now, else SOURCE_DATE_EPOCH (reproducible builds), else the clock."""
    if now_text is None and os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.timezone.utc)
    return now_option(now_text).replace(microsecond=0)


@click.command()
@click.option("--group", help="Only this group (then no all.ics is written).")
@click.option(
    "--ics",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write <group>.ics and all.ics into.",
)
@click.option("--base-url", help=BASE_URL_HELP)
@click.option(
    "--now",
    "now_text",
    help="Time written as every event's DTSTAMP (default: now, or $SOURCE_DATE_EPOCH).",
)
def calendar(group, out, base_url, now_text) -> None:
    """Write the plan as iCalendar files (RFC 5545) to subscribe to.

    One file per group and all.ics with every group: one event per post at its UTC
    time, 15 minutes long, with the post's type and accounts, and a link to its page
    in the plan site (`smmflow site`; relative to the site's plan/ folder unless
    --base-url is given).
    """
    from ..content import repo as repo_module
    from ..plan import ics

    stamp = _stamp(now_text)
    try:
        loaded = repo_module.load(repo_root(()))
        chosen = _groups(loaded, group)
        written = ics.write_calendars(
            Path(out), loaded, chosen, stamp, base_url, combined=group is None
        )
    except SmmflowError as exc:
        fail(exc)
    for path in written:
        click.echo(str(path))


@click.command()
@click.argument("out", required=False, type=click.Path(file_okay=False))
@click.option("--base-url", help=SITE_BASE_HELP)
@click.option("--now", "now_text", help=NOW_HELP)
def site(out, base_url, now_text) -> None:
    """Write the plan as a static site into OUT/plan/ (default OUT: public/).

    For the admin and the clients, ready for GitHub Pages and readable offline: an
    index of groups; per group each month as a calendar with the posts coloured by
    type, empty slots and the mix; per post a page with the text exactly as each
    platform receives it, its length against the limit, and its state. No
    JavaScript. It sits beside the feed site (public/index.html, public/<group>/)
    without touching it; it also writes the calendars (plan/<group>.ics, plan/all.ics).
    """
    from ..content import repo as repo_module
    from ..plan import site as site_module
    from ..publish.rows import for_plan

    now = now_option(now_text)
    try:
        root = repo_root(())
        loaded = repo_module.load(root)
        rows, _ = for_plan(root, loaded, clock(now))
        folder = Path(out) if out else root / "public"
        written = site_module.build(folder, loaded, rows, now, base_url, stamp=_stamp(now_text))
    except SmmflowError as exc:
        fail(exc)
    index = folder / site_module.FOLDER / "index.html"
    click.echo(
        f"site: {len(written)} file(s) in {folder / site_module.FOLDER}; open {index}", err=True
    )
