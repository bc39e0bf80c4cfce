"""Failure reports: one GitHub issue per group, opened or updated when publishing needs a person."""

from __future__ import annotations

from ..content.repo import Repo
from ..review.github import GitHub, GitHubError
from .outcomes import Outcome, Report

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


def standing(report: Report, records: dict) -> dict[str, list[Outcome]]:
    """Per group, every pair that needs a person NOW: the ledger's failed, unknown, missed
    and damaged records (whichever run left them), plus what this run held."""
    rows: dict[tuple[str, str], Outcome] = {}
    for (post, account), record in records.items():
        state = "waiting" if record.state == "corrupt" else record.state
        if state in ("failed", "unknown", "missed", "waiting"):
            rows[(post, account)] = Outcome(post, account, state, record.error, record.url)
    for outcome in report.outcomes:
        if outcome.state in NEEDS_PERSON:
            rows[(outcome.post, outcome.account)] = outcome
    by_group: dict[str, list[Outcome]] = {}
    for (post, _), outcome in sorted(rows.items()):
        by_group.setdefault(post.split("/", 1)[0], []).append(outcome)
    return by_group


def report_failures(github: GitHub, repo: Repo, report: Report, records: dict) -> list[str]:
    """Keep one issue per group in step with what needs a person: opened or updated while
    something does, closed (with a note) once nothing does."""
    done = []
    by_group = standing(report, records)
    for group in sorted(repo.groups):
        rows = by_group.get(group, [])
        name = repo.groups[group].name
        try:
            if rows:
                action, number = github.upsert_issue(
                    marker(group),
                    f"smmflow: publishing for {name} needs attention",
                    body(name, group, rows),
                    ["smmflow"],
                )
            else:
                closed = github.close_issue(marker(group), ["smmflow"], ALL_CLEAR)
                if closed is None:
                    continue
                action, number = "closed", closed
        except GitHubError as exc:
            report.notes.append(f"could not report failures of {group} on GitHub: {exc}")
            continue
        report.notes.append(f"{action} issue #{number} for {group}")
        done.append(group)
    return done


ALL_CLEAR = "Everything that needed a person here is settled: smmflow closed this issue."
