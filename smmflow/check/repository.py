"""`smmflow check` of a whole repository: the rules (`rules`), then what this clone's git
history says, offline (posts a sync found held, renames, copies)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..content.repo import Repo
from ..errors import Problem
from ..ledger.gitstore import Store
from . import ads, rules
from .edited import edited_posts
from .held import held_posts
from .renamed import renamed_posts


def problems(repo: Repo, now: dt.datetime | None = None) -> list[Problem]:
    """Every problem `smmflow check` reports; `now` judges the months still being planned."""
    found = rules.check(repo, now) + ads.problems(repo)
    store = _store(repo)
    if store is None:
        return found + renamed_posts(repo.posts, None)
    try:
        found += edited_posts(repo, store)
        return found + held_posts(repo, store) + renamed_posts(repo.posts, store)
    finally:
        store.close()


def _store(repo: Repo) -> Store | None:
    if not (repo.root / ".git").exists():
        return None
    try:
        return Store(repo.root)
    except Exception:  # not a usable repository: only what needs no git
        return None


def about(problems: list[Problem], root: Path, paths: list[Path]) -> list[Problem]:
    """The problems of the files under `paths` (`smmflow check PATH...`), and the errors of
    the group files of the posts there (a post of a broken group is no pass)."""
    wanted = [p.resolve() for p in paths]
    content = (root / "content").resolve()
    groups = {w.relative_to(content).parts[0] for w in wanted if content in w.parents}

    def keep(problem: Problem) -> bool:
        full = (root / problem.path).resolve()
        if any(full == w or w in full.parents for w in wanted):
            return True
        return problem.path.startswith("schedules/") and Path(problem.path).stem in groups

    return [p for p in problems if keep(p)]
