"""What every command shares: the repository root, `--now` and `--month`, paths as the user
sees them, and the one way a `SmmflowError` ends a command (message, exit code)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..errors import SmmflowError


def fail(exc: SmmflowError) -> None:
    click.echo(f"smmflow: {exc}", err=True)
    sys.exit(int(exc.exit_code))


def shower(root: Path):
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


def repo_root(paths: tuple[str, ...]) -> Path:
    from ..content.repo import find_root

    return find_root(Path(paths[0]) if paths else None)


def now_option(text: str | None) -> dt.datetime:
    from ..content.timeparse import TimeError, parse_now

    try:
        return parse_now(text)
    except TimeError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from None


def month_option(text: str | None) -> str | None:
    """`--month` as YYYY-MM (a usage error when it is not a month smmflow handles)."""
    from ..content.timeparse import TimeError, parse_month

    if text is None:
        return None
    try:
        year, month = parse_month(text)
    except TimeError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    return f"{year:04d}-{month:02d}"


NOW_HELP = "Pretend the time is this (e.g. '2026-12-04 10:00+02:00'; naive = UTC)."


def clock(now: dt.datetime):
    """The planned instant (`--now`) with the real time beside it (leases, key ages)."""
    from ..ledger.states import Clock

    return Clock(now, dt.datetime.now(dt.timezone.utc))


def painter():
    """`click.style` on a terminal, unless NO_COLOR is set (https://no-color.org); else a
    paint that leaves text as it is."""
    import os

    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return click.style
    return lambda text, **_: text
