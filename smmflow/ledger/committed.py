"""What the publish branch holds: the exact bytes a sync may act on, a post and its media.

A post goes out (or is withdrawn) only as it is on the publish branch: its file and every
media file it names must be there with exactly the bytes of the checkout, and what is sent
is read from the branch's blobs, never from the working tree (an uncommitted, changed
image is neither published nor copied into public/). The unit that a client approves is
the same: the post's blob and each media file's blob (`Committed.unit`).
"""

from __future__ import annotations

import posixpath
from pathlib import Path, PurePosixPath

from ..content.posts import blob_id
from ..errors import UsageError
from ..model import Media, Post
from ..platforms.linkcard import attachments
from .gitstore import Store

LINK = "120000"  # git's mode of a symbolic link; its blob holds the target
REGULAR = ("100644", "100755")
MAX_LINKS = 8  # links followed while resolving one media path


def publish_branch(store: Store, wanted: str | None) -> str:
    """The branch whose posts count: `wanted` (--branch), else main, master or the
    checked-out branch, whichever exists first."""
    for candidate in [wanted] if wanted else ["main", "master", store.current_branch()]:
        if candidate and store.rev(candidate):
            return candidate
    raise UsageError(
        f"no publish branch {wanted or 'main'}: commit your content first (or pass --branch)"
    )


class NotCommitted(LookupError):
    """A media file that is not on the publish branch (nothing may be sent for it)."""


def media_path(group: str, src: str) -> str:
    """The repository path `src` names (relative to content/<group>/; the loader already
    refused absolute paths and `..`)."""
    parts = [p for p in PurePosixPath(src.replace("\\", "/")).parts if p != "."]
    return "/".join(["content", group, *parts])


class Committed:
    """The publish branch's `content/` (or only one group's folder, `folder`), read once
    per run."""

    def __init__(self, store: Store, branch: str, folder: str = "content"):
        self.store = store
        self.branch = branch
        self._commit = store.rev(branch)
        self._folder = folder
        self._entries: dict[str, tuple[str, str]] | None = None
        self._resolved: dict[str, str | None] = {}
        self._worktree: dict[Path, str] = {}

    @property
    def entries(self) -> dict[str, tuple[str, str]]:
        """path -> (mode, blob) of the branch's folder, listed the first time it is asked
        (a sync with nothing due never lists it)."""
        if self._entries is None:
            commit, folder = self._commit, self._folder
            self._entries = self.store.tree_entries(commit, folder) if commit else {}
        return self._entries

    # -- reading the branch --------------------------------------------------------------
    def blob(self, path: str) -> str | None:
        """The blob id of the regular file at `path` on the branch (None: not there)."""
        entry = self.entries.get(path)
        return entry[1] if entry and entry[0] in REGULAR else None

    def _resolve(self, path: str, folder: str) -> str | None:
        """The regular file `path` leads to on the branch, following links that stay
        inside `folder` (the group's), or None."""
        for _ in range(MAX_LINKS + 1):
            if not (path + "/").startswith(folder + "/"):
                return None
            entry = self.entries.get(path)
            if entry is not None and entry[0] in REGULAR:
                return path
            link, rest = path, ""
            while entry is None or entry[0] != LINK:  # a linked folder on the way?
                if "/" not in link:
                    return None
                link, last = link.rsplit("/", 1)
                rest = f"{last}/{rest}" if rest else last
                entry = self.entries.get(link)
            target = self._read(entry[1]).decode("utf-8", "replace")
            if target.startswith("/"):
                return None
            path = posixpath.normpath(posixpath.join(posixpath.dirname(link), target, rest))
        return None

    def media_file(self, group: str, media: Media) -> str | None:
        """The branch's path of the regular file that `media` names (links followed)."""
        written = media_path(group, media.src)
        if written not in self._resolved:
            self._resolved[written] = self._resolve(written, f"content/{group}")
        return self._resolved[written]

    def media_bytes(self, group: str, media: Media) -> bytes:
        """The bytes to send for `media`: the branch's blob, never the working tree's file."""
        path = self.media_file(group, media)
        if path is None:
            raise NotCommitted(f"{media.src} is not on the publish branch {self.branch}")
        return self._read(self.entries[path][1])

    def _read(self, sha: str) -> bytes:
        proc = self.store.proc("cat-file", "blob", sha)  # a process of its own: thread-safe
        if proc.returncode != 0:
            raise NotCommitted(f"cannot read blob {sha} of {self.branch}")
        return proc.stdout

    def unit(self, post: Post) -> dict[str, str]:
        """What an approval approves: path -> blob of the post and of each media file
        (by the path the post writes; a link counts as the file it leads to)."""
        found = {post.path: post.blob}
        for media in attachments(post):
            path = self.media_file(post.group, media)
            if path is not None:
                found[media_path(post.group, media.src)] = self.entries[path][1]
        return found

    def history_paths(self, post: Post) -> list[str]:
        """Every path whose change changes the unit: the post, each media path as written,
        and the file it resolves to."""
        paths = [post.path]
        for media in attachments(post):
            paths.append(media_path(post.group, media.src))
            resolved = self.media_file(post.group, media)
            if resolved is not None:
                paths.append(resolved)
        return list(dict.fromkeys(paths))

    # -- comparing with the checkout -----------------------------------------------------
    def _worktree_blob(self, media: Media) -> str | None:
        if media.file not in self._worktree:
            try:
                self._worktree[media.file] = blob_id(media.file.read_bytes())
            except OSError:
                return None
        return self._worktree[media.file]

    def hold(self, post: Post) -> str | None:
        """Why `post` may not be acted on as it is in the checkout, or None: it and each of
        its media files must be on the branch with exactly the checkout's bytes."""
        branch = self.branch
        blob = self.blob(post.path)
        if blob is None:
            return f"not on the publish branch {branch} (commit and merge it)"
        if blob != post.blob:
            return f"differs from the copy on {branch} (commit it, or discard the edit)"
        for media in attachments(post):
            path = self.media_file(post.group, media)
            if path is None:
                return (
                    f"media {media.src} is not on the publish branch {branch} (commit and merge it)"
                )
            if self.entries[path][1] != self._worktree_blob(media):
                return (
                    f"media {media.src} differs from the copy on {branch} (commit it, or "
                    "discard the change)"
                )
        return None
