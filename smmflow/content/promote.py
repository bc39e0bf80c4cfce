"""A post's `promote:` block and a group's ads keys (`meta_ads`, `vk_ads`,
`ads_budget_monthly`, `ads_activate`), read with the line of every key.

Only the form is decided here (money written `10 EUR`, dates, known words); whether a
promotion fits its audience, its ad accounts, its group's caps and each platform's rules
is `check.ads`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..errors import Problem
from ..model import Group, Post
from .fields import Fields, did_you_mean, one_of
from .groups import url_problem
from .timeparse import TimeError, parse_datetime
from .yamlread import YamlProblem, parse, split_front_matter

AD_PLATFORMS = ("meta", "vk")
GROUP_KEYS = {"meta": "meta_ads", "vk": "vk_ads"}
SETTINGS = {  # platform -> (required, optional)
    "meta": (("account", "token_env", "page", "currency"), ("api", "dsa_payor", "dsa_beneficiary")),
    "vk": (("cabinet", "token_env", "community", "currency"), ("api",)),
}
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
_MONEY = re.compile(r"^\s*(-?\s*\d+(?:[.,]\d+)?)\s*([A-Za-z]{3})\s*$")


@dataclass(frozen=True, order=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


def money(text: str) -> tuple[Money | None, str]:
    """`10 EUR` → Money, or None and why not."""
    found = _MONEY.match(text)
    if not found:
        return None, f"{text!r} is not an amount: write it like 10 EUR or 1500 RUB"
    try:
        amount = Decimal(found.group(1).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return None, f"{text!r} is not an amount"
    if amount <= 0:
        return None, f"{text.strip()}: a budget must be more than 0"
    if amount.as_tuple().exponent < -2:
        return None, f"{text.strip()}: at most two decimals (cents)"
    return Money(amount, found.group(2).upper()), ""


@dataclass(frozen=True)
class AdAccount:
    platform: str  # meta | vk
    settings: tuple[tuple[str, str], ...]
    line: int

    def get(self, key: str, default: str = "") -> str:
        return dict(self.settings).get(key, default)


@dataclass(frozen=True)
class AdsSettings:
    group: str
    path: str
    accounts: dict[str, AdAccount] = field(default_factory=dict)
    caps: dict[str, Money] = field(default_factory=dict)  # currency -> monthly cap
    activate: bool = False
    lines: dict = field(default_factory=dict, compare=False)

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


def _ad_account(f: Fields, group: Group, platform: str, raw: object) -> AdAccount | None:
    key = GROUP_KEYS[platform]
    settings = f.mapping(key, raw)
    if settings is None:
        return None
    required, optional = SETTINGS[platform]
    f.unknown_keys(settings, required + optional, key + ".")
    values = []
    for name in required + optional:
        text = f.string(f"{key}.{name}", settings.get(name))
        if text is None:
            if name in required:
                f.error(key, f"needs `{name}`", "missing", value=False)
            continue
        values.append((name, text.strip()))
    found = AdAccount(platform, tuple(values), f.line(key, value=False))
    _account_values(f, group, found)
    return found


def _account_values(f: Fields, group: Group, account: AdAccount) -> None:
    key = GROUP_KEYS[account.platform]
    ident = account.get("account") or account.get("cabinet")
    if ident and not re.fullmatch(r"(act_)?[0-9]{1,20}", ident):
        which = "account" if account.platform == "meta" else "cabinet"
        f.error(f"{key}.{which}", f"{ident!r} is not an id (digits, e.g. 1234567890)", "id")
    if account.get("currency") and not re.fullmatch(r"[A-Z]{3}", account.get("currency")):
        f.error(
            f"{key}.currency",
            "write the ad account's currency as its ISO code, e.g. EUR",
            "currency",
        )
    if account.get("api") and (wrong := url_problem(account.get("api"))):
        f.error(f"{key}.api", wrong, "url")
    which, platform = ("page", "facebook") if account.platform == "meta" else ("community", "vk")
    name = account.get(which)
    target = group.account(name) if name else None
    if name and (target is None or target.platform != platform):
        names = [a.name for a in group.accounts if a.platform == platform]
        hint = did_you_mean(name, names)
        have = (
            f"its {platform} accounts: {', '.join(names)}"
            if names
            else f"it has no {platform} account"
        )
        f.error(
            f"{key}.{which}",
            f"{name!r} is not a {platform} account of {group.id}{hint}; {have}",
            "account",
        )


def _caps(f: Fields, raw: object) -> dict[str, Money]:
    caps: dict[str, Money] = {}
    items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else None
    if raw is not None and items is None:
        f.error(
            "ads_budget_monthly", "write a monthly cap like 300 EUR (or a list of them)", "type"
        )
    for i, item in enumerate(items or ()):
        key = "ads_budget_monthly" if isinstance(raw, str) else f"ads_budget_monthly.{i}"
        text = f.string(key, item)
        cap, why = money(text) if text is not None else (None, "")
        if cap is None:
            if why:
                f.error(key, why, "money")
        elif cap.currency in caps:
            f.error(key, f"a second cap in {cap.currency}: give one per currency", "money")
        else:
            caps[cap.currency] = cap
    return caps


def group_ads(group: Group, text: str) -> tuple[AdsSettings, list[Problem]]:
    """The ads keys of `group`'s file (its text); problems of those keys only."""
    problems: list[Problem] = []
    try:
        doc = parse(text)
    except YamlProblem:
        return AdsSettings(group.id, group.path), []  # loading reports it
    raw = doc.data if isinstance(doc.data, dict) else {}
    f = Fields(group.path, doc, problems)
    accounts = {}
    for platform, key in GROUP_KEYS.items():
        if key in raw:
            found = _ad_account(f, group, platform, raw[key])
            if found is not None:
                accounts[platform] = found
    activate = f.string("ads_activate", raw.get("ads_activate"))
    if activate is not None and activate.strip().lower() not in ("true", "false"):
        f.error(
            "ads_activate",
            f"{activate!r}: write true (ads start at once) or false (created paused)",
            "type",
        )
    settings = AdsSettings(
        group.id,
        group.path,
        accounts,
        _caps(f, raw.get("ads_budget_monthly")),
        (activate or "").strip().lower() == "true",
        {
            k: f.line(k, value=False)
            for k in ("ads_budget_monthly", "ads_activate", *GROUP_KEYS.values())
        },
    )
    return settings, problems


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
    return promotion, problems
