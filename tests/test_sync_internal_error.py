"""A bug in the middle of a pair (an internal error after its claim) fails only that pair,
and the next run finishes it under the rules of docs/sync.md "Exactly once".

The claimed record stays: the erring run cannot know whether the request left (the bug
may come after the send), so marking it failed could post it twice. The next run sees
that the claiming process is gone and resumes the pair with the same idempotency key
(webhooks are idempotent): the receiver creates the post exactly once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from synchelp import (
    hook_receiver,  # noqa: F401 - the `receiver` fixture
    keys_by_pair,
    ledger,
    make_content,
    run_sync,
    sync_env,
)


@pytest.mark.parametrize("point", ["before-send", "after-send"])
def test_an_internal_error_after_a_claim_is_resumed_by_the_next_run(
    tmp_path: Path, receiver, point
):
    content = make_content(tmp_path / "repo", receiver.url, posts=2, hooks=("crm",))
    erring = run_sync(
        content.root, sync_env(SMMFLOW_CRASH_AT=f"{point}:1:raise"), "--account", "crm"
    )
    output = erring.stdout + erring.stderr
    assert erring.returncode == 1, output
    assert "internal error (InjectedError)" in output, output
    assert "Traceback" not in output, output
    left = {pair: r for pair, r in ledger(content.root).items() if r["state"] == "claimed"}
    assert len(left) == 1, ledger(content.root)
    [(pair, claim)] = left.items()
    sent = keys_by_pair(receiver).get(pair, [])
    assert sent == ([claim["key"]] if point == "after-send" else []), sent

    finishing = run_sync(content.root, sync_env())
    assert finishing.returncode == 0, finishing.stdout + finishing.stderr
    records = ledger(content.root)
    assert {records[p]["state"] for p in content.due} == {"published"}, records
    assert records[pair]["key"] == claim["key"]
    assert set(keys_by_pair(receiver)[pair]) == {claim["key"]}  # resent at most, same key
    assert all(len(keys) == 1 for keys in receiver.posts_by_pair().values())
    assert set(receiver.posts_by_pair()) == content.due_hooks
