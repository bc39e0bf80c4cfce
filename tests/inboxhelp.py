"""Shared pieces of the inbox tests: a content repository whose accounts point at loopback
servers, a post published there by the real `smmflow sync`, and the inbox read back.

Commands run in this process (`repohelp.cli`) unless the point is the real process (a
crash, two at once).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from repohelp import base_env, cli, commit, group_yaml, init_repo, post_md, write

NOW = "2026-12-15 10:05+02:00"  # just after the post below is due
POST_DATE = "2026-12-15 10:00"
POST_ID = "bakery/2026-12-15-cozonac"


def make_repo(
    tmp_path: Path,
    accounts: dict[str, dict],
    community: str | None = None,
    answers: dict[str, str] | None = None,
    body: str = "Cozonac **cald** cu nucă",
) -> Path:
    """A committed repository with group `bakery`, one post for every account, and its
    community files (when given)."""
    root = init_repo(tmp_path / "repo")
    (root / ".gitignore").write_text("public/\n.smmflow/\n")
    write(root, "schedules/bakery.yml", group_yaml("Brutăria Dulce", "Europe/Bucharest", accounts))
    write(root, f"content/{POST_ID}.md", post_md(POST_DATE, body))
    if community is not None:
        write(root, "community/bakery.yml", community)
    for name, text in (answers or {}).items():
        write(root, f"community/bakery/answers/{name}.md", text)
    subprocess.run(
        ["git", "add", "-A", ".gitignore", *(["community"] if community or answers else [])],
        cwd=root,
        check=True,
    )
    commit(root)
    return root


def env(**secrets: str) -> dict[str, str]:
    return base_env(SMMFLOW_USER="ana-admin", **secrets)


def publish(root: Path, environ: dict[str, str]) -> None:
    done = cli(root, "sync", "--now", NOW, env=environ)
    assert done.code == 0, str(done)


def items(root: Path, environ: dict[str, str], *args: str) -> list[dict]:
    """`smmflow inbox --format json ARGS`: the items, by id."""
    done = cli(root, "inbox", "--format", "json", *args, env=environ)
    assert done.code == 0, str(done)
    return json.loads(done.out)


def by_text(found: list[dict]) -> dict[str, dict]:
    return {item["text"]: item for item in found}


def ledger_actions(root: Path) -> dict[tuple[str, str], dict]:
    """(item, action) -> its record on the ledger branch."""
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "smmflow/ledger", "--", "actions"],
        cwd=root, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    found = {}
    for name in names:
        shown = subprocess.run(["git", "show", f"smmflow/ledger:{name}"], cwd=root,
                               capture_output=True, text=True).stdout  # fmt: skip
        record = json.loads(shown)
        found[(record["item"], record["action"])] = record
    return found


def everything_git_holds(root: Path) -> str:
    """Every commit of every ref with its diff, and every object of the object store."""
    log = subprocess.run(["git", "log", "-p", "--all", "--format=%H%n%B"], cwd=root,
                         capture_output=True).stdout  # fmt: skip
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=root,
                             capture_output=True).stdout  # fmt: skip
    return (log + objects).decode("utf-8", "replace")


def write_community(root: Path, text: str) -> None:
    write(root, "community/bakery.yml", text)
