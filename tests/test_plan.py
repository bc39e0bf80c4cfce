"""`smmflow plan` and `smmflow new` on real content repositories, run as a subprocess.

The expected files under tests/expected/ are the plan of the bundled example content for
December 2026, after a real `sync` to the feed account, with one post edited after the
commit (so it is held). Each slot, gap and mix figure in them was checked by hand
against content/ and schedules/. Regenerate with SMMFLOW_REGENERATE=1 and read the diff.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from repohelp import GIT_ENV, git

PROJECT = Path(__file__).resolve().parents[1]
EXPECTED = Path(__file__).resolve().parent / "expected"
NOW = "2026-12-10 12:00"  # UTC: some posts are past (published, missed, due), most ahead
GAPS = {
    "brutaria-dulce": ["2026-12-26T09:00+02:00", "2026-12-31T18:30+02:00"],
    "cafe-boema": ["2026-12-25T16:00+02:00", "2026-12-29T08:00+02:00"],
    "clinica-zambet": ["2026-12-24T17:00+02:00", "2026-12-26T10:00+02:00"],
    "english-online": ["2026-12-23T19:00+00:00", "2026-12-28T19:00+00:00"],
    "fitstudio-nord": ["2026-12-25T17:30-05:00"],
}


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SMMFLOW_")}
    base.pop("NO_COLOR", None)
    base.pop("GITHUB_ACTIONS", None)
    return {**base, **GIT_ENV, **extra}


def smmflow(cwd: Path, *args: str, tty: bool = False, **extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "smmflow", *args]
    if not tty:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env(**extra))
    leader, follower = pty.openpty()  # a real terminal: colour is allowed there
    with subprocess.Popen(
        command, cwd=cwd, stdout=follower, stderr=subprocess.PIPE, env=env(**extra)
    ) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait()
    os.close(leader)
    out = b"".join(chunks).decode().replace("\r\n", "\n")
    return subprocess.CompletedProcess(command, proc.returncode, out, "")


def example(tmp_path: Path, with_git: bool = True) -> Path:
    root = tmp_path / "example"
    shutil.copytree(PROJECT / "schedules", root / "schedules")
    shutil.copytree(PROJECT / "content", root / "content")
    if with_git:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "schedules", "content")
        git(root, "commit", "-q", "-m", "example content")
    return root


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    """The example, its feed account synced at NOW, then one past post edited (held)."""
    root = example(tmp_path_factory.mktemp("plan"))
    done = smmflow(root, "sync", "--account", "feed", "--now", NOW, "--max-delay", "31d")
    assert done.returncode == 0, done.stderr
    quiz = root / "content/english-online/2026-12-09-christmas-quiz.md"
    quiz.write_text(
        quiz.read_text(encoding="utf-8") + "\nP.S. answers on Saturday!\n", encoding="utf-8"
    )
    return root


def compare(name: str, actual: str) -> None:
    path = EXPECTED / name
    if os.environ.get("SMMFLOW_REGENERATE"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), (
        f"{name} differs (SMMFLOW_REGENERATE=1 rewrites it)"
    )


@pytest.mark.parametrize(
    ("fmt", "name"), [("text", "plan-2026-12.txt"), ("json", "plan-2026-12.json")]
)
def test_example_month_matches_expected(synced: Path, fmt: str, name: str) -> None:
    done = smmflow(
        synced, "plan", "--month", "2026-12", "--now", NOW, "--format", fmt, NO_COLOR="1"
    )
    assert done.returncode == 0, done.stderr
    compare(name, done.stdout)


def test_default_month_is_the_month_of_now(synced: Path) -> None:
    explicit = smmflow(synced, "plan", "--month", "2026-12", "--now", NOW, "--format", "json")
    implicit = smmflow(synced, "plan", "--now", NOW, "--format", "json")
    assert implicit.stdout == explicit.stdout
    # 23:30 UTC on 30 November is already December in Bucharest, still November in London.
    edge = json.loads(
        smmflow(synced, "plan", "--now", "2026-11-30 23:30", "--format", "json").stdout
    )
    months = {g["group"]: g["month"] for g in edge["groups"]}
    assert months["brutaria-dulce"] == "2026-12" and months["english-online"] == "2026-11"


def test_json_figures(synced: Path) -> None:
    data = json.loads(smmflow(synced, "plan", "--now", NOW, "--format", "json").stdout)
    assert data["ledger"] is True and data["now"] == "2026-12-10T12:00Z"
    groups = {g["group"]: g for g in data["groups"]}
    assert sorted(groups) == sorted(GAPS)
    for gid, group in groups.items():
        empty = [s["local"] for s in group["slots"] if not s["posts"]]
        assert empty == GAPS[gid], gid
        assert group["counts"]["outside"] == 0 and group["outside"] == []
        assert group["mix"]["ok"] is True
        posts = [p for s in group["slots"] for p in s["posts"]]
        assert group["mix"]["total"] == len(posts) == group["counts"]["filled"]
        for post in posts:
            local = post["local"]
            assert post["id"].split("/")[1].startswith(local[:10])
    bakery = groups["brutaria-dulce"]
    assert bakery["counts"] == {"slots": 13, "filled": 11, "empty": 2, "outside": 0}
    mix = {t["type"]: (t["count"], t["share"]) for t in bakery["mix"]["types"]}
    assert mix == {
        "informative": (5, 0.4545),
        "sales": (3, 0.2727),
        "entertaining": (2, 0.1818),
        "announcement": (1, 0.0909),
    }
    clinic = groups["clinica-zambet"]
    assert clinic["counts"] == {"slots": 14, "filled": 12, "empty": 2, "outside": 0}
    states = {
        (p["id"], a["account"]): a["state"]
        for g in groups.values()
        for s in g["slots"]
        for p in s["posts"]
        for a in p["accounts"]
    }
    assert states[("brutaria-dulce/2026-12-03-secretul-cozonacului", "feed")] == "published"
    assert states[("brutaria-dulce/2026-12-03-secretul-cozonacului", "telegram")] == "missed"
    assert states[("english-online/2026-12-09-christmas-quiz", "feed")] == "published"
    assert states[("english-online/2026-12-09-christmas-quiz", "telegram")] == "held"
    assert states[("brutaria-dulce/2026-12-28-colaci-anul-nou", "feed")] == "draft"
    assert states[("cafe-boema/2026-12-11-seara-de-jazz", "feed")] == "scheduled"
    soon = [u["local"] for u in groups["fitstudio-nord"]["next_7_days"]]
    assert soon == ["2026-12-11T17:30-05:00", "2026-12-14T06:30-05:00", "2026-12-16T12:00-05:00"]


def test_gaps_lists_only_the_empty_slots(synced: Path) -> None:
    done = smmflow(synced, "plan", "--gaps", "--now", NOW)
    assert done.returncode == 0
    lines = [line for line in done.stdout.splitlines() if line.startswith("  ")]
    assert len(lines) == sum(len(v) for v in GAPS.values())
    assert "  Sat 2026-12-26 09:00 EET  (sat 09:00)" in lines
    assert "  Fri 2026-12-25 17:30 EST  (fri 17:30)" in lines
    data = json.loads(smmflow(synced, "plan", "--gaps", "--now", NOW, "--format", "json").stdout)
    assert {g["group"]: [e["local"] for e in g["empty"]] for g in data["groups"]} == GAPS
    md = smmflow(
        synced, "plan", "--gaps", "--group", "cafe-boema", "--now", NOW, "--format", "markdown"
    )
    assert md.stdout == (
        "## Cafe Boema — December 2026: 2 empty slots ahead\n\n"
        "- Fri 2026-12-25 16:00 EET (fri 16:00)\n- Tue 2026-12-29 08:00 EET (tue 08:00)\n"
    )


def test_without_git_states_come_from_the_files(tmp_path: Path) -> None:
    root = example(tmp_path, with_git=False)
    data = json.loads(smmflow(root, "plan", "--now", NOW, "--format", "json").stdout)
    assert data["ledger"] is False
    states = {
        a["state"]
        for g in data["groups"]
        for s in g["slots"]
        for p in s["posts"]
        for a in p["accounts"]
    }
    assert states == {"draft", "ready", "scheduled"}


def test_new_lands_in_the_first_free_slot(tmp_path: Path) -> None:
    root = example(tmp_path, with_git=False)
    done = smmflow(root, "new", "brutaria-dulce", "--type", "sales", "--now", "2026-12-20 12:00")
    assert done.returncode == 0, done.stderr
    path = root / "content/brutaria-dulce/2026-12-26-sales.md"
    assert done.stdout.startswith("content/brutaria-dulce/2026-12-26-sales.md")
    keys = [line.split("  #")[0] for line in path.read_text(encoding="utf-8").splitlines()]
    assert keys[1:4] == ["date: 2026-12-26 09:00", "type: sales", "status: draft"]
    gaps = json.loads(
        smmflow(
            root, "plan", "--gaps", "--group", "brutaria-dulce", "--now", NOW, "--format", "json"
        ).stdout
    )
    assert [e["local"] for e in gaps["groups"][0]["empty"]] == ["2026-12-31T18:30+02:00"]
    again = smmflow(
        root, "new", "brutaria-dulce", "--type", "informative", "--now", "2026-12-20 12:00"
    )
    assert again.stdout.startswith("content/brutaria-dulce/2026-12-31-informative.md")


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def odd(tmp_path: Path) -> Path:
    """A small group: a post outside the slots, two in one slot, a withdrawn one, a failing mix."""
    root = tmp_path / "odd"
    write(
        root,
        "schedules/shop.yml",
        'name: \'Shop | *Best*\'\ntimezone: Europe/Bucharest\nslots: ["mon 10:00", "thu 18:30"]\n'
        "mix:\n  sales: {max_share: 0.5, max_in_a_row: 1}\n  informative: {min_share: 0.3}\n"
        "accounts:\n  feed: {}\n  x: {token_env: SHOP_X}\n",
    )
    posts = {
        "2027-03-01-a": ("2027-03-01 10:00", "sales", "ready", "title: 'Sale | *now* <b>'"),
        "2027-03-04-b": ("2027-03-04 18:30", "sales", "ready", ""),
        "2027-03-04-c": ("2027-03-04 18:30", "informative", "draft", ""),
        "2027-03-10-d": ("2027-03-10 12:15", "sales", "ready", ""),
        "2027-03-15-e": ("2027-03-15 10:00", "informative", "withdrawn", ""),
    }
    for slug, (date, kind, status, extra) in posts.items():
        write(
            root,
            f"content/shop/{slug}.md",
            f"---\ndate: {date}\ntype: {kind}\nstatus: {status}\n{extra}\n---\nPost {slug}.\n",
        )
    return root


def test_outside_slots_doubles_withdrawn_and_failing_mix(odd: Path) -> None:
    done = smmflow(
        odd, "plan", "--month", "2027-03", "--now", "2027-03-02 08:00", "--format", "json"
    )
    assert done.returncode == 0, done.stderr
    group = json.loads(done.stdout)["groups"][0]
    assert group["counts"] == {"slots": 9, "filled": 2, "empty": 7, "outside": 1}
    both = next(s for s in group["slots"] if s["local"] == "2027-03-04T18:30+02:00")
    assert [p["id"] for p in both["posts"]] == ["shop/2027-03-04-b", "shop/2027-03-04-c"]
    assert [p["id"] for p in group["outside"]] == ["shop/2027-03-10-d"]
    assert group["outside"][0]["in_slot"] is False
    withdrawn = [p for s in group["slots"] for p in s["posts"] if p["id"].endswith("-e")]
    assert not withdrawn  # its slot (15 March) counts as empty
    assert group["mix"]["total"] == 4
    rules = {(r["type"], r["rule"]): (r["actual"], r["ok"]) for r in group["mix"]["rules"]}
    assert rules == {
        ("sales", "max_share"): (0.75, False),
        ("sales", "max_in_a_row"): (2, False),
        ("informative", "min_share"): (0.25, False),
    }
    # `check` finds the same three rule breaches: plan and check count alike.
    check = json.loads(smmflow(odd, "check", "--format", "json").stdout)
    codes = sorted(p["code"] for p in check["problems"] if p["code"].startswith("mix-"))
    assert codes == ["mix-in-a-row", "mix-max-share", "mix-min-share"]
    text = smmflow(
        odd, "plan", "--month", "2027-03", "--now", "2027-03-02 08:00", NO_COLOR="1"
    ).stdout
    assert "  10 +sal" in text and " 4 sal*" in text
    assert "Outside the slots\n  Wed 10 12:15  sales" in text
    assert "Mix (4 posts): a rule fails" in text
    assert "at most 50% (has 75%): FAILS" in text


def test_markdown_escapes_user_text(odd: Path) -> None:
    done = smmflow(
        odd, "plan", "--month", "2027-03", "--now", "2027-03-02 08:00", "--format", "markdown"
    )
    assert done.returncode == 0
    assert done.stdout.startswith("## Shop \\| \\*Best\\* — March 2027\n")
    assert "| Mon 01 10:00 | sales | Sale \\| \\*now\\* \\<b\\> | ready: feed, x |" in done.stdout
    assert "| 10 sales (outside) |" in done.stdout
    assert "**a rule fails**" in done.stdout


def test_colour_only_on_a_terminal_and_never_with_no_color(odd: Path) -> None:
    args = ("plan", "--month", "2027-03", "--now", "2027-03-02 08:00")
    piped = smmflow(odd, *args)
    assert piped.returncode == 0 and "\x1b[" not in piped.stdout
    coloured = smmflow(odd, *args, tty=True)
    assert coloured.returncode == 0 and "\x1b[" in coloured.stdout
    assert click_unstyle(coloured.stdout) == piped.stdout
    plain = smmflow(odd, *args, tty=True, NO_COLOR="1")
    assert "\x1b[" not in plain.stdout and plain.stdout == piped.stdout


def click_unstyle(text: str) -> str:
    import click

    return click.unstyle(text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2026-13"), "is not a month"),
        (("--group", "nope"), "no group 'nope'"),
        (("--now", "yesterday"), "--now"),
    ],
)
def test_usage_errors(odd: Path, args: tuple[str, ...], message: str) -> None:
    done = smmflow(odd, "plan", *args)
    assert done.returncode == 2 and message in done.stderr
