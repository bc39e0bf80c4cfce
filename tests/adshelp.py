"""Shared pieces of the ads tests: a content repository with a shop that has a Facebook
Page, a VK community, a Meta ad account and a VK Ads cabinet (the loopback servers of
tests/servers/meta_ads.py and vk_ads.py), the Bucharest metro places file, an audience
and a promoted post; and the post marked as published on the ledger, as `sync` records it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

from repohelp import PROJECT, base_env, commit, git, init_repo, write
from servers.meta_ads import MetaAds
from servers.vk_ads import VkAds

from smmflow.ledger.branch import open_ledger
from smmflow.ledger.records import Record, now_utc

ACT = "5550001112"
META_TOKEN = "EAAB-shop-ads-token-qwertyuiop"
PAGE = "104857392016483"
FB_POST = "9988776655"
VK_CLIENT, VK_SECRET, VK_USER = "vk-client-1", "vk-secret-XYZ", "shop@example.ro"
VK_WALL = "https://vk.com/wall-22822305_1042"
POST_ID = "shop/2026-12-10-sale"
POST = f"content/{POST_ID}.md"
NOW = "2026-12-10 12:00"
METRO = PROJECT / "places" / "bucharest-metro.csv"

UNIRII = """\
description: Women 25–40 near Piața Unirii
countries: [RO]
places:
  - {name: Piata Unirii, radius: 2 km}   # written without diacritics on purpose
age: 25-40
sex: female
"""


def meta_server() -> MetaAds:
    server = MetaAds()
    server.add_account(
        ACT, META_TOKEN, default_dsa_payor="Shop SRL", default_dsa_beneficiary="Shop SRL"
    )
    server.add_post(PAGE, FB_POST)
    return server


def vk_server() -> VkAds:
    server = VkAds()
    server.add_client(VK_CLIENT, VK_SECRET, VK_USER)
    return server


def cabinet(vk: VkAds) -> str:
    return str(vk.users[VK_USER]["id"])


def group_file(meta: MetaAds | None, vk: VkAds | None, extra: str = "") -> str:
    lines = [
        "name: Shop",
        "timezone: Europe/Bucharest",
        "max_delay: 30d",
        "accounts:",
        "  feed: {}",
        f'  facebook: {{page: "{PAGE}", token_env: SHOP_FB_TOKEN}}',
        '  vk: {owner: "-22822305", token_env: SHOP_VK_TOKEN}',
    ]
    if meta is not None:
        lines.append(
            f'meta_ads: {{account: "{ACT}", token_env: SHOP_META_ADS, page: facebook, '
            f'currency: EUR, api: "{meta.api}"}}'
        )
    if vk is not None:
        lines.append(
            f'vk_ads: {{cabinet: "{cabinet(vk)}", token_env: SHOP_VK_ADS, community: vk, '
            f'currency: RUB, api: "{vk.url}"}}'
        )
    lines.append("ads_budget_monthly: [300 EUR, 30000 RUB]")
    return "\n".join(lines) + "\n" + extra


def promoted_post(platforms: str = "[meta]", budget: str = "", extra: str = "") -> str:
    if not budget:
        budget = "{meta: 10 EUR, vk: 300 RUB}" if "vk" in platforms else "10 EUR"
    return (
        "---\ndate: 2026-12-10 10:00\ntype: sales\npromote:\n"
        "  audience: unirii-women\n"
        f"  daily_budget: {budget}\n"
        "  end: 2026-12-17 10:00\n"
        f"  platforms: {platforms}\n{extra}"
        "---\nBig December sale at the shop by Piața Unirii.\n"
    )


def make_repo(
    root: Path,
    meta: MetaAds | None,
    vk: VkAds | None,
    *,
    platforms: str = "[meta]",
    budget: str = "",
    group_extra: str = "",
) -> Path:
    init_repo(root)
    (root / "places").mkdir(parents=True, exist_ok=True)
    shutil.copy(METRO, root / "places" / "bucharest-metro.csv")
    write(root, "schedules/shop.yml", group_file(meta, vk, group_extra))
    write(root, "audiences/shop/unirii-women.yml", UNIRII)
    write(root, POST, promoted_post(platforms, budget))
    commit_all(root)
    return root


def commit_all(root: Path, message: str = "content") -> None:
    git(root, "add", "-A", ".")
    commit(root, message)


def mark_published(root: Path, account: str, platform: str, remote_id: str, url: str) -> None:
    """What `sync` records once the post is out on `account`."""
    store, ledger = open_ledger(root, None, str)
    try:
        record = Record(
            POST_ID,
            account,
            platform,
            "published",
            key="k" * 32,
            remote_id=remote_id,
            url=url,
            published_at=now_utc(),
        )
        ledger.transact(lambda records: [record], f"published: {POST_ID} on {account}")
    finally:
        store.close()


def publish_both(root: Path) -> None:
    mark_published(root, "facebook", "facebook", f"{PAGE}_{FB_POST}", "https://fb.test/p/1")
    mark_published(root, "vk", "vk", "1042", VK_WALL)


def env(meta: MetaAds | None = None, vk: VkAds | None = None, **extra: str) -> dict[str, str]:
    tokens = {"SHOP_META_ADS": META_TOKEN}
    if vk is not None:
        tokens["SHOP_VK_ADS"] = vk.token
    return base_env(**tokens, SMMFLOW_APPROVALS="branch", **extra)


def push_env(meta: MetaAds | None, vk: VkAds | None, **extra: str) -> dict[str, str]:
    return env(meta, vk, SMMFLOW_RETRIES="1", SMMFLOW_TIMEOUT="10", **extra)


def start_push(root: Path, environ: dict[str, str]) -> subprocess.Popen:
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "smmflow", "ads", "push", "--now", NOW, "--format", "json"],
        cwd=root,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def today() -> dt.date:
    return dt.date(2026, 12, 10)
