"""The project's own first day (issue #13): CI's script says what it is doing, the package
metadata is current, `pytest -q` stays short, user docs speak to users."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from synchelp import show_summary

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tools"))


def test_ci_run_says_what_the_silent_npm_ci_is_doing_before_it_starts() -> None:
    lines = (PROJECT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    pds = next(i for i, line in enumerate(lines) if line.startswith("npm ci --prefix tests/pds"))
    said = [line for line in lines[:pds] if line.startswith("echo ")][-1]
    assert "Bluesky PDS" in said and "minutes" in said and ">&2" in said


def test_the_license_is_an_spdx_string_with_a_setuptools_that_reads_it() -> None:
    text = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on 3.10
    assert re.search(r'^license = "MIT"', text, re.M)
    assert "license = {" not in text
    bound = re.search(r'^requires = \["setuptools>=(\d+)"\]', text, re.M)
    assert bound and int(bound.group(1)) >= 77  # PEP 639: `license` as an SPDX expression


class Reporter:
    """What pytest hands a `pytest_terminal_summary` hook, as far as the summaries use it."""

    def __init__(self, verbosity: int):
        self.config = SimpleNamespace(get_verbosity=lambda: verbosity)
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines.append(f"== {title} ==")

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def test_pytest_q_prints_one_line_instead_of_a_result_table() -> None:
    table = ["| fault | telegram | x |", "|---|---|---|"] + [
        f"| f{i} | ok | ok |" for i in range(40)
    ]
    quiet, normal = Reporter(-1), Reporter(0)
    show_summary(quiet, "fault matrix", table, "42 cases; the tables without -q")
    show_summary(normal, "fault matrix", table, "42 cases; the tables without -q")
    assert quiet.lines == ["fault matrix: 42 cases; the tables without -q"]
    assert normal.lines == ["== fault matrix ==", *table]


def test_user_docs_say_nothing_of_how_the_project_is_made() -> None:
    docs = [PROJECT / "README.md", *sorted((PROJECT / "docs").rglob("*.md"))]
    for path in docs:
        text = path.read_text(encoding="utf-8")
        for internal in ("closing note", "shared/bench", "../shared"):
            assert internal not in text, f"{path.relative_to(PROJECT)} mentions {internal!r}"


def test_commands_md_shows_the_program_as_people_type_it() -> None:
    text = (PROJECT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert "Usage: main" not in text
    assert "Usage: smmflow calendar [OPTIONS]" in text
    import commands_doc  # tools/, on the path below

    assert commands_doc.render() == text  # regenerated after the last change


def test_the_secrets_listing_of_github_setup_skips_commented_out_accounts(tmp_path: Path) -> None:
    guide = (PROJECT / "docs" / "github-setup.md").read_text(encoding="utf-8")
    command = re.search(r"To list the names.*?```sh\n(.*?)\n```", guide, re.S).group(1)
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "shop.yml").write_text(
        "name: Shop\naccounts:\n  feed: {}\n"
        '  telegram: {chat: "@shop", token_env: SHOP_TELEGRAM_TOKEN}\n'
        "  bluesky:\n    handle: shop.bsky.social\n    password_env: SHOP_BSKY_PASSWORD\n"
        "  # mastodon: {instance: https://mastodon.social, token_env: MY_MASTODON_TOKEN}\n"
        "  #   x_secret_env: NOT_THIS_ONE\n",
        encoding="utf-8",
    )
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout.splitlines() == [
        "password_env: SHOP_BSKY_PASSWORD",
        "token_env: SHOP_TELEGRAM_TOKEN",
    ]
