"""A group's ads keys in its group file: the ad accounts (`meta_ads`, `vk_ads`), the
monthly caps (`ads_budget_monthly`) and the opt-in to start ads at once (`ads_activate`),
read with the line of every key; and money as written (`10 EUR`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..errors import Problem
from ..model import Group
from .fields import Fields, did_you_mean
from .groups import url_problem
from .yamlread import YamlProblem, parse

AD_PLATFORMS = ("meta", "vk")
GROUP_KEYS = {"meta": "meta_ads", "vk": "vk_ads"}
SETTINGS = {  # platform -> (required, optional)
    "meta": (("account", "token_env", "page", "currency"), ("api", "dsa_payor", "dsa_beneficiary")),
    "vk": (("cabinet", "token_env", "community", "currency"), ("api",)),
}
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
