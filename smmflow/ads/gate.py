"""Why a promotion may not be pushed now (None: it may): the unit a client approves for
an ad is the post (with its media), its audience file and the places files, each on the
publish branch with exactly the checkout's bytes, and — where the group has approvers
and approvals are asked of GitHub — approved together in a merged pull request.

The post itself goes through the same hold as `sync` (`review.hold`: the group file,
the publish branch, the approval of the post's unit). What GitHub says about the wider
unit is never written to the ledger: the approvals hint there is the post's own.
"""

from __future__ import annotations

from ..check.ads import Ads
from ..content.posts import blob_id
from ..content.promote import Promotion
from ..content.repo import Repo
from ..ledger.committed import REGULAR, Committed
from ..ledger.gitstore import Store
from ..ledger.states import Hold
from ..model import Post
from ..review import approvals
from ..review.github import GitHub, GitHubError


class _Unit:
    """The approved unit of a promotion: the post's, plus its other files."""

    def __init__(self, committed: Committed, extra: dict[str, str]):
        self.committed = committed
        self.extra = extra

    def unit(self, post: Post) -> dict[str, str]:
        return {**self.committed.unit(post), **self.extra}

    def history_paths(self, post: Post) -> list[str]:
        return [*self.committed.history_paths(post), *self.extra]


class Gate:
    def __init__(
        self,
        repo: Repo,
        ads: Ads,
        committed: Committed,
        hold: Hold,
        mode: str,
        github: GitHub | None,
    ):
        self.repo, self.ads, self.committed, self.hold = repo, ads, committed, hold
        self.mode, self.github = mode, github
        store: Store = committed.store
        commit = store.rev(committed.branch)
        self.entries = {}
        for folder in ("audiences", "places"):
            self.entries.update(store.tree_entries(commit, folder) if commit else {})

    def files(self, promotion: Promotion) -> list[str]:
        audience = self.ads.audience(promotion)
        return [*([audience.path] if audience else []), *self.ads.places.paths]

    def _committed(self, rel: str) -> str | None:
        """Why `rel` is not on the publish branch as it is here, or None."""
        branch = self.committed.branch
        entry = self.entries.get(rel)
        if entry is None or entry[0] not in REGULAR:
            return f"{rel} is not on the publish branch {branch} (commit and merge it)"
        try:
            here = blob_id((self.repo.root / rel).read_bytes())
        except OSError:
            here = ""
        if here != entry[1]:
            return f"{rel} differs from the copy on {branch} (commit it, or discard the edit)"
        return None

    def __call__(self, promotion: Promotion) -> str | None:
        post = promotion.post
        why = self.hold(post)
        if why:
            return why
        files = self.files(promotion)
        for rel in files:
            why = self._committed(rel)
            if why:
                return why
        approvers = self.repo.groups[post.group].approvers
        if self.mode != "github" or not approvers:
            return None
        if self.github is None:
            return "waiting for approval: no GitHub access to check it (GITHUB_TOKEN, GITHUB_REPOSITORY)"
        unit = _Unit(self.committed, {rel: self.entries[rel][1] for rel in files})
        try:
            found = approvals.check_approval(
                post, approvers, self.committed.store, self.github, self.committed.branch, unit
            )
        except GitHubError as exc:
            return f"approval could not be checked: {exc}"
        if found["state"] == "approved":
            return None
        return f"the promotion (the post, its audience and places files): {found['reason']}"
