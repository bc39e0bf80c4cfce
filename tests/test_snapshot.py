"""The git snapshot and the date index (issue #19): a command reads only the posts of its
window, and still finds every post that belongs there.

A post's file name carries its date, but nothing forces the front matter to agree: a
post named for next year and dated today is due today, and `sync` must find it however
warm its cache is. Posts of other months are not read at all (`Repo.tried`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from repohelp import base_env, commit, group_yaml, init_repo, post_md, smmflow, sync_json, write

from smmflow.content import repo, snapshot
from smmflow.publish.sync import due_window

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
MISDATED = "content/shop/2027-06-01-misdated.md"  # named for June 2027, dated 10 December 2026


@pytest.fixture
def shop(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("SMMFLOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SMMFLOW_NO_CACHE", raising=False)
    root = init_repo(tmp_path / "shop")
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", {"feed": {}}, max_delay="30d"))
    for month in range(1, 13):
        write(
            root,
            f"content/shop/2027-{month:02d}-03-later.md",
            post_md(f"2027-{month:02d}-03 10:00", "Later."),
        )
    for day in range(10, 18):  # a month of several names: its digest must not hang on order
        write(root, f"content/shop/2027-05-{day}-may.md", post_md(f"2027-05-{day} 10:00", "May."))
    write(root, "content/shop/2026-12-11-today.md", post_md("2026-12-11 10:00", "Today."))
    write(root, MISDATED, post_md("2026-12-10 09:00", "Misdated."))
    commit(root, "shop")
    return root


def window_load(root: Path) -> repo.Repo:
    return repo.load(root, window=due_window(NOW))


def test_a_window_finds_a_post_whose_name_and_date_disagree_cold_and_warm(shop: Path) -> None:
    for _ in range(3):  # cold cache, warm cache, warm date index
        loaded = window_load(shop)
        paths = {p.path for p in loaded.posts}
        assert {MISDATED, "content/shop/2026-12-11-today.md"} <= paths
        assert loaded.present >= paths and len(loaded.present) == 22
    # Warm: the months named in the future are not read at all.
    assert "content/shop/2027-03-03-later.md" not in loaded.tried


def test_a_post_moved_into_the_window_by_its_date_is_found(shop: Path) -> None:
    repo.load(shop)  # every shard and the date index warm
    later = "content/shop/2027-04-03-later.md"
    assert later not in {p.path for p in window_load(shop).posts}
    write(shop, later, post_md("2026-12-01 10:00", "Moved into December, name unchanged."))
    assert later in {p.path for p in window_load(shop).posts}  # not committed: diff-files
    commit(shop, "moved")
    assert later in {p.path for p in window_load(shop).posts}


def test_sync_publishes_a_misdated_post_with_a_warm_index(shop: Path) -> None:
    env = base_env(SMMFLOW_CACHE_DIR=os.environ["SMMFLOW_CACHE_DIR"])
    assert smmflow(shop, "check", env=env).code in (0, 1)  # fills the cache and the index
    _, report = sync_json(shop, "2026-12-12 12:00Z", env=env)
    done = {(o["post"], o["state"]) for o in report["outcomes"]}
    assert done == {
        ("shop/2027-06-01-misdated", "published"),
        ("shop/2026-12-11-today", "published"),
    }


def test_the_snapshot_knows_changed_untracked_deleted_and_linked_files(shop: Path) -> None:
    (shop / "content/shop/2026-12-11-today.md").write_text("changed\n")
    (shop / "content/shop/new.md").write_text("new\n")
    (shop / "content/shop/2027-01-03-later.md").unlink()
    os.symlink("2027-02-03-later.md", shop / "content/shop/link.md")
    snap = snapshot.take(shop)
    assert snap is not None
    assert snap.blob("content/shop/2026-12-11-today.md") == snapshot.blob_id(b"changed\n")
    assert snap.blob("content/shop/new.md") == snapshot.blob_id(b"new\n")
    assert snap.blob("content/shop/2027-01-03-later.md") is None
    assert snap.odd["content/shop/link.md"] == "link"
    loaded = repo.load(shop)
    assert any(p.path == "content/shop/link.md" and p.code == "post-file" for p in loaded.problems)


def test_no_snapshot_outside_git(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    assert snapshot.take(tmp_path) is None


WINDOW_SCRIPT = """
import datetime as dt, pathlib, sys
from smmflow.content import repo
from smmflow.publish.sync import due_window
now = dt.datetime(2026, 12, 12, 12, tzinfo=dt.timezone.utc)
loaded = repo.load(pathlib.Path(sys.argv[1]), window=due_window(now))
print(len(loaded.tried), len(loaded.present))
"""


def test_the_date_index_holds_from_one_process_to_the_next(shop: Path) -> None:
    """Digests do not depend on the order of a set (hash seeds differ between runs)."""
    import subprocess
    import sys

    counts = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", WINDOW_SCRIPT, str(shop)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        counts.append(tuple(map(int, done.stdout.split())))
    assert counts[0] == (22, 22)  # cold: every shard read whole once
    assert counts[1] == counts[2] == (2, 22)  # then only December's post and the misdated one
