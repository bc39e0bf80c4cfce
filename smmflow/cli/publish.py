"""Commands that touch the ledger: sync, status, resolve, run."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from ..errors import SmmflowError
from .common import NOW_HELP, clock, fail, month_option, now_option, painter, repo_root


def _duration(text: str) -> dt.timedelta:
    from ..content.timeparse import TimeError, parse_duration

    try:
        return parse_duration(text)
    except TimeError as exc:
        raise click.BadParameter(str(exc)) from None


def ledger_options(func):
    func = click.option(
        "--remote",
        help="Share the ledger through this git remote (default: $SMMFLOW_REMOTE; `origin` in GitHub Actions; else the remote that has the ledger branch, if one has; else local only).",
    )(func)
    func = click.option("--branch", help="Publish branch whose posts count (default: main).")(func)
    return func


def _print_report(report, dry_run: bool) -> None:
    """A sync's report for a person: the dry run's payloads, notes, skipped files, counts."""
    for outcome in report.outcomes if dry_run else ():
        if outcome.state == "would-publish":
            click.echo(f"would publish {outcome.post} → {outcome.account}:\n{outcome.detail}")
        else:
            _print_outcome(outcome)
    for note in report.notes:
        click.echo(note, err=True)
    files = sorted({p.path for p in report.problems})
    if files:
        click.echo(f"skipped {len(files)} file(s) with errors (run `smmflow check`)", err=True)
    click.echo(f"sync: {report.tally()}", err=True)


def _print_outcome(outcome) -> None:
    line = f"{outcome.state:<13} {outcome.post} → {outcome.account}"
    if outcome.url:
        line += f"  {outcome.url}"
    if outcome.detail and outcome.state != "published":
        line += f"\n              {outcome.detail}"
    click.echo(line)


@click.command()
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
    "--lease",
    help="How long another host's claim is respected (default: 15m, ledger.records.LEASE).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--approvals",
    type=click.Choice(["github", "branch"]),
    help="github: require an approver's PR approval of the exact text (default in GitHub "
    "Actions); branch: being on the publish branch is approval (default elsewhere).",
)
@click.option(
    "--report-issues/--no-report-issues",
    default=None,
    help="Open or update one GitHub issue per group when something needs a person "
    "(default: on when GitHub is reachable).",
)
@click.option(
    "--accept-ledger-rewind",
    "accept_rewind",
    is_flag=True,
    help="Go on although the ledger branch lost commits an earlier run saw (check the "
    "accounts first: records of published posts may be gone).",
)
@ledger_options
def sync(
    now_text,
    dry_run,
    group,
    account,
    public,
    max_delay,
    lease,
    fmt,
    approvals,
    report_issues,
    accept_rewind,
    remote,
    branch,
) -> None:
    """Publish every due, approved post to its accounts, exactly once, and record it.

    Catches up on everything due since the last run (within each group's max_delay).
    Exit 0: all done; 1: some failed or were missed, or a file with errors was skipped;
    3: a person must look (unknown outcome, a post held for approval, a rewound ledger).
    """
    from ..ledger.records import LEASE
    from ..ledger.remotes import default_remote
    from ..publish.sync import Options, run_sync

    try:
        root = repo_root(())
        options = Options(
            now=now_option(now_text),
            dry_run=dry_run,
            group=group,
            account=account,
            branch=branch,
            remote=remote or default_remote(),
            public=Path(public) if public else None,
            lease=_duration(lease) if lease else LEASE,
            max_delay=_duration(max_delay) if max_delay else None,
            approvals=approvals,
            report_issues=False if dry_run else report_issues,
            accept_rewind=accept_rewind,
        )
        listener = None if fmt == "json" or dry_run else _print_outcome
        report = run_sync(root, options, listener=listener)
    except SmmflowError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report, dry_run)
    _step_output(report)
    sys.exit(int(report.exit_code))


def _step_output(report) -> None:
    """In GitHub Actions, the step's output `feed-changed`: the workflow deploys the feed
    site only when a feed account published (a deploy nobody needs costs time)."""
    import os

    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(f"feed-changed={'true' if report.feed_changed else 'false'}\n")


@click.command()
@click.option("--group", help="Only this group.")
@click.option("--month", help="Only posts of this month, e.g. 2026-12.")
@click.option("--now", "now_text", help=NOW_HELP)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@ledger_options
def status(group, month, now_text, fmt, remote, branch) -> None:
    """Where every post stands on every account: published (with URL), due, scheduled,
    held, failed (why), missed or unknown (what a person should check)."""
    from ..publish.rows import for_status

    chosen_month = month_option(month)
    now = now_option(now_text)
    try:
        table = for_status(
            repo_root(()), clock(now), remote=remote, branch=branch, group=group, month=chosen_month
        )
    except SmmflowError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in table], ensure_ascii=False, indent=2))
        return
    from ..publish.statustext import table as as_text

    click.echo(as_text(table, painter()))


@click.command()
@click.argument("post")
@click.argument("account")
@click.option("--published", metavar="URL", help="It is on the platform, at this URL.")
@click.option("--retry", is_flag=True, help="It is not there: send it again (with a new key).")
@click.option("--skip", is_flag=True, help="Do not publish it on this account.")
@click.option(
    "--remote",
    help="Share the ledger through this git remote (default: as for sync).",
)
def resolve(post, account, published, retry, skip, remote) -> None:
    """Settle POST on ACCOUNT by hand after an unknown outcome, failure or miss.

    Also `smmflow resolve ITEM ACTION`: an inbox item's reply, hide or delete."""
    from ..ledger.actions import ACTIONS
    from ..ledger.resolve import settle

    if account in ACTIONS and _item_id(post):
        from ..ledger.remotes import default_remote
        from .community import resolve_action

        resolve_action(post, account, published, retry, skip, remote or default_remote())
        return

    try:
        record = settle(
            repo_root(()),
            post,
            account,
            published=published,
            retry=retry,
            skip=skip,
            remote=remote,
            wall=dt.datetime.now(dt.timezone.utc),
        )
    except SmmflowError as exc:
        fail(exc)
    click.echo(f"{record.post} → {record.account}: {record.state}")


def _item_id(text: str) -> bool:
    """An inbox item's id (or its first 6+ characters), not a post's name."""
    return 6 <= len(text) <= 12 and all(c in "0123456789abcdef" for c in text)


@click.command()
@click.option("--every", default="15m", show_default=True, help="How often to sync.")
@click.option("--once", is_flag=True, help="One cycle (pull, sync, push), then exit.")
@click.option("--max-delay", "max_delay", help="Override every group's max_delay.")
@ledger_options
def run(every, once, max_delay, remote, branch) -> None:
    """Self-hosting: pull, sync every N minutes and push the ledger, until stopped.

    SIGTERM or Ctrl-C stops it cleanly between posts; it exits 0.
    """
    from ..ledger.remotes import default_remote
    from ..publish.runloop import run_forever

    try:
        code = run_forever(
            repo_root(()),
            every=_duration(every),
            once=once,
            remote=remote or default_remote(),
            branch=branch,
            max_delay=_duration(max_delay) if max_delay else None,
            log=lambda line: click.echo(line, err=True),
        )
    except SmmflowError as exc:
        fail(exc)
    sys.exit(int(code))
