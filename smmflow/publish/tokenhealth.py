"""`doctor --issues` (the weekly token-health job): one GitHub issue per group, opened or
updated while an account's token expires soon (each platform warns 7 days before), has
expired, lacks a permission or a secret, and closed once `doctor` finds all well again."""

from __future__ import annotations

from collections.abc import Iterable

from ..content.repo import Repo
from ..review.github import GitHub, GitHubError
from .doctor import Line

LABELS = ["smmflow"]
ALL_CLEAR = (
    "`smmflow doctor` finds every account of this group ready again: smmflow closed this issue."
)


def marker(group: str) -> str:
    return f"<!-- smmflow-token-health:{group} -->"


def needs_person(lines: Iterable[Line]) -> dict[str, list[Line]]:
    """Per group, the lines a person must act on: errors, and warnings (a token that expires
    soon, a permission missing) other than what reading comments would lack."""
    found: dict[str, list[Line]] = {}
    for line in lines:
        inbox_warning = line.level == "warning" and line.message.startswith("inbox:")
        if line.level in ("error", "warning") and not inbox_warning:
            found.setdefault(line.group, []).append(line)
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def body(group: str, name: str, lines: list[Line]) -> str:
    rows = [
        marker(group),
        f"`smmflow doctor` found accounts of **{_cell(name)}** that need a person before "
        "publishing stops:",
        "",
        "| account | platform | level | what |",
        "|---|---|---|---|",
    ]
    rows += [
        f"| {_cell(x.account)} | {x.platform} | {x.level} | {_cell(x.message)} |" for x in lines
    ]
    rows += [
        "",
        "**What to do**: make a new token (or grant the permission named), store it as the "
        "repository secret the account's `*_env` names, then run the publish workflow by hand "
        "(or `smmflow doctor`). The weekly token-health job updates this issue and closes it "
        "once all is well.",
    ]
    return "\n".join(rows) + "\n"


def report_health(github: GitHub, repo: Repo, lines: list[Line]) -> list[str]:
    """Keep one token-health issue per group in step with `lines`; what was done, as notes."""
    notes = []
    by_group = needs_person(lines)
    for group in sorted(repo.groups):
        name = repo.groups[group].name
        try:
            if group in by_group:
                title = f"smmflow: accounts of {name} need a new token or permission"
                action, number = github.upsert_issue(
                    marker(group), title, body(group, name, by_group[group]), LABELS
                )
            else:
                closed = github.close_issue(marker(group), LABELS, ALL_CLEAR)
                if closed is None:
                    continue
                action, number = "closed", closed
        except GitHubError as exc:
            notes.append(f"could not report token health of {group} on GitHub: {exc}")
            continue
        notes.append(f"{action} token-health issue #{number} for {group}")
    return notes
