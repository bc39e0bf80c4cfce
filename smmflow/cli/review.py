"""Commands for the review side: preview (and its sticky pull-request comment)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ExitCode, SmmflowError, UsageError
from .common import fail, repo_root


def _pr_number(given: int | None) -> int:
    from ..review.github import event

    if given:
        return given
    data = event()
    number = (data.get("pull_request") or {}).get("number") or data.get("number")
    if not number:
        raise UsageError("no pull request number: pass --pr N (or run in a pull_request workflow)")
    return int(number)


@click.command()
@click.option(
    "--base",
    help="Compare with this ref (its merge base with HEAD); default: the default branch "
    "(origin/HEAD, origin/main, origin/master, main or master, the first that exists).",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    help="Also write the Markdown to this file.",
)
@click.option(
    "--comment",
    is_flag=True,
    help="Create or update the one sticky smmflow comment on the pull request (GITHUB_TOKEN).",
)
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Post this already-made preview file instead of making one (for a trusted workflow_run job).",
)
@click.option("--pr", type=int, help="Pull request number (default: from GITHUB_EVENT_PATH).")
@click.option(
    "--expect-head",
    metavar="SHA",
    help="With --comment: refuse unless the pull request's head is this commit (guards a number read from an untrusted artifact).",
)
def preview(base, out_file, comment, from_file, pr, expect_head) -> None:
    """Show how each post added or changed since BASE will look on each of its accounts:
    the exact text and its length against the limit, media with alt text, the date in the
    client's timezone and in UTC, the month's type mix, and every warning. Markdown."""
    from ..content import repo as repo_module
    from ..review.preview import MARKER, preview_for

    try:
        if from_file:
            try:
                text = Path(from_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                why = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror
                raise UsageError(f"--from {from_file}: cannot read it ({why})") from None
            if MARKER not in text:
                text = MARKER + "\n" + text
        else:
            root = repo_root(())
            text = preview_for(root, repo_module.load(root), base)
        if out_file:
            from ..outputs import writing

            with writing(out_file):
                Path(out_file).write_text(text, encoding="utf-8")
        if comment:
            from ..review.github import GitHub

            github = GitHub.from_env()
            if github is None:
                raise UsageError(
                    "--comment needs GITHUB_REPOSITORY and GITHUB_TOKEN in the environment"
                )
            number = _pr_number(pr)
            if expect_head:
                head = github.pull_head(number)
                if head != expect_head:
                    raise UsageError(
                        f"pull request #{number} is at {head}, not {expect_head}: not commenting"
                    )
            action, comment_id = github.upsert_comment(number, MARKER, text[:65000])
            click.echo(f"{action} comment {comment_id}", err=True)
    except SmmflowError as exc:
        fail(exc)
    if not comment or not from_file:
        click.echo(text, nl=False)
    sys.exit(int(ExitCode.OK))
