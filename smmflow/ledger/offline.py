"""The ledger as this clone has it, read offline (no fetch, no network): what `check` says
about renamed posts and about posts a sync found unapproved."""

from __future__ import annotations

from .branch import BRANCH, read_approvals
from .gitstore import Store
from .records import PREFIX, Record, parse_record


def offline_tip(store: Store, branch: str = BRANCH) -> str | None:
    """The newest ledger this clone has without asking a remote: a fetched remote branch
    (`refs/remotes/*/<branch>`), else the local branch."""
    refs = store.run("for-each-ref", "--format=%(refname)", "refs/remotes/").split()
    tips = [r for r in refs if r.endswith("/" + branch)] + [f"refs/heads/{branch}"]
    return next((tip for tip in map(store.rev, tips) if tip), None)


def offline_records(
    store: Store, cheap: set[str], branch: str = BRANCH
) -> dict[tuple[str, str], Record]:
    """Every record of the ledger `offline_tip` finds. The records of posts in `cheap`
    are only known to exist (state `skipped`, not read): a caller that only needs to know
    which pairs have one reads nothing more."""
    tip = offline_tip(store, branch)
    found: dict[tuple[str, str], Record] = {}
    for path, sha in (store.tree_blobs(tip, PREFIX.rstrip("/")) if tip else {}).items():
        post, _, account = path[len(PREFIX) : -len(".json")].rpartition("/")
        if post in cheap:
            found[(post, account)] = Record(post, account, "", "skipped")
        elif path.endswith(".json"):
            found[(post, account)] = parse_record(path, store.read_blob(sha))
    return found


def local_approvals(store: Store, branch: str = BRANCH) -> dict[str, dict]:
    """What syncs found about each post's approval, from the local branch: a hint for
    `check` (never read to grant an approval)."""
    return read_approvals(store, store.rev(f"refs/heads/{branch}"))
