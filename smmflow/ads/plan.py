"""`smmflow ads plan`: what `ads push` would create, offline — per promotion and platform
the audience in words, the compiled targeting and budget, what the ledger says of it;
per group and month the most its promotions may spend against its cap."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

from ..check.ads import Ads, record_account
from ..content import adwords
from ..content.promote import Promotion
from ..content.repo import Repo
from ..errors import UsageError
from ..ledger.committed import publish_branch
from ..ledger.gitstore import Store
from ..ledger.offline import offline_records
from ..ledger.records import Record
from ..ledger.renames import carried
from . import compile as spec


def _records(repo: Repo) -> dict[tuple[str, str], Record]:
    if not (repo.root / ".git").exists():
        return {}
    try:
        store = Store(repo.root)
    except Exception:  # not a usable repository: the plan needs no ledger
        return {}
    try:
        records = offline_records(store, set())
        try:  # a renamed post's promotions, shown under its name (push writes them there)
            moved = carried(repo.posts, records, store, publish_branch(store, None))
        except UsageError:  # nothing committed yet: nothing was renamed
            return records
        return {**records, **{(c.post.id, c.account): c.adopted() for c in moved}}
    finally:
        store.close()


def _runs_in(promotion: Promotion, month: str | None) -> bool:
    return month is None or any(f"{day:%Y-%m}" == month for day in promotion.days())


def _platform(ads: Ads, promotion: Promotion, platform: str, records: dict) -> dict:
    audience = ads.audience(promotion)
    record = records.get((promotion.post.id, record_account(platform)))
    row = {
        "platform": platform,
        "budget": adwords.budget(promotion, platform),
        "state": record.state if record else "not pushed",
        "url": record.url if record else "",
    }
    if audience is not None and platform in promotion.budgets:
        settings = ads.settings[promotion.post.group]
        if platform == "meta":
            row["campaign"] = spec.meta_campaign(promotion, audience, settings, "smm:…")
            row["adset"] = spec.meta_adset(promotion, audience, settings, "smm:…", "…")
        else:
            row["ad_plan"] = spec.vk_plan(promotion, audience, settings, "smm:…", 0)
    return row


def _promotion(ads: Ads, promotion: Promotion, records: dict) -> dict:
    audience = ads.audience(promotion)
    return {
        "post": promotion.post.id,
        "group": promotion.post.group,
        "start": promotion.start.isoformat(timespec="minutes"),
        "end": promotion.end.isoformat(timespec="minutes"),
        "objective": promotion.objective,
        "audience": promotion.audience,
        "who": adwords.who(audience) if audience else "(no such audience)",
        "platforms": [_platform(ads, promotion, p, records) for p in promotion.platforms],
    }


def _months(ads: Ads, promotions: list[Promotion]) -> dict:
    spent: dict = defaultdict(lambda: defaultdict(Decimal))
    for promotion in promotions:
        for platform in promotion.platforms:
            for month, amount in promotion.per_month(platform).items():
                spent[(promotion.post.group, month)][amount.currency] += amount.amount
    found: dict = defaultdict(dict)
    for (group, month), totals in sorted(spent.items()):
        caps = ads.settings[group].caps
        found[group][month] = {
            currency: {
                "most": f"{total:.2f}",
                "cap": f"{caps[currency].amount:.2f}" if currency in caps else None,
                "over": currency not in caps or total > caps[currency].amount,
            }
            for currency, total in sorted(totals.items())
        }
    return found


def build(repo: Repo, ads: Ads, group: str | None, month: str | None) -> dict:
    chosen = [
        p for p in ads.promotions if (group is None or p.post.group == group) and _runs_in(p, month)
    ]
    chosen.sort(key=lambda p: (p.post.group, p.start, p.post.path))
    records = _records(repo)
    months = _months(ads, chosen)
    groups = [
        {
            "group": gid,
            "name": repo.groups[gid].name,
            "caps": {c: f"{m.amount:.2f}" for c, m in ads.settings[gid].caps.items()},
            "activate": ads.settings[gid].activate,
            "months": months.get(gid, {}),
        }
        for gid in sorted({p.post.group for p in chosen})
    ]
    return {
        "month": month,
        "groups": groups,
        "promotions": [_promotion(ads, p, records) for p in chosen],
        "problems": [p.format() for p in ads.problems if p.severity.value == "error"],
    }


def text(shown: dict) -> str:
    lines = []
    for group in shown["groups"]:
        caps = ", ".join(f"{v} {c}" for c, v in group["caps"].items()) or "none"
        state = "created active" if group["activate"] else "created paused"
        lines.append(f"{group['name']} ({group['group']}): monthly caps {caps}; ads {state}")
        for month, totals in group["months"].items():
            for currency, row in totals.items():
                mark = "  OVER THE CAP" if row["over"] else ""
                lines.append(
                    f"  {month}: at most {row['most']} of {row['cap'] or 'no cap'} {currency}{mark}"
                )
        for promotion in shown["promotions"]:
            if promotion["group"] != group["group"]:
                continue
            lines.append(
                f"  {promotion['post']}: {promotion['start']} → {promotion['end']}, {promotion['objective']}"
            )
            lines.append(f"    audience {promotion['audience']}: {promotion['who']}")
            for row in promotion["platforms"]:
                lines.append(f"    {row['platform']}: {row['budget']} · {row['state']}")
                spec = row.get("adset", {}).get("targeting") or (row.get("ad_plan") or {}).get(
                    "ad_groups", [{}]
                )[0].get("targetings")
                if spec:
                    lines.append("      targeting " + json.dumps(spec, ensure_ascii=False))
    if not shown["promotions"]:
        lines.append("no promotions" + (f" in {shown['month']}" if shown["month"] else ""))
    lines += (
        ["", "problems (run `smmflow check`):", *shown["problems"]] if shown["problems"] else []
    )
    return "\n".join(lines)
