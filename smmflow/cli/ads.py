"""Commands for targeted ads (`ads plan|resolve|push|status`) and places (`places import`)."""

from __future__ import annotations

import json
import sys

import click

from ..errors import ExitCode, SmmflowError
from .common import NOW_HELP, fail, month_option, now_option, repo_root
from .publish import _duration, ledger_options

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@click.group()
def ads() -> None:
    """Targeted ads: audiences and promotions as reviewed files, created exactly once.

    `plan` shows what would be created and the budgets against each group's caps,
    `resolve` writes each platform's ids for the names in audience files, `push` creates
    the ads of approved, published posts (paused unless the group says ads_activate:
    true), `status` reads delivery and spend. See docs/ads.md.
    """


@ads.command("plan")
@click.option("--month", "month_text", help="Only promotions running in this month (YYYY-MM).")
@click.option("--group", help="Only this group.")
@FORMAT
def plan_command(month_text: str | None, group: str | None, fmt: str) -> None:
    """What `ads push` would create, per promotion and platform: the audience in words,
    the compiled targeting, the budget, and each group's monthly spend against its cap.

    Offline: needs no token and no network. Exit 1 when a promotion has problems.
    """
    from ..ads import plan
    from ..ads.session import load

    try:
        month = month_option(month_text)
        repo, found = load(repo_root(()), group)
        shown = plan.build(repo, found, group, month)
    except SmmflowError as exc:
        fail(exc)
    click.echo(
        json.dumps(shown, ensure_ascii=False, indent=2) if fmt == "json" else plan.text(shown)
    )
    sys.exit(int(ExitCode.PROBLEMS if shown["problems"] else ExitCode.OK))


@ads.command("resolve")
@click.option("--group", help="Only the audiences of this group.")
@click.option("--audience", help="Only this audience (its file name without .yml).")
def resolve_command(group: str | None, audience: str | None) -> None:
    """Look up each platform's ids for the names in audience files (regions, cities,
    interests, languages) and write them into the files' `ids:` block, for review.

    Asks Meta's targeting search and VK Ads' dictionaries with each group's ad account
    token. A name found nowhere is reported with the closest names the platform knows.
    """
    from ..ads import resolve

    try:
        done = resolve.run(repo_root(()), group, audience)
    except SmmflowError as exc:
        fail(exc)
    for line in done.written:
        click.echo(line)
    for problem in done.problems:
        click.echo(problem.format())
    click.echo(
        f"ads resolve: {len(done.written)} file(s) written, {len(done.problems)} problem(s)",
        err=True,
    )
    sys.exit(int(ExitCode.PROBLEMS if done.problems else ExitCode.OK))


@ads.command("push")
@click.option("--now", "now_text", help=NOW_HELP)
@click.option("--group", help="Only this group.")
@click.option(
    "--approvals",
    type=click.Choice(["github", "branch"]),
    help="github: the post, its audience and places files approved in a pull request "
    "(default in GitHub Actions); branch: being on the publish branch is approval.",
)
@click.option(
    "--lease", default="15m", show_default=True, help="How long another host's claim is respected."
)
@FORMAT
@ledger_options
def push_command(now_text, group, approvals, lease, fmt, remote, branch) -> None:
    """Create the ads of every approved promotion whose post is published: campaign,
    ad set and ad (VK: ad plan, group, banner), PAUSED unless the group has
    ads_activate: true; each recorded on the ledger, never created twice.

    Exit 0: done or nothing to do yet; 1: refused (check errors, a cap) or failed;
    3: a person must look (held for approval, an unknown outcome).
    """
    from ..ads.session import Options, run_push
    from ..ledger.remotes import default_remote

    try:
        options = Options(
            now=now_option(now_text),
            group=group,
            remote=remote or default_remote(),
            branch=branch,
            approvals=approvals,
            lease=_duration(lease),
        )
        report = run_push(repo_root(()), options)
    except SmmflowError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for o in report.outcomes:
            line = f"{o.state:<9} {o.post} → {o.platform}" + (f"  {o.url}" if o.url else "")
            click.echo(line + (f"\n          {o.detail}" if o.detail else ""))
        click.echo(f"ads push: {report.tally()}", err=True)
    sys.exit(int(report.exit_code))


@ads.command("status")
@click.option("--group", help="Only this group.")
@click.option("--offline", is_flag=True, help="Only what the ledger says: no token, no network.")
@FORMAT
@click.option("--remote", help="Read the ledger of this git remote (default: as `smmflow status`).")
def status_command(group, offline, fmt, remote) -> None:
    """Each promotion: what was created (ids, link), paused or active, and — from the
    platforms' insights — delivery, spend and results."""
    from ..ads import status
    from ..ledger.remotes import default_remote

    try:
        rows = status.rows(repo_root(()), group, offline, remote or default_remote())
    except SmmflowError as exc:
        fail(exc)
    click.echo(
        json.dumps(rows, ensure_ascii=False, indent=2) if fmt == "json" else status.text(rows)
    )


@click.group()
def places() -> None:
    """Places files (places/*.csv): named points audiences target with a radius."""


@places.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", help="The places file to write: places/NAME.csv (default: FILE's name).")
@click.option(
    "--kind",
    help="The kind of every place, e.g. metro_station (default: from the data, else place).",
)
def import_command(file: str, name: str | None, kind: str | None) -> None:
    """Import points from a CSV (name, latitude/lat, longitude/lon/lng) or a GeoJSON file
    (e.g. an OpenStreetMap export) into places/NAME.csv; places already there are kept."""
    from pathlib import Path

    from ..ads import importer

    try:
        done = importer.run(repo_root(()), Path(file), name, kind)
    except SmmflowError as exc:
        fail(exc)
    for problem in done.problems:
        click.echo(problem.format(), err=True)
    click.echo(f"{done.path}: {done.added} added, {done.kept} kept")
    for note in done.notes:
        click.echo(note, err=True)
    sys.exit(int(ExitCode.PROBLEMS if done.problems else ExitCode.OK))
