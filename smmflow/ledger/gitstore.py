"""All git access: the publish branch's files, and the ledger branch as a tiny store.

The ledger lives on its own branch (default `smmflow/ledger`), so it needs no write access
to a protected main. Every change is a commit whose parent is the tip we read; the ref is
moved with a compare-and-swap (`git update-ref NEW OLD` locally, a non-force push to the
remote), so two runs can never both win the same claim.

Every path given to git is taken literally (`GIT_LITERAL_PATHSPECS=1` on every call): a
post named `2026-12-05-l*.md` must never match `2026-12-05-launch.md`. So no call here
may use pathspec magic (`:(glob)`, `:(literal)`, ...): it would be read as a file name.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import threading
import time
import zlib
from pathlib import Path

from ..errors import SmmflowError, UsageError

ZERO = "0" * 40
INDEX_COMMANDS = ("read-tree", "update-index", "write-tree")
IDENTITY = {
    "GIT_AUTHOR_NAME": "smmflow",
    "GIT_AUTHOR_EMAIL": "smmflow@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "smmflow",
    "GIT_COMMITTER_EMAIL": "smmflow@users.noreply.github.com",
}


class GitError(SmmflowError):
    """A git command failed for a reason other than a lost race."""


class Store:
    """A git repository seen by smmflow: `root` is its working tree (or, for a bare
    repository, the repository itself)."""

    def __init__(self, root: Path, remote: str | None = None):
        self.root = root
        self.remote = remote
        self.git_dir, self._objects = self._locate(root)
        state = self.git_dir / "smmflow"
        state.mkdir(exist_ok=True)
        self._index = state / f"index-{os.getpid()}"
        self._index_commit: str | None = None  # the commit whose tree the index holds
        self._fetched: set[str] = set()  # per-process fetch refs, removed on close
        self._shallow: bool | None = None
        self._batch: subprocess.Popen | None = None  # `git cat-file --batch`, when reading
        self._batch_lock = threading.Lock()

    def _locate(self, root: Path) -> tuple[Path, Path]:
        """(git dir, object store) of the repository whose working tree is `root`."""
        args = ("rev-parse", "--absolute-git-dir", "--git-common-dir", "--is-bare-repository")
        proc = self.proc(*args, "--show-cdup")
        lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
        bare = len(lines) >= 3 and lines[2] == "true"
        top = bare or (len(lines) >= 4 and lines[3] == "") or len(lines) == 3
        if proc.returncode != 0 or len(lines) < 3 or not top:
            raise UsageError(
                f"{root}: not a git repository; smmflow records what it published in git "
                "(run `git init` and commit your content first)"
            )
        return Path(lines[0]), Path(root, lines[1]).resolve() / "objects"

    # -- running git ---------------------------------------------------------------------
    def proc(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, **IDENTITY}
        env.pop("GIT_DIR", None)
        env.pop("GIT_INDEX_FILE", None)
        if args and args[0] in INDEX_COMMANDS:  # ledger commits use a private index
            env["GIT_INDEX_FILE"] = str(self._index)
        env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password nobody will type
        env["GIT_LITERAL_PATHSPECS"] = "1"  # a `*` or `?` in a file name is that character
        return subprocess.run(
            ["git", "-C", str(self.root), *args], input=stdin, capture_output=True, env=env
        )

    def run(self, *args: str, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)) -> str:
        proc = self.proc(*args, stdin=stdin)
        if proc.returncode not in ok:
            message = proc.stderr.decode("utf-8", "replace").strip()
            raise GitError(f"git {args[0]} failed: {message}")
        return proc.stdout.decode("utf-8", "replace")

    def close(self) -> None:
        self._index.unlink(missing_ok=True)
        for ref in self._fetched:
            self.proc("update-ref", "-d", ref)
        with self._batch_lock:
            if self._batch is not None:
                self._batch.stdin.close()  # type: ignore[union-attr]
                self._batch.wait()
                self._batch = None

    # -- reading -------------------------------------------------------------------------
    def rev(self, ref: str) -> str | None:
        out = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ok=(0, 1))
        return out.strip() or None

    def tree_blobs(self, commit: str, prefix: str = "") -> dict[str, str]:
        """path -> blob id of every file of `commit` (under `prefix`)."""
        return {path: sha for path, (_mode, sha) in self.tree_entries(commit, prefix).items()}

    def tree_entries(self, commit: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """path -> (mode, blob id) of every file of `commit` (under `prefix`); links have
        mode 120000 and their target as the blob."""
        args = ["ls-tree", "-r", "-z", "--full-tree", commit]
        if prefix:
            args += ["--", prefix]
        found = {}
        for entry in self.run(*args).split("\0"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind == "blob":
                found[path] = (mode, sha)
        return found

    def read_blob(self, sha: str) -> bytes:
        """The bytes of a blob, through one `git cat-file --batch` kept open per store."""
        with self._batch_lock:
            if self._batch is None:
                env = {
                    k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_INDEX_FILE")
                }
                self._batch = subprocess.Popen(
                    ["git", "-C", str(self.root), "cat-file", "--batch"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,  # never holds the caller's stderr open
                    env=env,
                )
            batch = self._batch
            batch.stdin.write(sha.encode("ascii") + b"\n")  # type: ignore[union-attr]
            batch.stdin.flush()  # type: ignore[union-attr]
            header = batch.stdout.readline().split()  # type: ignore[union-attr]
            if len(header) != 3:
                raise GitError(f"git cat-file: no object {sha}")
            data = batch.stdout.read(int(header[2]) + 1)  # type: ignore[union-attr]
            return data[:-1]

    def is_shallow(self) -> bool:
        """Whether this clone was cut short (`--depth`): its oldest commits stand for all
        the history before them, so "the last commit that changed a file" is a guess."""
        if self._shallow is None:
            out = self.run("rev-parse", "--is-shallow-repository").strip()
            self._shallow = out == "true"
        return self._shallow

    def current_branch(self) -> str | None:
        out = self.run("symbolic-ref", "--quiet", "--short", "HEAD", ok=(0, 1)).strip()
        return out or None

    # -- writing -------------------------------------------------------------------------
    def write_blob(self, data: bytes) -> str:
        """Store `data` as a loose blob; its id. Written directly (zlib + an atomic rename),
        the way git itself does: gitdb's general-purpose writer was the slowest step of a
        ledger commit."""
        return self._write_object(b"blob", data)

    def _write_object(self, kind: bytes, data: bytes) -> str:
        raw = b"%s %d\0" % (kind, len(data)) + data
        sha = hashlib.sha1(raw).hexdigest()
        folder = self._objects / sha[:2]
        target = folder / sha[2:]
        if target.exists():
            return sha
        try:
            folder.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix="tmp_obj_")
            with os.fdopen(fd, "wb") as handle:
                handle.write(zlib.compress(raw, 1))
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except OSError:  # an unusual object store (read-only): let git do it
            args = ("hash-object", "-t", kind.decode(), "-w", "--stdin")
            return self.run(*args, stdin=data).strip()
        return sha

    def commit(self, parent: str | None, changes: dict[str, bytes | None], message: str) -> str:
        """A new commit: `parent`'s tree with `changes` (None deletes). Moves no ref."""
        if parent != self._index_commit or parent is None:  # else the index already holds it
            self.run("read-tree", parent) if parent else self.run("read-tree", "--empty")
        self._index_commit = None  # until this commit is made: a failure leaves it unknown
        entries = []  # NUL-terminated (-z): no character of a path can split an entry
        for path, data in sorted(changes.items()):
            if data is None:
                entries.append(f"0 {ZERO}\t{path}\0")
            else:
                entries.append(f"100644 {self.write_blob(data)}\t{path}\0")
        stdin = "".join(entries).encode("utf-8", "surrogateescape")
        self.run("update-index", "-z", "--index-info", stdin=stdin)
        tree = self.run("write-tree").strip()
        commit = self._write_object(b"commit", commit_object(tree, parent, message))
        self._index_commit = commit
        return commit

    def swap(self, ref: str, new: str, old: str | None) -> bool:
        """Move `ref` from `old` to `new` atomically; False when someone moved it first
        (or holds its lock right now). A lock abandoned by a killed git is cleared."""
        proc = self.proc("update-ref", ref, new, old or ZERO)
        if proc.returncode == 0:
            return True
        if b".lock" in proc.stderr and clear_stale_lock(self, ref):
            return self.proc("update-ref", ref, new, old or ZERO).returncode == 0
        return False

    # -- the remote ----------------------------------------------------------------------
    def fetch(self, branch: str) -> str | None:
        """The remote's tip of `branch`, fetched; None when the remote has no such branch.

        Fetched into a ref of this process's own, so that runs sharing one clone never
        race for the same tracking ref.
        """
        assert self.remote
        tracking = f"refs/smmflow/fetch/{os.getpid()}/{branch}"
        self._fetched.add(tracking)
        proc = self.proc(
            "fetch",
            "--quiet",
            "--no-tags",
            "--refmap=",
            self.remote,
            f"+refs/heads/{branch}:{tracking}",
        )
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip()
            if "couldn't find remote ref" in message:
                self.proc("update-ref", "-d", tracking)
                return None
            raise GitError(f"cannot fetch {branch} from {self.remote}: {message}")
        return self.rev(tracking)

    def remote_has_branch(self, name: str, branch: str) -> bool | None:
        """Whether the remote `name` has `branch` (asked over the network); None when it
        cannot be reached."""
        proc = self.proc("ls-remote", "--exit-code", "--heads", name, f"refs/heads/{branch}")
        if proc.returncode in (0, 2):
            return proc.returncode == 0 and bool(proc.stdout.strip())
        return None

    def is_ancestor(self, old: str, new: str) -> bool:
        return self.proc("merge-base", "--is-ancestor", old, new).returncode == 0

    def fetch_tag(self, tag: str) -> str | None:
        """The remote's value of `tag` (fetched into refs/smmflow/), or None."""
        assert self.remote
        local = f"refs/smmflow/fetch/{os.getpid()}/tags/{tag}"
        self._fetched.add(local)
        proc = self.proc(
            "fetch", "--quiet", "--no-tags", "--refmap=", self.remote, f"+refs/tags/{tag}:{local}"
        )
        if proc.returncode != 0:
            return None
        return self.rev(local)

    def push_tag(self, tag: str, commit: str, expected: str | None) -> bool:
        """Move the remote's `tag` to `commit` if it still is `expected` (None: absent)."""
        assert self.remote
        lease = f"--force-with-lease=refs/tags/{tag}:{expected or ''}"
        proc = self.proc("push", "--quiet", lease, self.remote, f"{commit}:refs/tags/{tag}")
        return proc.returncode == 0

    def push(self, branch: str, new: str) -> bool:
        """Push `new` as the remote's `branch`; False when rejected (the remote moved on)."""
        assert self.remote
        proc = self.proc("push", "--porcelain", self.remote, f"{new}:refs/heads/{branch}")
        if proc.returncode == 0:
            return True
        text = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
        if any(sign in text for sign in LOST_RACE):
            return False
        raise GitError(f"cannot push {branch} to {self.remote}: {text.strip()}")

    def fast_forward(self, ref: str, new: str) -> bool:
        """Move a local `ref` forward to `new` by compare-and-swap (after the remote took
        `new`). True when it holds `new` or a descendant of it; False when it holds
        commits `new` lacks (someone committed there without the remote)."""
        for _ in range(20):
            current = self.rev(ref)
            if current == new or (current and self.is_ancestor(new, current)):
                return True  # another run of this clone already moved it further
            if current and not self.is_ancestor(current, new):
                return False
            if self.swap(ref, new, current):
                return True
        return self.rev(ref) == new


# What git says when another writer got there first (stdout or stderr, by git version).
LOST_RACE = (
    "[rejected]",
    "fetch first",
    "non-fast-forward",
    "cannot lock ref",
    "failed to update ref",
    "reference already exists",
    "but expected",
)
STALE_LOCK_SECONDS = 30  # git holds a ref lock for milliseconds; this one was abandoned


def commit_object(tree: str, parent: str | None, message: str, when: int | None = None) -> bytes:
    """The bytes `git commit-tree TREE [-p PARENT] -m MESSAGE` writes with smmflow's
    identity, made here: one git process fewer per ledger commit."""
    stamp = f"{int(time.time()) if when is None else when} +0000"
    who = f"{IDENTITY['GIT_AUTHOR_NAME']} <{IDENTITY['GIT_AUTHOR_EMAIL']}> {stamp}"
    lines = [f"tree {tree}"] + ([f"parent {parent}"] if parent else [])
    lines += [f"author {who}", f"committer {who}", "", message]
    text = "\n".join(lines)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8", "surrogateescape")


def clear_stale_lock(store: Store, ref: str) -> bool:
    """Remove `<ref>.lock` left by a killed git, if it is old. True when one was removed."""
    import time

    lock = store.git_dir / (ref + ".lock")
    try:
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return False
    if age < STALE_LOCK_SECONDS:
        return False
    try:
        lock.unlink()
    except FileNotFoundError:
        return False  # released meanwhile: fine
    return True


def pull(store: Store, branch: str) -> str:
    """Fast-forward the checked-out publish branch from the remote; text for the log."""
    if store.current_branch() != branch:
        return f"not on {branch}: working tree left as it is"
    proc = store.proc("pull", "--ff-only", "--quiet", store.remote or "origin", branch)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"cannot pull {branch}: {message[-1] if message else 'failed'}")
    return f"pulled {branch}"


def last_commit(store: Store, branch: str, *paths: str) -> str | None:
    """The newest commit on `branch` that changed any of `paths` (what put their bytes
    there); paths are literal (see `Store.proc`)."""
    out = store.run("log", "-1", "--format=%H", branch, "--", *paths).strip()
    return out or None
