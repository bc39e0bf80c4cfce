"""bench/run.py --quick end to end, so the benchmark does not rot between full runs.

Runs every workload at a tenth of the issue's sizes (about a minute) and checks that the
file it writes has a measured row for each target, the floors, the machine's load and
the Hugo comparison.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CORPUS_SCRIPT = PROJECT / "bench" / "make_corpus.py"  # in the repository: nothing to skip

ROWS = [
    "cold `smmflow check`, 1,000 posts, 12 groups",
    "warm `smmflow check`, 10,000 posts, one post changed",
    "`smmflow sync`, 10,000 posts, nothing due",
    "`smmflow plan --month`, 10,000 posts",
    "`smmflow report --month`, 10,000 posts, one report per group",
    "peak memory: cold `smmflow check`, 10,000 posts",
    "peak memory: warm `smmflow check`, 10,000 posts",
    "peak memory: `smmflow sync`, 10,000 posts",
    "peak memory: `smmflow plan --month`, 10,000 posts",
    "`smmflow --version`",
    "100 due posts over 20 accounts, 100 ms latency",
    "`smmflow inbox --unanswered`, 20,000 items in the store",
    "inbox fetch, 5 groups × 5 accounts × 100 new items, 100 ms latency",
]


def test_the_corpus_script_is_part_of_the_repository() -> None:
    """The benchmark needs nothing outside a clean clone (it used to be skipped there)."""
    assert CORPUS_SCRIPT.is_file()
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "bench/make_corpus.py"], cwd=PROJECT
    )
    assert tracked.returncode == 0
    text = (PROJECT / "bench" / "run.py").read_text(encoding="utf-8")
    assert 'DEFAULT_CORPUS_SCRIPT = REPO / "bench" / "make_corpus.py"' in text


def test_quick_run_writes_a_row_for_every_workload(tmp_path: Path) -> None:
    out = tmp_path / "B.md"
    proc = subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "run.py"), "--quick", "--out", str(out)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    text = out.read_text(encoding="utf-8")
    results = text.split("## Results", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in results.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == len(ROWS), results
    for label, row in zip(ROWS, rows, strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] == label
        assert cells[-1] in ("met", "**MISSED**"), row  # measured, with a verdict
        assert float(cells[3]) > 0, row  # a ratio to its baseline
    for heading in (
        "## Floors",
        "## Commands",
        "## Targets one by one",
        "## smmflow check vs Hugo",
    ):
        assert heading in text
    assert "Load average" in text
    assert "Checked on every run: exactly one delivery per post" in text
    assert "all as required" in text  # 100 deliveries, in date order per account
    # The table is printed too.
    assert "| `smmflow --version` |" in proc.stdout
