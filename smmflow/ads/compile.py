"""Pure: an audience and a promotion compiled into what each ad platform is sent — the
Meta Marketing API's `targeting` spec and objects, VK Ads' `targetings` and ad plan.

Geography is the narrowest the audience gives: its places (a point with a radius: Meta's
`custom_locations`, VK's `local_geo`), else its regions and cities (each platform's ids,
from `ids:`), else its countries. Meta refuses a country together with a place inside it,
and VK takes either regions or points, never both. Budgets are Meta's integers in the
currency's minor units and VK's decimal amounts. Every object is created paused unless
the group says `ads_activate: true`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ..content.adsettings import AdsSettings, Money
from ..content.audience import Area, Audience
from ..content.promote import Promotion

# Currencies whose Marketing API amounts are whole units (offset 1); the rest use cents.
OFFSET_ONE = frozenset("CLP COP CRC HUF ISK IDR JPY KRW PYG TWD VND".split())
META_UNITS = {"km": "kilometer", "mi": "mile"}
META_OBJECTIVES = {  # smmflow's word -> (objective, optimization goal, destination type)
    "engagement": ("OUTCOME_ENGAGEMENT", "POST_ENGAGEMENT", "ON_POST"),
    "awareness": ("OUTCOME_AWARENESS", "REACH", ""),
}
VK_PACKAGE = 3194  # "Increase engagement": a VK post as the banner's `vk_post` link
VK_OBJECTIVE = "socialengagement"
VK_OLDEST = 75
MOSCOW = ZoneInfo("Europe/Moscow")  # VK Ads reads dates in Moscow time


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 4)


def _meta_radius(area: Area) -> dict:
    radius = area.radius
    assert radius is not None
    value, unit = (radius.value / 1000, "km") if radius.unit == "m" else (radius.value, radius.unit)
    return {"radius": _number(value), "distance_unit": META_UNITS[unit]}


def _ids(audience: Audience, platform: str, kind: str) -> list[str]:
    return [audience.id_of(platform, kind, a.name) or "" for a in getattr(audience, kind)]


def meta_geo(audience: Audience) -> dict:
    if audience.places:
        points = [
            {
                "latitude": a.place.latitude,
                "longitude": a.place.longitude,
                **_meta_radius(a),
                "name": a.place.name,
            }
            for a in audience.places
            if a.place is not None
        ]
        return {"custom_locations": points, "location_types": ["home", "recent"]}
    geo: dict = {}
    if audience.regions:
        geo["regions"] = [{"key": key} for key in _ids(audience, "meta", "regions")]
    if audience.cities:
        geo["cities"] = [
            {"key": key, **(_meta_radius(a) if a.radius else {})}
            for a, key in zip(audience.cities, _ids(audience, "meta", "cities"), strict=True)
        ]
    if not geo:
        geo["countries"] = [a.name for a in audience.countries]
    return {**geo, "location_types": ["home", "recent"]}


def meta_targeting(audience: Audience) -> dict:
    """The ad set's `targeting`: geography, ages (65 means 65 and older), sex, interests
    (one flexible_spec entry: any of them), languages, and Advantage audience off so that
    the ages stay exact."""
    spec: dict = {"geo_locations": meta_geo(audience)}
    if audience.age_min is not None:
        spec["age_min"] = audience.age_min
    if audience.age_max is not None:
        spec["age_max"] = audience.age_max
    if audience.sex != "all":
        spec["genders"] = [2] if audience.sex == "female" else [1]
    if audience.interests:
        spec["flexible_spec"] = [
            {
                "interests": [
                    {"id": key, "name": a.name}
                    for a, key in zip(
                        audience.interests, _ids(audience, "meta", "interests"), strict=True
                    )
                ]
            }
        ]
    if audience.languages:
        spec["locales"] = [int(key or 0) for key in _ids(audience, "meta", "languages")]
    spec["targeting_automation"] = {"advantage_audience": 0}
    return spec


def vk_targetings(audience: Audience) -> dict:
    """The ad group's `targetings`: sex, the list of ages, geography (points or region
    ids), interests. VK has no language targeting."""
    found: dict = {}
    if audience.sex != "all":
        found["sex"] = [audience.sex]
    if audience.age_min is not None or audience.age_max is not None:
        low = audience.age_min if audience.age_min is not None else 12
        high = audience.age_max if audience.age_max is not None else VK_OLDEST
        found["age"] = {"age_list": list(range(low, high + 1))}
    if audience.places:
        points = [
            {
                "lat": a.place.latitude,
                "lng": a.place.longitude,
                "radius": int(round(a.radius.meters)),
                "label": a.place.name,
            }
            for a in audience.places
            if a.place is not None and a.radius is not None
        ]
        local = {"visit_type": "usual", "loc_type": ["home", "work"], "locations": points}
        found["geo"] = {"local_geo": local}
    else:
        kinds = ("regions", "cities") if (audience.regions or audience.cities) else ("countries",)
        found["geo"] = {
            "regions": [int(k) for kind in kinds for k in _ids(audience, "vk", kind) if k]
        }
    if audience.interests:
        found["interests"] = [int(k) for k in _ids(audience, "vk", "interests") if k]
    return found


def meta_amount(money: Money) -> int:
    """A budget as the Marketing API takes it: an integer in the currency's minor units."""
    scale = 1 if money.currency in OFFSET_ONE else 100
    return int(money.amount * scale)


def status(ads: AdsSettings, platform: str) -> str:
    active = ads.activate
    if platform == "meta":
        return "ACTIVE" if active else "PAUSED"
    return "active" if active else "blocked"


def meta_campaign(promotion: Promotion, audience: Audience, ads: AdsSettings, name: str) -> dict:
    objective = META_OBJECTIVES[promotion.objective][0]
    data: dict = {
        "name": name,
        "objective": objective,
        "status": status(ads, "meta"),
        "special_ad_categories": [] if promotion.special == "none" else [promotion.special.upper()],
        "buying_type": "AUCTION",
        "is_adset_budget_sharing_enabled": "false",
    }
    if promotion.special != "none":
        data["special_ad_category_country"] = [a.name for a in audience.countries]
    return data


def _stamp(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def meta_adset(
    promotion: Promotion, audience: Audience, ads: AdsSettings, name: str, campaign: str
) -> dict:
    _, goal, destination = META_OBJECTIVES[promotion.objective]
    data: dict = {
        "name": name,
        "campaign_id": campaign,
        "status": status(ads, "meta"),
        "billing_event": "IMPRESSIONS",
        "optimization_goal": goal,
        "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
        f"{promotion.budget}_budget": str(meta_amount(promotion.budgets["meta"])),
        "start_time": _stamp(promotion.start),
        "end_time": _stamp(promotion.end),
        "targeting": meta_targeting(audience),
    }
    if destination:
        data["destination_type"] = destination
    account = ads.accounts.get("meta")
    for key in ("dsa_payor", "dsa_beneficiary"):
        if account is not None and account.get(key):
            data[key] = account.get(key)
    return data


def meta_ad(ads: AdsSettings, name: str, adset: str, creative: str) -> dict:
    return {
        "name": name,
        "adset_id": adset,
        "creative": {"creative_id": creative},
        "status": status(ads, "meta"),
    }


def _vk_day(when: dt.datetime) -> str:
    return when.astimezone(MOSCOW).date().isoformat()


def vk_plan(
    promotion: Promotion, audience: Audience, ads: AdsSettings, name: str, url_id: int
) -> dict:
    """The ad plan with its ad group and banner, created in one request."""
    amount = f"{promotion.budgets['vk'].amount:.2f}"
    last = promotion.end - dt.timedelta(microseconds=1)
    dates = {"date_start": _vk_day(promotion.start), "date_end": _vk_day(last)}
    group = {
        "name": name,
        "status": status(ads, "vk"),
        "package_id": VK_PACKAGE,
        "objective": VK_OBJECTIVE,
        ("budget_limit_day" if promotion.budget == "daily" else "budget_limit"): amount,
        **dates,
        "targetings": vk_targetings(audience),
        "banners": [vk_banner(ads, name, url_id)],
    }
    return {
        "name": name,
        "status": status(ads, "vk"),
        "objective": VK_OBJECTIVE,
        **dates,
        "ad_groups": [group],
    }


def vk_banner(ads: AdsSettings, name: str, url_id: int) -> dict:
    return {"name": name, "status": status(ads, "vk"), "urls": {"vk_post": {"id": url_id}}}
