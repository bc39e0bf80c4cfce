"""`smmflow sync` acts only on what was meant (issue #11): real git repositories, the real
CLI, the loopback webhook receiver.

- a group whose file has any error publishes nothing (exit 1, the reason printed), where
  before a misspelled `aprovers:` published without approval and a misspelled timezone
  became UTC;
- media are part of what goes out "exactly as on main": sent from the publish branch's
  blobs, never from the working tree;
- a withdrawal deletes a live post only when committed on the publish branch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from repohelp import (
    LoopbackReceiver,
    base_env,
    commit,
    group_yaml,
    init_repo,
    post_md,
    smmflow,
    states,
    status_rows,
    sync_json,
    write,
)

SECRET = "hook-SECRET-exact-51c0"


@pytest.fixture
def receiver():
    server = LoopbackReceiver(secret=SECRET.encode()).start()
    yield server
    server.stop()


def env(**extra: str) -> dict[str, str]:
    return base_env(HOOK_SECRET=SECRET, **extra)


def accounts(hook_url: str) -> dict[str, dict]:
    return {
        "feed": {},
        "hook": {"platform": "webhook", "url": hook_url, "secret_env": "HOOK_SECRET"},
    }


# -- 3. a group file with errors ------------------------------------------------------------------
BROKEN = {
    # the approvers' key misspelled: read as no approvers at all, it published unapproved
    "misspelled-approvers": ("UTC", "aprovers: [ana-popescu]\n", "aprovers"),
    # an approvers entry that is not a login
    "malformed-approvers": ("UTC", "approvers: [ana-popescu, {login: mihai}]\n", "approvers"),
    # a misspelled zone became UTC: 10:00 in New York went out at 10:00 UTC, 5 h early
    "misspelled-timezone": ("America/New_Yrok", "", "timezone"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_group_whose_file_has_errors_publishes_nothing(tmp_path: Path, receiver, case) -> None:
    zone, extra, field = BROKEN[case]
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/shop.yml", group_yaml("Shop", zone, accounts(receiver.url)) + extra)
    write(root, "schedules/fine.yml", group_yaml("Fine", "UTC", {"feed": {}}))
    write(root, "content/shop/2026-12-04-sale.md", post_md("2026-12-04 10:00", "Sale today."))
    write(root, "content/fine/2026-12-04-news.md", post_md("2026-12-04 10:00", "News today."))
    commit(root, "two groups")
    now = "2026-12-04 10:30Z"  # 05:30 in New York

    dry = smmflow(root, "sync", "--dry-run", "--now", now, env=env())
    assert dry.code == 1, str(dry)
    assert "would publish fine/2026-12-04-news → feed" in dry.out
    assert "shop/2026-12-04-sale" not in dry.out
    assert "nothing of group shop is published while schedules/shop.yml has errors" in dry.err
    assert "schedules/shop.yml:" in dry.err and f" {field}:" in dry.err

    result, report = sync_json(root, now, env=env())
    assert result.code == 1, str(result)
    assert states(report["outcomes"]) == {("fine/2026-12-04-news", "feed"): "published"}
    assert "schedules/shop.yml" in report["skipped_files"]
    assert any("nothing of group shop is published" in n for n in report["notes"]), report
    assert receiver.deliveries == []
    assert not (root / "public" / "shop").exists()

    text = smmflow(root, "sync", "--now", now, env=env())
    assert text.code == 1 and "nothing of group shop is published" in text.err, str(text)
    rows = status_rows(root, now, env=env())
    assert rows[("shop/2026-12-04-sale", "hook")]["state"] == "held"
    assert "schedules/shop.yml has errors" in rows[("shop/2026-12-04-sale", "hook")]["detail"]
    assert rows[("fine/2026-12-04-news", "feed")]["state"] == "published"
