"""Commands that touch the ledger: sync, status, resolve, run."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from .cli import NOW_HELP, _fail, _now, _root, main
from .errors import ExitCode, SmmflowError


def _duration(text: str) -> dt.timedelta:
    from .timeparse import TimeError, parse_duration

    try:
        return parse_duration(text)
    except TimeError as exc:
        raise click.BadParameter(str(exc)) from None


def ledger_options(func):
    func = click.option(
        "--remote",
        help="Share the ledger through this git remote (default: $SMMFLOW_REMOTE; `origin` in GitHub Actions; else local only).",
    )(func)
    func = click.option("--branch", help="Publish branch whose posts count (default: main).")(func)
    return func


def _print_outcome(outcome) -> None:
    line = f"{outcome.state:<13} {outcome.post} → {outcome.account}"
    if outcome.url:
        line += f"  {outcome.url}"
    if outcome.detail and outcome.state != "published":
        line += f"\n              {outcome.detail}"
    click.echo(line)


@main.command()
@click.option("--now", "now_text", help=NOW_HELP)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Do everything up to the network call; print what would be sent.",
)
@click.option("--group", help="Only this group.")
@click.option("--account", help="Only this account name.")
@click.option(
    "--public", type=click.Path(file_okay=False), help="Folder of the feed site (default: public/)."
)
@click.option(
    "--max-delay",
    "max_delay",
    help="Override every group's max_delay, e.g. 31d to catch up after an outage.",
)
@click.option(
    "--lease", default="15m", show_default=True, help="How long another host's claim is respected."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@ledger_options
def sync(now_text, dry_run, group, account, public, max_delay, lease, fmt, remote, branch) -> None:
    """Publish every due, approved post to its accounts, exactly once, and record it.

    Catches up on everything due since the last run (within each group's max_delay).
    Exit 0: all done; 1: some failed or were missed; 3: a person must look (unknown
    outcome, or a post held for approval).
    """
    from .sync import Options, default_remote, run_sync

    try:
        root = _root(())
        options = Options(
            now=_now(now_text),
            dry_run=dry_run,
            group=group,
            account=account,
            branch=branch,
            remote=remote or default_remote(),
            public=Path(public) if public else None,
            lease=_duration(lease),
            max_delay=_duration(max_delay) if max_delay else None,
        )
        listener = None if fmt == "json" or dry_run else _print_outcome
        report = run_sync(root, options, listener=listener)
    except SmmflowError as exc:
        _fail(exc)
    if fmt == "json":
        data = {
            "exit_code": int(report.exit_code),
            "outcomes": [o.__dict__ for o in report.outcomes],
            "skipped_files": sorted({p.path for p in report.problems}),
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for outcome in report.outcomes if dry_run else ():
            if outcome.state == "would-publish":
                click.echo(f"would publish {outcome.post} → {outcome.account}:\n{outcome.detail}")
            else:
                _print_outcome(outcome)
        files = sorted({p.path for p in report.problems})
        if files:
            click.echo(f"skipped {len(files)} file(s) with errors (run `smmflow check`)", err=True)
        counts = {}
        for outcome in report.outcomes:
            counts[outcome.state] = counts.get(outcome.state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing due"
        click.echo(f"sync: {summary}", err=True)
    sys.exit(int(report.exit_code))


__all__ = ["sync", "ExitCode"]
