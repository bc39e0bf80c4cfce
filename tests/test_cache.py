"""The warm-run cache is correct: it reuses exactly what did not change, and nothing else.

Each test loads a small repository twice through the library (as `check` does) and counts
cache hits; what a user would notice is that a warm run reports the same problems as a
cold one, and that an edit, a group change or a new smmflow rule is never hidden.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from smmflow.check import rules
from smmflow.content import cache, repo

GROUP_A = """name: A
timezone: Europe/Bucharest
accounts:
  feed: {}
  bluesky: {handle: a.bsky.social, password_env: A_BSKY}
"""
GROUP_B = """name: B
timezone: America/New_York
accounts:
  feed: {}
"""


def post(day: int, body: str, extra: str = "") -> str:
    return f"---\ndate: 2026-12-{day:02d} 10:00\ntype: informative\n{extra}---\n{body}\n"


@pytest.fixture(params=["folder", "git"])
def root(request, tmp_path: Path, monkeypatch) -> Path:
    """The same repository as a plain folder (the cache stats files) and as a git work
    tree with everything committed (the cache trusts git's blob ids: the snapshot)."""
    monkeypatch.setenv("SMMFLOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SMMFLOW_NO_CACHE", raising=False)
    base = tmp_path / "repo"
    (base / "schedules").mkdir(parents=True)
    (base / "schedules" / "a.yml").write_text(GROUP_A, encoding="utf-8")
    (base / "schedules" / "b.yml").write_text(GROUP_B, encoding="utf-8")
    for group in ("a", "b"):
        (base / "content" / group / "media").mkdir(parents=True)
    (base / "content" / "a" / "media" / "p.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    for day in range(1, 4):
        (base / f"content/a/2026-12-{day:02d}-a{day}.md").write_text(post(day, f"A {day}"))
        (base / f"content/b/2026-12-{day:02d}-b{day}.md").write_text(post(day, f"B {day}"))
    (base / "content/a/2026-12-04-pic.md").write_text(
        post(4, "With a picture", "media:\n  - src: media/p.png\n    alt: a picture\n")
    )
    if request.param == "git":
        commit_all(base)
    return base


def commit_all(base: Path) -> None:
    git = ["git", "-C", str(base), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "content"], check=True)


def load(root: Path) -> tuple[repo.Repo, list]:
    loaded = repo.load(root, check=rules.check_post, workers=1)
    return loaded, rules.check(loaded)


def test_a_warm_run_reuses_everything_and_reports_the_same(root: Path) -> None:
    cold, cold_problems = load(root)
    assert cold.cache_hits == 0 and len(cold.posts) == 7
    warm, warm_problems = load(root)
    assert warm.cache_hits == 7
    assert warm_problems == cold_problems
    assert sorted(p.id for p in warm.posts) == sorted(p.id for p in cold.posts)
    assert {p.id: p.body for p in warm.posts} == {p.id: p.body for p in cold.posts}


def test_a_changed_post_is_read_again_and_only_it(root: Path) -> None:
    load(root)
    target = root / "content/a/2026-12-02-a2.md"
    target.write_text(post(2, "A 2, much longer now " + "ă" * 400), encoding="utf-8")
    warm, problems = load(root)
    assert warm.cache_hits == 6
    [changed] = [p for p in warm.posts if p.id == "a/2026-12-02-a2"]
    assert "much longer now" in changed.body
    # The new text breaks Bluesky's limit: the warm run must say so.
    assert any(p.path == "content/a/2026-12-02-a2.md" and p.code == "too-long" for p in problems)


def test_a_staged_change_is_read_again(root: Path) -> None:
    """In git, a change added to the index (not committed) is the index's blob id."""
    load(root)
    target = root / "content/a/2026-12-03-a3.md"
    target.write_text(post(3, "A 3, staged"), encoding="utf-8")
    if (root / ".git").exists():
        subprocess.run(["git", "-C", str(root), "add", str(target)], check=True)
    warm, _ = load(root)
    assert warm.cache_hits == 6
    [changed] = [p for p in warm.posts if p.id == "a/2026-12-03-a3"]
    assert "staged" in changed.body


def test_a_changed_group_file_reloads_that_group_only(root: Path) -> None:
    load(root)
    (root / "schedules" / "a.yml").write_text(
        GROUP_A.replace("Europe/Bucharest", "Asia/Tokyo"), encoding="utf-8"
    )
    warm, _ = load(root)
    assert warm.cache_hits == 3  # group B's three posts
    tokyo = [p for p in warm.posts if p.group == "a"]
    assert tokyo and all(p.date.tzinfo.key == "Asia/Tokyo" for p in tokyo)  # type: ignore[union-attr]


def test_a_changed_media_file_reloads_the_post_that_uses_it(root: Path) -> None:
    load(root)
    (root / "content/a/media/p.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"1" * 2_000_000)
    warm, problems = load(root)
    assert warm.cache_hits == 6
    # Now over Bluesky's 1,000,000-byte image limit: reported on the warm run.
    assert any(p.path == "content/a/2026-12-04-pic.md" and p.code == "media-size" for p in problems)


def test_a_new_rule_or_version_invalidates_everything(root: Path, monkeypatch) -> None:
    load(root)
    monkeypatch.setattr(cache, "RULES_VERSION", cache.RULES_VERSION + 1)
    assert load(root)[0].cache_hits == 0
    assert load(root)[0].cache_hits == 7
    monkeypatch.setattr(cache, "__version__", "99.0")
    assert load(root)[0].cache_hits == 0


def test_removed_and_added_posts_are_seen(root: Path) -> None:
    load(root)
    (root / "content/b/2026-12-01-b1.md").unlink()
    (root / "content/b/2026-12-09-b9.md").write_text(post(9, "B 9"))
    warm, _ = load(root)
    ids = {p.id for p in warm.posts}
    assert "b/2026-12-01-b1" not in ids and "b/2026-12-09-b9" in ids
    assert warm.cache_hits == 6


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b"\xe3" * 1000])
def test_a_corrupted_cache_is_ignored_and_rebuilt(root: Path, damage: bytes) -> None:
    _, cold_problems = load(root)
    files = list(Path(os.environ["SMMFLOW_CACHE_DIR"]).glob("posts-*/*.marshal"))
    assert len(files) >= 2  # a shard per group and month (and, in git, the date index)
    for file in files:
        file.write_bytes(damage)
    again, problems = load(root)
    assert again.cache_hits == 0 and problems == cold_problems
    assert load(root)[0].cache_hits == 7  # rebuilt and usable again


def test_no_cache_when_asked(root: Path, monkeypatch) -> None:
    load(root)
    monkeypatch.setenv("SMMFLOW_NO_CACHE", "1")
    assert load(root)[0].cache_hits == 0
