"""Which ledger records speak for a (post, account) pair beyond the pair's own record.

A pair with no record of its own is new only if the ledger never had one for it: a
record deleted from the branch by a plain commit (no rewind) means the post may be out
already, so the pair waits for a person instead of being sent
(`publish.decide.unless_erased`, `status`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from . import gitlog
from .branch import Ledger
from .records import PREFIX


def erased(ledger: Ledger) -> dict[tuple[str, str], str]:
    """Pairs whose record a commit on the ledger branch deleted and that have none now ->
    that commit. One `git log` over the history that this clone has not scanned yet
    (the scan is kept in .git/smmflow/, so a long-lived clone reads each commit once)."""
    if not ledger.tip:
        return {}
    store = ledger.store
    cache = store.git_dir / "smmflow" / f"erased-{ledger.branch.replace('/', '-')}.json"
    try:
        known = json.loads(cache.read_text("utf-8"))
        since, deleted = str(known["tip"]), dict(known["deleted"])
    except (OSError, ValueError, KeyError, TypeError):
        since, deleted = "", {}
    if since != ledger.tip:
        if since and store.is_ancestor(since, ledger.tip):
            deleted.update(gitlog.deleted_paths(store, f"{since}..{ledger.tip}", PREFIX))
        else:
            deleted = gitlog.deleted_paths(store, ledger.tip, PREFIX)
        _save(cache, {"tip": ledger.tip, "deleted": deleted})
    found = {}
    present = ledger.paths
    for path, commit in deleted.items():
        if path in present or not path.endswith(".json"):
            continue
        post, _, account = path[len(PREFIX) : -len(".json")].rpartition("/")
        found[(post, account)] = commit
    return found


def _save(path: Path, data: dict) -> None:
    """Written whole or not at all (runs may share a clone)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)
    except OSError:
        pass  # only a cache


def erased_note(commit: str, branch: str) -> str:
    return (
        f"its ledger record was deleted from {branch} by commit {commit[:12]}: it may have "
        "been published already, so sync does not send it again"
    )


def erased_reason(post: str, account: str, commit: str, branch: str) -> str:
    return (
        f"{erased_note(commit, branch)}. Check {account}, then run `smmflow resolve {post} "
        f"{account} --published URL` if it is there, or `--retry` if it is not"
    )
