"""Questions answered from git history, each with one `git log` (through `gitstore`):
which ledger records some commit deleted, and which posts were renamed on a branch."""

from __future__ import annotations

from .gitstore import Store


def _tokens(out: str):
    """(commit, token) for `git log -z --format='commit %H'` output."""
    current = ""
    for token in out.split("\0"):
        token = token.lstrip("\n")
        if token.startswith("commit "):
            current = token[len("commit ") :]
        elif token:
            yield current, token


def deleted_paths(store: Store, revs: str, prefix: str) -> dict[str, str]:
    """Every path under `prefix` that some commit in `revs` deleted (moved or renamed
    away included; merges compared with each parent) -> the newest such commit."""
    out = store.run(
        "log",
        "--no-renames",
        "-m",
        "--diff-filter=D",
        "--name-only",
        "-z",
        "--format=commit %H",
        revs,
        "--",
        prefix,
    )
    found: dict[str, str] = {}
    for commit, path in _tokens(out):
        found.setdefault(path, commit)  # newest first
    return found


def renames(store: Store, rev: str, prefix: str) -> list[tuple[str, str]]:
    """(old path, new path) of every rename git finds in `rev`'s history under `prefix`
    (a file moved with at most half of it changed), newest first."""
    out = store.run(
        "log",
        "-M",
        "--diff-filter=R",
        "--name-status",
        "-z",
        "--format=commit %H",
        rev,
        "--",
        prefix,
    )
    tokens = iter([token for _commit, token in _tokens(out)])
    found = []
    for token in tokens:
        if token[:1] == "R" and token[1:].isdigit():
            old, new = next(tokens, ""), next(tokens, "")
            if old and new:
                found.append((old, new))
    return found
