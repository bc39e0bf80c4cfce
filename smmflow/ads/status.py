"""`smmflow ads status`: each promotion as the ledger records it, and — asked of the
platforms' insights endpoints with the ad accounts' tokens — whether it is paused or
delivering, what it spent and what it got (Meta: spend, impressions, reach, clicks,
actions; VK: spent, shows, clicks, goals)."""

from __future__ import annotations

import os
from pathlib import Path

from ..check.ads import Ads, record_account
from ..content.promote import Promotion
from ..errors import UsageError
from ..ledger.branch import open_ledger
from ..ledger.committed import publish_branch
from ..ledger.records import Record
from ..ledger.renames import carried
from ..platforms.http import Http, PublishError
from ..platforms.secrets import MissingSecret, secret
from .meta import MetaAds
from .push import decode
from .session import load, redactor, selected
from .vk import VkAds


def _meta(http: Http, ads: Ads, promotion: Promotion, ids: dict, environ: dict) -> dict:
    account = ads.settings[promotion.post.group].accounts["meta"]
    token = secret(account.get("token_env"), "token_env", "meta_ads", environ)
    client = MetaAds(http, account.get("account"), token, account.get("api"))
    node = client.node(ids["campaign"], "status,effective_status")
    seen = client.insights(ids["campaign"])
    actions = {
        a.get("action_type"): a.get("value")
        for a in seen.get("actions") or []
        if isinstance(a, dict)
    }
    return {
        "status": node.get("effective_status") or node.get("status"),
        "spend": f"{seen.get('spend', '0')} {account.get('currency')}",
        "impressions": seen.get("impressions", "0"),
        "reach": seen.get("reach", "0"),
        "clicks": seen.get("clicks", "0"),
        "results": actions,
    }


def _vk(http: Http, ads: Ads, promotion: Promotion, ids: dict, environ: dict) -> dict:
    account = ads.settings[promotion.post.group].accounts["vk"]
    token = secret(account.get("token_env"), "token_env", "vk_ads", environ)
    client = VkAds(http, token, account.get("api"))
    plan = int(ids["plan"])
    node = client.get(f"/api/v2/ad_plans/{plan}.json", fields="id,status")
    seen = client.summary(plan)
    return {
        "status": node.get("status"),
        "spend": f"{seen.get('spent', '0')} {account.get('currency')}",
        "impressions": str(seen.get("shows", 0)),
        "clicks": str(seen.get("clicks", 0)),
        "results": {"goals": seen.get("goals", 0)},
    }


def _row(promotion: Promotion, platform: str, record: Record | None) -> dict:
    return {
        "post": promotion.post.id,
        "platform": platform,
        "state": record.state if record else "not pushed",
        "ids": decode(record.remote_id) if record else {},
        "url": record.url if record else "",
        "error": record.error if record else "",
    }


def rows(root: Path, group: str | None, offline: bool, remote: str | None) -> list[dict]:
    environ = dict(os.environ)
    repo, ads = load(root, group)
    redact = redactor(repo, ads, environ)
    store, ledger = open_ledger(root, remote, redact, shared=True)
    try:  # a renamed post's promotions, shown under its name (sync or push writes them)
        moved = carried(repo.posts, ledger.records, store, publish_branch(store, None))
        ledger.records.update({(c.post.id, c.account): c.adopted() for c in moved})
    except UsageError:  # nothing committed yet: nothing was renamed
        pass
    finally:
        store.close()
    http = Http(redact)
    found = []
    for promotion in selected(ads, group):
        for platform in promotion.platforms:
            record = ledger.get(promotion.post.id, record_account(platform))
            row = _row(promotion, platform, record)
            ask = {"meta": _meta, "vk": _vk}[platform]
            key = "campaign" if platform == "meta" else "plan"
            if not offline and key in row["ids"]:
                try:
                    row["delivery"] = ask(http, ads, promotion, row["ids"], environ)
                except (PublishError, MissingSecret) as exc:
                    row["error"] = redact(getattr(exc, "message", str(exc)))
            found.append(row)
    return found


def text(found: list[dict]) -> str:
    if not found:
        return "no promotions"
    lines = []
    for row in found:
        lines.append(
            f"{row['state']:<10} {row['post']} → {row['platform']}"
            + (f"  {row['url']}" if row["url"] else "")
        )
        seen = row.get("delivery")
        if seen:
            results = ", ".join(f"{k} {v}" for k, v in seen["results"].items()) or "none yet"
            lines.append(
                f"           {seen['status']}: spent {seen['spend']}, {seen['impressions']} impressions, "
                f"{seen['clicks']} clicks; results: {results}"
            )
        if row["error"]:
            lines.append(f"           {row['error']}")
    return "\n".join(lines)
