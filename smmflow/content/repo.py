"""A content repository on disk: find its root, load every group and post."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, RepositoryNotFound, Severity, UsageError
from ..model import Group, Post
from . import snapshot
from .cache import PostCache, group_hash
from .cache import enabled as cache_enabled
from .dateindex import DateIndex, Window
from .groups import load_group
from .listing import _utf8, bad_name, post_files
from .parallel import CheckPost, load_posts
from .snapshot import Snapshot

GROUP_SUFFIXES = (".yml", ".yaml")


@dataclass
class Repo:
    """Everything loaded from one content repository, problems included."""

    root: Path
    groups: dict[str, Group] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    posts_checked: bool = False  # per-post platform checks already in `problems`
    group_keys: dict[str, str] = field(default_factory=dict)  # group id -> hash of its file
    cache_hits: int = 0
    post_files: int = 0  # post files found, loaded or not (`check` counts them all)
    present: set[str] = field(default_factory=set)  # every post file's path, loaded or not
    tried: set[str] = field(default_factory=set)  # the post files read (or taken from cache)
    _cache: PostCache | None = field(default=None, repr=False, compare=False)
    _group_problems: tuple[int, dict[str, list[Problem]]] = field(
        default=(-1, {}), repr=False, compare=False
    )

    def posts_of(self, group: str) -> list[Post]:
        return [p for p in self.posts if p.group == group]

    def group_error(self, group: str) -> str | None:
        """Why nothing of `group` may be published, withdrawn or retried: its group file has
        errors (a misspelled `approvers`, a wrong timezone...), so acting on any of its
        posts would guess what the file meant. None when the file is clean."""
        found = self.group_problems.get(group)
        if not found:
            return None
        first = found[0].format()
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return (
            f"nothing of group {group} is published while schedules/{group}.yml has "
            f"errors: {first}{more}; run `smmflow check`"
        )

    @property
    def group_problems(self) -> dict[str, list[Problem]]:
        """Group id -> the errors of its group file, for every group that has some."""
        seen, found = self._group_problems
        if seen != len(self.problems):  # problems are only ever added
            found = {}
            for problem in self.problems:
                if problem.severity.value == "error" and problem.path.startswith("schedules/"):
                    found.setdefault(Path(problem.path).stem, []).append(problem)
            self._group_problems = (len(self.problems), found)
        return found


def require_selection(repo: Repo, group: str | None, account: str | None = None) -> None:
    """A `UsageError` when `--group` or `--account` names nothing in the repository: a typo
    must not pass for "nothing due". A group file that exists but has errors is not
    unknown (its errors are reported where it is used), nor are the accounts it may hold."""
    found = set(repo.groups) | set(repo.group_keys)
    found |= {Path(p.path).stem for p in repo.problems if p.path.startswith("schedules/")}
    if group is not None and group not in found:
        known = ", ".join(sorted(repo.groups)) or "none"
        raise UsageError(f"--group: no group {group!r} (known: {known})")
    if account is None:
        return
    chosen = [g for g in repo.groups.values() if group is None or g.id == group]
    if len(chosen) < len(found if group is None else {group}):
        return  # a group that did not load may hold it
    names = sorted({a.name for g in chosen for a in g.accounts})
    if account not in names:
        where = f" in {group}" if group else ""
        raise UsageError(
            f"--account: no account {account!r}{where} (known: {', '.join(names) or 'none'})"
        )


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` that has a `schedules/` folder."""
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / "schedules").is_dir():
            return folder
    raise RepositoryNotFound(
        f"{start or '.'}: not inside a content repository (no schedules/ folder here or "
        "above); run `smmflow init DIR` to make one"
    )


def rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _read(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def load_groups(root: Path, repo: Repo) -> None:
    schedules = root / "schedules"
    for path in sorted(schedules.iterdir()) if schedules.is_dir() else []:
        if path.suffix not in GROUP_SUFFIXES or not path.is_file():
            continue
        if not _utf8(path.name):
            repo.problems.append(bad_name(f"schedules/{path.name}"))
            continue
        relpath = rel(root, path)
        try:
            text = _read(path).decode("utf-8")
        except UnicodeDecodeError:
            repo.problems.append(Problem(relpath, 0, "", "not UTF-8 text; save the file as UTF-8"))
            continue
        repo.group_keys[path.stem] = group_hash(text.encode("utf-8"))
        group, problems = load_group(relpath, path.stem, text)
        repo.problems.extend(problems)
        if group is not None:
            repo.groups[group.id] = group


def load(
    root: Path,
    check: CheckPost | None = None,
    workers: int | None = None,
    use_cache: bool = True,
    only: Callable[[str], bool] | None = None,
    window: list[Window] | None = None,
) -> Repo:
    """Load the whole repository. Never raises for a user's mistake: see `Repo.problems`.

    With `check` (`smmflow check` passes its per-post rules), each post is also checked
    while it is loaded (`Repo.posts_checked`), in several processes when there are many.
    `only` loads just the post files whose path it accepts, and walks only the folders it
    accepts (asked with a trailing `/`): one month's or one group's posts (`report`); the
    cache keeps the others' entries. `window` ([start, end) instants) loads the posts dated
    in it (and perhaps a few more), found by their file names and the date index
    (`dateindex`) without reading the others; `add` loads more later.
    """
    repo = Repo(root)
    load_groups(root, repo)
    cached = use_cache and cache_enabled()
    snap = snapshot.take(root) if cached else None
    cache = repo._cache = PostCache(root, snap) if cached else None
    jobs = _post_jobs(root, repo, only, snap)
    repo.present = {relpath for relpath, _ in jobs}
    dates = DateIndex(cache.folder, cache.header()) if cache and snap and not only else None
    if dates is not None:
        by_shard, sums = dates.digests(snap, repo.present, repo.group_keys)  # type: ignore[arg-type]
        cache.keys = {path: key for key, paths in by_shard.items() for path in paths}  # type: ignore[union-attr]
        whole = {k for k, v in sums.items() if dates.shards.get(k, ("",))[0] != v}
        cache.absent = dates.unloaded(sums)  # type: ignore[union-attr]
        if window is not None:
            chosen, whole = dates.pick(by_shard, sums, window)
            picked = set(chosen)
            jobs = [job for job in jobs if job[0] in picked]
    _load_jobs(repo, jobs, cache, check, workers)
    if dates is not None:
        dates.refresh(by_shard, sums, whole, {p.path: p for p in repo.posts})
        dates.save()
    if cache is not None:
        if only is None and window is None:
            cache.forget_missing(repo.present)
        cache.save()
    repo.posts_checked = check is not None
    repo.posts.sort(key=lambda p: (p.group, p.ts, p.path))
    return repo


def add(repo: Repo, relpaths: Iterable[str]) -> None:
    """Load the posts at `relpaths` that `load` left out (a window's), into `repo`."""
    jobs = [(r, r.split("/")[1]) for r in sorted(set(relpaths) & repo.present - repo.tried)]
    if not jobs:
        return
    _load_jobs(repo, jobs, repo._cache, None, None)
    if repo._cache is not None:
        repo._cache.save()
    repo.posts.sort(key=lambda p: (p.group, p.ts, p.path))


def remember(repo: Repo) -> None:
    """Keep what this command worked out about its posts (their headlines) in the cache."""
    if repo._cache is not None:
        repo._cache.remember(repo.posts)
        repo._cache.save()


def _load_jobs(
    repo: Repo,
    jobs: list[tuple[str, str]],
    cache: PostCache | None,
    check: CheckPost | None,
    workers: int | None,
) -> None:
    checked = check is not None
    repo.tried.update(relpath for relpath, _ in jobs)
    todo = jobs if cache is None else _from_cache(cache, repo, jobs, checked)
    posts, problems = load_posts(repo.root, repo.groups, todo, check, workers)
    repo.posts.extend(posts)
    repo.problems.extend(problems)
    if cache is not None:
        _to_cache(cache, repo, posts, problems, checked)
        repo.cache_hits = cache.hits


def _post_jobs(
    root: Path,
    repo: Repo,
    only: Callable[[str], bool] | None = None,
    snap: Snapshot | None = None,
) -> list[tuple[str, str]]:
    """(path, group folder) of every post file to load; a post of a group whose file has
    errors is not loaded (a warning says so)."""
    broken_groups = {Path(p.path).stem for p in repo.problems if p.path.startswith("schedules/")}
    jobs: list[tuple[str, str]] = []
    found = post_files(root, repo.problems, only, snap)
    repo.post_files = len(found)
    for relpath in found:
        folder = relpath.split("/")[1]
        if folder not in repo.groups and folder in broken_groups:
            message = f"not checked: schedules/{folder}.yml has errors"
            repo.problems.append(Problem(relpath, 0, "", message, Severity.WARNING))
            continue
        jobs.append((relpath, folder))
    return jobs


def _from_cache(
    cache: PostCache, repo: Repo, jobs: list[tuple[str, str]], checked: bool
) -> list[tuple[str, str]]:
    """Take what the cache still holds into `repo`; the jobs it does not hold."""
    todo = []
    for relpath, folder in jobs:
        hit = cache.get(relpath, repo.group_keys.get(folder, ""), checked)
        if hit is None:
            todo.append((relpath, folder))
            continue
        post, problems = hit
        if post is not None:
            repo.posts.append(post)
        repo.problems.extend(problems)
    return todo


def _to_cache(
    cache: PostCache, repo: Repo, posts: list[Post], problems: list[Problem], checked: bool
) -> None:
    by_path: dict[str, list[Problem]] = {}
    for problem in problems:
        by_path.setdefault(problem.path, []).append(problem)
    for post in posts:
        key = repo.group_keys.get(post.path.split("/", 2)[1], "")
        cache.put(post.path, key, checked, post, by_path.get(post.path, []))


def find_post_id(repo: Repo, given: str) -> str:
    """Accept a post id (`group/slug`), its path, or its file name."""
    wanted = given.replace("\\", "/").removesuffix(".md")
    if wanted.startswith("content/"):
        wanted = wanted[len("content/") :]
    for post in repo.posts:
        if post.id == wanted or post.slug == wanted:
            return post.id
    raise UsageError(f"no post {given!r} (give its id like brutaria-dulce/2026-12-04-cozonac)")
