"""The ledger's defences against losing records: a branch moved back, and a local branch
that went its own way while the remote one is in use.

The newest tip a clone saw is kept in .git/smmflow/seen-<branch> (and, with a remote, in
the tag smmflow-ledger-seen there). A tip that does not contain it means someone moved the
branch back: records of published posts may be gone, so sync stops. With a remote, the
local branch is only a cache of the remote's: it moves by fast-forward compare-and-swap,
and a local branch holding commits the remote lacks (a run without the remote) stops sync
until a person brings them together.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import ExitCode, SmmflowError
from .gitstore import Store

SEEN_TAG = "smmflow-ledger-seen"


class LedgerRewound(SmmflowError):
    """The ledger branch lost commits this repository had seen: publishing could repeat."""

    exit_code = ExitCode.NEEDS_PERSON


class LedgerDiverged(SmmflowError):
    """The local ledger branch and the remote's each hold records the other lacks."""

    exit_code = ExitCode.NEEDS_PERSON


def diverged_message(store: Store, branch: str, local: str) -> str:
    remote = store.remote
    return (
        f"the local branch {branch} holds ledger commits that {remote}'s lacks (commit "
        f"{local[:12]}: a sync without the shared ledger ran in this clone). Publishing now "
        "could post something twice, so nothing more is sent. Share them with `git push "
        f"{remote} {branch}`; if git refuses, both hold records the other lacks: check the "
        f"posts listed by `git log --name-only {remote}/{branch}...{branch}` on their "
        f"accounts, then keep the remote's (`git branch -f {branch} {remote}/{branch}`) and "
        "settle the rest with `smmflow resolve`."
    )


def check_not_diverged(store: Store, branch: str, remote_tip: str | None) -> None:
    """With a remote: the local branch must be absent or contained in the remote's."""
    local = store.rev(f"refs/heads/{branch}")
    if remote_tip is None or local is None or local == remote_tip:
        return
    if not store.is_ancestor(local, remote_tip):
        raise LedgerDiverged(diverged_message(store, branch, local))


def _seen_file(store: Store, branch: str) -> Path:
    name = f"seen-{branch.replace('/', '-')}"
    return store.git_dir / "smmflow" / name


def _seen(store: Store, branch: str) -> list[str]:
    seen = []
    file = _seen_file(store, branch)
    if file.is_file():
        seen.append(file.read_text().strip())
    if store.remote:
        tag = store.fetch_tag(SEEN_TAG)
        if tag:
            seen.append(tag)
    return [s for s in seen if s]


def check_not_rewound(store: Store, branch: str, tip: str | None) -> None:
    """The tip must contain every tip this clone (or, with a remote, any run) saw."""
    for seen in _seen(store, branch):
        if tip == seen or (tip and store.is_ancestor(seen, tip)):
            continue
        if store.remote:
            restore = f"git push --force {store.remote} {seen}:refs/heads/{branch}"
        else:
            restore = f"git update-ref refs/heads/{branch} {seen}"
        raise LedgerRewound(
            f"the ledger branch {branch} was moved back: it no longer contains "
            f"commit {seen[:12]}, which an earlier run recorded. Records of published "
            "posts may be gone, so publishing now could post them twice; nothing was "
            f"sent. Restore the branch ({restore}), or, after checking every account, "
            "run sync with --accept-ledger-rewind."
        )


def mark_seen(store: Store, branch: str, tip: str | None, accepted_rewind: bool = False) -> None:
    """Remember `tip` as seen (after a run). Only forward, unless a person accepted a
    rewind: overlapping runs finish in any order."""
    if not tip:
        return
    file = _seen_file(store, branch)
    old = file.read_text().strip() if file.is_file() else ""
    if accepted_rewind or not old or old == tip or store.is_ancestor(old, tip):
        _write(file, tip + "\n")
    if store.remote:
        for _ in range(5):  # the tag moves by compare-and-swap, forward only
            current = store.fetch_tag(SEEN_TAG)
            if current == tip:
                return
            ahead = current and not store.is_ancestor(current, tip)
            if ahead and not accepted_rewind:
                return  # another run saw further
            if store.push_tag(SEEN_TAG, tip, current):
                return


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
