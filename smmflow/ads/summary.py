"""The ads of a month for the client's report (`report.facts.EXTRAS`): the campaigns
that ran, what each spent and what it got.

A campaign is a promotion smmflow created (its ledger record `records/<post>/ads-meta.json`
or `ads-vk.json` says published) whose dates (`promote:` start–end) touch the month; one
created paused and never started counts too (the work was done; it spent nothing). Its
spend and results in the month are asked of the platform's insights — the same endpoints
`smmflow ads status` reads, limited to the month's days (Meta `time_range`, VK Ads
`statistics/ad_plans/day.json`) — with the ad account's token. Where that cannot be done
(no token on this machine, a refusal) the campaign is still listed and its numbers are
None: the report says they could not be read rather than guess them.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..content import repo as repo_module
from ..content.adsettings import AdsSettings, group_ads
from ..content.promote import Promotion, read_promotion
from ..ledger.branch import Ledger, open_ledger
from ..ledger.records import Record
from ..model import Group
from ..plan.month import month_bounds
from ..platforms.http import Http, PublishError
from ..platforms.secrets import MissingSecret, Redactor, secret
from ..text.headline import headline
from .meta import MetaAds
from .push import decode
from .vk import VkAds

ACCOUNTS = {"ads-meta": "meta", "ads-vk": "vk"}
_STATUS = {"PAUSED": "paused", "blocked": "paused", "ACTIVE": "active", "active": "active"}


def month_summary(
    root: Path,
    group: Group,
    year: int,
    month: int,
    *,
    ledger: Ledger | None = None,
    environ: dict[str, str] | None = None,
) -> dict | None:
    """{campaigns, rows: [{name, post, platform, status, spend, currency, results,
    impressions, clicks}], totals: [{amount, currency}], unread}; None when the group has
    no ad account. `ledger`: the report's, already opened (else the shared one here)."""
    settings = _settings(root, group)
    if settings is None or not settings.accounts:
        return None
    if ledger is None:
        store, ledger = open_ledger(root, None, str, shared=True)
        try:
            return month_summary(root, group, year, month, ledger=ledger, environ=environ)
        finally:
            store.close()
    start, end = month_bounds(group, year, month)
    records = [
        r
        for (post, account), r in sorted(ledger.records.items())
        if account in ACCOUNTS and post.startswith(f"{group.id}/") and r.state == "published"
    ]
    promotions = _promotions(root, group, settings, {r.post for r in records})
    environ = dict(os.environ if environ is None else environ)
    http = Http(_redactor(settings, environ))
    days = (f"{start:%Y-%m-%d}", f"{end - dt.timedelta(days=1):%Y-%m-%d}")
    rows = []
    for record in records:
        promotion = promotions.get(record.post)
        if promotion is None or not (promotion.start < end and promotion.end > start):
            continue
        rows.append(_row(http, settings, promotion, record, days, environ))
    totals: dict[str, Decimal] = {}
    for row in rows:
        if row["spend"] is not None:
            totals[row["currency"]] = totals.get(row["currency"], Decimal(0)) + row["spend"]
    return {
        "campaigns": len(rows),
        "rows": [{**r, "spend": None if r["spend"] is None else str(r["spend"])} for r in rows],
        "totals": [{"amount": str(v), "currency": c} for c, v in sorted(totals.items())],
        "unread": sum(1 for r in rows if r["spend"] is None),
    }


def _settings(root: Path, group: Group) -> AdsSettings | None:
    try:
        text = (root / group.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return group_ads(group, text)[0]


def _redactor(settings: AdsSettings, environ: dict[str, str]) -> Redactor:
    found = Redactor()
    for account in settings.accounts.values():
        found.add(environ.get(account.get("token_env")))
    return found


def _promotions(
    root: Path, group: Group, settings: AdsSettings, posts: set[str]
) -> dict[str, Promotion]:
    """post id -> its promotion, for the posts named (only their files are read)."""
    if not posts:
        return {}
    wanted = {f"content/{p}.md" for p in posts}
    folders = {w.rsplit("/", 1)[0] + "/" for w in wanted}

    def only(path: str) -> bool:
        if path.endswith("/"):
            return any(f.startswith(path) for f in folders)
        return path in wanted

    loaded = repo_module.load(root, only=only, use_cache=False)
    found = {}
    for post in loaded.posts_of(group.id):
        try:
            data = (root / post.path).read_bytes()
        except OSError:
            continue
        promotion, _problems = read_promotion(post, data, group, settings)
        if promotion is not None:
            found[post.id] = promotion
    return found


def _row(http: Http, settings: AdsSettings, promotion: Promotion, record: Record,
         days: tuple[str, str], environ: dict[str, str]) -> dict:  # fmt: skip
    platform = ACCOUNTS[record.account]
    account = settings.accounts.get(platform)
    row = {
        "name": headline(promotion.post),
        "post": promotion.post.id,
        "platform": platform,
        "status": "",
        "spend": None,
        "currency": account.get("currency") if account else "",
        "results": None,
        "impressions": None,
        "clicks": None,
    }
    ids = decode(record.remote_id)
    if account is None:
        return row
    try:
        token = secret(account.get("token_env"), "token_env", record.account, environ)
        if platform == "meta" and ids.get("campaign"):
            row |= _meta(MetaAds(http, account.get("account"), token, account.get("api")),
                         ids["campaign"], promotion, days)  # fmt: skip
        elif platform == "vk" and ids.get("plan", "").isdigit():
            row |= _vk(VkAds(http, token, account.get("api")), int(ids["plan"]), days)
    except (PublishError, MissingSecret):
        pass  # not readable here: the numbers stay None and the report says so
    return row


def _meta(client: MetaAds, campaign: str, promotion: Promotion, days: tuple[str, str]) -> dict:
    node = client.node(campaign, "status,effective_status")
    seen = client.insights(campaign, *days)
    actions = {
        a.get("action_type"): a.get("value")
        for a in seen.get("actions") or []
        if isinstance(a, dict)
    }
    result = (
        seen.get("reach") if promotion.objective == "awareness" else actions.get("post_engagement")
    )
    status = str(node.get("effective_status") or node.get("status") or "")
    return {
        "status": _STATUS.get(status, status.lower()),
        "spend": _decimal(seen.get("spend", "0")),
        "results": _count(result) or 0,
        "impressions": _count(seen.get("impressions")) or 0,
        "clicks": _count(seen.get("clicks")) or 0,
    }


def _vk(client: VkAds, plan: int, days: tuple[str, str]) -> dict:
    node = client.get(f"/api/v2/ad_plans/{plan}.json", fields="id,status")
    seen = client.between(plan, *days)
    status = str(node.get("status") or "")
    return {
        "status": _STATUS.get(status, status),
        "spend": _decimal(seen.get("spent", "0")),
        "results": _count(seen.get("goals")) or 0,
        "impressions": _count(seen.get("shows")) or 0,
        "clicks": _count(seen.get("clicks")) or 0,
    }


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _count(value: object) -> int | None:
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None
