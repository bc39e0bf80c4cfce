"""Commands for writers: check, new, init."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..errors import ExitCode, SmmflowError
from .common import NOW_HELP, fail, now_option, repo_root, shower


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for tools (docs/check-json.md), github for workflow annotations.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--now", "now_text", help=NOW_HELP + " Months still being planned get mix warnings.")
def check(paths: tuple[str, ...], fmt: str, strict: bool, now_text: str | None) -> None:
    """Check posts and groups offline: schema, dates, media, limits, mix rules.

    PATHS are files or folders of one content repository (default: the repository
    around the current folder). Needs no credentials and no network. Exit 0 when
    clean, 1 when problems were found, 2 on a usage error.
    """
    from ..check import output, repository, rules
    from ..content import repo

    try:
        root = repo_root(paths)
        now = now_option(now_text)
    except SmmflowError as exc:
        fail(exc)
    loaded = repo.load(root, check=rules.check_post)
    problems = repository.problems(loaded, now) + _community(root, loaded) + _workflow(root, loaded)
    if paths:
        problems = repository.about(problems, root, [Path(p) for p in paths])
    show = shower(root)
    if fmt == "json":
        checked = {"posts": loaded.post_files, "groups": len(loaded.groups)}
        click.echo(output.as_json(problems, show, checked))
    else:
        shown = output.as_github if fmt == "github" else output.as_text
        if problems:
            click.echo(shown(problems, show))
        click.echo(output.summary(problems, loaded.post_files, len(loaded.groups)), err=True)
    failed = output.errors(problems) > 0 or (strict and problems)
    sys.exit(int(ExitCode.PROBLEMS if failed else ExitCode.OK))


def _workflow(root: Path, loaded) -> list:
    """The publish workflow's schedule against the plan (`smmflow workflow` writes it)."""
    import datetime as dt

    from ..plan.workflowfile import problems

    now = dt.datetime.now(dt.timezone.utc)
    return problems(root, loaded.groups.values(), loaded.posts, now)


def _community(root: Path, loaded) -> list:
    """The problems of the community files (moderation rules, answer templates)."""
    from ..community.check import problems

    return problems(root, loaded.groups)


@click.command()
@click.argument("group")
@click.option("--type", "post_type", required=True, help="Post type, e.g. informative or sales.")
@click.option("--date", "date_text", help="Local date and time; default: the next free slot.")
@click.option("--title", default="", help="Title (also used for the file name).")
@click.option("--platform", "platforms", multiple=True, help="Account name; repeat for several.")
@click.option("--now", "now_text", help=NOW_HELP)
def new(
    group: str,
    post_type: str,
    date_text: str | None,
    title: str,
    platforms: tuple[str, ...],
    now_text: str | None,
) -> None:
    """Write a new post for GROUP from a template, in its next free slot.

    The post starts as `status: draft`; set it to `ready` when the text is final.
    """
    from ..content import repo
    from ..content.timeparse import TimeError, parse_datetime
    from ..errors import UsageError
    from ..plan import scaffold, slots

    try:
        root = repo_root(())
        loaded = repo.load(root)
        if group not in loaded.groups:
            known = ", ".join(sorted(loaded.groups)) or "none"
            raise UsageError(f"no group {group!r} (known: {known})")
        grp = loaded.groups[group]
        if date_text:
            try:
                when = parse_datetime(date_text, grp.tz)
            except TimeError as exc:
                raise UsageError(f"--date: {exc}") from None
        else:
            found = slots.next_free_slot(grp, loaded.posts_of(group), now_option(now_text))
            if found is None:
                raise UsageError(f"{group} has no free slot in the next year; give --date")
            when = found
        path = scaffold.write_post(root, grp, when, post_type, title=title, platforms=platforms)
    except SmmflowError as exc:
        fail(exc)
    shown = shower(root)(path.relative_to(root).as_posix())
    click.echo(f"{shown}  ({when:%a %Y-%m-%d %H:%M} {grp.timezone})")


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--group", "group_id", default="my-client", show_default=True, help="Group id.")
@click.option("--name", default="My Client", show_default=True, help="Group name shown to people.")
@click.option("--timezone", default="Europe/Bucharest", show_default=True, help="IANA timezone.")
def init(directory: str, group_id: str, name: str, timezone: str) -> None:
    """Scaffold a new content repository in DIRECTORY: one group, a starter post (a draft
    dated next week: nothing is published until you make it `ready`), the three GitHub
    workflows, the JSON Schemas and editor settings. Another client: `smmflow add-group`."""
    from ..content.groups import GROUP_ID
    from ..content.timeparse import TimeError
    from ..errors import UsageError
    from ..plan import starter

    try:
        if not GROUP_ID.match(group_id):
            raise UsageError(f"--group {group_id!r}: use lowercase letters, digits and -")
        try:
            made = starter.init_repo(Path(directory), group_id, name, timezone, dt.date.today())
            starter.write_schedule(Path(directory), dt.datetime.now(dt.timezone.utc))
        except TimeError as exc:
            raise UsageError(f"--timezone: {exc}") from None
    except SmmflowError as exc:
        fail(exc)
    for path in made:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && smmflow check", err=True)
