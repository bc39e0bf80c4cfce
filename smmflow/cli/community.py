"""Commands of community management: inbox, moderate, reply (and `resolve ITEM ACTION`,
which `publish.resolve` hands over here)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..errors import ExitCode, SmmflowError
from .common import NOW_HELP, fail, now_option, repo_root

EXIT = {"done": 0, "already": 0, "skipped": 0, "failed": 1, "refused": 1, "busy": 3,
        "unknown": 3, "waiting": 3}  # fmt: skip


def _since(text: str | None, now: dt.datetime) -> dt.datetime | None:
    """`--since`: a duration back from now (`2d`, `12h`) or a date (`2026-12-01`)."""
    from ..content.timeparse import TimeError, parse_duration, parse_now

    if text is None:
        return None
    try:
        return now - parse_duration(text)
    except TimeError:
        pass
    try:
        return parse_now(text if ":" in text else f"{text} 00:00")
    except TimeError:
        raise click.BadParameter(
            "write a duration (2d, 12h) or a date (2026-12-01)", param_hint="--since"
        ) from None


def _fetched(fetches) -> bool:
    """Say what the fetch did (stderr); whether every account could be read."""
    ok = True
    for f in fetches:
        if f.error:
            ok = False
            click.echo(f"{f.group}/{f.account} ({f.platform}): not read: {f.error}", err=True)
    if fetches:
        new = sum(f.new for f in fetches)
        click.echo(f"fetched {len(fetches)} account(s): {new} new item(s)", err=True)
    return ok


@click.command()
@click.option("--group", help="Only this group.")
@click.option("--account", help="Only this account name.")
@click.option("--since", "since_text", help="Only items newer than this: 2d, 12h or 2026-12-01.")
@click.option("--unanswered", is_flag=True, help="Questions not answered yet, oldest first.")
@click.option("--questions", is_flag=True, help="Only questions.")
@click.option("--state", "states", multiple=True,
              type=click.Choice(["new", "answered", "hidden", "deleted", "flagged"]),
              help="Only items in this state (repeat for several).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True, help="html writes the local page .smmflow/inbox.html.")  # fmt: skip
@click.option("--html", "html", is_flag=True, help="Same as --format html.")
@click.option("--limit", default=200, show_default=True, help="Show at most this many (0: all).")
@click.option(
    "--no-fetch", "offline", is_flag=True, help="Only what the store holds; ask no platform."
)
@click.option("--export", "export", type=click.Path(dir_okay=False),
              help="Write every selected item, whole, to this JSON file (the only way out of the store).")  # fmt: skip
@click.option("--now", "now_text", help=NOW_HELP)
def inbox(group, account, since_text, unanswered, questions, states, fmt, html, limit, offline,
          export, now_text) -> None:  # fmt: skip
    """What people wrote under the posts and to the accounts: fetch what is new, then list it.

    Comments, replies, mentions and messages, with their group, platform, author, text,
    the post they answer, age and state (new, answered, hidden, deleted, flagged). They
    stay in .smmflow/ (git-ignored) for each group's retention (default 90 days).
    """
    from ..community.run import inbox as run_inbox
    from ..community.store import Query
    from ..community.views import as_json, as_text

    fmt = "html" if html else fmt
    now = now_option(now_text)
    since = _since(since_text, now)
    query = Query((), account, since.timestamp() if since else None, unanswered, questions,
                  tuple(states), limit or None)  # fmt: skip
    try:
        root = repo_root(())
        where = Path(export).resolve() if export else None
        listing = run_inbox(root, query, group=group, account=account, now=now, since=since,
                            fetching=not offline, html=fmt == "html", export=where)  # fmt: skip
    except SmmflowError as exc:
        fail(exc)
    ok = _fetched(listing.fetches)
    if listing.page is not None:
        click.echo(f"wrote {listing.page}")
    elif fmt == "json":
        click.echo(as_json(listing.rows))
    else:
        click.echo(as_text(listing.rows, listing.more))
    if where is not None:
        click.echo(
            f"exported {listing.exported} item(s) to {where}: personal data, keep it out of git",
            err=True,
        )
    sys.exit(int(ExitCode.OK if ok else ExitCode.PROBLEMS))


@click.command()
@click.argument("item", required=False)
@click.option("--group", help="Only this group.")
@click.option("--dry-run", is_flag=True, help="Say what the rules would do; change nothing.")
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    help="Only accounts of this platform (repeat for several).",
)
@click.option("--hide", "action", flag_value="hide", help="ITEM: hide it (where the platform can).")
@click.option(
    "--delete", "action", flag_value="delete", help="ITEM: delete it (where the platform can)."
)
@click.option("--flag", "action", flag_value="flag", help="ITEM: flag it for a person.")
@click.option("--answered", "action", flag_value="answered", help="ITEM: answered elsewhere.")
@click.option("--note", help="ITEM: keep this note with it (in the local store).")
@click.option("--branch", help="Publish branch whose rules count (default: main).")
@click.option("--remote", help="Share the ledger through this git remote (default: as for sync).")
@click.option("--now", "now_text", help=NOW_HELP)
def moderate(item, group, dry_run, platforms, action, note, branch, remote, now_text) -> None:
    """Apply each group's moderation rules (community/<group>.yml, as merged on the publish
    branch) to new items: hide, delete, flag or answer them, every action exactly once.

    With ITEM, act on that item by hand (--hide, --delete, --flag, --answered, --note).
    Exit 0: done; 1: an action failed; 3: an outcome is unknown (see `smmflow resolve`).
    """
    from ..community.run import by_hand, run_moderate
    from ..ledger.remotes import default_remote

    try:
        root = repo_root(())
        if item is not None:
            if action is None and note is None:
                raise click.UsageError(
                    "with ITEM, give --hide, --delete, --flag, --answered or --note"
                )
            done = by_hand(root, item, action or "note", note, remote or default_remote())
            _print_done(done)
            sys.exit(EXIT.get(done.state, 1))
        found = run_moderate(root, group=group, platforms=tuple(platforms), dry_run=dry_run,
                             branch=branch, remote=remote or default_remote(),
                             now=now_option(now_text))  # fmt: skip
    except SmmflowError as exc:
        fail(exc)
    ok = _fetched(found.fetches)
    for line in found.notes:
        click.echo(line, err=True)
    worst = 0 if ok else 1
    for verdict in found.verdicts:
        worst = max(worst, _print_verdict(verdict, dry_run))
    click.echo(
        f"moderate: {len(found.verdicts)} item(s) matched a rule"
        + (" (dry run: nothing changed)" if dry_run else ""),
        err=True,
    )
    sys.exit(worst)


def _print_verdict(verdict, dry_run: bool) -> int:
    from ..community.views import one_line

    s = verdict.item
    head = f"{s.id} {s.grp}/{s.account}: {verdict.rule.label} → {verdict.action}"
    if dry_run or verdict.done is None:
        what = f"would {verdict.action}" if dry_run else verdict.action
        click.echo(
            f"{head} ({what})" + (f": {one_line(verdict.note, 120)}" if verdict.note else "")
        )
        return 0
    _print_done(verdict.done, head)
    return EXIT.get(verdict.done.state, 1)


def _print_done(done, head: str = "") -> None:
    from ..community.views import one_line

    line = f"{head or done.item + ' ' + done.action}: {done.state}"
    if done.url:
        line += f"  {done.url}"
    if done.detail:
        line += f"\n    {one_line(done.detail, 400)}"
    click.echo(line)


@click.command()
@click.argument("item")
@click.option("--text", help="The answer (Markdown, sent as plain text).")
@click.option("--template", help="An answer template: community/<group>/answers/NAME.md.")
@click.option("--remote", help="Share the ledger through this git remote (default: as for sync).")
def reply(item, text, template, remote) -> None:
    """Answer ITEM (an id `smmflow inbox` shows) publicly, exactly once.

    The answer is claimed and recorded on the ledger branch (ids, who, when: never the
    words). Exit 0: sent (or sent before); 1: refused or failed; 3: busy or unknown.
    """
    from ..community.run import reply as run_reply
    from ..ledger.remotes import default_remote

    try:
        done = run_reply(repo_root(()), item, text=text, template=template,
                         remote=remote or default_remote())  # fmt: skip
    except SmmflowError as exc:
        fail(exc)
    _print_done(done)
    sys.exit(EXIT.get(done.state, 1))


def resolve_action(item: str, action: str, published, retry, skip, remote) -> None:
    """`smmflow resolve ITEM ACTION ...` (called by `publish.resolve`)."""
    from ..community.run import resolve_action as run

    try:
        click.echo(run(repo_root(()), item, action, published=published, retry=retry, skip=skip,
                       remote=remote))  # fmt: skip
    except SmmflowError as exc:
        fail(exc)
