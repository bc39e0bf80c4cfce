"""Approval enforcement: a post goes out only if an approver approved its exact bytes.

For a group with `approvers`, the post's current bytes must have reached the publish
branch through a merged pull request whose latest review by one of the approvers is
APPROVED, given on a commit where the post and every media file it names had exactly
the blobs they have now (the approved unit: `committed.Committed.unit`). An edit after
the approval (even one pushed straight to main, even of an image only) needs a new
approval. A review whose commit cannot be established (null: force-pushed away) approves
nothing, and neither does a shallow clone, where history cannot tell which pull request
brought a file.

Modes (`--approvals` or SMMFLOW_APPROVALS):
- `github`: the rule above, asked of GitHub's REST API (default inside GitHub Actions);
- `branch`: being on the publish branch counts as approved: whoever may push to it
  approves (for local and self-hosted repositories without GitHub).
Only GitHub grants an approval, asked at publish time. The ledger branch is never a source
of approval: anyone who can push can write it. What GitHub said is written there
(`approvals/<post>.json`) only as a hint for `check`'s offline warnings, and never read
back by the gate; within one run each post's bytes are asked about once.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..content.repo import Repo
from ..errors import UsageError
from ..ledger.branch import Ledger
from ..ledger.committed import Committed
from ..ledger.gitstore import Store, last_commit
from ..model import Post
from .github import GitHub, GitHubError, is_commit_id

MODES = ("github", "branch")
DECISIVE = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")
SHALLOW = (
    "this clone is shallow (made with --depth), so which pull request brought each post "
    "cannot be known and nothing is approved here: fetch the whole history (`git fetch "
    "--unshallow`; in GitHub Actions, `fetch-depth: 0` in actions/checkout)"
)


def default_mode(github: GitHub | None) -> str:
    wanted = os.environ.get("SMMFLOW_APPROVALS", "")
    if wanted:
        if wanted not in MODES:
            raise UsageError(f"SMMFLOW_APPROVALS={wanted!r}: use one of {', '.join(MODES)}")
        return wanted
    return "github" if github is not None else "branch"


def _latest_by_user(reviews: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for review in reviews:  # GitHub lists reviews oldest first
        login = ((review.get("user") or {}).get("login") or "").lower()
        if login and review.get("state") in DECISIVE:
            latest[login] = review
    return latest


def check_approval(
    post: Post,
    approvers: tuple[str, ...],
    store: Store,
    github: GitHub,
    branch: str,
    committed: Committed | None = None,
) -> dict:
    """What GitHub says about the current unit of `post` (its bytes, and with `committed`
    each media file's): {"state": approved|missing|stale|..., "reason": ...}."""
    unit = committed.unit(post) if committed else {post.path: post.blob}
    base = {"blob": post.blob, "path": post.path}
    if len(unit) > 1:
        base["media"] = {path: blob for path, blob in unit.items() if path != post.path}
    if store.is_shallow():
        return {**base, "state": "shallow-clone", "reason": SHALLOW}
    paths = committed.history_paths(post) if committed else [post.path]
    commit = last_commit(store, branch, *paths)
    if commit is None:
        return {**base, "state": "missing", "reason": f"not on {branch}"}
    merged = [
        pr
        for pr in github.pulls_for_commit(commit)
        if pr.get("merged_at") and (pr.get("base") or {}).get("ref") == branch
    ]
    if not merged:
        return {
            **base,
            "state": "no-pull-request",
            "commit": commit,
            "reason": f"pushed to {branch} without a pull request: open one for "
            f"{', '.join(approvers)} to approve",
        }
    return {**base, **_reviews(merged, approvers, unit, github)}


def _reviews(merged: list[dict], approvers: tuple[str, ...], unit: dict, github: GitHub) -> dict:
    """The verdict of the merged pull requests' reviews on `unit` (path -> blob)."""
    wanted = {a.lower() for a in approvers}
    others: set[str] = set()
    stale: list[str] = []
    gone: list[str] = []
    for pr in merged:
        for login, review in _latest_by_user(github.reviews(int(pr["number"]))).items():
            if review.get("state") != "APPROVED":
                continue
            if login not in wanted:
                others.add(login)
                continue
            if not is_commit_id(review.get("commit_id")):  # null: the commit is gone
                gone.append(f"{login} in #{pr['number']}")
                continue
            if all(github.blob_at(path, review["commit_id"]) == b for path, b in unit.items()):
                return {
                    "state": "approved",
                    "by": login,
                    "pull_request": int(pr["number"]),
                    "review": review.get("id"),
                    "commit": review.get("commit_id"),
                }
            stale.append(f"{login} in #{pr['number']}")
    what = "the current text" if len(unit) == 1 else "the current text and media"
    if stale:
        reason = f"changed after it was approved ({', '.join(stale)}): {what} needs a new approval"
        return {"state": "stale", "reason": reason}
    if gone:
        reason = (
            f"approved on a commit that no longer exists ({', '.join(gone)}; force-pushed "
            f"away?), so what was approved cannot be known: {what} needs a new approval"
        )
        return {"state": "commit-gone", "reason": reason}
    if others:
        return {
            "state": "not-an-approver",
            "reason": f"approved only by {', '.join(sorted(others))}, who "
            f"{'is' if len(others) == 1 else 'are'} not among the approvers "
            f"({', '.join(approvers)})",
        }
    numbers = ", ".join(f"#{pr['number']}" for pr in merged)
    return {
        "state": "missing",
        "reason": f"no approval by {', '.join(approvers)} on pull request {numbers}",
    }


def gate(
    repo: Repo,
    store: Store,
    ledger: Ledger,
    branch: str,
    mode: str,
    github: GitHub | None,
    committed: Committed | None = None,
) -> Callable[[Post], str | None]:
    """The hold function sync and status use: None = approved, else why it is held.

    Nothing read from the ledger counts here: every answer comes from GitHub in this run.
    `committed` (the publish branch, read once) gives each post's unit with its media.
    """
    asked: dict[tuple, dict] = {}  # (post id, unit) -> GitHub's answer, this run
    exact = committed

    def hold(post: Post) -> str | None:
        nonlocal exact
        approvers = repo.groups[post.group].approvers
        if not approvers or mode == "branch":
            return None
        if github is None:
            return "waiting for approval: no GitHub access to check it (GITHUB_TOKEN, GITHUB_REPOSITORY)"
        exact = exact or Committed(store, branch)
        key = (post.id, tuple(sorted(exact.unit(post).items())))
        found = asked.get(key)
        if found is None:
            try:
                found = check_approval(post, approvers, store, github, branch, exact)
            except GitHubError as exc:
                return f"approval could not be checked: {exc}"
            asked[key] = found
            if ledger.approvals.get(post.id) != found:  # the hint `check` shows offline
                ledger.save_approval(post.id, found)
        return None if found["state"] == "approved" else found["reason"]

    return hold
