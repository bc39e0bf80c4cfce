"""Commands about how the pages do and what the client is told: metrics, report."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from ..errors import ExitCode, SmmflowError
from .common import NOW_HELP, fail, month_option, now_option, repo_root


def _day(text: str | None) -> dt.date | None:
    from ..content.timeparse import TimeError, parse_date

    if text is None:
        return None
    try:
        return parse_date(text)
    except TimeError as exc:
        raise click.BadParameter(str(exc), param_hint="--date") from None


@click.command()
@click.option("--group", help="Only this group.")
@click.option(
    "--date",
    "day",
    help="Record the numbers as this day's (YYYY-MM-DD; default: today in each group's timezone).",
)
@click.option("--remote", help="Share the ledger through this git remote (default: as for sync).")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def metrics(group, day, remote, fmt) -> None:
    """Read each account's numbers from its platform (followers; likes, replies, shares
    and views of recent posts, as far as the platform's API gives them) and keep them on
    the ledger branch, one snapshot per group and day. Exit 1 when an account could not
    be read."""
    from ..ledger.remotes import default_remote
    from ..metrics.collect import measure_repository

    when = _day(day)
    try:
        results = measure_repository(
            repo_root(()), group=group, day=when, remote=remote or default_remote()
        )
    except SmmflowError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
    for r in results if fmt == "text" else ():
        where = f"{r.group}/{r.account} ({r.platform})"
        if r.state == "measured":
            followers = "" if r.followers is None else f", {r.followers} followers"
            click.echo(f"measured     {where}: {r.posts} post(s){followers}")
        elif r.state == "failed":
            click.echo(f"failed       {where}: {r.error}")
        else:
            click.echo(f"not measured {where}: {'; '.join(r.notes)}")
        for note in r.notes if r.state == "measured" else ():
            click.echo(f"             not available: {note}")
    failed = any(r.state == "failed" for r in results)
    sys.exit(int(ExitCode.PROBLEMS if failed else ExitCode.OK))


@click.command()
@click.option("--month", "month_text", required=True, help="The month, e.g. 2026-12.")
@click.option("--group", help="Only this group (default: one report per group).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "json", "csv", "pdf"]),
    default="html",
    show_default=True,
    help="csv: the invoice lines; pdf: the html printed by headless Chromium.",
)
@click.option(
    "--out", type=click.Path(file_okay=False), help="Folder for the reports (default: reports/)."
)
@click.option("--now", "now_text", help=NOW_HELP)
@click.option("--remote", help="Read the ledger of this git remote (default: as for status).")
def report(month_text, group, fmt, out, now_text, remote) -> None:
    """The monthly report of each client: the plan against what happened, approvals,
    engagement and followers as charts, community and ads when there are any, and the
    invoice estimate from the group's `billing:`. Files: OUT/<group>-<month>.<format>."""
    from ..ledger.remotes import default_remote
    from ..report.build import make

    month = month_option(month_text)
    now = now_option(now_text) if now_text else None
    try:
        made = make(
            repo_root(()),
            month,
            group=group,
            fmt=fmt,
            out=Path(out) if out else None,
            now=now,
            remote=remote or default_remote(),
        )
    except SmmflowError as exc:
        fail(exc)
    for path in made.written:
        click.echo(str(path))
    for why in made.skipped + made.notes:
        click.echo(f"smmflow: {why}", err=True)
    sys.exit(int(ExitCode.PROBLEMS if made.problems else ExitCode.OK))
