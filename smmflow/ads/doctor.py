"""`smmflow doctor` for the ad accounts of a group file (`meta_ads`, `vk_ads`): the token
set and valid, the ad account readable and spending the group's currency, and the rights
`ads push` needs (Meta: `ads_management`; VK Ads: `read_ads` asked, `create_ads` said) —
with harmless read calls only."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..check import ads as adcheck
from ..check.ads import Ads
from ..content.adsettings import AdAccount
from ..content.repo import Repo
from ..platforms.base import Finding
from ..platforms.http import Http, Policy, PublishError
from ..platforms.secrets import MissingSecret, secret
from ..publish.doctor import Line
from .meta import MetaAds
from .session import redactor
from .vk import VkAds

NAMES = {"meta": "meta_ads", "vk": "vk_ads"}
# Meta's `account_status`: 1 active; these cannot spend (2 disabled, 3 unsettled,
# 100 pending closure, 101 closed); the rest (7 risk review, 9 grace period) warn.
CANNOT_SPEND = {2: "disabled", 3: "unsettled", 100: "pending closure", 101: "closed"}


def for_repo(repo: Repo, group: str | None, environ: Mapping[str, str] | None = None) -> list[Line]:
    """The ad accounts' lines of `doctor` for a loaded repository (none without `meta_ads`
    or `vk_ads` in a group file)."""
    environ = dict(os.environ if environ is None else environ)
    ads = adcheck.load(repo)
    if not any(settings.accounts for settings in ads.settings.values()):
        return []
    redact = redactor(repo, ads, environ)
    http = Http(redact, Policy(attempts=2, backoff=0.5, max_wait=10, read_timeout=15))
    return diagnose(ads, group, environ, http)


def diagnose(ads: Ads, group: str | None, environ: Mapping[str, str], http: Http) -> list[Line]:
    """Each chosen group's ad accounts, as doctor lines (`<group>/meta_ads`)."""
    lines: list[Line] = []
    for gid in sorted(ads.settings):
        if group and gid != group:
            continue
        for platform, account in sorted(ads.settings[gid].accounts.items()):
            name = NAMES.get(platform, platform)
            try:
                token = secret(account.get("token_env"), "token_env", name, environ)
                found = (meta if platform == "meta" else vk)(http, account, token)
            except MissingSecret as exc:
                found = [Finding("error", str(exc))]
            except PublishError as exc:
                found = [Finding("error", exc.message)]
            for finding in found:
                lines.append(Line(gid, name, name, finding.level, http.redact(finding.message)))
    return lines


def meta(http: Http, account: AdAccount, token: str) -> list[Finding]:
    client = MetaAds(http, account.get("account"), token, account.get("api"))
    granted = {
        str(row.get("permission"))
        for row in client.graph.get("me/permissions").get("data") or []
        if isinstance(row, dict) and row.get("status") == "granted"
    }
    found = [Finding("ok", "the token is valid")]
    if "ads_management" not in granted:
        found.append(
            Finding(
                "error",
                "the token lacks ads_management: `ads push` cannot create campaigns "
                f"(granted: {', '.join(sorted(granted)) or 'nothing'})",
            )
        )
    else:
        found.append(Finding("ok", "ads_management granted"))
    info = client.info()
    found.append(Finding("ok", f"ad account {client.act} ({info.get('name') or '?'}) readable"))
    found += _currency(str(info.get("currency") or ""), account, f"ad account {client.act}")
    status = info.get("account_status")
    if isinstance(status, int) and status != 1:
        level = "error" if status in CANNOT_SPEND else "warning"
        said = CANNOT_SPEND.get(status, "not active")
        found.append(Finding(level, f"ad account {client.act} is {said} (account_status {status})"))
    return found


def vk(http: Http, account: AdAccount, token: str) -> list[Finding]:
    client = VkAds(http, token, account.get("api"))
    user = client.user()  # a token without read_ads is refused here (403)
    cabinet = account.get("cabinet")
    held = user.get("account") if isinstance(user.get("account"), dict) else {}
    found = [Finding("ok", "the token is valid and reads the cabinet (read_ads)")]
    if cabinet not in (str(user.get("id")), str(held.get("id"))):
        found.append(
            Finding(
                "error",
                f"the token belongs to cabinet {user.get('id')}, not {cabinet} "
                "(`vk_ads.cabinet`): `ads push` creates nothing",
            )
        )
    currency = str(user.get("currency") or held.get("currency") or "")
    found += _currency(currency, account, f"cabinet {cabinet}")
    if str(user.get("status") or "active") != "active":
        found.append(Finding("error", f"cabinet {cabinet} is {user.get('status')}"))
    found.append(
        Finding(
            "ok",
            "VK Ads says a token's rights only when it is issued: a scoped token needs "
            "create_ads as well (docs/ads.md)",
        )
    )
    return found


def _currency(found: str, account: AdAccount, what: str) -> list[Finding]:
    wanted = account.get("currency")
    if found and wanted and found != wanted:
        return [Finding("error", f"{what} spends {found}, but the group file says {wanted}")]
    return [Finding("ok", f"{what} spends {found or wanted}")]
