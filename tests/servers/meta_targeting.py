"""The Marketing API's rules for an ad set, as the loopback server of meta_ads.py applies them.

One job: given a `targeting` spec, the campaign's special ad categories and the ad set's
budget fields, raise the `GraphFailure` Meta answers, or return what the server needs to
know (the countries the ad set reaches). Also the small catalogs `/search` serves.

Sources (developers.facebook.com/documentation/ads-commerce/marketing-api/, v25.0, as
summarised with their tags in /work/shared/reference/ads-apis.md §1):
audiences/reference/basic-targeting (geo_locations shapes, radius bounds, counts,
location_types, age, genders), …/flexible-targeting (flexible_spec sizes),
…/targeting-search (search types and result fields), …/advantage-audience (the
`targeting_automation.advantage_audience` flag, required since v23), audiences/special-ad-category
(what HOUSING/EMPLOYMENT/FINANCIAL_PRODUCTS_SERVICES forbid), reference/ad-campaign
(budgets, DSA fields and their subcodes 3858079/3858081), reference/ad-campaign-group
(objectives, `is_adset_budget_sharing_enabled`, subcode 4834011 from
marketing-api/bidding/guides/adset-budget-sharing), error-reference (1487694).

Subcodes seen in public client code rather than in Meta's pages (third-party, [3P]):
1870227 (advantage flag missing), 1870189 (age_max under 65 with Advantage audience on),
1885272 (budget too low), 2490487 (bid strategy/amount required).

(unconfirmed): the exact `message`/`error_user_title` texts below are modelled on Meta's
style ("Invalid parameter" + a user title and message); where no subcode is known for a
rule (age bounds, locations overlap, special-category restrictions, EU minors, unknown
location keys) the error is code 100 without a subcode. Subcode 1815946 is used for every
radius problem (the docs name it for a radius over several locations). Which of
3858079/3858081 means payor and which beneficiary is not stated; here 3858079 is the
beneficiary and 3858081 the payor. Catalog keys and ids are this server's fixtures, not
Meta's real keys.
"""

from __future__ import annotations

import re
import unicodedata

try:
    from tests.servers.meta import GraphFailure
except ImportError:  # tests/ itself on sys.path
    from servers.meta import GraphFailure

OBJECTIVES = (
    "OUTCOME_AWARENESS",
    "OUTCOME_TRAFFIC",
    "OUTCOME_ENGAGEMENT",
    "OUTCOME_LEADS",
    "OUTCOME_SALES",
    "OUTCOME_APP_PROMOTION",
)
LEGACY_OBJECTIVES = ("LINK_CLICKS", "REACH", "POST_ENGAGEMENT", "PAGE_LIKES", "BRAND_AWARENESS")
CATEGORIES = (
    "NONE",
    "HOUSING",
    "EMPLOYMENT",
    "FINANCIAL_PRODUCTS_SERVICES",
    "ISSUES_ELECTIONS_POLITICS",
    "ONLINE_GAMBLING_AND_GAMING",
)
RESTRICTED = ("HOUSING", "EMPLOYMENT", "FINANCIAL_PRODUCTS_SERVICES")
# ODAX objective -> optimization goals it accepts (a subset of the M-camp table).
GOALS = {
    "OUTCOME_AWARENESS": {"REACH", "IMPRESSIONS", "AD_RECALL_LIFT", "THRUPLAY"},
    "OUTCOME_TRAFFIC": {"LINK_CLICKS", "LANDING_PAGE_VIEWS", "REACH", "IMPRESSIONS"},
    "OUTCOME_ENGAGEMENT": {
        "POST_ENGAGEMENT",
        "THRUPLAY",
        "PAGE_LIKES",
        "EVENT_RESPONSES",
        "CONVERSATIONS",
        "LINK_CLICKS",
        "REACH",
        "IMPRESSIONS",
    },
    "OUTCOME_LEADS": {"LEAD_GENERATION", "QUALITY_LEAD", "OFFSITE_CONVERSIONS", "LINK_CLICKS"},
    "OUTCOME_SALES": {"OFFSITE_CONVERSIONS", "VALUE", "LINK_CLICKS", "LANDING_PAGE_VIEWS"},
    "OUTCOME_APP_PROMOTION": {"APP_INSTALLS", "OFFSITE_CONVERSIONS", "VALUE", "LINK_CLICKS"},
}
ON_POST_GOALS = {"POST_ENGAGEMENT", "REACH", "THRUPLAY"}  # IMPRESSIONS deprecated for ON_POST (v20)
BILLING_EVENTS = {"IMPRESSIONS", "LINK_CLICKS", "POST_ENGAGEMENT", "THRUPLAY", "PAGE_LIKES"}
BID_STRATEGIES = {
    "LOWEST_COST_WITHOUT_CAP",
    "LOWEST_COST_WITH_BID_CAP",
    "COST_CAP",
    "LOWEST_COST_WITH_MIN_ROAS",
}
EU = set("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
MINOR_BAN = EU | {"IS", "LI", "NO", "CH"}
HIGH_COST = {"AU", "AT", "BE", "CA", "DK", "FR", "DE", "GB", "IE", "NL", "NO", "SE", "CH", "US"}
# Minimum daily budget with LOWEST_COST_WITHOUT_CAP, in US cents (M-adset).
MIN_DAILY_USD_CENTS = {"IMPRESSIONS": 50, "REACH": 50, "THRUPLAY": 250, "POST_ENGAGEMENT": 250}
LOW_FREQUENCY = {"OFFSITE_CONVERSIONS", "VALUE", "APP_INSTALLS", "LEAD_GENERATION"}
USD_RATE = {"USD": 1.0, "EUR": 0.92, "RON": 4.6, "GBP": 0.79, "RUB": 90.0, "JPY": 150.0}
OFFSET_ONE = {"JPY", "KRW", "HUF", "CLP", "COP", "TWD", "VND"}
RADIUS = {  # unit -> (min, max)
    "custom": {"mile": (0.63, 50.0), "kilometer": (1.0, 80.0)},
    "city": {"mile": (10.0, 50.0), "kilometer": (17.0, 80.0)},
}
LIMITS = {"regions": 200, "cities": 250, "custom_locations": 200, "zips": 50000}
GEO_KEYS = {
    "countries",
    "regions",
    "cities",
    "zips",
    "custom_locations",
    "location_types",
    "geo_markets",
    "electoral_districts",
    "country_groups",
    "places",
}

# -- catalogs for /search (fixture keys, not Meta's) ------------------------------------
GEO = [
    {"key": "RO", "name": "Romania", "type": "country", "country_code": "RO"},
    {"key": "MD", "name": "Moldova", "type": "country", "country_code": "MD"},
    {"key": "US", "name": "United States", "type": "country", "country_code": "US"},
    {"key": "3095", "name": "Bucharest", "type": "region", "country_code": "RO"},
    {"key": "3101", "name": "Cluj County", "type": "region", "country_code": "RO"},
    {"key": "3847", "name": "New York", "type": "region", "country_code": "US"},
    {
        "key": "2394011",
        "name": "Bucharest",
        "type": "city",
        "country_code": "RO",
        "region_id": 3095,
    },
    {
        "key": "2394212",
        "name": "Cluj-Napoca",
        "type": "city",
        "country_code": "RO",
        "region_id": 3101,
    },
    {"key": "2316590", "name": "Chișinău", "type": "city", "country_code": "MD", "region_id": 0},
    {"key": "2490299", "name": "New York", "type": "city", "country_code": "US", "region_id": 3847},
]
COUNTRY_NAMES = {"RO": "Romania", "MD": "Moldova", "US": "United States"}
INTERESTS = [
    {"id": "6003139266461", "name": "Movies", "path": ["Interests", "Entertainment", "Movies"]},
    {"id": "6003020834693", "name": "Music", "path": ["Interests", "Entertainment", "Music"]},
    {"id": "6003107902433", "name": "Coffee", "path": ["Interests", "Food and drink", "Coffee"]},
    {"id": "6003384248805", "name": "Fitness and wellness", "path": ["Interests", "Fitness"]},
    {"id": "6002714398172", "name": "Early technology adopters", "deprecated": True},
]
LOCALES = [
    {"key": 6, "name": "English (US)"},
    {"key": 24, "name": "English (UK)"},
    {"key": 31, "name": "Romanian"},
    {"key": 17, "name": "Russian"},
]


def fold(text: str) -> str:
    """Case- and diacritics-insensitive form, the way the search box matches names."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def invalid(title: str, msg: str, subcode: int | None = None) -> GraphFailure:
    return GraphFailure(
        100, "Invalid parameter", subcode, error_user_title=title, error_user_msg=msg
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _radius(place: dict, kind: str, where: str) -> tuple[float, str] | None:
    if "radius" not in place:
        if kind == "custom":
            raise invalid("Missing Radius", f"{where} needs a radius.", 1815946)
        return None
    radius = _number(place["radius"])
    unit = place.get("distance_unit", "mile")
    if unit not in ("mile", "kilometer") or radius is None:
        raise invalid(
            "Invalid Radius", f"{where}: distance_unit must be mile or kilometer.", 1815946
        )
    low, high = RADIUS[kind][unit]
    if not low <= radius <= high:
        raise invalid(
            "Invalid Radius",
            f"{where}: the radius must be between {low:g} and {high:g} {unit}s.",
            1815946,
        )
    return radius, unit


def _entries(geo: dict, name: str) -> list:
    items = geo.get(name, [])
    if not isinstance(items, list):
        raise GraphFailure(100, f"(#100) param geo_locations[{name}] must be an array.")
    if len(items) > LIMITS.get(name, 10**9):
        raise invalid("Too Many Locations", f"You can target at most {LIMITS[name]} {name}.")
    return items


def check_geo(geo: object, catalog: dict[str, dict]) -> tuple[set[str], list[tuple[float, str]]]:
    """Validate geo_locations; return the countries reached and every (radius, unit) used."""
    if not isinstance(geo, dict) or not any(geo.get(k) for k in GEO_KEYS - {"location_types"}):
        raise invalid(
            "Missing Target Audience Location",
            "Your audience is missing a location. You can add a location or a Custom Audience.",
        )
    unknown = set(geo) - GEO_KEYS
    if unknown:
        raise GraphFailure(100, f"(#100) geo_locations[{sorted(unknown)[0]}] is not a valid field")
    for kind in geo.get("location_types", []) or []:
        if kind not in ("home", "recent"):
            raise invalid("Invalid Location Type", "location_types may only be home and recent.")
    countries: set[str] = set()
    for code in _entries(geo, "countries"):
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{2}", code):
            raise invalid("Invalid Country", f"{code!r} is not a country code.")
        countries.add(code)
    inside: set[str] = set()
    radii: list[tuple[float, str]] = []
    for name, kind in (("regions", "region"), ("cities", "city")):
        for i, place in enumerate(_entries(geo, name)):
            key = str(place.get("key", "")) if isinstance(place, dict) else ""
            known = catalog.get(key)
            if known is None or known["type"] != kind:
                raise invalid("Invalid Location", f"Invalid {kind} key: {key or place!r}.")
            inside.add(known["country_code"])
            if kind == "city":
                got = _radius(place, "city", f"cities[{i}]")
                radii += [got] if got else []
            elif "radius" in place:
                raise invalid("Invalid Radius", "A radius can only be used with cities.", 1815946)
    for i, place in enumerate(_entries(geo, "custom_locations")):
        lat = _number(place.get("latitude")) if isinstance(place, dict) else None
        lng = _number(place.get("longitude")) if isinstance(place, dict) else None
        if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise invalid(
                "Invalid Location", f"custom_locations[{i}] needs latitude and longitude."
            )
        radii.append(_radius(place, "custom", f"custom_locations[{i}]"))
        if 34 <= lat <= 72 and -25 <= lng <= 45:  # Europe, roughly: enough for DSA/minor rules
            inside.add("EU?")
    overlap = countries & inside
    if overlap:
        raise invalid(
            "Some of Your Locations Overlap",
            f"You selected {sorted(overlap)[0]} and places inside it. Remove one of them.",
        )
    return countries | inside, radii


def _interests(items: object, catalog: dict[str, dict], where: str) -> None:
    if not isinstance(items, list) or len(items) > 1000:
        raise GraphFailure(100, f"(#100) {where} must be an array of at most 1000 items")
    for item in items:
        iid = str(item.get("id", "")) if isinstance(item, dict) else ""
        known = catalog.get(iid)
        if known is None:
            raise invalid(
                "Invalid Interest", f"{where}: {iid or item!r} is not a valid interest id."
            )
        if known.get("deprecated"):
            raise invalid(
                "Invalid parameter",
                "The category you selected is no longer available.",
                1487694,
            )


def check_people(t: dict, interests: dict[str, dict], locales: set[int]) -> None:
    """age, genders, interests, flexible_spec, exclusions, locales."""
    low, high = t.get("age_min", 18), t.get("age_max", 65)
    if not isinstance(low, int) or not isinstance(high, int) or isinstance(low, bool):
        raise invalid("Invalid Age", "age_min and age_max must be whole numbers.")
    if low < 13 or high > 65 or low > high:
        raise invalid(
            "Invalid Age", f"Ages must be 13 to 65 with age_min <= age_max; got {low}-{high}."
        )
    genders = t.get("genders", [])
    if not isinstance(genders, list) or any(g not in (1, 2) for g in genders):
        raise invalid("Invalid Gender", "genders takes [1] (men) or [2] (women).")
    if "interests" in t:
        _interests(t["interests"], interests, "interests")
    flex = t.get("flexible_spec", [])
    if not isinstance(flex, list) or len(flex) > 25:
        raise GraphFailure(100, "(#100) flexible_spec must be an array of at most 25 items")
    for i, block in enumerate(flex):
        for key, items in block.items() if isinstance(block, dict) else []:
            if key == "interests":
                _interests(items, interests, f"flexible_spec[{i}].interests")
    if "interests" in (t.get("exclusions") or {}):
        _interests(t["exclusions"]["interests"], interests, "exclusions.interests")
    keys = t.get("locales", [])
    if not isinstance(keys, list) or len(keys) > 90 or any(k not in locales for k in keys):
        raise invalid("Invalid Locale", f"Unknown locale key in {keys!r}.")


def check_automation(t: dict, version: int) -> None:
    """targeting_automation.advantage_audience: explicit since v23; 1 fixes age_max at 65."""
    flag = (t.get("targeting_automation") or {}).get("advantage_audience")
    if flag is None and version >= 23:
        raise invalid(
            "Advantage Audience Flag Required",
            "To create your ad set, you need to enable or disable the Advantage audience feature.",
            1870227,
        )
    if flag == 1 and (t.get("age_max", 65) < 65 or t.get("age_min", 18) > 25):
        raise invalid(
            "Age Range Not Allowed With Advantage Audience",
            "With Advantage audience on, age_max must be 65 and age_min at most 25.",
            1870189,
        )


def check_special(t: dict, categories: list[str], reached: set[str], radii: list) -> None:
    """HOUSING / EMPLOYMENT / FINANCIAL_PRODUCTS_SERVICES: what the ad set may not do."""
    if not set(categories) & set(RESTRICTED):
        return
    title = "Targeting Not Allowed For Special Ad Category"
    if t.get("age_min", 18) != 18 or t.get("age_max", 65) != 65:
        raise invalid(title, "Ads in a special ad category must target ages 18 to 65+.")
    if t.get("genders"):
        raise invalid(title, "Ads in a special ad category cannot target by gender.")
    geo = t.get("geo_locations") or {}
    if geo.get("zips") or t.get("excluded_geo_locations") or (t.get("exclusions") or {}):
        raise invalid(title, "Ads in a special ad category cannot use zips or exclusions.")
    north_america = reached & {"US", "CA"}
    least_km = 25.0 if north_america else 15.0
    for radius, unit in radii:
        km = radius * 1.609344 if unit == "mile" else radius
        if km + 1e-9 < least_km:
            raise invalid(title, f"The radius must be at least {least_km:g} km for this category.")


def check_targeting(
    t: object,
    categories: list[str],
    version: int,
    catalog: dict[str, dict],
    interests: dict[str, dict],
    locales: set[int],
) -> set[str]:
    """All targeting rules; returns the countries the ad set reaches ("EU?" for a point in Europe)."""
    if not isinstance(t, dict):
        raise GraphFailure(100, "(#100) param targeting must be a JSON object")
    reached, radii = check_geo(t.get("geo_locations"), catalog)
    if "excluded_geo_locations" in t:
        check_geo(t["excluded_geo_locations"], catalog)
    check_people(t, interests, locales)
    check_automation(t, version)
    check_special(t, categories, reached, radii)
    if t.get("age_min", 18) < 18 and (reached & MINOR_BAN or "EU?" in reached):
        raise invalid(
            "Ads Can't Target Minors In These Locations",
            "Ad sets reaching the EU, EEA or Switzerland cannot target people under 18.",
        )
    return reached


def min_daily(goal: str, currency: str, country: str) -> int:
    """The smallest daily_budget (minor units) Meta accepts for this goal and account."""
    cents = 4000 if goal in LOW_FREQUENCY else MIN_DAILY_USD_CENTS.get(goal, 250)
    cents *= 2 if country in HIGH_COST else 1
    major = cents / 100 * USD_RATE.get(currency, 1.0)
    return round(major) if currency in OFFSET_ONE else round(major * 100)


def search(kind: str, q: str, params: dict, limit: int) -> list[dict]:
    """GET /search for adgeolocation, adinterest and adlocale."""
    needle = fold(q)
    if kind == "adinterest":
        rows = [i for i in INTERESTS if needle in fold(i["name"]) and not i.get("deprecated")]
        return [
            {
                "id": i["id"],
                "name": i["name"],
                "audience_size_lower_bound": 1_000_000,
                "audience_size_upper_bound": 1_200_000,
                "path": i.get("path", []),
                "topic": i.get("path", ["", ""])[1] if len(i.get("path", [])) > 1 else "",
            }
            for i in rows
        ][:limit]
    if kind == "adlocale":
        return [dict(row) for row in LOCALES if needle in fold(row["name"])][:limit]
    types = params.get("location_types") or ["country", "region", "city"]
    country = params.get("country_code")
    rows = []
    for g in GEO:
        if (
            g["type"] in types
            and needle in fold(g["name"])
            and (not country or g["country_code"] == country)
        ):
            row = {**g, "country_name": COUNTRY_NAMES[g["country_code"]]}
            row["supports_region"] = row["supports_city"] = g["type"] != "city"
            rows.append(row)
    return rows[:limit]
