"""Commands that touch the ledger: sync, status, resolve, run."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from .cli import NOW_HELP, _fail, _month, _now, _root, main
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
        help="Share the ledger through this git remote (default: $SMMFLOW_REMOTE; `origin` in GitHub Actions; else the remote that has the ledger branch, if one has; else local only).",
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
            approvals=approvals,
            report_issues=False if dry_run else report_issues,
            accept_rewind=accept_rewind,
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
            "notes": report.notes,
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
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
        counts = {}
        for outcome in report.outcomes:
            counts[outcome.state] = counts.get(outcome.state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing due"
        click.echo(f"sync: {summary}", err=True)
    sys.exit(int(report.exit_code))


__all__ = ["sync", "ExitCode"]


def _open(remote: str | None):
    from . import repo as repo_module
    from .secrets import env_secrets
    from .sync import default_remote, open_ledger

    root = _root(())
    loaded = repo_module.load(root)
    redact = env_secrets(loaded.groups.values())
    remote = remote or default_remote()
    store, ledger = open_ledger(root, remote, "smmflow/ledger", redact, shared=True)
    return loaded, store, ledger


@main.command()
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
    from . import identity, renames
    from . import status as status_module
    from .engine import publish_branch
    from .repo import require_selection
    from .sync import committed_hold

    chosen_month = _month(month)
    now = _now(now_text)
    try:
        loaded, store, ledger = _open(remote)
        try:
            require_selection(loaded, group)
            from . import approvals
            from .github import GitHub

            github = GitHub.from_env()
            publish = publish_branch(store, branch)
            gate = approvals.gate(
                loaded, store, ledger, publish, approvals.default_mode(github), github
            )
            hold = committed_hold(store, publish, gate)
            moved = renames.carried(loaded.posts, ledger.records, store, publish)
            records = {**ledger.records, **{(c.post.id, c.account): c.adopted() for c in moved}}
            table = status_module.rows(
                loaded,
                records,
                now,
                hold,
                group,
                chosen_month,
                erased=identity.erased(ledger),
                branch=ledger.branch,
            )
        finally:
            store.close()
    except SmmflowError as exc:
        _fail(exc)
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in table], ensure_ascii=False, indent=2))
        return
    for row in table:
        line = f"{row.state:<10} {row.date:<22} {row.post} → {row.account}"
        if row.url:
            line += f"  {row.url}"
        click.echo(line)
        if row.detail:
            click.echo(f"           {row.detail}")
    counts: dict[str, int] = {}
    for row in table:
        counts[row.state] = counts.get(row.state, 0) + 1
    click.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no posts", err=True)


@main.command()
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
    """Settle POST on ACCOUNT by hand after an unknown outcome, failure or miss."""
    from .resolve import find_post_id
    from .resolve import resolve as do_resolve

    try:
        loaded, store, ledger = _open(remote)
        try:
            record = do_resolve(
                loaded,
                ledger,
                find_post_id(loaded, post),
                account,
                published=published,
                retry=retry,
                skip=skip,
            )
        finally:
            store.close()
    except SmmflowError as exc:
        _fail(exc)
    click.echo(f"{record.post} → {record.account}: {record.state}")


@main.command()
@click.option("--every", default="15m", show_default=True, help="How often to sync.")
@click.option("--once", is_flag=True, help="One cycle (pull, sync, push), then exit.")
@click.option("--max-delay", "max_delay", help="Override every group's max_delay.")
@ledger_options
def run(every, once, max_delay, remote, branch) -> None:
    """Self-hosting: pull, sync every N minutes and push the ledger, until stopped.

    SIGTERM or Ctrl-C stops it cleanly between posts; it exits 0.
    """
    from .runloop import run_forever
    from .sync import default_remote

    try:
        code = run_forever(
            _root(()),
            every=_duration(every),
            once=once,
            remote=remote or default_remote(),
            branch=branch,
            max_delay=_duration(max_delay) if max_delay else None,
            log=lambda line: click.echo(line, err=True),
        )
    except SmmflowError as exc:
        _fail(exc)
    sys.exit(int(code))


@main.command()
@click.option("--group", help="Only this group.")
@click.option("--account", help="Only this account name.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def doctor(group, account, fmt) -> None:
    """Check every account: secrets set and valid (a harmless read call), permissions,
    tokens about to expire. Exit 1 when an account cannot publish."""
    from . import repo as repo_module
    from .doctor import diagnose

    try:
        loaded = repo_module.load(_root(()))
        lines = diagnose(loaded, group, account)
    except SmmflowError as exc:
        _fail(exc)
    if fmt == "json":
        click.echo(json.dumps([line.__dict__ for line in lines], ensure_ascii=False, indent=2))
    else:
        for line in lines:
            mark = {"ok": "ok   ", "warning": "WARN ", "error": "ERROR"}.get(line.level, line.level)
            click.echo(f"{mark} {line.group}/{line.account} ({line.platform}): {line.message}")
    failed = any(line.level == "error" for line in lines)
    sys.exit(int(ExitCode.PROBLEMS if failed else ExitCode.OK))
