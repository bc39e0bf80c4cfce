"""What `inbox`, `moderate`, `reply` and `resolve ITEM ACTION` share: the groups and their
community files, the accounts, the store (retention applied on every run), and the ledger
of actions with who is acting.

Only the groups are loaded (schedules/), not the posts: the inbox stays quick however many
posts a repository has.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem, UsageError
from ..ledger.committed import publish_branch
from ..ledger.gitstore import Store as GitStore
from ..platforms.secrets import env_secrets
from . import config
from .store import Store, Stored

if TYPE_CHECKING:
    from ..content.repo import Repo
    from .accounts import Accounts
    from .act import Actor


@dataclass
class Session:
    root: Path
    ids: tuple[str, ...]  # the groups (schedules/*.yml)
    communities: dict[str, config.Community]
    problems: list[Problem]
    store: Store
    environ: dict[str, str]
    _repo: Repo | None = None
    _accounts: Accounts | None = None

    @property
    def repo(self) -> Repo:
        """The groups, loaded whole (accounts and their settings) when first needed."""
        if self._repo is None:
            from ..content.repo import Repo, load_groups

            self._repo = Repo(self.root)
            load_groups(self.root, self._repo)
        return self._repo

    @property
    def accounts(self) -> Accounts:
        if self._accounts is None:
            from .accounts import Accounts

            groups = self.repo.groups
            redact = env_secrets(groups.values(), self.environ)
            self._accounts = Accounts(self.root, groups, self.communities, self.environ, redact)
        return self._accounts

    def close(self) -> None:
        self.store.close()

    def item(self, given: str) -> Stored:
        found = self.store.find(given)
        if found is None:
            raise UsageError(
                f"no inbox item {given!r}: give at least 6 characters of an id `smmflow inbox` shows"
            )
        return found

    def purge(self) -> int:
        """Forget what each group's retention says is too old (on every run)."""
        retention = {gid: c.retention.total_seconds() for gid, c in self.communities.items()}
        return self.store.purge(retention, time.time())

    def chosen_groups(self, group: str | None) -> tuple[str, ...]:
        return tuple(g for g in self.ids if group is None or g == group)


def open_session(
    root: Path,
    group: str | None = None,
    account: str | None = None,
    environ: Mapping[str, str] | None = None,
    files: dict[str, bytes] | None = None,
    light: bool = False,
    purge: bool = True,
) -> Session:
    """Groups and community files (the working tree's unless `files` are given), the
    store, and each group's retention applied. `light`: only the groups' ids are read (a
    command that lists what the store holds needs no accounts)."""
    repo = None
    if light and account is None:
        ids = group_ids(root)
        if group is not None and group not in ids:
            raise UsageError(f"--group: no group {group!r} (known: {', '.join(ids) or 'none'})")
    else:
        from ..content.repo import Repo, load_groups, require_selection

        repo = Repo(root)
        load_groups(root, repo)
        require_selection(repo, group, account)
        ids = tuple(sorted(repo.groups))
    found, problems = config.load(
        config.working_tree(root) if files is None else files, dict.fromkeys(ids)
    )
    environ = dict(os.environ if environ is None else environ)
    session = Session(root, ids, found, problems, Store(root), environ, repo)
    if purge:  # every run but a dry run, which changes nothing
        session.purge()
    return session


def group_ids(root: Path) -> tuple[str, ...]:
    """The ids of the groups, from the names of schedules/*.yml (nothing parsed)."""
    folder = root / "schedules"
    names = folder.iterdir() if folder.is_dir() else ()
    return tuple(sorted(p.stem for p in names if p.suffix in (".yml", ".yaml") and p.is_file()))


def merged_files(root: Path, branch: str | None) -> tuple[dict[str, bytes], bool]:
    """The files under community/ as the publish branch holds them (what was reviewed and
    merged), and whether the working tree has others."""
    store = GitStore(root)
    try:
        commit = store.rev(publish_branch(store, branch))
        blobs = store.tree_blobs(commit, config.FOLDER) if commit else {}
        files = {path: store.read_blob(sha) for path, sha in blobs.items()}
    finally:
        store.close()
    return files, files != config.working_tree(root)


def actor(session: Session, remote: str | None, wall: dt.datetime) -> tuple[GitStore, Actor]:
    """The ledger of actions (the shared one) and who acts; the caller closes the store."""
    from ..ledger.actions import open_actions
    from .act import Actor

    git, ledger = open_actions(session.root, remote, session.accounts.redact)
    return git, Actor(session.accounts, session.store, ledger, who(session.root), wall)


def who(root: Path) -> str:
    """Who is acting, as the ledger records it: $SMMFLOW_USER, GitHub's actor in Actions,
    else git's user.name, else the login name."""
    for variable in ("SMMFLOW_USER", "GITHUB_ACTOR"):
        if os.environ.get(variable, "").strip():
            return os.environ[variable].strip()[:80]
    try:
        name = subprocess.run(
            ["git", "config", "user.name"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    try:
        return (name or getpass.getuser())[:80]
    except (KeyError, OSError):
        return "unknown"
