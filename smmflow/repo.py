"""A content repository on disk: find its root, load every group and post."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, RepositoryNotFound, Severity
from .groups import load_group
from .model import Group, Post

GROUP_SUFFIXES = (".yml", ".yaml")


@dataclass
class Repo:
    """Everything loaded from one content repository, problems included."""

    root: Path
    groups: dict[str, Group] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    posts_checked: bool = False  # per-post platform checks already in `problems`

    def posts_of(self, group: str) -> list[Post]:
        return [p for p in self.posts if p.group == group]

    @property
    def broken_files(self) -> set[str]:
        """Files with at least one error: nothing in them may be acted on."""
        return {p.path for p in self.problems if p.severity.value == "error"}


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


def post_files(root: Path) -> list[Path]:
    """Every Markdown file under content/, in a stable order, skipping media folders."""
    content = root / "content"
    found: list[Path] = []
    if not content.is_dir():
        return found
    for folder, dirs, files in os.walk(content):
        dirs[:] = sorted(d for d in dirs if d != "media" and not d.startswith("."))
        found.extend(Path(folder) / name for name in sorted(files) if name.endswith(".md"))
    return found


def load_groups(root: Path, repo: Repo) -> None:
    schedules = root / "schedules"
    for path in sorted(schedules.iterdir()) if schedules.is_dir() else []:
        if path.suffix not in GROUP_SUFFIXES or not path.is_file():
            continue
        relpath = rel(root, path)
        try:
            text = _read(path).decode("utf-8")
        except UnicodeDecodeError:
            repo.problems.append(Problem(relpath, 0, "", "not UTF-8 text; save the file as UTF-8"))
            continue
        group, problems = load_group(relpath, path.stem, text)
        repo.problems.extend(problems)
        if group is not None:
            repo.groups[group.id] = group


def load(root: Path, check: bool = False, workers: int | None = None) -> Repo:
    """Load the whole repository. Never raises for a user's mistake: see `Repo.problems`.

    With `check`, each post is also checked against its platforms' limits while loaded
    (`Repo.posts_checked`), in several processes when there are many posts.
    """
    repo = Repo(root)
    load_groups(root, repo)
    broken_groups = {Path(p.path).stem for p in repo.problems if p.path.startswith("schedules/")}
    content = root / "content"
    jobs: list[tuple[str, str]] = []
    for path in post_files(root):
        relpath = rel(root, path)
        parts = path.relative_to(content).parts
        if len(parts) < 2:
            repo.problems.append(
                Problem(relpath, 0, "", "posts live in content/<group>/, not directly in content/")
            )
            continue
        folder = parts[0]
        if folder not in repo.groups and folder in broken_groups:
            repo.problems.append(
                Problem(
                    relpath,
                    0,
                    "",
                    f"not checked: schedules/{folder}.yml has errors",
                    Severity.WARNING,
                )
            )
            continue
        jobs.append((relpath, folder))
    from .parallel import load_posts

    posts, problems = load_posts(root, repo.groups, jobs, check, workers)
    repo.posts.extend(posts)
    repo.problems.extend(problems)
    repo.posts_checked = check
    repo.posts.sort(key=lambda p: (p.group, p.utc, p.path))
    return repo
