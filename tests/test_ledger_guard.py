"""The ledger defends itself: a damaged or hand-edited record is never acted on, and a
ledger branch moved back to an older commit stops publishing before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repohelp import (
    base_env,
    commit,
    git,
    group_yaml,
    init_repo,
    ledger,
    post_md,
    rev,
    smmflow,
    status_rows,
    sync_json,
    write,
)
from servers.webhook import Receiver

NOW = "2026-12-04T12:00Z"


@pytest.fixture
def receiver(serve):
    return serve(Receiver())


def shop(tmp_path: Path, receiver: Receiver) -> Path:
    root = init_repo(tmp_path / "shop")
    accounts = {"feed": {}, "hook": {"platform": "webhook", "url": receiver.url}}
    write(root, "schedules/shop.yml", group_yaml("Shop", "Europe/Bucharest", accounts, "7d"))
    for day in (1, 2, 3):
        write(
            root,
            f"content/shop/2026-12-0{day}-p{day}.md",
            post_md(f"2026-12-0{day} 10:00", f"Post {day}"),
        )
    commit(root, "posts")
    return root


def edit_record(root: Path, post: str, account: str, text: str) -> None:
    """What a person editing the ledger by hand does: a commit on smmflow/ledger."""
    path = f"records/{post}/{account}.json"
    work = root / ".ledger-edit"
    git(root, "worktree", "add", "-q", str(work), "smmflow/ledger")
    (work / path).write_text(text, encoding="utf-8")
    git(work, "commit", "-q", "-am", "hand edit")
    git(root, "worktree", "remove", "--force", str(work))


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        '{"post": "shop/2026-12-01-p1", "account": "hook", "platform": "webhook", "state": "gone"}',
        '{"post": "shop/2026-12-01-p1", "account": "hook", "platform": "webhook", "state": "published"}',
        '{"post": "shop/2026-12-01-p1", "account": "hook", "platform": "webhook", "state": "failed", "attempts": "three"}',
        '{"post": "shop/2026-12-09-other", "account": "hook", "platform": "webhook", "state": "skipped"}',
    ],
    ids=["not-json", "unknown-state", "published-without-url", "wrong-type", "path-mismatch"],
)
def test_a_damaged_record_is_never_acted_on_and_resolve_rewrites_it(tmp_path, receiver, damage):
    root = shop(tmp_path, receiver)
    first, _ = sync_json(root, NOW)
    assert first.code == 0, str(first)
    assert len(receiver.created) == 3
    edit_record(root, "shop/2026-12-01-p1", "hook", damage)
    git(root, "update-ref", "-d", "refs/heads/smmflow/ledger-unused", check=False)

    again, out = sync_json(root, "2026-12-05T12:00Z", "--accept-ledger-rewind")
    assert again.code == 3, str(again)  # a person must look
    outcome = {(o["post"], o["account"]): o for o in out["outcomes"]}[
        ("shop/2026-12-01-p1", "hook")
    ]
    assert outcome["state"] == "waiting" and "unreadable record" in outcome["detail"]
    assert len(receiver.deliveries) == 3, "a damaged record must never lead to a send"

    row = status_rows(root, "2026-12-05T12:00Z")[("shop/2026-12-01-p1", "hook")]
    assert row["state"] == "corrupt" and "smmflow resolve" in row["detail"]
    settled = smmflow(
        root,
        "resolve",
        "shop/2026-12-01-p1",
        "hook",
        "--published",
        "https://receiver.test/posts/1",
    )
    assert settled.code == 0, str(settled)
    assert ledger(root)[("shop/2026-12-01-p1", "hook")]["state"] == "published"
    final, _ = sync_json(root, "2026-12-05T12:05Z")
    assert final.code == 0 and len(receiver.deliveries) == 3, str(final)


def test_a_rewound_local_ledger_stops_sync_before_anything_is_sent(tmp_path, receiver):
    root = shop(tmp_path, receiver)
    first, _ = sync_json(root, NOW)
    assert first.code == 0 and len(receiver.created) == 3
    seen = rev(root)
    # Someone moves the branch back to its first commit: most records vanish.
    oldest = git(root, "rev-list", "--max-parents=0", "smmflow/ledger").strip()
    git(root, "update-ref", "refs/heads/smmflow/ledger", oldest)

    stopped = smmflow(root, "sync", "--now", NOW, env=base_env())
    assert stopped.code == 3, str(stopped)
    assert "moved back" in stopped.err and seen[:12] in stopped.err
    assert f"git update-ref refs/heads/smmflow/ledger {seen}" in stopped.err
    assert "Traceback" not in stopped.err
    assert len(receiver.deliveries) == 3, "nothing may be sent from a rewound ledger"

    # Restoring the branch as told lets sync go on, and nothing is sent twice.
    git(root, "update-ref", "refs/heads/smmflow/ledger", seen)
    after, _ = sync_json(root, NOW)
    assert after.code == 0 and len(receiver.deliveries) == 3, str(after)


def test_a_rewound_remote_ledger_is_noticed_by_a_fresh_clone(tmp_path, receiver):
    root = shop(tmp_path, receiver)
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(root, "remote", "add", "origin", str(bare))
    git(root, "push", "-q", "origin", "main")
    first, _ = sync_json(root, NOW, "--remote", "origin")
    assert first.code == 0 and len(receiver.created) == 3
    seen = rev(bare, "smmflow/ledger")
    oldest = git(bare, "rev-list", "--max-parents=0", "smmflow/ledger").strip()
    git(bare, "update-ref", "refs/heads/smmflow/ledger", oldest)  # a force-push back

    clone = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "-b", "main", str(bare), str(clone))  # a fresh Actions checkout
    stopped = smmflow(clone, "sync", "--now", NOW, "--remote", "origin", env=base_env())
    assert stopped.code == 3, str(stopped)
    assert "moved back" in stopped.err and f"git push --force origin {seen}" in stopped.err
    assert len(receiver.deliveries) == 3

    accepted = smmflow(
        clone, "sync", "--now", NOW, "--remote", "origin", "--accept-ledger-rewind", env=base_env()
    )
    assert accepted.code in (0, 1, 3), str(accepted)
    assert "Traceback" not in accepted.err
    # Webhook deliveries carry the same idempotency keys as before: nothing new is created.
    assert len(receiver.created) == 3
    assert (
        json.loads(git(bare, "show", "smmflow/ledger:records/shop/2026-12-01-p1/hook.json"))[
            "state"
        ]
        == "published"
    )
