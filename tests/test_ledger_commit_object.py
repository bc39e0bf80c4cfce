"""A ledger commit object made in-process (issue #19: one git process fewer per ledger
commit) is byte for byte what `git commit-tree` makes: same id, so history, `git fsck`
and every clone see an ordinary commit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from smmflow.ledger.gitstore import IDENTITY, Store, commit_object

WHEN = 1_700_000_000


def git(root: Path, *args: str, env: dict | None = None) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, env=env, check=True)
    return done.stdout.decode().strip()


@pytest.mark.parametrize("message", ["record: shop/a hook", "two\nlines", "ends\n\n", "ünï ✨"])
def test_the_commit_object_is_gits_own(tmp_path: Path, message: str) -> None:
    git(tmp_path, "init", "-q")
    tree = git(tmp_path, "write-tree")
    env = {**os.environ, **IDENTITY}
    env.update(GIT_AUTHOR_DATE=f"{WHEN} +0000", GIT_COMMITTER_DATE=f"{WHEN} +0000")
    first = git(tmp_path, "commit-tree", tree, "-m", "first", env=env)
    theirs = git(tmp_path, "commit-tree", tree, "-p", first, "-m", message, env=env)
    raw = subprocess.run(
        ["git", "-C", str(tmp_path), "cat-file", "commit", theirs], capture_output=True
    ).stdout
    assert commit_object(tree, first, message, WHEN) == raw


def test_a_store_commit_is_a_valid_git_commit(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    store = Store(tmp_path)
    try:
        one = store.commit(None, {"records/a/b.json": b"{}\n"}, "one")
        two = store.commit(one, {"records/a/c.json": b"[]\n"}, "two")
    finally:
        store.close()
    assert git(tmp_path, "rev-parse", f"{two}^") == one
    assert git(tmp_path, "ls-tree", "-r", "--name-only", two).split() == [
        "records/a/b.json",
        "records/a/c.json",
    ]
    git(tmp_path, "fsck", "--strict", "--no-dangling")
