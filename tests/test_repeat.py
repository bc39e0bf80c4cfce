"""`smmflow repeat`: dated copies of a post, real files, the CLI as a subprocess."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smmflow.content.repo import load

UTC = dt.timezone.utc
GROUP = (
    "name: Brutăria Dulce\ntimezone: Europe/Bucharest\n"
    'slots: ["mon 10:00", "sun 10:00"]\naccounts:\n  feed: {}\n'
)
POST = """---
title: "Pâine caldă, duminica"
date: {date}   # local time, Bucharest
type: informative
status: ready
---
Pâine **caldă** în fiecare duminică, de la 8.
"""


def smmflow(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMMFLOW_")}
    return subprocess.run(
        [sys.executable, "-m", "smmflow", *args], cwd=cwd, capture_output=True, text=True, env=env
    )


def make(tmp_path: Path, date: str, name: str = "2026-03-22-paine-calda.md") -> Path:
    root = tmp_path / "repo"
    (root / "schedules").mkdir(parents=True)
    (root / "schedules/brutaria.yml").write_text(GROUP, encoding="utf-8")
    folder = root / "content/brutaria"
    folder.mkdir(parents=True)
    (folder / name).write_text(POST.format(date=date), encoding="utf-8")
    return root


def dates(root: Path) -> dict[str, tuple[str, str]]:
    """file name -> (local wall time, UTC time) as smmflow loads them."""
    loaded = load(root)
    assert not loaded.problems, loaded.problems
    return {
        Path(p.path).name: (f"{p.date:%Y-%m-%d %H:%M %Z}", f"{p.utc:%Y-%m-%d %H:%M}")
        for p in loaded.posts
    }


def test_weekly_across_the_spring_dst_change(tmp_path: Path) -> None:
    root = make(tmp_path, "2026-03-22 10:00")
    done = smmflow(
        root,
        "repeat",
        "content/brutaria/2026-03-22-paine-calda.md",
        "--every",
        "week",
        "--count",
        "3",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "content/brutaria/2026-03-29-paine-calda.md  (Sun 2026-03-29 10:00 EEST, 07:00 UTC)",
        "content/brutaria/2026-04-05-paine-calda.md  (Sun 2026-04-05 10:00 EEST, 07:00 UTC)",
        "content/brutaria/2026-04-12-paine-calda.md  (Sun 2026-04-12 10:00 EEST, 07:00 UTC)",
    ]
    assert dates(root) == {
        "2026-03-22-paine-calda.md": ("2026-03-22 10:00 EET", "2026-03-22 08:00"),
        "2026-03-29-paine-calda.md": ("2026-03-29 10:00 EEST", "2026-03-29 07:00"),
        "2026-04-05-paine-calda.md": ("2026-04-05 10:00 EEST", "2026-04-05 07:00"),
        "2026-04-12-paine-calda.md": ("2026-04-12 10:00 EEST", "2026-04-12 07:00"),
    }
    # Everything but the date line is the original's, its comment and status included.
    original = (root / "content/brutaria/2026-03-22-paine-calda.md").read_text(encoding="utf-8")
    copy = (root / "content/brutaria/2026-03-29-paine-calda.md").read_text(encoding="utf-8")
    assert copy == original.replace("date: 2026-03-22 10:00   #", "date: 2026-03-29 10:00   #")
    assert "status: ready" in copy
    assert smmflow(root, "check").returncode == 0


def test_weekly_across_the_autumn_change_and_until(tmp_path: Path) -> None:
    root = make(tmp_path, "2026-10-18 10:00", "2026-10-18-paine-calda.md")
    done = smmflow(
        root,
        "repeat",
        "brutaria/2026-10-18-paine-calda",
        "--every",
        "week",
        "--until",
        "2026-11-01",
    )
    assert done.returncode == 0, done.stderr
    found = dates(root)
    assert found["2026-10-25-paine-calda.md"] == ("2026-10-25 10:00 EET", "2026-10-25 08:00")
    assert found["2026-11-01-paine-calda.md"] == ("2026-11-01 10:00 EET", "2026-11-01 08:00")
    assert found["2026-10-18-paine-calda.md"][1] == "2026-10-18 07:00"
    assert len(found) == 3  # --until is inclusive, and nothing after it


def test_monthly_keeps_the_day_and_skips_short_months(tmp_path: Path) -> None:
    root = make(tmp_path, "2027-01-31 10:00", "2027-01-31-paine-calda.md")
    done = smmflow(root, "repeat", "2027-01-31-paine-calda", "--every", "month", "--count", "3")
    assert done.returncode == 0, done.stderr
    assert sorted(dates(root)) == [
        "2027-01-31-paine-calda.md",
        "2027-03-31-paine-calda.md",
        "2027-05-31-paine-calda.md",
        "2027-07-31-paine-calda.md",
    ]
    assert "skipped 2027-02: it has no day 31" in done.stderr
    assert "skipped 2027-04: it has no day 31" in done.stderr
    # The summer copies keep 10:00 local: 07:00 UTC instead of January's 08:00.
    assert dates(root)["2027-05-31-paine-calda.md"] == ("2027-05-31 10:00 EEST", "2027-05-31 07:00")


def test_monthly_until(tmp_path: Path) -> None:
    root = make(tmp_path, "2026-01-15 18:30", "2026-01-15-paine-calda.md")
    done = smmflow(
        root, "repeat", "2026-01-15-paine-calda", "--every", "month", "--until", "2026-04-14"
    )
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == [
        "content/brutaria/2026-02-15-paine-calda.md",
        "content/brutaria/2026-03-15-paine-calda.md",
    ]


def test_never_overwrites(tmp_path: Path) -> None:
    root = make(tmp_path, "2026-03-22 10:00")
    first = smmflow(root, "repeat", "2026-03-22-paine-calda", "--every", "week", "--count", "2")
    assert first.returncode == 0
    edited = root / "content/brutaria/2026-04-05-paine-calda.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "Edited by hand.\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (root / "content/brutaria").iterdir()}
    again = smmflow(root, "repeat", "2026-03-22-paine-calda", "--every", "week", "--count", "3")
    assert again.returncode == 2
    assert (
        "not overwriting existing file(s)" in again.stderr
        and "2026-04-05-paine-calda.md" in again.stderr
    )
    after = {p.name: p.read_bytes() for p in (root / "content/brutaria").iterdir()}
    assert after == before  # not even the new third date was written


@pytest.mark.parametrize(
    ("date", "name", "bad", "words"),
    [
        ("2026-03-22 03:30", "2026-03-22-paine-calda.md", "2026-03-29", "does not exist"),
        ("2026-10-18 03:30", "2026-10-18-paine-calda.md", "2026-10-25", "happens twice"),
    ],
)
def test_dst_gap_or_fold_asks_for_another_time(
    tmp_path: Path, date: str, name: str, bad: str, words: str
) -> None:
    root = make(tmp_path, date, name)
    done = smmflow(root, "repeat", name, "--every", "week", "--count", "3")
    assert done.returncode == 2
    assert words in done.stderr and f"the copy for {bad} needs another time" in done.stderr
    assert sorted(p.name for p in (root / "content/brutaria").iterdir()) == [name]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2026-03-22-paine-calda", "--every", "week"), "give --until DATE or --count N"),
        (("nope", "--every", "week", "--count", "1"), "no post 'nope'"),
        (("2026-03-22-paine-calda", "--every", "day", "--count", "1"), "'day' is not one of"),
        (
            ("2026-03-22-paine-calda", "--every", "week", "--until", "2026-03-01"),
            "no dates to write",
        ),
        (("2026-03-22-paine-calda", "--every", "week", "--until", "soon"), "not a date"),
        (
            ("2026-03-22-paine-calda", "--every", "week", "--until", "2030-01-01"),
            "more than 100 copies",
        ),
    ],
)
def test_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    root = make(tmp_path, "2026-03-22 10:00")
    done = smmflow(root, "repeat", *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(list((root / "content/brutaria").iterdir())) == 1
