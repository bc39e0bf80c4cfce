"""A content repository on disk: find its root, load every group and post."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, RepositoryNotFound, Severity, UsageError
from ..model import Group, Post
from .cache import PostCache, group_hash
from .groups import load_group
from .parallel import CheckPost, load_posts
from .safenames import printable, unsafe

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


def post_files(
    root: Path, problems: list[Problem] | None = None, only: Callable[[str], bool] | None = None
) -> list[str]:
    """Every Markdown file under content/ (relative, forward slashes), skipping media folders.

    Only regular files count: a post that is a link, a FIFO or a device is reported in
    `problems` and never opened (reading a FIFO would hang; /dev/zero never ends). A name
    outside the safe set (`safenames`, bytes that are not UTF-8 included) is reported and
    skipped: it never reaches git. `only` (see `load`) leaves out the folders and files it
    does not accept, before anything else is asked of them.
    """
    found: list[str] = []
    _walk(
        os.path.join(str(root), "content"),
        "content/",
        found,
        [] if problems is None else problems,
        only,
    )
    return found


def _walk(
    folder: str,
    prefix: str,
    found: list[str],
    problems: list[Problem],
    only: Callable[[str], bool] | None = None,
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if only is not None and not only(prefix + entry.name + ("/" if entry.is_dir() else "")):
            continue
        if entry.is_dir(follow_symlinks=False):
            if not _utf8(entry.name):
                problems.append(_bad_name(prefix + shown_name(entry.name), True))
            elif entry.name != "media":
                _walk(entry.path, f"{prefix}{entry.name}/", found, problems, only)
        elif entry.name.endswith(".md"):
            problem = _post_file_problem(prefix + entry.name, entry)
            if problem is None:
                found.append(prefix + entry.name)
            else:
                problems.append(problem)


def _post_file_problem(path: str, entry: os.DirEntry) -> Problem | None:
    """Why the post file at `path` is not loaded (its name, or not a plain file), or None."""
    refused = unsafe(path)
    if refused is not None:
        shown = printable(path) if _utf8(path) else shown_name(path)
        return Problem(shown, 1, "", refused, code="file-name")
    if entry.is_file(follow_symlinks=False):
        return None
    kind = "a link" if entry.is_symlink() else "not a regular file"
    return Problem(path, 0, "", f"is {kind}: a post must be a plain file", code="post-file")


def _utf8(name: str) -> bool:
    """A file name that is valid UTF-8 (os gives the other bytes as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _bad_name(shown: str, folder: bool) -> Problem:
    what = "folder" if folder else "file"
    return Problem(
        shown,
        0,
        "",
        f"the {what} name is not valid UTF-8; rename it "
        f"({'nothing in it' if folder else 'the file'} is not loaded until then)",
        code="file-name",
    )


def load_groups(root: Path, repo: Repo) -> None:
    schedules = root / "schedules"
    for path in sorted(schedules.iterdir()) if schedules.is_dir() else []:
        if path.suffix not in GROUP_SUFFIXES or not path.is_file():
            continue
        if not _utf8(path.name):
            repo.problems.append(_bad_name(f"schedules/{shown_name(path.name)}", False))
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
) -> Repo:
    """Load the whole repository. Never raises for a user's mistake: see `Repo.problems`.

    With `check` (`smmflow check` passes its per-post rules), each post is also checked
    while it is loaded (`Repo.posts_checked`), in several processes when there are many.
    `only` loads just the post files whose path it accepts, and walks only the folders it
    accepts (asked with a trailing `/`): one month's or one group's posts (`report`); the
    cache keeps the others' entries.
    """
    repo = Repo(root)
    load_groups(root, repo)
    jobs = _post_jobs(root, repo, only)
    cache = PostCache(root) if use_cache else None
    checked = check is not None
    todo = jobs if cache is None else _from_cache(cache, repo, jobs, checked)
    posts, problems = load_posts(root, repo.groups, todo, check, workers)
    repo.posts.extend(posts)
    repo.problems.extend(problems)
    if cache is not None:
        _to_cache(cache, repo, posts, problems, checked)
        if only is None:
            cache.forget_missing({relpath for relpath, _ in jobs})
        cache.save()
        repo.cache_hits = cache.hits
    repo.posts_checked = checked
    repo.posts.sort(key=lambda p: (p.group, p.ts, p.path))
    return repo


def _post_jobs(
    root: Path, repo: Repo, only: Callable[[str], bool] | None = None
) -> list[tuple[str, str]]:
    """(path, group folder) of every post file to load; a post of a group whose file has
    errors is not loaded (a warning says so)."""
    broken_groups = {Path(p.path).stem for p in repo.problems if p.path.startswith("schedules/")}
    jobs: list[tuple[str, str]] = []
    found = post_files(root, repo.problems, only)
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
