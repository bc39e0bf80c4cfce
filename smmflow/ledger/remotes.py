"""Where the shared ledger lives: the git remote whose ledger branch every run must use.

A ledger branch on a remote (pushed by GitHub Actions or `smmflow run --remote`) is the
record of what went out. A run that ignored it would publish again everything that the
local branch does not know about, so a remote holding the ledger branch is used by
default, and a run that cannot tell whether a remote holds one publishes nothing.
"""

from __future__ import annotations

import os

from ..errors import SmmflowError, UsageError
from .gitstore import Store


class RemoteUnknown(SmmflowError):
    """A remote might hold the shared ledger, and it cannot be asked."""


def choose(store: Store, wanted: str | None, branch: str) -> str | None:
    """The remote to share the ledger through: `wanted` (--remote, $SMMFLOW_REMOTE, or
    `origin` in Actions), else the one remote that holds `branch`, else None (local)."""
    names = store.run("remote").split()
    if wanted:
        if wanted not in names:
            raise UsageError(f"no git remote named {wanted!r} (see `git remote -v`)")
        return wanted
    if not names:
        return None
    holding = [n for n in names if store.rev(f"refs/remotes/{n}/{branch}")]  # fetched before
    unreachable: list[str] = []
    if not holding:
        for name in names:
            found = store.remote_has_branch(name, branch)
            if found is None:
                unreachable.append(name)
            elif found:
                holding.append(name)
    if len(holding) > 1:
        raise UsageError(
            f"the remotes {', '.join(holding)} each have a ledger branch {branch}: pass "
            "--remote NAME (or set SMMFLOW_REMOTE) to say which one this repository shares"
        )
    if holding:
        return holding[0]
    if unreachable:
        name = unreachable[0]
        raise RemoteUnknown(
            f"cannot reach the git remote {name!r} to see whether it holds the shared "
            f"ledger ({branch}); publishing without it could post things twice, so nothing "
            f"was sent. Run `smmflow sync --remote {name}` once it can be reached (or remove "
            f"the remote with `git remote remove {name}` if no sync ever runs there)."
        )
    return None


def default_remote() -> str | None:
    """`SMMFLOW_REMOTE`, or `origin` inside GitHub Actions; None: any remote holding the
    ledger branch (`choose`), else a local ledger."""
    if os.environ.get("SMMFLOW_REMOTE"):
        return os.environ["SMMFLOW_REMOTE"]
    return "origin" if os.environ.get("GITHUB_ACTIONS") == "true" else None
