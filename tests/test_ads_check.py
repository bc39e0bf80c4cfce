"""`smmflow check` on ads: every mistake in an audience, a places file, a group's ads keys
or a post's `promote:` is reported as `path:line: field: message`, all at once, with no
traceback (in-process: `cli` fails the test on any exception)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from repohelp import PROJECT, cli, write

GROUP = """\
name: Shop
timezone: Europe/Bucharest
accounts:
  feed: {}
  facebook: {page: "104857392016483", token_env: SHOP_FB_TOKEN}
  vk: {owner: "-22822305", token_env: SHOP_VK_TOKEN}
meta_ads: {account: "5550001112", token_env: SHOP_META_ADS, page: facebook, currency: EUR}
ads_budget_monthly: 300 EUR
"""
AUDIENCE = """\
countries: [RO]
places:
  - {name: Piata Unirii, radius: 2 km}
age: 25-40
sex: female
"""
POST = """\
---
date: 2026-12-10 10:00
type: sales
promote:
  audience: unirii-women
  daily_budget: 10 EUR
  end: 2026-12-17 10:00
---
Big sale.
"""
FILES = {
    "schedules/shop.yml": GROUP,
    "audiences/shop/unirii-women.yml": AUDIENCE,
    "content/shop/2026-12-10-sale.md": POST,
}
G, A, P = FILES

# (what is wrong, file, text replaced, replacement, expected path:line: field: message part)
MISTAKES = [
    (
        "unknown place",
        A,
        "Piata Unirii",
        "Piata Unirri",
        f"{A}:3: places.0: unknown place 'Piata Unirri' (did you mean 'Piața Unirii'?)",
    ),
    (
        "radius not a distance",
        A,
        "2 km",
        "2 blocks",
        f"{A}:3: places.0.radius: '2 blocks' is not a distance",
    ),
    (
        "radius under Meta's 1 km",
        A,
        "2 km",
        "500 m",
        f"{A}:3: places.0: Meta takes a place's radius from 1 to 80 km; 500 m is out of range",
    ),
    (
        "radius over Meta's 50 mi",
        A,
        "2 km",
        "60 mi",
        f"{A}:3: places.0: Meta takes a place's radius from 0.63 to 50 mi",
    ),
    ("age 10", A, "25-40", "10-40", f"{A}:4: age: Meta's youngest age is 13; 10 is too young"),
    (
        "minors in the EU",
        A,
        "25-40",
        "16-40",
        f"{A}:4: age: Meta refuses ads to people under 18 in the EU",
    ),
    ("age over 65", A, "25-40", "25-70", f"{A}:4: age: Meta's oldest age is 65"),
    ("age not a range", A, "25-40", "young", f"{A}:4: age: 'young' is not an age range"),
    ("sex m", A, "sex: female", "sex: m", f"{A}:5: sex: unknown sex 'm'"),
    (
        "unknown country",
        A,
        "[RO]",
        "[Romaina]",
        f"{A}:1: countries.0: unknown country 'Romaina' (did you mean 'Romania'?)",
    ),
    (
        "region without a Meta id",
        A,
        "places:\n  - {name: Piata Unirii, radius: 2 km}",
        "regions: [Bucharest]",
        f"{A}:2: regions.0: no Meta id for region 'Bucharest': run `smmflow ads resolve`",
    ),
    (
        "unknown key in an audience",
        A,
        "sex: female",
        "gender: female",
        f"{A}:5: gender: unknown key 'gender'",
    ),
    (
        "budget negative",
        P,
        "10 EUR",
        "-10 EUR",
        f"{P}:6: promote.daily_budget: -10 EUR: a budget must be more than 0",
    ),
    (
        "budget not money",
        P,
        "10 EUR",
        "ten euros",
        f"{P}:6: promote.daily_budget: 'ten euros' is not an amount",
    ),
    (
        "budget over the cap",
        P,
        "10 EUR",
        "50 EUR",
        f"{P}:6: promote.daily_budget: shop's promotions in 2026-12 may spend up to 400.00 EUR, over its ads_budget_monthly of 300.00 EUR",
    ),
    (
        "budget in another currency",
        P,
        "10 EUR",
        "10 USD",
        f"{P}:6: promote.daily_budget: 10.00 USD is not in the currency of the meta ad account (EUR",
    ),
    (
        "no cap in that currency",
        G,
        "ads_budget_monthly: 300 EUR",
        "ads_budget_monthly: 300 RON",
        f"{P}:6: promote.daily_budget: shop has no monthly cap in EUR",
    ),
    (
        "promote on a draft",
        P,
        "type: sales\n",
        "type: sales\nstatus: draft\n",
        f"{P}:5: promote: a draft is never published, so it cannot be promoted",
    ),
    (
        "an audience that does not exist",
        P,
        "audience: unirii-women",
        "audience: unirii-woman",
        f"{P}:5: promote.audience: no audience 'unirii-woman' (did you mean 'unirii-women'?)",
    ),
    ("no end", P, "  end: 2026-12-17 10:00\n", "", f"{P}:4: promote: needs `end`"),
    (
        "end before start",
        P,
        "2026-12-17 10:00",
        "2026-12-09 10:00",
        f"{P}:7: promote.end: is not after the start",
    ),
    (
        "start before the post",
        P,
        "  end:",
        "  start: 2026-12-09 10:00\n  end:",
        f"{P}:7: promote.start: is before the post goes out",
    ),
    (
        "daily budget for 24 hours on Meta",
        P,
        "2026-12-17 10:00",
        "2026-12-11 10:00",
        f"{P}:7: promote.end: Meta: a daily budget needs a run longer than 24 hours",
    ),
    (
        "both budgets",
        P,
        "  end:",
        "  lifetime_budget: 50 EUR\n  end:",
        f"{P}:4: promote: has both of daily_budget and lifetime_budget",
    ),
    (
        "unknown objective",
        P,
        "  end:",
        "  objective: sales\n  end:",
        f"{P}:7: promote.objective: unknown objective 'sales'",
    ),
    (
        "vk without an ad account",
        P,
        "  end:",
        "  platforms: [vk]\n  end:",
        f"{P}:7: promote.platforms: shop has no `vk_ads:` in schedules/shop.yml",
    ),
    (
        "unknown ad platform",
        P,
        "  end:",
        "  platforms: [tiktok]\n  end:",
        f"{P}:7: promote.platforms.0: unknown ad platform 'tiktok'",
    ),
    (
        "special category with sex targeting",
        P,
        "  end:",
        "  special_ad_category: housing\n  end:",
        f"{A}:5: sex: Meta: housing ads (a special ad category) cannot target by sex",
    ),
    (
        "special category with a narrow radius",
        P,
        "  end:",
        "  special_ad_category: employment\n  end:",
        f"{A}:3: places.0: Meta: employment ads (a special ad category) need a radius of at least 15 km",
    ),
    (
        "post not going to the page",
        P,
        "type: sales\n",
        "type: sales\nplatforms: [feed]\n",
        f"{P}:5: promote: meta promotes the post published on facebook, but this post does not go to facebook",
    ),
    (
        "page that is not a facebook account",
        G,
        "page: facebook",
        "page: vk",
        f"{G}:7: meta_ads.page: 'vk' is not a facebook account of shop",
    ),
    ("meta_ads without a currency", G, ", currency: EUR", "", f"{G}:7: meta_ads: needs `currency`"),
    (
        "ads_activate yes",
        G,
        "ads_budget_monthly",
        "ads_activate: yes\nads_budget_monthly",
        f"{G}:8: ads_activate: 'yes': write true",
    ),
    (
        "secret in the ads account",
        G,
        "token_env: SHOP_META_ADS",
        "token: EAAB123",
        f"{G}:7: meta_ads.token: unknown key 'token'",
    ),
]


def make(root: Path, changes: dict[str, tuple[str, str]] | None = None) -> Path:
    (root / "places").mkdir(parents=True)
    shutil.copy(PROJECT / "places" / "bucharest-metro.csv", root / "places")
    for rel, text in FILES.items():
        old, new = (changes or {}).get(rel, ("", ""))
        if old:
            assert old in text, (rel, old)
            text = text.replace(old, new, 1)
        write(root, rel, text)
    return root


def test_the_base_repository_is_clean(tmp_path):
    result = cli(make(tmp_path), "check")
    assert result.code == 0, str(result)


@pytest.mark.parametrize("what, rel, old, new, expected", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_reported_at_its_line(tmp_path, what, rel, old, new, expected):
    result = cli(make(tmp_path, {rel: (old, new)}), "check")
    assert result.code == 1, str(result)
    assert expected in result.out, f"{what}: expected\n  {expected}\nin\n{result.out}"
    assert "Traceback" not in result.out + result.err


def test_all_mistakes_at_once(tmp_path):
    changes = {
        A: ("sex: female", "sex: m"),
        P: ("10 EUR", "-10 EUR"),
        G: ("page: facebook", "page: vk"),
    }
    result = cli(make(tmp_path, changes), "check", "--format", "json")
    found = {(p["path"], p["line"], p["field"]) for p in result.json["problems"]}
    assert {(A, 5, "sex"), (P, 6, "promote.daily_budget"), (G, 7, "meta_ads.page")} <= found


def test_places_file_rows_are_checked_at_their_line(tmp_path):
    root = make(tmp_path)
    write(
        root,
        "places/shops.csv",
        "name,latitude,longitude,kind\nShop,44.4,26.1,shop\nBad,95,26.1,shop\nShop,44.5,26.2,shop\n,1,2,\n",
    )
    result = cli(root, "check")
    assert "places/shops.csv:3: latitude: '95' is not a latitude" in result.out, result.out
    assert "places/shops.csv:4: name: 'Shop' is already on line 2" in result.out
    assert "places/shops.csv:5: name: is empty" in result.out


def test_a_name_in_two_places_files_must_say_which(tmp_path):
    root = make(tmp_path)
    write(root, "places/other.csv", "name,latitude,longitude\nPiața Unirii,46.77,23.59\n")
    result = cli(root, "check")
    assert f"{A}:3: places.0: 'Piata Unirii' is in several places files" in result.out
    assert "'bucharest-metro/Piața Unirii' or 'other/Piața Unirii'" in result.out
    audience = AUDIENCE.replace("Piata Unirii", "bucharest-metro/Piata Unirii")
    write(root, A, audience)
    assert cli(root, "check").code == 0


def test_a_typo_in_ads_keys_does_not_stop_publishing(tmp_path):
    """The group file's ads keys are checked by `check`, never a reason to hold posts."""
    from smmflow.content.repo import load

    root = make(tmp_path, {G: ("ads_budget_monthly: 300 EUR", "ads_budget_monthly: lots")})
    assert load(root).group_error("shop") is None
    result = cli(root, "check")
    assert f"{G}:8: ads_budget_monthly: 'lots' is not an amount" in result.out
