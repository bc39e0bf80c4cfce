"""`check`'s view of approvals, offline: posts that a sync already found unapproved.

Sync records what GitHub said about each post's approval on the ledger branch
(`approvals/<post>.json`). `check` reads the local copy of that branch — no network, no
token — and flags a post whose current bytes were found unapproved (for example pushed
straight to main), so the problem shows on the next pull request too. A warning only:
anyone who can push can write the ledger branch, so nothing read here ever makes a post
publishable (sync asks GitHub, see approvals.py).
"""

from __future__ import annotations

import json

from .errors import Problem, Severity
from .repo import Repo

LEDGER_REF = "refs/heads/smmflow/ledger"


def held_posts(repo: Repo) -> list[Problem]:
    if not (repo.root / ".git").exists():
        return []
    try:
        from .gitstore import Store

        store = Store(repo.root)
    except Exception:  # not a usable repository: nothing to say offline
        return []
    try:
        tip = store.rev(LEDGER_REF)
        if tip is None:
            return []
        blobs = store.tree_blobs(tip, "approvals")
        by_id = {p.id: p for p in repo.posts}
        found = []
        for path, sha in sorted(blobs.items()):
            post = by_id.get(path[len("approvals/") : -len(".json")])
            if post is None:
                continue
            try:
                data = json.loads(store.read_blob(sha).decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if data.get("blob") == post.blob and data.get("state") not in (None, "approved"):
                found.append(
                    Problem(
                        post.path,
                        post.line("date"),
                        "",
                        f"held, not published: {data.get('reason') or data.get('state')}",
                        Severity.WARNING,
                        "held",
                    )
                )
        return found
    finally:
        store.close()
