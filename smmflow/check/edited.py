"""`check`'s warning about an edit after publication that cannot reach a platform.

A published post whose file changed since (ledger/afterwards) is edited there by the next
sync where the platform's API edits; elsewhere the group's `on_edit` decides, and under
`flag` (the default) the pull request says so: "published; this edit cannot reach X".
Offline: the ledger this clone has (`offline_records`).
"""

from __future__ import annotations

import datetime as dt

from ..content.repo import Repo
from ..errors import Problem, Severity
from ..ledger.afterwards import abilities, edited
from ..ledger.gitstore import Store
from ..ledger.offline import offline_records


def edited_posts(repo: Repo, store: Store) -> list[Problem]:
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    future = {p.id for p in repo.posts if p.ts > now}  # never published: not read
    records = offline_records(store, future)
    found = []
    for post in repo.posts:
        group = repo.groups.get(post.group)
        if group is None or post.status != "ready" or group.on_edit != "flag":
            continue
        for name in post.platforms:
            record, account = records.get((post.id, name)), group.account(name)
            if record is None or account is None or record.state != "published":
                continue
            can = abilities(account.platform)
            if edited(post, record) and not can.can_edit:
                message = (
                    f"published; this edit cannot reach {can.title} ({name}): "
                    "set `on_edit:` in the group file to repost or ignore it"
                )
                found.append(
                    Problem(post.path, post.body_line, "body", message, Severity.WARNING, "edited")
                )
    return found
