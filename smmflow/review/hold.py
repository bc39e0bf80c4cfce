"""The one builder of a hold: why a post may not be acted on now (None: it may).

Sync obeys it before every send and every delete, `status` and `plan` show it. In order:
the post's group file has errors (acting would guess what it meant); the post, or one of
its media files, is not on the publish branch with exactly the bytes here
(`committed.Committed.hold`); an approver has not approved those bytes on GitHub
(`approvals.gate`, only where approvals are asked: never offline).
"""

from __future__ import annotations

from ..content.repo import Repo
from ..ledger.branch import Ledger
from ..ledger.committed import Committed
from ..ledger.states import Hold
from ..model import Post
from . import approvals
from .github import GitHub


def build(
    repo: Repo,
    committed: Committed,
    *,
    ledger: Ledger | None = None,
    mode: str | None = None,
    github: GitHub | None = None,
) -> Hold:
    """The hold for `repo`'s posts against the publish branch `committed` holds. `mode`
    (`github` | `branch`, see `approvals`) asks approvals; None asks none (offline)."""
    gate = None
    if mode is not None and ledger is not None:
        gate = approvals.gate(
            repo, committed.store, ledger, committed.branch, mode, github, committed
        )
    checks = [lambda post: repo.group_error(post.group), committed.hold]
    if gate is not None:
        checks.append(gate)

    def hold(post: Post) -> str | None:
        for check in checks:
            why = check(post)
            if why:
                return why
        return None

    return hold
