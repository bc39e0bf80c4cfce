"""The project's own first day (issue #13): CI's script says what it is doing, the package
metadata is current, `pytest -q` stays short, user docs speak to users."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import tomllib
from synchelp import show_summary

PROJECT = Path(__file__).resolve().parents[1]


def test_ci_run_says_what_the_silent_npm_ci_is_doing_before_it_starts() -> None:
    lines = (PROJECT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    pds = next(i for i, line in enumerate(lines) if line.startswith("npm ci --prefix tests/pds"))
    said = [line for line in lines[:pds] if line.startswith("echo ")][-1]
    assert "Bluesky PDS" in said and "minutes" in said and ">&2" in said


def test_the_license_is_an_spdx_string_with_a_setuptools_that_reads_it() -> None:
    data = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["license"] == "MIT"
    bound = next(r for r in data["build-system"]["requires"] if r.startswith("setuptools"))
    assert int(re.search(r">=(\d+)", bound).group(1)) >= 77  # PEP 639 support


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
