"""Each ad platform's documented rules for an audience and a promotion, as data, and the
one place that applies them (`check` reports them; `ads push` refuses what breaks them).

Meta (Marketing API, basic targeting and special ad categories): ages 13 to 65 (65 means
65 and older), 18 and older wherever the audience reaches the EU, the EEA or Switzerland;
a point's radius 1–80 km or 0.63–50 mi, at most 200 points; a city's radius 17–80 km or
10–50 mi, at most 250 cities, 200 regions; housing, employment and financial products
ads (special ad categories) take no age or sex targeting and no radius under 15 km (25 km
in the US and Canada); a daily budget needs a run longer than 24 hours.
VK Ads (ads.vk.com): ages 12 to 75, a point's radius 500–10,000 m, no language
targeting, a city is a region (no radius), engagement with a VK post only.
"""

from __future__ import annotations

import datetime as dt

from ..content.audience import Area, Audience
from ..content.countries import NO_MINORS, NORTH_AMERICA
from ..content.promote import Promotion
from ..errors import Problem, Severity

TITLES = {"meta": "Meta", "vk": "VK"}
META_AGES = (13, 65)
META_POINT = {"km": (1.0, 80.0), "mi": (0.63, 50.0)}
META_CITY = {"km": (17.0, 80.0), "mi": (10.0, 50.0)}
META_COUNTS = {"places": 200, "cities": 250, "regions": 200, "interests": 1000, "languages": 90}
META_SPECIAL_RADIUS_KM = (15.0, 25.0)  # elsewhere, the US and Canada
VK_AGES = (12, 75)
VK_POINT_M = (500, 10_000)
VK_OBJECTIVES = ("engagement",)
KIND_WORDS = {
    "regions": "region",
    "cities": "city",
    "interests": "interest",
    "languages": "language",
    "countries": "country",
}


def _error(
    audience: Audience, key: str, message: str, severity: Severity = Severity.ERROR
) -> Problem:
    return Problem(audience.path, audience.line(key), key, message, severity, code="ad-rule")


def _in_unit(area: Area) -> tuple[float, str]:
    """A radius in km or mi, as Meta takes it (metres become km)."""
    radius = area.radius
    assert radius is not None
    return (radius.value / 1000, "km") if radius.unit == "m" else (radius.value, radius.unit)


def _meta_geo(audience: Audience, special: str) -> list[Problem]:
    found = []
    for kind, bounds in (("places", META_POINT), ("cities", META_CITY)):
        for area in getattr(audience, kind):
            if area.radius is None:
                continue
            value, unit = _in_unit(area)
            low, high = bounds[unit]
            if not low <= value <= high:
                what = "a place's" if kind == "places" else "a city's"
                found.append(
                    _error(
                        audience,
                        area.key,
                        f"Meta takes {what} radius from {low:g} to {high:g} {unit}; {area.radius.text} is out of range",
                    )
                )
            least = META_SPECIAL_RADIUS_KM[
                bool({a.name for a in audience.countries} & NORTH_AMERICA)
            ]
            if special != "none" and area.radius.meters / 1000 < least:
                found.append(
                    _error(
                        audience,
                        area.key,
                        f"Meta: {special} ads (a special ad category) need a radius of at least {least:g} km; {area.radius.text} is too narrow",
                    )
                )
    for kind, most in META_COUNTS.items():
        items = getattr(audience, kind)
        if len(items) > most:
            found.append(
                _error(
                    audience,
                    kind,
                    f"Meta takes at most {most} {kind}; this audience has {len(items)}",
                )
            )
    return found


def _meta_people(audience: Audience, special: str) -> list[Problem]:
    found = []
    low, high = META_AGES
    if audience.age_min is not None and audience.age_min < low:
        found.append(
            _error(
                audience, "age", f"Meta's youngest age is {low}; {audience.age_min} is too young"
            )
        )
    elif (
        audience.age_min is not None
        and audience.age_min < 18
        and {a.name for a in audience.countries} & NO_MINORS
    ):
        found.append(
            _error(
                audience,
                "age",
                "Meta refuses ads to people under 18 in the EU, the EEA and Switzerland: start at 18",
            )
        )
    if audience.age_max is not None and audience.age_max > high:
        found.append(
            _error(
                audience,
                "age",
                f"Meta's oldest age is {high} (meaning {high} and older): write {audience.age_min}-{high} or {audience.age_min}+",
            )
        )
    if special != "none":
        if audience.age_min not in (None, 18) or audience.age_max is not None:
            found.append(
                _error(
                    audience,
                    "age",
                    f"Meta: {special} ads (a special ad category) reach ages 18–65+ only: remove `age` or write 18+",
                )
            )
        if audience.sex != "all":
            found.append(
                _error(
                    audience,
                    "sex",
                    f"Meta: {special} ads (a special ad category) cannot target by sex: remove `sex`",
                )
            )
    return found


def _ids(audience: Audience, platform: str, kinds: tuple[str, ...]) -> list[Problem]:
    found = []
    for kind in kinds:
        for area in getattr(audience, kind):
            if audience.id_of(platform, kind, area.name) is None:
                message = f"no {TITLES[platform]} id for {KIND_WORDS[kind]} {area.name!r}: run `smmflow ads resolve` (it writes the ids into this file)"
                found.append(_error(audience, area.key, message))
    return found


def meta_audience(audience: Audience, special: str = "none") -> list[Problem]:
    kinds = ("interests", "languages") + (() if audience.places else ("regions", "cities"))
    return (
        _meta_geo(audience, special)
        + _meta_people(audience, special)
        + _ids(audience, "meta", kinds)
    )


def vk_audience(audience: Audience) -> list[Problem]:
    found = []
    low, high = VK_AGES
    if audience.age_min is not None and audience.age_min < low:
        found.append(
            _error(
                audience, "age", f"VK Ads' youngest age is {low}; {audience.age_min} is too young"
            )
        )
    if audience.age_max is not None and audience.age_max > high:
        found.append(
            _error(audience, "age", f"VK Ads' oldest age is {high}; {audience.age_max} is too old")
        )
    for area in audience.places:
        meters = area.radius.meters if area.radius else 0
        if not VK_POINT_M[0] <= meters <= VK_POINT_M[1]:
            found.append(
                _error(
                    audience,
                    area.key,
                    f"VK Ads takes a place's radius from 500 m to 10 km; {area.radius.text if area.radius else '?'} is out of range",
                )
            )
    for area in audience.cities:
        if area.radius is not None:
            found.append(
                _error(
                    audience,
                    f"{area.key}.radius",
                    "VK Ads targets a city as a whole: this radius is not sent to VK",
                    Severity.WARNING,
                )
            )
    if audience.languages:
        found.append(
            _error(
                audience,
                "languages",
                "VK Ads has no language targeting: languages are not sent to VK",
                Severity.WARNING,
            )
        )
    geo = ("regions", "cities") if (audience.regions or audience.cities) else ("countries",)
    return found + _ids(audience, "vk", (("interests",) + (() if audience.places else geo)))


def audience_problems(audience: Audience, platform: str, special: str = "none") -> list[Problem]:
    """What `platform` refuses in `audience` (reported at the audience file's lines)."""
    return meta_audience(audience, special) if platform == "meta" else vk_audience(audience)


def promotion_problems(promotion: Promotion, platform: str) -> list[Problem]:
    """What `platform` refuses in the promotion itself (at the post's lines)."""
    path = promotion.post.path
    found: list[Problem] = []
    if not promotion.whole:
        return found  # its own errors first: its dates or budget may be stand-ins
    if (
        platform == "meta"
        and promotion.budget == "daily"
        and promotion.end - promotion.start <= dt.timedelta(hours=24)
    ):
        key = "promote.end"
        found.append(
            Problem(
                path,
                promotion.line(key),
                key,
                "Meta: a daily budget needs a run longer than 24 hours; end it later or use lifetime_budget",
            )
        )
    if platform == "vk" and promotion.objective not in VK_OBJECTIVES:
        key = "promote.objective"
        found.append(
            Problem(
                path,
                promotion.line(key),
                key,
                f"VK Ads promotes a VK post for engagement only; {promotion.objective} is Meta's (write platforms: [meta])",
            )
        )
    if platform == "vk" and promotion.special != "none":
        key = "promote.special_ad_category"
        found.append(
            Problem(
                path,
                promotion.line(key),
                key,
                "special_ad_category is Meta's: VK has none (write platforms: [meta])",
            )
        )
    return found
