"""The first day's output (issue #13): links said once on plain-text platforms, `status`
and `sync --dry-run` as a person reads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from repohelp import cli, commit, group_yaml, init_repo, post_md, write

from smmflow.model import Post
from smmflow.platforms import registry

PLAIN = [n for n in registry.names() if registry.get(n).style in ("plain", "little")]


def rendered(platform: str, body: str) -> str:
    post = Post(
        path="content/demo/2026-12-04-demo.md",
        group="demo",
        date=dt.datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Europe/Bucharest")),
        type="informative",
        platforms=(platform,),
        media=(),
        body=body,
    )
    return registry.get(platform).render(post).text


@pytest.mark.parametrize("platform", PLAIN)
def test_a_link_whose_text_is_its_address_is_said_once(platform: str) -> None:
    text = rendered(
        platform,
        "Order at [x.example/a](https://x.example/a) or [www.x.example/b/](https://x.example/b).",
    )
    assert text.count("x.example/a") == 1 and text.count("x.example/b") == 1, text
    assert "https://x.example/a" in text and "https://x.example/b" in text
    named = rendered(platform, "Order at [the shop](https://x.example/a).")
    assert "the shop (https://x.example/a)" in named.replace("\\", "")


# -- sync and status -----------------------------------------------------------------------
TOKEN = "SMMFLOW_FIRSTDAY_TELEGRAM_TOKEN"  # never set: the secret a new user forgot


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A feed and a Telegram account; two posts long past (missed), one due now."""
    root = init_repo(tmp_path / "shop")
    accounts = {"feed": {}, "telegram": {"chat": "@shop", "token_env": TOKEN}}
    write(root, "schedules/shop.yml", group_yaml("Shop", "Europe/Bucharest", accounts))
    write(root, "content/shop/2026-11-02-a.md", post_md("2026-11-02 10:00", "Old one."))
    write(root, "content/shop/2026-11-05-b.md", post_md("2026-11-05 10:00", "Old two."))
    write(root, "content/shop/2026-12-04-c.md", post_md("2026-12-04 10:00", "Due now."))
    commit(root)
    return root


NOW = "2026-12-04 10:05+02:00"
ENV = {TOKEN: None, "SMMFLOW_REMOTE": None, "GITHUB_ACTIONS": None, "NO_COLOR": "1"}


def test_a_dry_run_says_an_unset_secret_would_fail(shop: Path) -> None:
    done = cli(shop, "sync", "--now", NOW, "--dry-run", env=ENV)
    assert "would publish shop/2026-12-04-c → telegram" not in done.out
    assert f"would fail: secret {TOKEN} is not set (token_env)" in done.out
    assert "would publish shop/2026-12-04-c → feed" in done.out


def test_status_says_each_advice_once_with_totals_and_no_retry_for_what_sync_retries(
    shop: Path,
) -> None:
    cli(shop, "sync", "--now", NOW, env=ENV)  # telegram fails: its secret is not set
    done = cli(shop, "status", "--now", NOW, env=ENV)
    assert done.code == 0, done
    lines = done.out.splitlines()
    assert f"environment variable {TOKEN} is not set" in done.out
    assert "resolve shop/2026-12-04-c telegram --retry" not in done.out
    assert "  retrying (1): nothing to do by hand: the next sync retries it" in done.out, done.out
    assert done.out.count("publish by hand") == 1  # four missed rows, the advice once
    assert "  missed (4): publish by hand, or `smmflow resolve POST ACCOUNT --retry`" in done.out
    assert lines[-1] == "1 failed · 4 missed · 1 published"
    assert "\x1b[" not in done.out


def test_status_colours_only_a_terminal_without_no_color(monkeypatch) -> None:
    from smmflow.cli.common import painter

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdout", Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in painter()("failed", fg="red")
    monkeypatch.setenv("NO_COLOR", "1")
    assert painter()("failed", fg="red") == "failed"


def test_a_sync_with_nothing_due_says_how_many_are_published(shop: Path) -> None:
    first = cli(shop, "sync", "--now", NOW, "--account", "feed", env=ENV)
    assert "sync: 2 missed, 1 published" in first.err
    again = cli(shop, "sync", "--now", NOW, "--account", "feed", env=ENV)
    assert again.code == 0
    assert "sync: nothing due (1 already published)" in again.err
