"""The thin command line: parse options, call the library, print, exit with an ExitCode.

Imports of the library happen inside each command so that `smmflow --version` and
`--help` stay fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ExitCode, SmmflowError


def _fail(exc: SmmflowError) -> None:
    click.echo(f"smmflow: {exc}", err=True)
    sys.exit(int(exc.exit_code))


def _shower(root: Path):
    """Paths as the user sees them: relative to the current folder when inside it."""
    cwd = Path.cwd().resolve()
    root = root.resolve()
    if root == cwd:
        return lambda rel: rel
    try:
        prefix = root.relative_to(cwd).as_posix() + "/"
    except ValueError:
        prefix = root.as_posix() + "/"
    return lambda rel: prefix + rel


def _root(paths: tuple[str, ...]) -> Path:
    from .repo import find_root

    return find_root(Path(paths[0]) if paths else None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="smmflow")
def main() -> None:
    """smmflow: social-media management as code.

    Writers commit Markdown posts under content/<group>/; each client's accounts,
    timezone, slots and mix rules live in schedules/<group>.yml. `check` validates,
    `sync` publishes what is due exactly once and records it in git.
    """


@main.command()
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
def check(paths: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Check posts and groups offline: schema, dates, media, limits, mix rules.

    PATHS are files or folders of one content repository (default: the repository
    around the current folder). Needs no credentials and no network. Exit 0 when
    clean, 1 when problems were found, 2 on a usage error.
    """
    from . import checks, repo, report
    from .errors import Severity

    try:
        root = _root(paths)
    except SmmflowError as exc:
        _fail(exc)
    loaded = repo.load(root, check=True)
    from .heldcheck import held_posts
    from .renames import check_repo

    problems = checks.check(loaded) + held_posts(loaded) + check_repo(loaded)
    if paths:
        wanted = [Path(p).resolve() for p in paths]
        content = (root / "content").resolve()
        groups = {
            w.relative_to(content).parts[0] for w in wanted if w != content and content in w.parents
        }

        def keep(problem) -> bool:
            full = (root / problem.path).resolve()
            if _under(full, wanted):
                return True
            return problem.path.startswith("schedules/") and Path(problem.path).stem in groups

        problems = [p for p in problems if keep(p)]
    show = _shower(root)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    if fmt == "json":
        checked = {"posts": len(loaded.posts), "groups": len(loaded.groups)}
        click.echo(report.as_json(problems, show, checked))
    elif fmt == "github":
        if problems:
            click.echo(report.as_github(problems, show))
        click.echo(report.summary(problems, len(loaded.posts), len(loaded.groups)), err=True)
    else:
        if problems:
            click.echo(report.as_text(problems, show))
        click.echo(report.summary(problems, len(loaded.posts), len(loaded.groups)), err=True)
    failed = errors > 0 or (strict and problems)
    sys.exit(int(ExitCode.PROBLEMS if failed else ExitCode.OK))


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def _now(text: str | None) -> dt.datetime:
    from .timeparse import TimeError, parse_now

    try:
        return parse_now(text)
    except TimeError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None


def _month(text: str | None) -> str | None:
    """`--month` as YYYY-MM (a usage error when it is not a month smmflow handles)."""
    from .timeparse import TimeError, parse_month

    if text is None:
        return None
    try:
        year, month = parse_month(text)
    except TimeError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    return f"{year:04d}-{month:02d}"


NOW_HELP = "Pretend the time is this (e.g. '2026-12-04 10:00+02:00'; naive = UTC)."


@main.command()
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
    from . import repo, scaffold, slots
    from .errors import UsageError
    from .timeparse import TimeError, parse_datetime

    try:
        root = _root(())
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
            found = slots.next_free_slot(grp, loaded.posts_of(group), _now(now_text))
            if found is None:
                raise UsageError(f"{group} has no free slot in the next year; give --date")
            when = found
        path = scaffold.write_post(root, grp, when, post_type, title=title, platforms=platforms)
    except SmmflowError as exc:
        _fail(exc)
    shown = _shower(root)(path.relative_to(root).as_posix())
    click.echo(f"{shown}  ({when:%a %Y-%m-%d %H:%M} {grp.timezone})")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--group", "group_id", default="my-client", show_default=True, help="Group id.")
@click.option("--name", default="My Client", show_default=True, help="Group name shown to people.")
@click.option("--timezone", default="Europe/Bucharest", show_default=True, help="IANA timezone.")
def init(directory: str, group_id: str, name: str, timezone: str) -> None:
    """Scaffold a new content repository in DIRECTORY: one group, one post, workflows' place."""
    from . import scaffold
    from .errors import UsageError
    from .groups import GROUP_ID
    from .timeparse import TimeError

    try:
        if not GROUP_ID.match(group_id):
            raise UsageError(f"--group {group_id!r}: use lowercase letters, digits and -")
        try:
            made = scaffold.init_repo(Path(directory), group_id, name, timezone, dt.date.today())
        except TimeError as exc:
            raise UsageError(f"--timezone: {exc}") from None
    except SmmflowError as exc:
        _fail(exc)
    for path in made:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && smmflow check", err=True)


from . import cli_plan  # noqa: E402,F401,I001
from . import cli_publish, cli_review  # noqa: E402,F401  (they register their commands)

if __name__ == "__main__":  # pragma: no cover
    main()
