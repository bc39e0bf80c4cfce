"""A promoted post renamed (`git mv`) keeps its campaign: `smmflow ads push` after the
rename finds the promotion's record under the new name (carried by the ledger's rename
rule with the post's publications) and creates nothing — against the loopback Meta
Marketing API (tests/servers/meta_ads.py)."""

from __future__ import annotations

import pytest
from adshelp import FB_POST, NOW, PAGE, POST, POST_ID, env, make_repo, meta_server, publish_both
from repohelp import cli, commit, git, ledger

from smmflow.ledger.branch import open_ledger
from smmflow.ledger.renames import NOTE, Carried

NEW_ID = "shop/2026-12-10-sale-of-the-week"


@pytest.fixture
def meta(serve):
    return serve(meta_server())


def push(root, meta) -> dict:
    done = cli(root, "ads", "push", "--now", NOW, "--format", "json", env=env(meta))
    assert done.code == 0, done
    return {o["platform"]: o for o in done.json["outcomes"]}


def rename(root) -> None:
    git(root, "mv", POST, f"content/{NEW_ID}.md")
    commit(root, "a clearer name")


@pytest.fixture
def promoted(tmp_path, meta):
    """A post published on the Page and pushed once: one campaign."""
    root = make_repo(tmp_path / "r", meta, None)
    publish_both(root)
    assert push(root, meta)["meta"]["state"] == "created"
    assert len(meta.live("campaigns")) == 1 and len(meta.created) == 4
    return root


def test_a_renamed_promoted_post_keeps_its_campaign(promoted, meta):
    before = ledger(promoted)[(POST_ID, "ads-meta")]
    rename(promoted)
    outcome = push(promoted, meta)["meta"]
    assert outcome["state"] == "done" and outcome["post"] == NEW_ID, outcome
    assert len(meta.live("campaigns")) == 1 and len(meta.created) == 4  # no second campaign
    after = ledger(promoted)
    moved = after[(NEW_ID, "ads-meta")]
    assert (moved["state"], moved["remote_id"], moved["key"]) == (
        "published",
        before["remote_id"],
        before["key"],
    )
    assert any(NOTE + POST_ID in entry for entry in moved["history"])
    assert after[(NEW_ID, "facebook")]["remote_id"] == f"{PAGE}_{FB_POST}"
    assert push(promoted, meta)["meta"]["state"] == "done" and len(meta.created) == 4


def test_a_promotion_left_behind_by_an_earlier_adoption_follows_its_post(promoted, meta):
    """The publication was carried by a run before promotions followed (or by a view):
    the note in its record names the former name, and the promotion follows from there."""
    rename(promoted)
    store, book = open_ledger(promoted, None, str)
    try:
        old = book.get(POST_ID, "facebook")
        post = type("P", (), {"id": NEW_ID})()  # Carried.adopted reads only the id
        record = Carried(post, "facebook", POST_ID, old).adopted()  # type: ignore[arg-type]
        book.transact(lambda records: [record], "renamed: only the publication")
    finally:
        store.close()
    assert (NEW_ID, "ads-meta") not in ledger(promoted)
    assert push(promoted, meta)["meta"]["state"] == "done"
    assert len(meta.live("campaigns")) == 1 and len(meta.created) == 4


def test_status_and_plan_show_the_promotion_under_the_new_name_before_any_push(promoted, meta):
    rename(promoted)
    done = cli(promoted, "ads", "status", "--offline", "--format", "json", env=env(meta))
    assert done.code == 0, done
    [row] = done.json
    assert (row["post"], row["state"]) == (NEW_ID, "published")
    planned = cli(promoted, "ads", "plan", "--format", "json", env=env(meta))
    [promotion] = planned.json["promotions"]
    assert promotion["post"] == NEW_ID and promotion["platforms"][0]["state"] == "published"
    assert (NEW_ID, "ads-meta") not in ledger(promoted)  # a view writes nothing
