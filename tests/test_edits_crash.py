"""SIGKILL in the middle of an edit after publication, or of a repost (issue #18): the real
`smmflow sync` kills itself right after the edit (or the delete, or the new post) left and
before the ledger recorded it; the next run finishes the job without a second edit or a
second post. The edit is read back first (Mastodon's source, Facebook's message) or
refused by the platform as "not modified" (Telegram)."""

from __future__ import annotations

import signal

import pytest
from edithelp import EDITED, NOW, X_USER, world
from repohelp import commit, smmflow


def killed(w, account: str, at: str):
    env = {**w.env, "SMMFLOW_CRASH_AT": at}
    done = smmflow(w.root, "sync", "--now", NOW, "--account", account, env=env)
    assert done.code == -signal.SIGKILL, str(done)
    assert "Traceback" not in done.out + done.err
    return w.record(account)


@pytest.mark.parametrize("account", ["masto", "tg", "fb"])
def test_killed_after_the_edit_left_then_finished_without_a_second_edit(tmp_path, serve, account):
    w = world(tmp_path, serve)
    w.post(EDITED)
    commit(w.root, "fix the hour")
    record = killed(w, account, "after-send:1")
    assert record["state"] == "claimed" and record["doing"] == "edit"
    sent = {"masto": w.mastodon.edits, "tg": w.telegram.edits, "fb": w.graph.post_edits}[account]
    assert len(sent) == 1  # the edit is out; the run died before recording it
    assert "its edit" in w.status()[account]["detail"]

    done = smmflow(
        w.root, "sync", "--now", NOW, "--account", account, "--format", "json", env=w.env
    )
    assert done.code == 0, str(done)
    assert [o["state"] for o in done.json["outcomes"]] == ["edited"]
    assert len(sent) == 1  # never a second edit
    record = w.record(account)
    assert record["state"] == "published" and not record.get("doing")
    again = w.sync()  # the other accounts' edits; none for this one
    assert account not in {o["account"] for o in again.json["outcomes"]}
    assert len(sent) == 1


@pytest.mark.parametrize("at", ["after-send:1", "after-send:2"])
def test_killed_in_a_repost_then_finished_with_exactly_one_new_post(tmp_path, serve, at):
    """after-send:1: the old post was deleted; after-send:2: the new one was posted."""
    w = world(tmp_path, serve, group_extra="on_edit: repost\n")
    [first] = w.x.timeline(X_USER)
    w.post(EDITED)
    commit(w.root, "fix the hour")
    record = killed(w, "x", at)
    assert record["state"] == "claimed"
    assert w.x.timeline(X_USER) == [] if at == "after-send:1" else len(w.x.timeline(X_USER)) == 1

    done = smmflow(w.root, "sync", "--now", NOW, "--account", "x", "--format", "json", env=w.env)
    assert done.code == 0, str(done)
    [second] = w.x.timeline(X_USER)
    assert second["id"] != first["id"] and second["text"].startswith("Pâine caldă de la 7")
    assert len(w.x.of("tweets")) == 2  # the first post and its one repost
    assert w.record("x")["remote_id"] == second["id"]
    assert "x" not in {o["account"] for o in w.sync().json["outcomes"]}
    assert len(w.x.timeline(X_USER)) == 1
