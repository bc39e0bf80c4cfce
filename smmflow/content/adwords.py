"""An audience and a promotion in words a client reads (the pull-request preview, `ads
plan`): every client-facing ads phrase lives here, in one place, to be translated."""

from __future__ import annotations

from .adsettings import AdsSettings
from .audience import Area, Audience
from .countries import NAMES
from .promote import Promotion

PLATFORM_TITLES = {"meta": "Meta (Facebook, Instagram)", "vk": "VK"}
SEX_WORDS = {"female": "women", "male": "men", "all": "people"}
KIND_WORDS = {"metro_station": "metro station", "place": ""}
OBJECTIVE_WORDS = {"engagement": "engagement with the post", "awareness": "reach"}


def _join(items: list[str], word: str = "or") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _distance(area: Area) -> str:
    radius = area.radius
    if radius is None:
        return ""
    value = f"{radius.value:g}"
    return f"{value} {radius.unit}"


def _place(area: Area) -> str:
    kind = area.place.kind if area.place else "place"
    what = KIND_WORDS.get(kind, kind.replace("_", " "))
    name = area.place.name if area.place else area.name
    return f"{name} ({what})" if what else name


def where(audience: Audience) -> str:
    """Where the audience is, narrowest first: `within 2 km of Piața Unirii (metro
    station), Romania`."""
    countries = _join([NAMES.get(a.name, a.name) for a in audience.countries], "or")
    if audience.places:
        spots = [f"within {_distance(a)} of {_place(a)}" for a in audience.places]
        return f"{_join(spots)}, {countries}" if countries else _join(spots)
    areas = [
        a.name + (f" (+{_distance(a)})" if a.radius else "")
        for a in (*audience.regions, *audience.cities)
    ]
    if areas:
        return f"in {_join(areas)}, {countries}" if countries else f"in {_join(areas)}"
    return f"in {countries}" if countries else "anywhere"


def who(audience: Audience) -> str:
    """`women aged 25–40, within 2 km of Piața Unirii (metro station), Romania,
    interested in Coffee, speaking Romanian`."""
    people = SEX_WORDS[audience.sex]
    if audience.age_min is not None and audience.age_max is None:
        people += f" aged {audience.age_min} and older"
    elif audience.age_min is not None:
        people += f" aged {audience.age_min}–{audience.age_max}"
    parts = [people, where(audience)]
    if audience.interests:
        parts.append("interested in " + _join([a.name for a in audience.interests]))
    if audience.languages:
        parts.append("speaking " + _join([a.name for a in audience.languages]))
    return ", ".join(parts)


def budget(promotion: Promotion, platform: str) -> str:
    """`10.00 EUR a day, at most 80.00 EUR` or `70.00 EUR in all`."""
    amount = promotion.budgets.get(platform)
    if amount is None:
        return "no budget"
    if promotion.budget == "lifetime":
        return f"{amount} in all"
    days = len(promotion.days())
    return f"{amount} a day on {days} day{'s' * (days != 1)}, at most {promotion.most(platform)}"


def state(ads: AdsSettings) -> str:
    if ads.activate:
        return "start at once (the group has ads_activate: true)"
    return "created paused: someone must start them in the ads manager"


def promotion_lines(promotion: Promotion, audience: Audience | None, ads: AdsSettings) -> list[str]:
    """The lines the preview shows next to a promoted post (plain text: escape it)."""
    span = f"{promotion.start:%a %d %b %Y %H:%M} → {promotion.end:%a %d %b %Y %H:%M}"
    lines = [
        f"Promotion: {span}, for {OBJECTIVE_WORDS[promotion.objective]}; ads {state(ads)}",
        "Audience "
        + (
            f"{audience.name}: {who(audience)}"
            if audience
            else f"{promotion.audience}: (not found)"
        ),
    ]
    for platform in promotion.platforms:
        lines.append(f"Budget on {PLATFORM_TITLES[platform]}: {budget(promotion, platform)}")
    return lines
