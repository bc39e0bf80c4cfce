"""A record deleted from the ledger branch by a plain commit (issue #11, item 2).

The rewind guard catches a branch moved back; a commit on top that deletes `records/`
(or moves a record away) is no rewind, and the post used to be sent again. Before a pair
with no record is sent, sync looks through the ledger's history: a record that existed
and was deleted hands the pair to a person instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from repohelp import (
    LEDGER,
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
from servers.webhook import Receiver

P1, P2, P3 = "shop/2026-12-01-p1", "shop/2026-12-02-p2", "shop/2026-12-03-p3"


@pytest.fixture
def receiver(serve):
    return serve(Receiver())


def shop(tmp_path: Path, receiver: Receiver) -> Path:
    root = init_repo(tmp_path / "shop")
    accounts = {"hook": {"platform": "webhook", "url": receiver.url}}
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts, "7d"))
    for day in (1, 2):
        text = post_md(f"2026-12-0{day} 10:00", f"Post {day}")
        write(root, f"content/shop/2026-12-0{day}-p{day}.md", text)
    commit(root, "posts")
    return root


def on_ledger(root: Path, *commands: tuple[str, ...]) -> str:
    """Plain git commits on top of the ledger branch, in a worktree (what a person with
    push access could do); the new tip."""
    work = root.parent / "ledger-work"
    git(root, "worktree", "add", "-q", str(work), LEDGER)
    for command in commands:
        git(work, *command)
    git(work, "commit", "-q", "-m", "tidy the ledger")
    tip = git(work, "rev-parse", "HEAD").strip()
    git(root, "worktree", "remove", "--force", str(work))
    return tip


def test_a_record_deleted_by_a_plain_commit_is_never_sent_again(tmp_path, receiver):
    root = shop(tmp_path, receiver)
    first, _ = sync_json(root, "2026-12-03T09:00Z")
    assert first.code == 0 and len(receiver.deliveries) == 2, str(first)

    # One record removed, the other moved away (a rename is a deletion too): a fast
    # forward of the branch, so the rewind guard has nothing to say.
    tip = on_ledger(
        root,
        ("rm", "-q", f"records/{P1}/hook.json"),
        ("mv", f"records/{P2}/hook.json", "p2-hook.json"),
    )
    assert ledger(root) == {}
    # A new post beside them is still published in the same run.
    write(root, "content/shop/2026-12-03-p3.md", post_md("2026-12-03 10:00", "Post 3"))
    commit(root, "third post")

    held, report = sync_json(root, "2026-12-03T10:30Z")
    assert held.code == 3, str(held)  # a person must look
    assert states(report["outcomes"]) == {
        (P1, "hook"): "waiting",
        (P2, "hook"): "waiting",
        (P3, "hook"): "published",
    }
    details = {o["post"]: o["detail"] for o in report["outcomes"]}
    assert f"deleted from smmflow/ledger by commit {tip[:12]}" in details[P1]
    assert f"smmflow resolve {P1} hook --published URL" in details[P1]
    assert [d.json["post"]["id"] for d in receiver.deliveries] == [P1, P2, P3]

    rows = status_rows(root, "2026-12-03T10:30Z")
    assert rows[(P1, "hook")]["state"] == "unknown"
    assert "deleted from smmflow/ledger" in rows[(P1, "hook")]["detail"]

    # Still held on the next run; a person settles both, and only the retry is sent.
    again, report = sync_json(root, "2026-12-03T11:00Z")
    assert again.code == 3 and len(receiver.deliveries) == 3, str(again)
    url = "https://receiver.test/p1"
    assert smmflow(root, "resolve", P1, "hook", "--published", url).code == 0
    assert smmflow(root, "resolve", P2, "hook", "--retry").code == 0
    settled, report = sync_json(root, "2026-12-03T11:30Z")
    assert settled.code == 0, str(settled)
    assert states(report["outcomes"]) == {(P2, "hook"): "published"}
    assert [d.json["post"]["id"] for d in receiver.deliveries] == [P1, P2, P3, P2]
    assert ledger(root)[(P1, "hook")]["url"] == url


def test_a_record_deleted_on_the_remote_ledger_is_noticed_by_a_fresh_clone(tmp_path, receiver):
    root = shop(tmp_path, receiver)
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(root, "remote", "add", "origin", str(bare))
    git(root, "push", "-q", "origin", "main")
    first, _ = sync_json(root, "2026-12-03T09:00Z", "--remote", "origin")
    assert first.code == 0 and len(receiver.deliveries) == 2, str(first)
    git(root, "fetch", "-q", "origin")
    git(root, "update-ref", f"refs/heads/{LEDGER}", f"refs/remotes/origin/{LEDGER}")
    on_ledger(root, ("rm", "-q", "-r", "records"))
    git(root, "push", "-q", "origin", LEDGER)  # a plain fast-forward push

    clone = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "-b", "main", str(bare), str(clone))
    result, report = sync_json(clone, "2026-12-03T10:00Z", "--remote", "origin")
    assert result.code == 3, str(result)
    assert set(states(report["outcomes"]).values()) == {"waiting"}
    assert len(receiver.deliveries) == 2
