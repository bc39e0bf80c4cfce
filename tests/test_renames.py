"""A post's identity survives `git mv` (issue #11, item 7; DESIGN.md invariant 9).

Renaming a published post used to publish it again under a new idempotency key, with
`check` silent and `status` showing it as due. Now the renamed post keeps the ledger
records of its former name: nothing is sent, `check` says so, `status` shows the history
under the new name, and the feed's Atom entry keeps its id. A copy (the original still
there) is a new post, as docs/sync.md says, and `check` warns about it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from repohelp import (
    LoopbackReceiver,
    base_env,
    commit,
    git,
    group_yaml,
    init_repo,
    ledger,
    post_md,
    smmflow,
    states,
    status_rows,
    sync_json,
    write,
)

SECRET = "hook-secret-for-renames"
OLD, NEW = "shop/2026-12-04-sale", "shop/2026-12-04-winter-sale"
TEXT = "Winter **sale**: everything -20% until Sunday, in the shop and online.\n\n#sale"
A = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def receiver(serve):
    return serve(LoopbackReceiver(secret=SECRET.encode()))


def env() -> dict[str, str]:
    return base_env(HOOK_SECRET=SECRET)


def published_shop(tmp_path: Path, receiver) -> Path:
    """A shop whose sale post went out on its feed and webhook."""
    root = init_repo(tmp_path / "shop")
    accounts = {
        "feed": {},
        "hook": {"platform": "webhook", "url": receiver.url, "secret_env": "HOOK_SECRET"},
    }
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts, "7d"))
    write(root, f"content/{OLD}.md", post_md("2026-12-04 10:00", TEXT, type="sales"))
    commit(root, "sale post")
    first, _ = sync_json(root, "2026-12-04T10:05Z", env=env())
    assert first.code == 0 and len(receiver.deliveries) == 1, str(first)
    return root


def entry_ids(root: Path) -> list[str]:
    feed = ET.parse(root / "public/shop/feed.xml").getroot()
    return [e.findtext(f"{A}id") for e in feed.iter(f"{A}entry")]


def test_a_renamed_post_is_never_published_again(tmp_path, receiver):
    root = published_shop(tmp_path, receiver)
    before = ledger(root)[(OLD, "hook")]
    ids = entry_ids(root)
    git(root, "mv", f"content/{OLD}.md", f"content/{NEW}.md")
    commit(root, "a better name")

    checked = smmflow(root, "check", env=env())
    assert checked.code == 0, str(checked)  # a warning, not an error
    assert (
        f"content/{NEW}.md:1: warning: renamed from content/{OLD}.md; it keeps that name's "
        "ledger records: already published on feed, hook, not published there again"
    ) in checked.out

    result, report = sync_json(root, "2026-12-04T11:00Z", env=env())
    assert result.code == 0, str(result)
    assert report["outcomes"] == []
    assert len(receiver.deliveries) == 1, "renaming must not publish again"

    records = ledger(root)
    moved = records[(NEW, "hook")]
    assert moved["state"] == "published" and moved["key"] == before["key"]
    assert moved["url"] == before["url"] and moved["remote_id"] == before["remote_id"]
    assert moved["history"][: len(before["history"])] == before["history"]
    assert moved["history"][-1].endswith(f"published renamed from {OLD}")
    assert records[(OLD, "hook")] == before, "the old record stays as it was"

    rows = status_rows(root, "2026-12-04T11:00Z", env=env())
    assert (OLD, "hook") not in rows
    assert rows[(NEW, "hook")]["state"] == rows[(NEW, "feed")]["state"] == "published"
    assert rows[(NEW, "hook")]["detail"] == f"renamed from {OLD}"
    assert rows[(NEW, "hook")]["url"] == before["url"]
    assert entry_ids(root) == ids, "feed readers must not see a new entry"

    # Withdrawing it later deletes what went out, under the key it went out with.
    write(root, f"content/{NEW}.md", post_md("2026-12-04 10:00", TEXT, "sales", None, "withdrawn"))
    commit(root, "withdraw")
    gone, report = sync_json(root, "2026-12-04T12:00Z", env=env())
    assert states(report["outcomes"])[(NEW, "hook")] == "withdrawn", str(gone)
    deletes = [d for d in receiver.deliveries if d.method == "DELETE"]
    assert len(deletes) == 1 and deletes[0].json["key"] == before["key"]


def test_renamed_and_edited_and_moved_into_a_folder(tmp_path, receiver):
    root = published_shop(tmp_path, receiver)
    moved = "shop/archive/2026-12-04-winter-sale"
    (root / "content/shop/archive").mkdir()
    git(root, "mv", f"content/{OLD}.md", f"content/{moved}.md")
    write(root, f"content/{moved}.md", post_md("2026-12-04 10:00", TEXT + " #winter", "sales"))
    commit(root, "renamed, moved and edited in one commit")

    status = status_rows(root, "2026-12-04T11:00Z", env=env())
    assert status[(moved, "hook")]["state"] == "published", "status sees it before sync"
    result, report = sync_json(root, "2026-12-04T11:00Z", env=env())
    # not published again: an edit after publication (issue #18), which the feed's page
    # takes and the webhook cannot (flagged, nothing sent)
    assert result.code == 0 and states(report["outcomes"]) == {(moved, "feed"): "edited"}, str(
        result
    )
    assert len(receiver.deliveries) == 1
    assert ledger(root)[(moved, "hook")]["state"] == "published"

    # Renamed again: the chain is followed back to the record.
    again = "shop/2026-12-04-last-sale"
    git(root, "mv", f"content/{moved}.md", f"content/{again}.md")
    commit(root, "and again")
    result, report = sync_json(root, "2026-12-04T11:30Z", env=env())
    assert result.code == 0 and report["outcomes"] == [], str(result)
    assert len(receiver.deliveries) == 1


def test_a_post_deleted_and_added_back_under_another_name_is_the_same_post(tmp_path, receiver):
    """Two commits, so git pairs no rename: the exact bytes the ledger sent are matched."""
    root = published_shop(tmp_path, receiver)
    git(root, "rm", "-q", f"content/{OLD}.md")
    git(root, "commit", "-q", "-m", "remove it")
    write(root, f"content/{NEW}.md", post_md("2026-12-04 10:00", TEXT, type="sales"))
    commit(root, "add it back under a new name")

    result, report = sync_json(root, "2026-12-04T11:00Z", env=env())
    assert result.code == 0 and report["outcomes"] == [], str(result)
    assert len(receiver.deliveries) == 1
    assert ledger(root)[(NEW, "hook")]["history"][-1].endswith(f"renamed from {OLD}")


def test_a_copy_is_a_new_post_and_check_says_so(tmp_path, receiver):
    """Deliberate: the original is still there, so the copy is another post (like
    `smmflow repeat`): it is published, under its own key, after `check` warned."""
    root = published_shop(tmp_path, receiver)
    copy = "shop/2026-12-04-sale-copy"
    write(root, f"content/{copy}.md", post_md("2026-12-04 10:00", TEXT, type="sales"))
    commit(root, "a copy")

    checked = smmflow(root, "check", env=env())
    assert f"content/{copy}.md:1: warning: the same bytes as content/{OLD}.md" in checked.out
    result, report = sync_json(root, "2026-12-04T11:00Z", env=env())
    assert states(report["outcomes"]) == {(copy, "hook"): "published", (copy, "feed"): "published"}
    keys = {d.headers.get("Idempotency-Key") for d in receiver.deliveries}
    assert len(receiver.deliveries) == 2 and len(keys) == 2


def test_a_renamed_post_whose_old_name_holds_a_new_post_is_new(tmp_path, receiver):
    """Deliberate: records belong to a name while a post has it. The new post under the
    old name keeps them; the moved one is published as a new post, like a copy."""
    root = published_shop(tmp_path, receiver)
    git(root, "mv", f"content/{OLD}.md", f"content/{NEW}.md")
    write(root, f"content/{OLD}.md", post_md("2026-12-04 10:00", "A different post.", "sales"))
    commit(root, "rename, and a new post under the old name")

    result, report = sync_json(root, "2026-12-04T11:00Z", env=env())
    # the old name's new text is an edit of what went out there (issue #18): the feed's
    # page takes it, the webhook cannot (flagged, nothing sent)
    assert states(report["outcomes"]) == {
        (NEW, "hook"): "published",
        (NEW, "feed"): "published",
        (OLD, "feed"): "edited",
    }
    assert [d.json["post"]["id"] for d in receiver.deliveries] == [OLD, NEW]


def test_a_post_moved_to_another_group_is_that_groups_new_post(tmp_path, receiver):
    """Account names repeat across groups (`feed`, `hook`), but they are other clients'
    accounts: records never cross groups, by name or by bytes."""
    root = published_shop(tmp_path, receiver)
    accounts = {
        "feed": {},
        "hook": {"platform": "webhook", "url": receiver.url, "secret_env": "HOOK_SECRET"},
    }
    write(root, "schedules/cafe.yml", group_yaml("Cafe", "UTC", accounts, "7d"))
    (root / "content/cafe").mkdir()
    git(root, "mv", f"content/{OLD}.md", "content/cafe/2026-12-04-sale.md")
    commit(root, "moved to the cafe")

    result, report = sync_json(root, "2026-12-04T11:00Z", env=env())
    moved = "cafe/2026-12-04-sale"
    assert states(report["outcomes"]) == {
        (moved, "hook"): "published",
        (moved, "feed"): "published",
    }
