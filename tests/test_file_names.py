"""Post file names outside the safe set (issue #11, item 9).

A newline in a post's file name once broke the ledger's batch commit and sank the record
of another post committed with it: that post was delivered, left `claimed`, and sent again
by every run. Now such names are refused by `check` and skipped by loading (so sync never
takes them to the ledger), and the ledger writes every good record even when one record
beside it cannot be written.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from repohelp import (
    LoopbackReceiver,
    base_env,
    commit,
    group_yaml,
    init_repo,
    ledger,
    post_md,
    smmflow,
    sync_json,
    write,
)

from smmflow.ledger.branch import Ledger, LedgerRecordError
from smmflow.ledger.gitstore import Store
from smmflow.ledger.records import Record

BAD_NAMES = {  # file name -> what the message must name
    "2026-12-04-a\nb.md": "a newline",
    "2026-12-04-l*.md": "`*`",
    "2026-12-04-why?.md": "`?`",
    "2026-12-04-[x].md": "`[`",
    "2026-12-04-back\\slash.md": "`\\`",
    "-2026-12-04-dash.md": "`-` at the start",
    "2026-12-04-esc\x1b[31m.md": "U+001B",
    "2026-12-04-tab\t.md": "U+0009",
    "2026-12-04-two words.md": "a space",
    "2026-12-04-rlo\u202e.md": "U+202E",
}


@pytest.fixture
def receiver(serve):
    return serve(LoopbackReceiver())


def shop(tmp_path: Path, hook_url: str = "http://127.0.0.1:9/") -> Path:
    root = init_repo(tmp_path / "shop")
    accounts = {"hook": {"platform": "webhook", "url": hook_url}}
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts, "7d"))
    write(root, "content/shop/2026-12-04-good.md", post_md("2026-12-04 10:00", "Good post."))
    return root


def test_check_refuses_every_unsafe_file_name_at_line_1(tmp_path):
    root = shop(tmp_path)
    for name in BAD_NAMES:
        write(root, f"content/shop/{name}", post_md("2026-12-04 11:00", "A post."))
    write(root, "content/shop/sub*dir/2026-12-05-inside.md", post_md("2026-12-05 10:00", "In."))
    bad_bytes = os.fsencode(str(root / "content/shop")) + b"/2026-12-06-caf\xe9.md"
    with open(bad_bytes, "wb") as handle:
        handle.write(post_md("2026-12-06 10:00", "Latin-1 name.").encode())
    # A name in another script is fine: letters are letters.
    write(root, "content/shop/2026-12-07-акция.md", post_md("2026-12-07 10:00", "Акция!"))

    result = smmflow(root, "check", "--format", "json")
    assert result.code == 1, str(result)
    assert "Traceback" not in result.err
    report = json.loads(result.out)
    refused = {p["path"]: p for p in report["problems"] if p["code"] == "file-name"}
    assert len(refused) == len(BAD_NAMES) + 2, sorted(refused)
    for path, problem in refused.items():
        assert problem["line"] == 1 and problem["severity"] == "error", problem
        assert "\n" not in path and "\x1b" not in path, "the path is shown escaped"
        assert "letters, digits, `-`, `_` and `.`" in problem["message"]
    messages = " | ".join(p["message"] for p in refused.values())
    for what in BAD_NAMES.values():
        assert what in messages, what
    assert "content/shop/2026-12-04-a\\nb.md" in refused
    assert "content/shop/sub*dir/2026-12-05-inside.md" in refused
    assert any("not UTF-8" in p["message"] for p in refused.values())
    assert report["checked"]["posts"] == 2, "the good post and the Cyrillic one load"

    text = smmflow(root, "check")
    lines = text.out.splitlines()
    assert "content/shop/2026-12-04-a\\nb.md:1: the file name has a newline" in text.out
    assert len([line for line in lines if ":1: the file name has" in line]) == len(refused)
    assert all(line.startswith("content/shop/") for line in lines), "one problem per line"


def test_a_post_with_a_newline_in_its_name_never_sinks_another_posts_record(tmp_path, receiver):
    """The reported case: a good post followed by one whose name has a newline, on one
    idempotent account (whose next claim rides in the same commit as a record)."""
    root = shop(tmp_path, receiver.url)
    write(root, "content/shop/2026-12-04-bad\nname.md", post_md("2026-12-04 11:00", "Bad."))
    commit(root, "two posts")

    for i, now in enumerate(["2026-12-04T12:00Z", "12:10", "12:20", "12:30"]):
        now = now if "T" in now else f"2026-12-04T{now}Z"
        result, report = sync_json(root, now)
        assert "Traceback" not in result.err
        assert result.code == 1, str(result)  # a file was skipped for its errors
        assert report["skipped_files"] == ["content/shop/2026-12-04-bad\\nname.md"]
        outcomes = {(o["post"], o["state"]) for o in report["outcomes"]}
        assert outcomes == ({("shop/2026-12-04-good", "published")} if i == 0 else set())
    assert len(receiver.deliveries) == 1, "the good post is delivered exactly once"
    records = ledger(root)
    assert list(records) == [("shop/2026-12-04-good", "hook")]
    assert records[("shop/2026-12-04-good", "hook")]["state"] == "published"


def test_the_ledger_writes_every_good_record_beside_an_unfit_one(tmp_path):
    root = init_repo(tmp_path / "repo")
    subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", "start"],
        cwd=root,
        check=True,
        env={**os.environ, **base_env()},
    )
    store = Store(root)
    try:
        book = Ledger(store).open()
        good = Record("shop/2026-12-04-good", "hook", "webhook", "published", url="https://x/1")
        bad = Record("shop/2026-12-04-bad\nname", "hook", "webhook", "claimed", key="k")
        dashed = Record("shop/-x", "hook", "webhook", "claimed", key="k")

        done = book.transact(lambda records: [bad, good, dashed], "one request, three records")
        assert done == [good]
        assert set(book.records) == {("shop/2026-12-04-good", "hook")}
        with pytest.raises(LedgerRecordError, match="a newline"):
            book.transact(lambda records: [bad], "only the bad one")
        # Later commits are whole: the failed one left nothing behind in the index.
        other = Record("shop/2026-12-05-next", "hook", "webhook", "published", url="https://x/2")
        assert book.transact(lambda records: [other], "next") == [other]
    finally:
        store.close()
    assert set(ledger(root)) == {("shop/2026-12-04-good", "hook"), ("shop/2026-12-05-next", "hook")}
