"""The preview of an edit after publication: per account, what happens to the published
post (sent as an edit, or "published; this edit cannot reach X" and what `on_edit` does)
and the diff of the text readers see against the text that was published.

The published text is the post file's version on the publish branch's history whose
bytes are the ledger record's `content_sha256` (the ledger this clone has, offline).
"""

from __future__ import annotations

import difflib
import hashlib
import re

from ..content.posts import load_post
from ..content.repo import Repo
from ..ledger.afterwards import abilities, edited
from ..ledger.gitstore import Store
from ..ledger.offline import offline_records
from ..model import Post
from ..platforms import registry
from ..text.i18n import Words

MAX_VERSIONS = 30  # versions of one file looked through for the published bytes


def notes(store: Store, repo: Repo, changed: list[str], base: str) -> dict[str, list[str]]:
    """Post path -> the preview lines about its edit after publication (changed posts
    that went out on at least one account)."""
    by_path = {p.path: p for p in repo.posts if p.path in changed}
    ids = {p.id for p in by_path.values()}
    records = offline_records(store, {p.id for p in repo.posts} - ids)
    found: dict[str, list[str]] = {}
    for path, post in by_path.items():
        mine = {
            a: r for (pid, a), r in records.items() if pid == post.id and r.state == "published"
        }
        shas = {r.content_sha256 for r in mine.values() if edited(post, r)}
        if not shas:
            continue
        old = {sha: _version(store, repo, path, base, sha) for sha in shas}
        found[path] = _lines(repo, post, mine, old)
    return found


def _version(store: Store, repo: Repo, path: str, base: str, sha: str) -> Post | None:
    """The post as it was published: the version of `path` whose bytes hash to `sha`."""
    log = store.run("log", f"--max-count={MAX_VERSIONS}", "--format=%H", base, "--", path)
    for commit in log.split():
        shown = store.proc("show", f"{commit}:{path}")
        data = shown.stdout if shown.returncode == 0 else b""
        if data and hashlib.sha256(data).hexdigest() == sha:
            folder = path.split("/")[1]
            post, _ = load_post(repo.root, path, data, repo.groups.get(folder), folder)
            return post
    return None


def _lines(repo: Repo, post: Post, records: dict, old: dict[str, Post | None]) -> list[str]:
    from ..text.i18n import words

    group = repo.groups[post.group]
    w: Words = words(group.language)
    lines = ["**" + w.gettext("Edited after publication:") + "**", ""]
    for name, record in sorted(records.items()):
        account = group.account(name)
        cls = registry.get(account.platform) if account else None
        if account is None or cls is None or not edited(post, record):
            continue
        can = abilities(account.platform)
        if can.can_edit:
            said = w.gettext("sent to {platform} as an edit of the published post")
        elif group.on_edit == "repost" and can.can_delete:
            said = w.gettext("deleted from {platform} and published again (on_edit: repost)")
        else:
            said = w.gettext("published; this edit cannot reach {platform}")
        lines.append(f"- {name}: " + said.format(platform=can.title))
        before = old.get(record.content_sha256)
        if before is not None:
            lines += _diff(cls.render(before).visible, cls.render(post).visible)
    return [*lines, ""]


def _diff(old: str, new: str) -> list[str]:
    changed = difflib.unified_diff(
        old.splitlines(), new.splitlines(), "published", "now", lineterm=""
    )
    text = "\n".join(changed)
    if not text:
        return []
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return ["", f"{ticks}diff", text, ticks, ""]
