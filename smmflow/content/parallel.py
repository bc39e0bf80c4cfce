"""Loading (and checking) many posts on every core: the cold path of `check` and `sync`.

Work is split into chunks handed to forked worker processes, which inherit the loaded
groups and the check step; a small repository, or a machine without `fork`, is done
in-process. The check step is the caller's (`check.rules.check_post` for `smmflow check`):
loading knows no rule of `check`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import Problem
from ..model import Group, Post
from .cache import CachedPost
from .posts import load_post

CheckPost = Callable[[Post, Group], list[Problem]]

PARALLEL_FROM = 2000  # below this, starting processes costs more than it saves
_STATE: dict = {}


def _one(
    root: Path, groups: dict[str, Group], relpath: str, folder: str, check: CheckPost | None
) -> tuple[Post | None, list[Problem]]:
    with open(root / relpath, "rb") as handle:
        data = handle.read()
    post, problems = load_post(root, relpath, data, groups.get(folder), folder)
    if check is not None and post is not None:
        problems = problems + check(post, groups[post.group])
    return post, problems


def _chunk(jobs: list[tuple[str, str]]) -> tuple[list[Post], list[Problem]]:
    root, groups, check = _STATE["root"], _STATE["groups"], _STATE["check"]
    light = _STATE.get("light", False)
    posts, problems = [], []
    for relpath, folder in jobs:
        post, found = _one(root, groups, relpath, folder, check)
        if post is not None:
            posts.append(_without_body(post, str(root)) if light else post)
        problems.extend(found)
    return posts, problems


def _without_body(post: Post, root: str) -> Post:
    """The post as a worker sends it back once checked: its body stays in the file (read
    again only if asked, `CachedPost`), so neither the pipe nor the parent carries every
    body of the repository."""
    light = CachedPost.__new__(CachedPost)
    light.__dict__.update(post.__dict__)
    del light.__dict__["body"]
    light.__dict__["_root"] = root
    return light


def load_posts(
    root: Path,
    groups: dict[str, Group],
    jobs: list[tuple[str, str]],
    check: CheckPost | None,
    workers: int | None = None,
) -> tuple[list[Post], list[Problem]]:
    """Load every (relpath, folder) of `jobs`, each post also given to `check` if any."""
    if workers is None:
        workers = int(os.environ.get("SMMFLOW_WORKERS", "0")) or (os.cpu_count() or 1)
    _STATE.update(root=root, groups=groups, check=check, light=False)
    use_pool = (
        workers > 1
        and len(jobs) >= PARALLEL_FROM
        and "fork" in multiprocessing.get_all_start_methods()
    )
    if not use_pool:
        return _chunk(jobs)
    _STATE["light"] = check is not None  # checked in the worker: the body is done with
    size = max(200, len(jobs) // (workers * 4))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    posts: list[Post] = []
    problems: list[Problem] = []
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for found_posts, found_problems in pool.imap(_chunk, chunks):
            posts.extend(found_posts)
            problems.extend(found_problems)
    return posts, problems
