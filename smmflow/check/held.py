"""`check`'s view of approvals, offline: posts that a sync already found unapproved.

Sync records what GitHub said about each post's approval on the ledger branch
(`approvals/<post>.json`). `check` reads the local copy of that branch — no network, no
token — and flags a post whose current bytes were found unapproved (for example pushed
straight to main), so the problem shows on the next pull request too. A warning only:
anyone who can push can write the ledger branch, so nothing read here ever makes a post
publishable (sync asks GitHub, see review/approvals.py).
"""

from __future__ import annotations

from ..content.repo import Repo
from ..errors import Problem, Severity
from ..ledger.gitstore import Store
from ..ledger.offline import local_approvals


def held_posts(repo: Repo, store: Store) -> list[Problem]:
    found = []
    hints = local_approvals(store)
    for post in repo.posts:
        data = hints.get(post.id)
        if not data or data.get("blob") != post.blob or data.get("state") in (None, "approved"):
            continue
        why = data.get("reason") or data.get("state")
        message = f"held, not published: {why}"
        found.append(Problem(post.path, post.line("date"), "", message, Severity.WARNING, "held"))
    return found
