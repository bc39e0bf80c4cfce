"""What a pull request changes: the base it is compared with, the posts added, changed or
removed since that base's merge base, and each changed post's diff."""

from __future__ import annotations

from ..errors import UsageError
from ..ledger.gitstore import Store

# Tried in this order when `--base` is not given: the remote's default branch, then the
# usual names, remote first (a CI checkout has no local main), then local.
DEFAULT_BASES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")


def resolve_base(store: Store, base: str | None) -> str:
    """The commit of `base`, or of the first default branch found; a `UsageError` saying
    what `--base` wants when there is none."""
    if base is not None:
        found = store.rev(base)
        if found is None:
            raise UsageError(
                f"--base {base!r}: no such branch, tag or commit here (git fetch it first?)"
            )
        return found
    for name in DEFAULT_BASES:
        found = store.rev(name)
        if found is not None:
            return found
    raise UsageError(
        f"--base: no default branch to compare with ({', '.join(DEFAULT_BASES)} do not "
        "exist here); give the branch the pull request goes into, e.g. --base main"
    )


def merge_base(store: Store, base: str) -> str:
    """Where HEAD left `base` (HEAD itself when there is no commit yet is an error)."""
    if store.rev("HEAD") is None:
        raise UsageError("preview: this repository has no commit yet; commit the posts first")
    return store.run("merge-base", base, "HEAD").strip()


def changed_posts(store: Store, since: str) -> tuple[list[str], list[str]]:
    """(added or changed, deleted) post paths between commit `since` and the work tree."""
    # -z: paths as they are; without it git quotes a name holding `"` or a control
    # character, and that post would silently miss the preview the client approves.
    out = store.run("diff", "-z", "--name-status", "--no-renames", since, "--", "content")
    fields = out.split("\0")
    changed, deleted = [], []
    for status, path in zip(fields[0::2], fields[1::2], strict=False):
        if not path.endswith(".md"):
            continue
        (deleted if status.startswith("D") else changed).append(path)
    untracked = store.run("ls-files", "-z", "--others", "--exclude-standard", "--", "content")
    changed += [p for p in untracked.split("\0") if p.endswith(".md")]
    return sorted(set(changed)), sorted(deleted)


def post_diffs(store: Store, since: str, paths: list[str]) -> dict[str, str]:
    """path -> the unified diff of each post that existed at `since` (an edit, not a new
    post), from `since` to the work tree."""
    diffs = {}
    for path in paths:
        proc = store.proc("cat-file", "-e", f"{since}:{path}")
        if proc.returncode != 0:
            continue  # added in this pull request: the whole post is new
        out = store.run("diff", "--no-color", "-U2", since, "--", path)
        body = out.split("\n@@", 1)
        if len(body) == 2:
            diffs[path] = "@@" + body[1].rstrip("\n")
    return diffs
