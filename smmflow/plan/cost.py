"""`smmflow workflow --cost`: the GitHub Actions runs and billed minutes a month that the
workflows cost, with the formula. GitHub bills each job by the whole minute (rounded up),
so a job that finds nothing due still costs one minute: the count of jobs is the cost."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from ..content.yamlread import YamlProblem, parse
from .cron import TOKEN_HEALTH, Cron, runs_in

DAYS = 365
PUSHES_PER_PR = 2  # opened, then one more push after the client's suggestions
MINUTES_PER_JOB = 1  # a no-op job takes well under a minute; it is billed as one


@dataclass(frozen=True)
class Row:
    what: str
    runs: float  # a month
    jobs: int  # billed jobs each run
    minutes: int = MINUTES_PER_JOB

    @property
    def billed(self) -> float:
        return self.runs * self.jobs * self.minutes


@dataclass(frozen=True)
class Estimate:
    rows: tuple[Row, ...]

    @property
    def total(self) -> int:
        return math.ceil(sum(row.billed for row in self.rows))

    def lines(self) -> list[str]:
        """The estimate as text, a row per kind of run, each with its formula."""
        out = []
        for row in self.rows:
            out.append(
                f"  {row.what:<38} {row.runs:6.1f} runs × {row.jobs} job × "
                f"{row.minutes} min = {row.billed:6.0f} min"
            )
        out.append(f"  {'total':<38} {self.total:>44,} billed minutes a month")
        return out


def jobs_each_run(workflow_text: str) -> tuple[int, int]:
    """(jobs every run starts, jobs only the weekly token-health line starts): a job with no
    `if:`, or one that holds `always()`, runs every time; a skipped job is not billed."""
    try:
        data = parse(workflow_text).data
    except YamlProblem:
        return 1, 0
    jobs = data.get("jobs") if isinstance(data, dict) else None
    every, weekly = 0, 0
    for job in (jobs or {}).values():
        condition = str(job.get("if", "")) if isinstance(job, dict) else ""
        if not condition or "always()" in condition:
            every += 1
        elif TOKEN_HEALTH in condition:
            weekly += 1
    return max(every, 1), weekly


def estimate(crons: list[Cron], workflow_text: str, prs: float, start: dt.date) -> Estimate:
    """Scheduled runs over the next 365 days (a twelfth of them a month), and the runs
    pull requests start: the check and its preview comment for each push, the publish
    run of each merge."""
    every, weekly = jobs_each_run(workflow_text)
    counts = runs_in(crons, start, DAYS)
    scheduled = sum(counts.values()) / 12
    rows = [Row(f"scheduled publish ({len(crons)} lines)", scheduled, every)]
    if weekly and TOKEN_HEALTH in counts:
        rows.append(Row("token-health job (weekly line)", counts[TOKEN_HEALTH] / 12, weekly))
    rows += [
        Row(f"check on each push ({prs:.1f} PRs × {PUSHES_PER_PR})", prs * PUSHES_PER_PR, 1),
        Row("preview comment on each push", prs * PUSHES_PER_PR, 1),
        Row("publish on each merge (push to main)", prs, every),
    ]
    return Estimate(tuple(rows))


def default_prs(groups: int) -> float:
    """One pull request a week for each group: the plan reviewed in weekly batches."""
    return groups * 52 / 12
