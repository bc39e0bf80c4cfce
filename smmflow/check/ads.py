"""Ads as `check` sees them: places, audiences, each group's ads keys and every promoted
post, loaded together (`load`), and every problem with its line: the files' own, each
platform's rules (`adrules`), and what ties them together (an audience that exists, an ad
account for each platform, the post going to the promoted account, the currency, the
group's monthly caps, no promotion of a draft).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..content.adsettings import GROUP_KEYS, AdsSettings, Money, group_ads
from ..content.audience import Audience
from ..content.audiences import load_audiences
from ..content.fields import did_you_mean
from ..content.groups import ADS_KEYS
from ..content.places import Places, load_places
from ..content.promote import Promotion, read_promotion
from ..content.repo import Repo
from ..errors import Problem, Severity
from . import adrules

RESERVED = ("ads-meta", "ads-vk")  # the ledger's account names for promotions


def record_account(platform: str) -> str:
    """The ledger's account name for a promotion on `platform` (`ads-meta`, `ads-vk`)."""
    return f"ads-{platform}"


@dataclass
class Ads:
    places: Places = field(default_factory=Places)
    audiences: dict[tuple[str, str], Audience] = field(default_factory=dict)
    settings: dict[str, AdsSettings] = field(default_factory=dict)
    promotions: list[Promotion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def audience(self, promotion: Promotion) -> Audience | None:
        return self.audiences.get((promotion.post.group, promotion.audience))

    def blocking(self, promotion: Promotion) -> list[Problem]:
        """The errors that stop `promotion` from being pushed: its own, its audience's,
        the places files', and its group file's ads keys."""
        audience = self.audience(promotion)
        paths = {promotion.post.path, *self.places.paths, *([audience.path] if audience else [])}
        group_file = self.settings[promotion.post.group].path
        return [
            p
            for p in self.problems
            if p.severity is Severity.ERROR
            and (p.path in paths or (p.path == group_file and _is_ads_key(p.field)))
        ]


def _is_ads_key(key: str) -> bool:
    return key.split(".")[0] in ADS_KEYS


def _read(root: Path, rel: str) -> bytes | None:
    try:
        return (root / rel).read_bytes()
    except OSError:
        return None


def load(repo: Repo) -> Ads:
    """Everything ads of `repo`, with every problem (nothing here asks the network)."""
    ads = Ads(places=load_places(repo.root))
    ads.problems += ads.places.problems
    ads.audiences, wrong = load_audiences(repo.root, ads.places)
    ads.problems += wrong
    for group in repo.groups.values():
        text = _read(repo.root, group.path)
        settings, wrong = group_ads(group, (text or b"").decode("utf-8", "replace"))
        ads.settings[group.id] = settings
        ads.problems += wrong
        for account in group.accounts:
            if account.name in RESERVED:
                message = f"the name {account.name} is kept for the ledger records of promotions: rename the account"
                ads.problems.append(
                    Problem(group.path, account.line, f"accounts.{account.name}", message)
                )
    for post in repo.posts:
        if "promote" not in dict(post.lines):  # one C call a post, not a generator
            continue
        data = _read(repo.root, post.path)
        if data is None:
            continue
        promotion, wrong = read_promotion(
            post, data, repo.groups[post.group], ads.settings[post.group]
        )
        ads.problems += wrong
        if promotion is not None:
            ads.promotions.append(promotion)
    ads.problems += _rules(repo, ads)
    return ads


def problems(repo: Repo) -> list[Problem]:
    """`check`'s ads problems of the whole repository."""
    return load(repo).problems


def _rules(repo: Repo, ads: Ads) -> list[Problem]:
    found: list[Problem] = []
    for (group, _), audience in sorted(ads.audiences.items()):
        settings = ads.settings.get(group)
        if settings is None:
            message = f"no group {group!r}: audiences/{group}/ belongs to schedules/{group}.yml"
            found.append(Problem(audience.path, 0, "", message))
            continue
        for platform in settings.accounts:
            found += adrules.audience_problems(audience, platform)
    for promotion in ads.promotions:
        found += _promotion(repo, ads, promotion)
    found += _caps(ads)
    return list(dict.fromkeys(found))


def _at(promotion: Promotion, key: str, message: str) -> Problem:
    return Problem(promotion.post.path, promotion.line(key), key, message, code="promote")


def _promotion(repo: Repo, ads: Ads, promotion: Promotion) -> list[Problem]:
    post, group = promotion.post, repo.groups[promotion.post.group]
    settings = ads.settings[group.id]
    found = []
    if post.status in ("draft", "withdrawn"):
        why = (
            "a draft is never published"
            if post.status == "draft"
            else "a withdrawn post is taken down"
        )
        found.append(
            _at(
                promotion,
                "promote",
                f"{why}, so it cannot be promoted: set `status: ready` or remove `promote`",
            )
        )
    audience = ads.audience(promotion)
    wanted = f"audiences/{group.id}/{promotion.audience}.yml"
    if audience is None and promotion.audience and (repo.root / wanted).is_file():
        found.append(_at(promotion, "promote.audience", f"{wanted} does not load: fix its errors"))
    elif audience is None and promotion.audience:
        names = sorted(n for g, n in ads.audiences if g == group.id)
        known = (
            f"; this group's audiences: {', '.join(names)}"
            if names
            else f"; there is no audiences/{group.id}/ folder"
        )
        found.append(
            _at(
                promotion,
                "promote.audience",
                f"no audience {promotion.audience!r}{did_you_mean(promotion.audience, names)} (audiences/{group.id}/{promotion.audience}.yml){known}",
            )
        )
    if promotion.start < post.date:
        found.append(
            _at(
                promotion,
                "promote.start",
                f"is before the post goes out ({post.date:%Y-%m-%d %H:%M}): a post is promoted once it is published",
            )
        )
    for platform in promotion.platforms:
        found += _platform(promotion, settings, audience, platform)
    return found


def _platform(
    promotion: Promotion, settings: AdsSettings, audience: Audience | None, platform: str
) -> list[Problem]:
    account = settings.accounts.get(platform)
    key = GROUP_KEYS[platform]
    if account is None:
        return [
            _at(
                promotion,
                "promote.platforms" if "promote.platforms" in promotion.lines else "promote",
                f"{settings.group} has no `{key}:` in {settings.path}: add its ad account, or promote elsewhere",
            )
        ]
    found = adrules.promotion_problems(promotion, platform)
    target = account.get("page" if platform == "meta" else "community")
    if target and target not in promotion.post.platforms:
        found.append(
            _at(
                promotion,
                "promote.platforms" if "promote.platforms" in promotion.lines else "promote",
                f"{platform} promotes the post published on {target}, but this post does not go to {target}",
            )
        )
    amount = promotion.budgets.get(platform)
    currency = account.get("currency")
    if amount is None and promotion.budgets:
        found.append(_at(promotion, promotion.budget_key, f"no budget for {platform}"))
    elif amount is not None and currency and amount.currency != currency:
        found.append(
            _at(
                promotion,
                promotion.budget_key,
                f"{amount} is not in the currency of the {platform} ad account ({currency}, `{key}.currency`)",
            )
        )
    if audience is not None and promotion.special != "none":
        found += adrules.audience_problems(audience, platform, promotion.special)
    return found


def _caps(ads: Ads) -> list[Problem]:
    """Every promotion of a month whose group's promotions may spend more than its cap."""
    spend: dict[tuple[str, str, str], list[tuple[Promotion, Money]]] = defaultdict(list)
    for promotion in ads.promotions:
        if promotion.post.status != "ready" or not promotion.whole:
            continue
        for platform in promotion.platforms:
            for month, amount in promotion.per_month(platform).items():
                spend[(promotion.post.group, amount.currency, month)].append((promotion, amount))
    found = []
    for (group, currency, month), items in sorted(spend.items()):
        settings = ads.settings[group]
        cap = settings.caps.get(currency)
        total = sum((amount.amount for _, amount in items), Decimal(0))
        for promotion, _ in items:
            if cap is None:
                message = f"{group} has no monthly cap in {currency}: add `ads_budget_monthly: <amount> {currency}` to {settings.path}"
            elif total > cap.amount:
                message = f"{group}'s promotions in {month} may spend up to {total:.2f} {currency}, over its ads_budget_monthly of {cap}"
            else:
                continue
            found.append(_at(promotion, promotion.budget_key, message))
    return found
