"""Rows of where every post stands, as the commands show them (`ledger.status.Row`).

`status` reads the ledger the commands that publish use (a remote's when one holds it),
renamed posts under their new names, records deleted from the ledger's history, and the
hold a sync would obey (approvals asked of GitHub as sync asks them). `plan` and `site`
read the local ledger branch offline (never fetched, no approvals asked), or only the
files when there is no git repository.
"""

from __future__ import annotations

from pathlib import Path

from ..content import repo as repo_module
from ..content.repo import Repo
from ..errors import UsageError
from ..ledger import identity, renames, status
from ..ledger.branch import open_ledger
from ..ledger.committed import Committed, publish_branch
from ..ledger.remotes import default_remote
from ..ledger.states import Clock
from ..platforms.secrets import env_secrets
from ..review import approvals, hold
from ..review.github import GitHub


def for_status(
    root: Path,
    clock: Clock,
    *,
    remote: str | None = None,
    branch: str | None = None,
    group: str | None = None,
    month: str | None = None,
) -> list[status.Row]:
    loaded = repo_module.load(root)
    store, ledger = open_ledger(
        root, remote or default_remote(), env_secrets(loaded.groups.values()), shared=True
    )
    try:
        repo_module.require_selection(loaded, group)
        github = GitHub.from_env()
        committed = Committed(store, publish_branch(store, branch))
        mode = approvals.default_mode(github)
        holds = hold.build(loaded, committed, ledger=ledger, mode=mode, github=github)
        moved = renames.carried(loaded.posts, ledger.records, store, committed.branch)
        records = {**ledger.records, **{(c.post.id, c.account): c.adopted() for c in moved}}
        erased = identity.erased(ledger)
        return status.rows(loaded, records, clock, holds, group, month, erased, ledger.branch)
    finally:
        store.close()


def for_plan(root: Path, loaded: Repo, clock: Clock) -> tuple[list[status.Row], bool]:
    """The rows of `loaded`'s posts, and whether a ledger was there to read."""
    try:
        store, ledger = open_ledger(root, None, env_secrets(loaded.groups.values()))
    except UsageError:  # not a git repository: plan from the files only
        return status.rows(loaded, None, clock), False
    try:
        try:
            committed = Committed(store, publish_branch(store, None))
        except UsageError:  # a repository without commits yet
            return status.rows(loaded, None, clock), False
        return status.rows(loaded, ledger.records, clock, hold.build(loaded, committed)), True
    finally:
        store.close()
