"""The client's side of a month: how many rounds of changes each post took, and how long
from its pull request to the client's approval, asked of GitHub.

A post's pull request is the merged one that brought its current bytes to the publish
branch (as approvals find it: `review.approvals`). Its revision rounds are the reviews
that asked for changes (`CHANGES_REQUESTED`) by the group's approvers (by anyone when the
group names none); its approval is the first `APPROVED` review by one of them; the time
counts from the pull request's opening. Without GitHub (no `GITHUB_TOKEN` and
`GITHUB_REPOSITORY`) none of this can be known, and the report says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..ledger.committed import Committed
from ..ledger.gitstore import last_commit
from ..model import Group, Post
from ..review.github import GitHub, GitHubError

NO_GITHUB = "no GitHub access (GITHUB_TOKEN and GITHUB_REPOSITORY are not set)"


@dataclass(frozen=True)
class Review:
    post: str  # post id
    pull_request: int | None  # None: it reached the branch without one
    rounds: int  # reviews asking for changes
    opened: dt.datetime | None = None
    approved: dt.datetime | None = None

    @property
    def seconds(self) -> float | None:
        if self.opened is None or self.approved is None:
            return None
        return max(0.0, (self.approved - self.opened).total_seconds())


def _when(text: object) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def for_posts(
    committed: Committed | None, group: Group, posts: list[Post], github: GitHub | None
) -> tuple[dict[str, Review] | None, str]:
    """post id -> `Review` for each post on the publish branch, or (None, why not)."""
    if github is None:
        return None, NO_GITHUB
    if committed is None:
        return None, "nothing is committed on a publish branch yet"
    wanted = {a.lower() for a in group.approvers}
    pulls: dict[str, list[dict]] = {}
    reviews: dict[int, list[dict]] = {}
    found: dict[str, Review] = {}
    try:
        for post in posts:
            commit = last_commit(committed.store, committed.branch, post.path)
            if commit is None:
                continue
            if commit not in pulls:
                pulls[commit] = [
                    pr
                    for pr in github.pulls_for_commit(commit)
                    if pr.get("merged_at") and (pr.get("base") or {}).get("ref") == committed.branch
                ]
            found[post.id] = _review(post, pulls[commit], reviews, github, wanted)
    except GitHubError as exc:
        return None, f"GitHub could not be read ({exc})"
    return found, ""


def _review(
    post: Post, merged: list[dict], cache: dict[int, list[dict]], github: GitHub, wanted: set[str]
) -> Review:
    if not merged:
        return Review(post.id, None, 0)
    pr = min(merged, key=lambda p: int(p["number"]))
    number = int(pr["number"])
    if number not in cache:
        cache[number] = github.reviews(number)
    rounds, approved = 0, None
    for review in cache[number]:  # GitHub lists them oldest first
        login = ((review.get("user") or {}).get("login") or "").lower()
        if wanted and login not in wanted:
            continue
        if review.get("state") == "CHANGES_REQUESTED" and approved is None:
            rounds += 1
        elif review.get("state") == "APPROVED" and approved is None:
            approved = _when(review.get("submitted_at"))
    return Review(post.id, number, rounds, _when(pr.get("created_at")), approved)
