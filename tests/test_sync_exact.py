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

import functools
from pathlib import Path

import pytest
from repohelp import (
    LoopbackReceiver,
    base_env,
    commit,
    git,
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
PROJECT = Path(__file__).resolve().parents[1]
JPEG = (PROJECT / "content" / "brutaria-dulce" / "media" / "aluat-cozonac.jpg").read_bytes()


@pytest.fixture
def receiver(serve):
    return serve(LoopbackReceiver(secret=SECRET.encode()))


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


# -- 6. media go out as they are on the publish branch ------------------------------------------
PHOTO = b"\xff\xd8\xff\xe0 the approved photo"
SWAPPED = b"\xff\xd8\xff\xe0 a different photo, not committed"


def photo_post(date: str = "2026-12-04 10:00") -> str:
    return (
        f"---\ndate: {date}\ntype: informative\n"
        "media:\n  - src: media/cake.jpg\n    alt: A cake on a table\n---\nOur cake.\n"
    )


def photo_repo(tmp_path: Path, hook_url: str) -> Path:
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts(hook_url)))
    write(root, "content/shop/2026-12-04-cake.md", photo_post())
    (root / "content/shop/media").mkdir(parents=True)
    (root / "content/shop/media/cake.jpg").write_bytes(PHOTO)
    commit(root, "a post with a photo")
    return root


def no_copy_of(root: Path, data: bytes) -> bool:
    public = root / "public"
    return not any(p.is_file() and p.read_bytes() == data for p in public.rglob("*"))


def test_an_uncommitted_changed_image_is_neither_published_nor_copied(
    tmp_path: Path, receiver
) -> None:
    root = photo_repo(tmp_path, receiver.url)
    (root / "content/shop/media/cake.jpg").write_bytes(SWAPPED)  # not committed
    result, report = sync_json(root, "2026-12-04 10:30Z", env=env())
    assert result.code == 3, str(result)
    reason = "media media/cake.jpg differs from the copy on main (commit it, or discard the change)"
    assert {(o["account"], o["state"], o["detail"]) for o in report["outcomes"]} == {
        ("feed", "held", reason),
        ("hook", "held", reason),
    }
    assert receiver.deliveries == []
    assert no_copy_of(root, SWAPPED)
    rows = status_rows(root, "2026-12-04 10:30Z", env=env())
    row = rows[("shop/2026-12-04-cake", "hook")]
    assert (row["state"], row["detail"]) == ("held", reason)

    # A media file that is not committed at all is held the same way.
    (root / "content/shop/media/cake.jpg").write_bytes(PHOTO)
    write(root, "content/shop/2026-12-04-pie.md", photo_post().replace("cake.jpg", "pie.jpg"))
    git(root, "add", "content/shop/2026-12-04-pie.md")
    git(root, "commit", "-q", "-m", "the post, without its photo")
    (root / "content/shop/media/pie.jpg").write_bytes(SWAPPED)
    result, report = sync_json(root, "2026-12-04 10:30Z", env=env())
    assert result.code == 3, str(result)
    assert states(report["outcomes"]) == {
        ("shop/2026-12-04-cake", "feed"): "published",
        ("shop/2026-12-04-cake", "hook"): "published",
        ("shop/2026-12-04-pie", "feed"): "held",
        ("shop/2026-12-04-pie", "hook"): "held",
    }
    held = [o["detail"] for o in report["outcomes"] if o["state"] == "held"]
    assert (
        held == ["media media/pie.jpg is not on the publish branch main (commit and merge it)"] * 2
    )
    assert (root / "public/shop/media/cake.jpg").read_bytes() == PHOTO
    assert no_copy_of(root, SWAPPED)


def test_a_restored_feed_page_never_takes_an_uncommitted_image(tmp_path: Path, receiver) -> None:
    root = photo_repo(tmp_path, receiver.url)
    result, _ = sync_json(root, "2026-12-04 10:30Z", env=env())
    assert result.code == 0, str(result)
    assert (root / "public/shop/media/cake.jpg").read_bytes() == PHOTO
    for path in sorted((root / "public").rglob("*"), reverse=True):  # a fresh clone: no site
        path.unlink() if path.is_file() else path.rmdir()
    (root / "content/shop/media/cake.jpg").write_bytes(SWAPPED)  # not committed
    again, report = sync_json(root, "2026-12-04 11:00Z", env=env())
    assert again.code == 0 and report["outcomes"] == [], str(again)
    assert no_copy_of(root, SWAPPED)
    assert "2026-12-04-cake" in (root / "public/shop/feed.xml").read_text(encoding="utf-8")

    (root / "content/shop/media/cake.jpg").write_bytes(PHOTO)  # as on main: restored
    sync_json(root, "2026-12-04 11:00Z", env=env())
    assert (root / "public/shop/media/cake.jpg").read_bytes() == PHOTO
    assert (root / "public/shop/posts/2026-12-04-cake.html").is_file()


def test_publishers_send_the_publish_branchs_bytes_not_the_working_trees(tmp_path: Path) -> None:
    """What a publisher uploads comes from `Committed.media_bytes`, even if the file
    changed after sync compared it (the Telegram loopback keeps the uploaded bytes)."""
    from servers.telegram import BotApiServer

    from smmflow.content import repo as repo_module
    from smmflow.ledger.committed import Committed
    from smmflow.ledger.gitstore import Store
    from smmflow.platforms.base import Attempt, Context
    from smmflow.platforms.http import Http
    from smmflow.platforms.telegram import Telegram

    api = BotApiServer()
    api.channel("shop", title="Shop")
    api.start()
    try:
        root = init_repo(tmp_path / "repo")
        account = {"chat": "@shop", "token_env": "TG_TOKEN", "api": api.url}
        write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", {"telegram": account}))
        write(root, "content/shop/2026-12-04-cake.md", photo_post())
        (root / "content/shop/media").mkdir(parents=True)
        (root / "content/shop/media/cake.jpg").write_bytes(JPEG)
        commit(root, "a post with a photo")
        loaded = repo_module.load(root, use_cache=False)
        [post] = loaded.posts
        (root / "content/shop/media/cake.jpg").write_bytes(JPEG + b"\x00changed")
        store = Store(root)
        try:
            committed = Committed(store, "main")
            group = loaded.groups["shop"]
            ctx = Context(root, group, Http(), {"TG_TOKEN": api.token}, str, None)
            publisher = Telegram(group.account("telegram"), ctx)
            media = functools.partial(committed.media_bytes, group.id)
            publisher.publish(post, publisher.render(post), Attempt("key-1", media=media))
        finally:
            store.close()
        [message] = api.posts()
        assert message.file["data"] == JPEG
    finally:
        api.stop()


# -- 10. a withdrawal is acted on only as committed on the publish branch ---------------------------
def live_post(tmp_path: Path, hook_url: str) -> tuple[Path, Path]:
    """A post published to the feed and the webhook; returns the repository and its page."""
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts(hook_url)))
    write(root, "content/shop/2026-12-04-recall.md", post_md("2026-12-04 10:00", "A recall."))
    commit(root, "the post")
    result, _ = sync_json(root, "2026-12-04 10:30Z", env=env())
    assert result.code == 0, str(result)
    page = root / "public/shop/posts/2026-12-04-recall.html"
    assert page.is_file()
    return root, page


WITHDRAWN = post_md("2026-12-04 10:00", "A recall.", status="withdrawn")


def assert_not_deleted(root: Path, page: Path, receiver, reason: str) -> None:
    dry = smmflow(root, "sync", "--dry-run", "--now", "2026-12-04 12:00Z", env=env())
    assert "delete" not in dry.out and "withdrawn after publishing" not in dry.out, str(dry)
    result, report = sync_json(root, "2026-12-04 12:00Z", env=env())
    assert result.code == 3, str(result)
    assert {(o["account"], o["state"], o["detail"]) for o in report["outcomes"]} == {
        ("feed", "held", f"withdrawal not acted on: {reason}"),
        ("hook", "held", f"withdrawal not acted on: {reason}"),
    }
    assert page.is_file()
    assert [d for d in receiver.deliveries if d.method == "DELETE"] == []
    row = status_rows(root, "2026-12-04 12:00Z", env=env())[("shop/2026-12-04-recall", "hook")]
    assert row["state"] == "published" and "not acted on" in row["detail"], row


def test_an_uncommitted_withdrawal_deletes_nothing(tmp_path: Path, receiver) -> None:
    root, page = live_post(tmp_path, receiver.url)
    write(root, "content/shop/2026-12-04-recall.md", WITHDRAWN)  # not committed
    reason = "differs from the copy on main (commit it, or discard the edit)"
    assert_not_deleted(root, page, receiver, reason)


def test_a_withdrawal_on_another_branch_deletes_nothing(tmp_path: Path, receiver) -> None:
    root, page = live_post(tmp_path, receiver.url)
    git(root, "checkout", "-q", "-b", "try-withdrawal")
    write(root, "content/shop/2026-12-04-recall.md", WITHDRAWN)
    commit(root, "withdraw, on a test branch")
    reason = "differs from the copy on main (commit it, or discard the edit)"
    assert_not_deleted(root, page, receiver, reason)

    git(root, "checkout", "-q", "main")  # merged to main: now it is acted on
    git(root, "merge", "-q", "--ff-only", "try-withdrawal")
    result, report = sync_json(root, "2026-12-04 12:00Z", env=env())
    assert result.code == 0, str(result)
    assert {o["state"] for o in report["outcomes"]} == {"withdrawn"}
    assert not page.exists()
    assert len([d for d in receiver.deliveries if d.method == "DELETE"]) == 1
