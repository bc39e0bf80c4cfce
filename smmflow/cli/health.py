"""`smmflow doctor`: each account's readiness, and the token-health issues (`--issues`)."""

from __future__ import annotations

import json
import sys

import click

from ..errors import ExitCode, SmmflowError
from .common import fail, repo_root


@click.command()
@click.option("--group", help="Only this group.")
@click.option("--account", help="Only this account name.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--inbox", "inbox", is_flag=True, help="Count what the inbox lacks (permissions) as errors."
)
@click.option(
    "--issues",
    is_flag=True,
    help="Open (or update) one GitHub issue per group whose accounts need a new token or "
    "permission, and close it once all is well (the weekly token-health job).",
)
def doctor(group, account, fmt, inbox, issues) -> None:
    """Check every account: secrets set and valid (a harmless read call), permissions,
    tokens about to expire, and what reading and answering comments needs (`inbox:`
    lines; errors for groups with a community/<group>.yml, or with --inbox); the ad
    accounts (meta_ads, vk_ads: token, ad account, ads_management / create_ads). Exit 1
    when an account cannot publish."""
    from ..ads import doctor as ads_doctor
    from ..community.config import FOLDER
    from ..content import repo as repo_module
    from ..publish.doctor import diagnose

    try:
        root = repo_root(())
        loaded = repo_module.load(root)
        strict = {g for g in loaded.groups if inbox or (root / FOLDER / f"{g}.yml").exists()}
        lines = diagnose(loaded, group, account, inbox_groups=strict)
        if account is None:  # the group files' ad accounts (meta_ads, vk_ads)
            lines += ads_doctor.for_repo(loaded, group)
    except SmmflowError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(json.dumps([line.__dict__ for line in lines], ensure_ascii=False, indent=2))
    else:
        for line in lines:
            mark = {"ok": "ok   ", "warning": "WARN ", "error": "ERROR"}.get(line.level, line.level)
            click.echo(f"{mark} {line.group}/{line.account} ({line.platform}): {line.message}")
    if issues:
        _issues(loaded, lines)
    failed = any(line.level == "error" for line in lines)
    sys.exit(int(ExitCode.PROBLEMS if failed else ExitCode.OK))


def _issues(loaded, lines) -> None:
    from ..errors import UsageError
    from ..publish.tokenhealth import report_health
    from ..review.github import GitHub

    github = GitHub.from_env()
    if github is None:
        fail(UsageError("--issues needs GITHUB_TOKEN and GITHUB_REPOSITORY (as in GitHub Actions)"))
    for note in report_health(github, loaded, lines):
        click.echo(note, err=True)
