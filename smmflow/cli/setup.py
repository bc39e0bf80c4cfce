"""Commands that set a repository up: workflow (the publish schedule from the plan and
its cost), schema (JSON Schemas for editors), add-group (another client)."""

from __future__ import annotations

import datetime as dt
import sys

import click

from ..errors import ExitCode, SmmflowError
from .common import NOW_HELP, fail, now_option, repo_root


@click.command()
@click.option(
    "--cost", is_flag=True, help="Print the runs and billed minutes a month; write nothing."
)
@click.option(
    "--check", "check_only", is_flag=True, help="Exit 1 when the file is not as the plan needs."
)
@click.option(
    "--prs", type=float, help="Pull requests a month for --cost (default: one a week per group)."
)
@click.option("--now", "now_text", help=NOW_HELP)
def workflow(cost: bool, check_only: bool, prs: float | None, now_text: str | None) -> None:
    """Write the `schedule:` of .github/workflows/publish.yml from the plan, and the
    secrets its steps pass (one line per `*_env` an account names).

    A run a few minutes after every slot of every group and every post's time, in UTC
    across DST changes (a line per offset, limited to the months it holds), plus the
    daily metrics run, catch-up runs every 8 hours and the weekly token-health run.
    `smmflow check` fails while the file misses a run the plan needs.
    """
    from ..content import repo
    from ..errors import UsageError
    from ..plan import starter, workflowfile

    try:
        root = repo_root(())
        loaded = repo.load(root)
        path = root / workflowfile.PUBLISH
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        base = text or starter.workflow_text("publish.yml")  # none yet: init's
        now = now_option(now_text)
        lines = workflowfile.planned(loaded.groups.values(), loaded.posts, now)
        wanted = workflowfile.updated(base, loaded.groups.values(), loaded.posts, now)
    except (SmmflowError, OSError, UnicodeDecodeError) as exc:
        fail(exc if isinstance(exc, SmmflowError) else UsageError(str(exc)))
    if cost:
        _cost(text or wanted, wanted, prs if prs is not None else len(loaded.groups) * 52 / 12, now)
    elif check_only:
        if wanted != text:
            click.echo(f"{workflowfile.PUBLISH}: {workflowfile.FIX}", err=True)
            sys.exit(int(ExitCode.PROBLEMS))
        click.echo(f"{workflowfile.PUBLISH}: as the plan needs", err=True)
    elif wanted == text:
        click.echo(f"{workflowfile.PUBLISH}: already as the plan needs ({len(lines)} lines)")
    else:
        _write(path, wanted)
        click.echo(f"wrote {workflowfile.PUBLISH}: {len(lines)} schedule lines")


def _write(path, text: str) -> None:
    from ..outputs import writing

    try:
        with writing(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except SmmflowError as exc:
        fail(exc)


def _cost(text: str, wanted: str, prs: float, now: dt.datetime) -> None:
    from ..plan.cost import estimate
    from ..plan.cron import Cron, CronError
    from ..plan.workflowfile import read_schedule

    for label, body in (("as the workflow is now", text), ("with the plan's schedule", wanted)):
        block = read_schedule(body)
        crons = []
        for _, line in block.crons if block else ():
            try:
                crons.append(Cron.parse(line))
            except CronError:
                continue
        found = estimate(crons, body, prs, now.date())
        click.echo(f"{label}: {found.total:,} billed minutes a month")
        for row in found.lines():
            click.echo(row)
        if body == wanted or text == wanted:
            break
    click.echo(
        "formula: runs a month × billed jobs per run × 1 minute (GitHub rounds each job up to "
        "a whole minute); scheduled runs = each cron line's runs in the next 365 days / 12; "
        "pull requests: check + preview comment per push, a publish run per merge."
    )


@click.command("add-group")
@click.argument("group_id", metavar="ID")
@click.option("--name", required=True, help="The client's name shown to people.")
@click.option("--timezone", required=True, help="IANA timezone, e.g. Europe/Bucharest.")
def add_group(group_id: str, name: str, timezone: str) -> None:
    """Add another client (group ID) to this content repository: schedules/ID.yml, its
    folder and a starter draft; the publish workflow's schedule is rewritten for it."""
    from ..content.groups import GROUP_ID
    from ..content.timeparse import TimeError
    from ..errors import UsageError
    from ..plan import starter

    try:
        if not GROUP_ID.match(group_id):
            raise UsageError(f"ID {group_id!r}: use lowercase letters, digits and -")
        root = repo_root(())
        try:
            made = starter.add_group(root, group_id, name, timezone, dt.date.today())
        except TimeError as exc:
            raise UsageError(f"--timezone: {exc}") from None
        if (written := starter.write_schedule(root, now_option(None))) is not None:
            made.append(written)
    except SmmflowError as exc:
        fail(exc)
    for path in made:
        click.echo(f"wrote {path.relative_to(root).as_posix()}")
    click.echo(
        f"next: add {group_id}'s accounts to schedules/{group_id}.yml, then `smmflow check`",
        err=True,
    )


@click.command()
@click.option("--out", default="schemas", show_default=True, help="Folder to write them in.")
def schema(out: str) -> None:
    """Write JSON Schemas of a post's front matter and of a group file (post.schema.json,
    group.schema.json), made from the keys `check` accepts, for editors: `init` points
    VS Code's YAML extension at them and each group file names its schema."""
    from pathlib import Path

    from ..content.jsonschema import texts, write_schemas

    try:
        folder = repo_root(()) / out if not Path(out).is_absolute() else Path(out)
    except SmmflowError:
        folder = Path(out)
    written = write_schemas(folder)
    for name in texts():
        state = "wrote" if folder / name in written else "up to date:"
        click.echo(f"{state} {(folder / name).as_posix()}")
