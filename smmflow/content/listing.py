"""The post files of a repository: from the git snapshot when there is one, else by
walking `content/`; names outside the safe set and files that are not plain refused."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ..errors import Problem
from .safenames import _PLAIN, printable, unsafe
from .snapshot import Snapshot


def post_files(
    root: Path,
    problems: list[Problem] | None = None,
    only: Callable[[str], bool] | None = None,
    snap: Snapshot | None = None,
) -> list[str]:
    """Every Markdown file under content/ (relative, forward slashes), skipping media folders.

    Only regular files count: a post that is a link, a FIFO or a device is reported in
    `problems` and never opened (reading a FIFO would hang; /dev/zero never ends). A name
    outside the safe set (`safenames`, bytes that are not UTF-8 included) is reported and
    skipped: it never reaches git. `only` (see `load`) leaves out the folders and files it
    does not accept, before anything else is asked of them.
    """
    if snap is not None:
        return _listed(snap, [] if problems is None else problems, only)
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
                problems.append(bad_name(prefix + entry.name, folder=True))
            elif entry.name != "media":
                _walk(entry.path, f"{prefix}{entry.name}/", found, problems, only)
        elif entry.name.endswith(".md"):
            problem = _post_file_problem(prefix + entry.name, entry)
            if problem is None:
                found.append(prefix + entry.name)
            else:
                problems.append(problem)


def _listed(
    snap: Snapshot, problems: list[Problem], only: Callable[[str], bool] | None
) -> list[str]:
    """`post_files` from the snapshot: the same files the walk finds (git lists no FIFO
    that it does not track), without a `stat` each."""
    folders: dict[str, bool] = {}

    def wanted(folder: str) -> bool:  # every folder above a file: skipped ones, `only`
        ok = folders.get(folder)
        if ok is None:
            parent, _, name = folder[:-1].rpartition("/")
            ok = not parent or (
                name[:1] != "."
                and name != "media"
                and wanted(parent + "/")
                and (only is None or only(folder))
            )
            folders[folder] = ok
        return ok

    found = []
    plain = _PLAIN.fullmatch
    odd = snap.odd
    for relpath in sorted([*snap.blobs, *odd]):
        if relpath[-3:] != ".md":
            continue
        cut = relpath.rfind("/") + 1
        folder = relpath[:cut]
        ok = folders.get(folder)
        if not (wanted(folder) if ok is None else ok) or relpath[cut] == ".":
            continue
        if only is not None and not only(relpath):
            continue
        if plain(relpath) and relpath not in odd:
            found.append(relpath)  # the usual case, nothing more to ask
            continue
        problem = _listed_problem(relpath, odd.get(relpath))
        if problem is None:
            found.append(relpath)
        elif problem not in problems:  # a bad folder is said once, not once per file
            problems.append(problem)
    return found


def _listed_problem(path: str, odd: str | None) -> Problem | None:
    if not _utf8(path):
        parts = path.split("/")
        bad = next(i for i, part in enumerate(parts) if not _utf8(part))
        return bad_name("/".join(parts[: bad + 1]), folder=bad < len(parts) - 1)
    refused = unsafe(path)
    if refused is not None:
        return Problem(printable(path), 1, "", refused, code="file-name")
    if odd is None:
        return None
    kind = "a link" if odd == "link" else "not a regular file"
    return Problem(path, 0, "", f"is {kind}: a post must be a plain file", code="post-file")


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


def bad_name(raw: str, folder: bool = False) -> Problem:
    """A file or folder name with bytes that are not UTF-8: refused by the one safe-name
    rule (`safenames.unsafe`), at line 1 like every refused name, shown with \\xNN."""
    reason = unsafe(raw) or "the file name has bytes that are not UTF-8"
    if folder:
        reason = reason.replace("the file name", "the folder name", 1)
    return Problem(shown_name(raw), 1, "", reason, code="file-name")
