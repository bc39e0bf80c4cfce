"""A ledger on a remote is never ignored (issue #11, item 8).

In a fresh clone of a repository whose remote holds `smmflow/ledger` (pushed by an
Actions run), a plain `smmflow sync` used to start an empty local ledger and send
everything again. And a `--remote` run moved the local ledger branch without a
compare-and-swap, wiping the claims of a local run in the same working copy. Now a
remote that holds the ledger is used by default, a remote that cannot be asked stops
sync, and the local branch only moves by fast-forward compare-and-swap.

Everything is real: git clones of a bare remote, `smmflow` processes, the loopback
webhook receiver (which dedupes by idempotency key, so raw deliveries are counted).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from synchelp import (
    deliveries_by_pair,
    finish,
    git,
    hook_receiver,  # noqa: F401 - the `receiver` fixture
    ledger,
    make_content,
    run_sync,
    share,
    start_sync,
    status,
    sync_env,
)

EARLY = "2026-12-03 12:00"  # some posts due, most not yet


def _smmflow(cwd: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "smmflow", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_fresh_clone_publishes_nothing_the_remote_ledger_has(tmp_path, receiver):
    content = make_content(tmp_path / "work", receiver.url, posts=3)
    env = sync_env()
    actions, before = share(content, tmp_path, clones=2)  # `before`: cloned with no ledger
    first = run_sync(actions, env, "--remote", "origin")  # what a GitHub Actions run does
    assert first.returncode == 0, first.stdout + first.stderr
    sent = sum(deliveries_by_pair(receiver).values())
    assert sent == len(content.due_hooks)

    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "--quiet", str(tmp_path / "remote.git"), str(fresh))
    for clone in (fresh, before):  # origin/smmflow/ledger fetched / not fetched yet
        plain = run_sync(clone, env)  # as the README says: no --remote
        assert sum(deliveries_by_pair(receiver).values()) == sent, "sent again"
        assert plain.returncode == 0, plain.stdout + plain.stderr
        assert "using the shared ledger on origin" in plain.stderr
    rows = status(fresh, env)
    assert {rows[pair]["state"] for pair in content.due} == {"published"}

    # A new post published from the fresh clone lands in the shared ledger.
    post = fresh / "content/bakery/2026-12-14-new.md"
    post.write_text("---\ndate: 2026-12-14 10:00\ntype: sales\n---\nNew.\n", encoding="utf-8")
    git(fresh, "add", "-A")
    git(fresh, "commit", "--quiet", "-m", "new post")
    git(fresh, "push", "--quiet", "origin", "main")
    again = run_sync(fresh, env)
    assert again.returncode == 0, again.stdout + again.stderr
    shared = ledger(tmp_path / "remote.git")
    assert shared[("bakery/2026-12-14-new", "crm")]["state"] == "published"
    assert deliveries_by_pair(receiver)[("bakery/2026-12-14-new", "crm")] == 1


def test_a_remote_that_cannot_be_asked_stops_sync(tmp_path, receiver):
    content = make_content(tmp_path / "work", receiver.url, posts=1)
    git(content.root, "remote", "add", "origin", str(tmp_path / "gone.git"))
    result = run_sync(content.root, sync_env())
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cannot reach the git remote 'origin'" in result.stderr
    assert "smmflow sync --remote origin" in result.stderr
    assert "Traceback" not in result.stderr
    assert receiver.deliveries == []
    assert git(content.root, "branch", "--list", "smmflow/ledger") == ""


def _three_at_once(content, tmp_path: Path, env: dict) -> list[tuple[int, str]]:
    """Two `--remote origin` runs and one plain run, at once, in one working copy."""
    procs = [
        start_sync(content.root, tmp_path / "remote-a.log", env, "--remote", "origin"),
        start_sync(content.root, tmp_path / "plain.log", env),
        start_sync(content.root, tmp_path / "remote-b.log", env, "--remote", "origin"),
    ]
    return [finish(proc, timeout=120) for proc in procs]


def test_remote_and_plain_runs_at_once_in_one_working_copy_send_each_pair_once(tmp_path, receiver):
    content = make_content(tmp_path / "work", receiver.url, posts=6)
    env = sync_env()
    share(content, tmp_path, clones=0)
    early = _smmflow(content.root, env, "sync", "--now", EARLY, "--remote", "origin")
    assert early.returncode == 0, early.stdout + early.stderr

    results = _three_at_once(content, tmp_path, env)
    for code, output in results:
        assert code == 0 and "Traceback" not in output, output
    raw = deliveries_by_pair(receiver)
    assert set(raw) == content.due_hooks
    assert {pair: n for pair, n in raw.items() if n > 1} == {}, "a pair was sent twice"
    records = ledger(tmp_path / "remote.git")
    assert {records[pair]["state"] for pair in content.due} == {"published"}
    local = git(content.root, "rev-parse", "smmflow/ledger").strip()
    assert local == git(tmp_path / "remote.git", "rev-parse", "smmflow/ledger").strip()


def test_a_local_branch_that_left_the_remote_is_never_overwritten(tmp_path, receiver):
    """The first runs ever, at once: the plain run keeps a local ledger (no remote has
    one yet) while the `--remote` runs create the remote's. Each ref moves by
    compare-and-swap: nothing is sent twice, and no run wipes another's records."""
    content = make_content(tmp_path / "work", receiver.url, posts=6)
    env = sync_env()
    share(content, tmp_path, clones=0)

    results = _three_at_once(content, tmp_path, env)
    for _code, output in results:
        assert "Traceback" not in output, output
    raw = deliveries_by_pair(receiver)
    assert {pair: n for pair, n in raw.items() if n > 1} == {}, "a pair was sent twice"
    # Every delivery is on record in the ledger that the local branch or the remote
    # holds: none was wiped by a run of the other kind.
    local = ledger(content.root)
    remote = ledger(tmp_path / "remote.git")
    for pair in raw:
        states = {r[pair]["state"] for r in (local, remote) if pair in r}
        assert "published" in states or "claimed" in states, (pair, states)
    # A run now either goes on with one shared ledger or stops and says why.
    after = run_sync(content.root, env)
    assert after.returncode in (0, 3), after.stdout + after.stderr
    if after.returncode == 3:
        assert "git push origin smmflow/ledger" in after.stderr
    assert {pair: n for pair, n in deliveries_by_pair(receiver).items() if n > 1} == {}
