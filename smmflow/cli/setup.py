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
    """Write the `schedule:` of .github/workflows/publish.yml from the plan.

    A run a few minutes after every slot of every group and every post's time, in UTC
    across DST changes (a line per offset, limited to the months it holds), plus the
    daily metrics run, catch-up runs every 8 hours and the weekly token-health run.
    `smmflow check` fails while the file misses a run the plan needs.
    """
    from ..content import repo
    from ..errors import UsageError
    from ..plan import workflowfile

    try:
        root = repo_root(())
        loaded = repo.load(root)
        path = root / workflowfile.PUBLISH
        if not path.is_file():
            raise UsageError(f"no {workflowfile.PUBLISH}: `smmflow init` writes the workflows")
        now = now_option(now_text)
        lines = workflowfile.planned(loaded.groups.values(), loaded.posts, now)
        text = path.read_text(encoding="utf-8")
        wanted = workflowfile.rewrite(text, lines)
    except (SmmflowError, OSError, UnicodeDecodeError) as exc:
        fail(exc if isinstance(exc, SmmflowError) else UsageError(str(exc)))
    if cost:
        _cost(text, wanted, prs if prs is not None else len(loaded.groups) * 52 / 12, now)
    elif check_only:
        if wanted != text:
            click.echo(f"{workflowfile.PUBLISH}: {workflowfile.FIX}", err=True)
            sys.exit(int(ExitCode.PROBLEMS))
        click.echo(f"{workflowfile.PUBLISH}: the schedule is as the plan needs", err=True)
    elif wanted == text:
        click.echo(f"{workflowfile.PUBLISH}: already as the plan needs ({len(lines)} lines)")
    else:
        path.write_text(wanted, encoding="utf-8")
        click.echo(f"wrote {workflowfile.PUBLISH}: {len(lines)} schedule lines")


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
