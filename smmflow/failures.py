"""Failure reports: one GitHub issue per group, opened or updated when publishing needs a person."""

from __future__ import annotations

from .engine import Report
from .github import GitHub, GitHubError
from .repo import Repo

NEEDS_PERSON = ("failed", "unknown", "missed", "held", "waiting")
TODO = {
    "failed": "Fix the cause shown (often a token or a limit), then `smmflow resolve POST ACCOUNT --retry`.",
    "unknown": "Look at the account: if the post is there, `smmflow resolve POST ACCOUNT --published URL`; if not, `--retry`.",
    "waiting": "Look at the account: if the post is there, `smmflow resolve POST ACCOUNT --published URL`; if not, `--retry`.",
    "missed": "It was due too long ago to publish automatically: post it by hand or `smmflow resolve POST ACCOUNT --retry`.",
    "held": "Merge it through a pull request approved by one of the group's approvers.",
}


def marker(group: str) -> str:
    return f"<!-- smmflow-failures:{group} -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def body(group_name: str, group: str, rows: list) -> str:
    lines = [
        marker(group),
        f"smmflow could not finish publishing for **{_cell(group_name)}**. What needs a person:",
        "",
        "| post | account | state | why |",
        "|---|---|---|---|",
    ]
    for outcome in rows:
        lines.append(
            f"| `{_cell(outcome.post)}` | {_cell(outcome.account)} | {outcome.state} | {_cell(outcome.detail)} |"
        )
    lines += ["", "**What to do**", ""]
    for state in sorted({o.state for o in rows}):
        lines.append(f"- **{state}**: {TODO[state]}")
    lines += [
        "",
        "`smmflow status` shows the current state of every post. This issue is updated by each run.",
    ]
    return "\n".join(lines) + "\n"


def report_failures(github: GitHub, repo: Repo, report: Report) -> list[str]:
    """Open or update one issue per group with outcomes that need a person."""
    done = []
    by_group: dict[str, list] = {}
    for outcome in report.outcomes:
        if outcome.state in NEEDS_PERSON:
            by_group.setdefault(outcome.post.split("/", 1)[0], []).append(outcome)
    for group, rows in sorted(by_group.items()):
        name = repo.groups[group].name if group in repo.groups else group
        try:
            action, number = github.upsert_issue(
                marker(group),
                f"smmflow: publishing for {name} needs attention",
                body(name, group, rows),
                ["smmflow"],
            )
        except GitHubError as exc:
            report.notes.append(f"could not report failures of {group} on GitHub: {exc}")
            continue
        report.notes.append(f"{action} issue #{number} for {group}")
        done.append(group)
    return done
