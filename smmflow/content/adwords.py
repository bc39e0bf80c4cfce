"""An audience and a promotion in words a client reads (the pull-request preview, `ads
plan`): every client-facing ads phrase lives here, in one place, said through
`text.i18n.Words` in the group's `language:` (English when none is given, as `ads plan`
on the command line speaks)."""

from __future__ import annotations

from ..text.i18n import Words, words
from .adsettings import AdsSettings, Money
from .audience import Area, Audience
from .countries import NAMES
from .promote import Promotion


def _english(w: Words | None) -> Words:
    return w if w is not None else words("en")


def platform_title(w: Words, platform: str) -> str:
    return {"meta": w.gettext("Meta (Facebook, Instagram)"), "vk": "VK"}.get(platform, platform)


def _sex(w: Words, sex: str) -> str:
    return {
        "female": w.gettext("women"),
        "male": w.gettext("men"),
    }.get(sex, w.gettext("people"))


def _kind(w: Words, kind: str) -> str:
    if kind == "metro_station":
        return w.gettext("metro station")
    return "" if kind == "place" else kind.replace("_", " ")


def _objective(w: Words, objective: str) -> str:
    if objective == "awareness":
        return w.gettext("reach")
    return w.gettext("engagement with the post")


def _join(w: Words, items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return w.gettext("{some} or {last}").format(some=", ".join(items[:-1]), last=items[-1])


def _money(w: Words, amount: Money | None) -> str:
    """`80.00 EUR` in English (as the group file writes it), `80,00 EUR` in Romanian."""
    if amount is None:
        return ""
    if w.lang == "en":
        return str(amount)
    return f"{w.number(amount.amount, 2)} {amount.currency}"


def _country(w: Words, code: str) -> str:
    if w.lang == "en":
        return NAMES.get(code, code)
    from babel import Locale

    return Locale.parse(w.locale).territories.get(code) or NAMES.get(code, code)


def _distance(area: Area) -> str:
    radius = area.radius
    if radius is None:
        return ""
    return f"{radius.value:g} {radius.unit}"


def _place(w: Words, area: Area) -> str:
    kind = area.place.kind if area.place else "place"
    what = _kind(w, kind)
    name = area.place.name if area.place else area.name
    return f"{name} ({what})" if what else name


def where(audience: Audience, w: Words | None = None) -> str:
    """Where the audience is, narrowest first: `within 2 km of Piața Unirii (metro
    station), Romania`."""
    w = _english(w)
    named = [_country(w, a.name) for a in audience.countries]
    countries = _join(w, named) if named else ""
    if audience.places:
        spots = [
            w.gettext("within {distance} of {place}").format(
                distance=_distance(a), place=_place(w, a)
            )
            for a in audience.places
        ]
        return f"{_join(w, spots)}, {countries}" if countries else _join(w, spots)
    areas = [
        a.name + (f" (+{_distance(a)})" if a.radius else "")
        for a in (*audience.regions, *audience.cities)
    ]
    if areas:
        inside = w.gettext("in {areas}").format(areas=_join(w, areas))
        return f"{inside}, {countries}" if countries else inside
    return w.gettext("in {areas}").format(areas=countries) if countries else w.gettext("anywhere")


def who(audience: Audience, w: Words | None = None) -> str:
    """`women aged 25–40, within 2 km of Piața Unirii (metro station), Romania,
    interested in Coffee, speaking Romanian`."""
    w = _english(w)
    people = _sex(w, audience.sex)
    if audience.age_min is not None and audience.age_max is None:
        people = w.gettext("{people} aged {low} and older").format(
            people=people, low=audience.age_min
        )
    elif audience.age_min is not None:
        people = w.gettext("{people} aged {low}–{high}").format(
            people=people, low=audience.age_min, high=audience.age_max
        )
    parts = [people, where(audience, w)]
    if audience.interests:
        names = _join(w, [a.name for a in audience.interests])
        parts.append(w.gettext("interested in {names}").format(names=names))
    if audience.languages:
        names = _join(w, [a.name for a in audience.languages])
        parts.append(w.gettext("speaking {names}").format(names=names))
    return ", ".join(parts)


def budget(promotion: Promotion, platform: str, w: Words | None = None) -> str:
    """`10.00 EUR a day on 8 days, at most 80.00 EUR` or `70.00 EUR in all`."""
    w = _english(w)
    amount = promotion.budgets.get(platform)
    if amount is None:
        return w.gettext("no budget")
    if promotion.budget == "lifetime":
        return w.gettext("{amount} in all").format(amount=_money(w, amount))
    days = len(promotion.days())
    return w.ngettext(
        "{amount} a day on {n} day, at most {most}",
        "{amount} a day on {n} days, at most {most}",
        days,
    ).format(amount=_money(w, amount), n=days, most=_money(w, promotion.most(platform)))


def state(ads: AdsSettings, w: Words | None = None) -> str:
    w = _english(w)
    if ads.activate:
        return w.gettext("start at once (the group has ads_activate: true)")
    return w.gettext("created paused: someone must start them in the ads manager")


def promotion_lines(
    promotion: Promotion, audience: Audience | None, ads: AdsSettings, w: Words | None = None
) -> list[str]:
    """The lines the preview shows next to a promoted post (plain text: escape it)."""
    w = _english(w)
    shape = "EEE dd MMM yyyy HH:mm"
    span = f"{w.pattern(promotion.start, shape)} → {w.pattern(promotion.end, shape)}"
    said = w.gettext("Promotion: {span}, for {objective}; ads {state}").format(
        span=span, objective=_objective(w, promotion.objective), state=state(ads, w)
    )
    if audience is not None:
        seen = w.gettext("Audience {name}: {who}").format(name=audience.name, who=who(audience, w))
    else:
        seen = w.gettext("Audience {name}: (not found)").format(name=promotion.audience)
    lines = [said, seen]
    for platform in promotion.platforms:
        lines.append(
            w.gettext("Budget on {platform}: {budget}").format(
                platform=platform_title(w, platform), budget=budget(promotion, platform, w)
            )
        )
    return lines
