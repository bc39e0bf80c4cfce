"""`smmflow doctor` checks the ad accounts of a group file: the token set and valid, the ad
account readable in the group's currency, Meta's ads_management and VK Ads' read right —
against the loopback Meta Marketing API and VK Ads (tests/servers/meta_ads.py, vk_ads.py)."""

from __future__ import annotations

import pytest
from adshelp import ACT, META_TOKEN, VK_CLIENT, VK_USER, env, make_repo, meta_server, vk_server
from repohelp import cli

from smmflow.ads.doctor import for_repo
from smmflow.content.repo import load


@pytest.fixture
def meta(serve):
    return serve(meta_server())


@pytest.fixture
def vk(serve):
    server = serve(vk_server())
    server.token = server.grant(VK_CLIENT)
    return server


@pytest.fixture
def root(tmp_path, meta, vk):
    return make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")


def lines(root, environ) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for line in for_repo(load(root), None, {**environ, "SMMFLOW_RETRIES": "1"}):
        assert line.group == "shop"
        found.setdefault(line.account, []).append((line.level, line.message))
    return found


def errors(found: list[tuple[str, str]]) -> list[str]:
    return [message for level, message in found if level == "error"]


def test_ready_ad_accounts_say_what_was_checked(root, meta, vk):
    found = lines(root, env(meta, vk))
    assert errors(found["meta_ads"]) == [] and errors(found["vk_ads"]) == []
    assert ("ok", "ads_management granted") in found["meta_ads"]
    assert ("ok", f"ad account act_{ACT} spends EUR") in found["meta_ads"]
    assert ("ok", "the token is valid and reads the cabinet (read_ads)") in found["vk_ads"]
    assert any("spends RUB" in m for _, m in found["vk_ads"])


def test_a_missing_token_is_named(root, meta, vk):
    environ = env(meta, vk)
    del environ["SHOP_META_ADS"]
    found = lines(root, environ)
    assert errors(found["meta_ads"]) == [
        "meta_ads: environment variable SHOP_META_ADS is not set (token_env)"
    ]
    assert errors(found["vk_ads"]) == []


def test_meta_without_ads_management_and_an_expired_token(root, meta, vk):
    meta.revoke(META_TOKEN, "ads_management")
    [error] = errors(lines(root, env(meta, vk))["meta_ads"])
    assert "lacks ads_management" in error and "granted: ads_read" in error
    meta.expire(META_TOKEN)
    [error] = errors(lines(root, env(meta, vk))["meta_ads"])
    assert "expired" in error.lower() or "190" in error, error
    assert META_TOKEN not in error


def test_meta_account_in_another_currency_or_disabled(root, meta, vk):
    meta.accounts[ACT]["currency"] = "USD"
    meta.accounts[ACT]["account_status"] = 2
    found = errors(lines(root, env(meta, vk))["meta_ads"])
    assert f"ad account act_{ACT} spends USD, but the group file says EUR" in found
    assert f"ad account act_{ACT} is disabled (account_status 2)" in found


def test_vk_token_without_read_right_wrong_cabinet_and_revoked(root, meta, vk):
    scoped = vk.grant(VK_CLIENT, scopes=("stats",))
    [error] = errors(lines(root, {**env(meta, vk), "SHOP_VK_ADS": scoped})["vk_ads"])
    assert "read_ads" in error and "403" in error
    vk.users[VK_USER]["id"] = 1
    [error] = errors(lines(root, env(meta, vk))["vk_ads"])
    assert "belongs to cabinet 1" in error
    vk.revoke(vk.token)
    [error] = errors(lines(root, env(meta, vk))["vk_ads"])
    assert "401" in error and vk.token not in error


def test_the_doctor_command_shows_the_ad_accounts_and_fails_on_their_errors(root, meta, vk):
    meta.revoke(META_TOKEN, "ads_management")
    environ = env(meta, vk, SHOP_FB_TOKEN="fb-token-unused", SHOP_VK_TOKEN="vk-token-unused")
    done = cli(root, "doctor", "--group", "shop", "--format", "json", env=environ)
    assert done.code == 1
    ads = [row for row in done.json if row["account"] in ("meta_ads", "vk_ads")]
    assert {row["account"] for row in ads} == {"meta_ads", "vk_ads"}
    assert any(row["level"] == "error" and "ads_management" in row["message"] for row in ads)
