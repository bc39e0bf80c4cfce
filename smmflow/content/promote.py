"""A post's `promote:` block, read with the line of every key.

Only the form is decided here (money written `10 EUR`, dates, known words); whether a
promotion fits its audience, its ad accounts, its group's caps and each platform's rules
is `check.ads`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from ..errors import Problem
from ..model import Group, Post
from .adsettings import AD_PLATFORMS, AdsSettings, Money, money
from .fields import Fields, did_you_mean, one_of
from .timeparse import TimeError, parse_datetime
from .yamlread import YamlProblem, parse, split_front_matter

KEYS = (
    "audience",
    "daily_budget",
    "lifetime_budget",
    "start",
    "end",
    "objective",
    "platforms",
    "special_ad_category",
)
OBJECTIVES = ("engagement", "awareness")
CATEGORIES = ("none", "housing", "employment", "financial_products_services")


@dataclass(frozen=True)
class Promotion:
    post: Post
    audience: str
    budget: str  # daily | lifetime
    budgets: dict[str, Money]  # platform -> amount
    start: dt.datetime
    end: dt.datetime
    objective: str = "engagement"
    platforms: tuple[str, ...] = ()
    special: str = "none"
    lines: dict = field(default_factory=dict, compare=False)
    whole: bool = True  # False: some key of it has an error (its dates or budget may be stand-ins)

    def line(self, key: str) -> int:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return self.lines.get("promote", 1)

    @property
    def budget_key(self) -> str:
        return f"promote.{self.budget}_budget"

    def days(self) -> list[dt.date]:
        """The calendar days (the group's timezone) the promotion runs on, at least partly."""
        first, last = self.start.date(), (self.end - dt.timedelta(microseconds=1)).date()
        return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]

    def most(self, platform: str) -> Money | None:
        """The most it may spend on `platform`: a daily budget on every day it runs."""
        budget = self.budgets.get(platform)
        if budget is None or self.budget == "lifetime":
            return budget
        return Money(budget.amount * len(self.days()), budget.currency)

    def per_month(self, platform: str) -> dict[str, Money]:
        """YYYY-MM -> the most it may spend in that month on `platform`: a daily budget
        on each of its days there; a lifetime budget whole in every month it touches
        (the platform may spend all of it in any one of them)."""
        budget = self.budgets.get(platform)
        found: dict[str, Money] = {}
        for day in self.days() if budget else ():
            month = f"{day:%Y-%m}"
            if self.budget == "lifetime":
                found[month] = budget
            else:
                spent = found.get(month, Money(budget.amount * 0, budget.currency))
                found[month] = Money(spent.amount + budget.amount, budget.currency)
        return found


def _budgets(f: Fields, raw: dict, platforms: tuple[str, ...]) -> tuple[str, dict[str, Money]]:
    given = [k for k in ("daily_budget", "lifetime_budget") if raw.get(k) is not None]
    if len(given) != 1:
        what = "both" if given else "neither"
        f.error(
            "promote",
            f"has {what} of daily_budget and lifetime_budget: give exactly one",
            "budget",
            value=False,
        )
        return "daily", {}
    key = f"promote.{given[0]}"
    value = raw[given[0]]
    per = value if isinstance(value, dict) else {p: value for p in platforms}
    if isinstance(value, dict):
        f.unknown_keys(value, AD_PLATFORMS, key + ".")
    found = {}
    for platform, text in per.items():
        where = f"{key}.{platform}" if isinstance(value, dict) else key
        text = f.string(where, text)
        amount, why = money(text) if text is not None else (None, "")
        if amount is None and why:
            f.error(where, why, "money")
        elif amount is not None and platform in AD_PLATFORMS:
            found[platform] = amount
    return given[0].split("_")[0], found


def _choice(f: Fields, raw: dict, key: str, choices: tuple[str, ...], default: str) -> str:
    text = f.string(f"promote.{key}", raw.get(key))
    if text is None:
        return default
    if text.strip().lower() not in choices:
        hint = did_you_mean(text.lower(), choices)
        f.error(
            f"promote.{key}", f"unknown {key} {text!r}{hint}; use one of: {one_of(choices)}", key
        )
        return default
    return text.strip().lower()


def _when(f: Fields, raw: dict, key: str, group: Group) -> dt.datetime | None:
    text = f.string(f"promote.{key}", raw.get(key))
    if text is None:
        return None
    try:
        return parse_datetime(text, group.tz)
    except TimeError as exc:
        f.error(f"promote.{key}", str(exc), "date")
        return None


def _platforms(f: Fields, raw: dict, ads: AdsSettings) -> tuple[str, ...]:
    chosen = f.strings("promote.platforms", raw.get("platforms"))
    if chosen is None:
        return tuple(p for p in AD_PLATFORMS if p in ads.accounts) or AD_PLATFORMS[:1]
    for i, name in enumerate(chosen):
        if name not in AD_PLATFORMS:
            hint = did_you_mean(name, AD_PLATFORMS)
            f.error(
                f"promote.platforms.{i}",
                f"unknown ad platform {name!r}{hint}; use meta or vk",
                "platform",
            )
    if not chosen:
        f.error(
            "promote.platforms", "is empty: name meta, vk or both (or leave it out)", "platform"
        )
    return tuple(dict.fromkeys(p for p in chosen if p in AD_PLATFORMS))


def read_promotion(
    post: Post, data: bytes, group: Group, ads: AdsSettings
) -> tuple[Promotion | None, list[Problem]]:
    """The `promote:` block of `post` (its file's bytes `data`); None when it has none."""
    problems: list[Problem] = []
    split = split_front_matter(data.decode("utf-8", "replace"))
    try:
        doc = parse(split.front_matter or "", split.offset)
    except YamlProblem:
        return None, []  # loading reports it
    raw = doc.data.get("promote") if isinstance(doc.data, dict) else None
    f = Fields(post.path, doc, problems)
    if raw is None:
        return None, []
    if not isinstance(raw, dict):
        f.error(
            "promote", "must be `key: value` lines: audience:, daily_budget:, end:, ...", "type"
        )
        return None, problems
    f.unknown_keys(raw, KEYS, "promote.")
    audience = f.string("promote.audience", raw.get("audience"), required=True) or ""
    platforms = _platforms(f, raw, ads)
    budget, budgets = _budgets(f, raw, platforms)
    start = _when(f, raw, "start", group) or post.date
    end = _when(f, raw, "end", group)
    if end is None and raw.get("end") is None:
        f.error(
            "promote",
            "needs `end`: when the ads stop (an ad that never stops is money spent by surprise)",
            "missing",
            value=False,
        )
    elif end is not None and end <= start:
        f.error("promote.end", f"is not after the start ({start:%Y-%m-%d %H:%M})", "date")
    promotion = Promotion(
        post,
        audience.strip(),
        budget,
        budgets,
        start,
        end or start,
        _choice(f, raw, "objective", OBJECTIVES, "engagement"),
        platforms,
        _choice(f, raw, "special_ad_category", CATEGORIES, "none"),
        {k: f.line(k, value=False) for k in ["promote", *(f"promote.{key}" for key in raw)]},
    )
    return dataclasses.replace(promotion, whole=not problems), problems
