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
from typing import TYPE_CHECKING

from .errors import ExitCode, SmmflowError

if TYPE_CHECKING:
    from .ledger import Ledger

SEEN_TAG = "smmflow-ledger-seen"


class LedgerRewound(SmmflowError):
    """The ledger branch lost commits this repository had seen: publishing could repeat."""

    exit_code = ExitCode.NEEDS_PERSON


class LedgerDiverged(SmmflowError):
    """The local ledger branch and the remote's each hold records the other lacks."""

    exit_code = ExitCode.NEEDS_PERSON


def diverged_message(ledger: Ledger, local: str) -> str:
    remote, branch = ledger.store.remote, ledger.branch
    return (
        f"the local branch {branch} holds ledger commits that {remote}'s lacks (commit "
        f"{local[:12]}: a sync without the shared ledger ran in this clone). Publishing now "
        "could post something twice, so nothing more is sent. Share them with `git push "
        f"{remote} {branch}`; if git refuses, both hold records the other lacks: check the "
        f"posts listed by `git log --name-only {remote}/{branch}...{branch}` on their "
        f"accounts, then keep the remote's (`git branch -f {branch} {remote}/{branch}`) and "
        "settle the rest with `smmflow resolve`."
    )


def check_not_diverged(ledger: Ledger, remote_tip: str | None) -> None:
    """With a remote: the local branch must be absent or contained in the remote's."""
    local = ledger.store.rev(ledger.ref)
    if remote_tip is None or local is None or local == remote_tip:
        return
    if not ledger.store.is_ancestor(local, remote_tip):
        raise LedgerDiverged(diverged_message(ledger, local))


def _seen_file(ledger: Ledger) -> Path:
    name = f"seen-{ledger.branch.replace('/', '-')}"
    return Path(ledger.store.repo.git_dir) / "smmflow" / name


def _seen(ledger: Ledger) -> list[str]:
    seen = []
    file = _seen_file(ledger)
    if file.is_file():
        seen.append(file.read_text().strip())
    if ledger.store.remote:
        tag = ledger.store.fetch_tag(SEEN_TAG)
        if tag:
            seen.append(tag)
    return [s for s in seen if s]


def check_not_rewound(ledger: Ledger, tip: str | None) -> None:
    store, branch = ledger.store, ledger.branch
    for seen in _seen(ledger):
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


def mark_seen(ledger: Ledger, accepted_rewind: bool = False) -> None:
    """Remember the current tip as seen (after a run). Only forward, unless a person
    accepted a rewind: overlapping runs finish in any order."""
    tip, store = ledger.tip, ledger.store
    if not tip:
        return
    file = _seen_file(ledger)
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
