"""VK Ads (ads.vk.com /api/v2) validation rules and catalogs for the loopback server of vk_ads.py.

One job: turn a campaign (ad_plan), ad group or banner body into the field errors VK Ads
answers (`{"error": {"fields": {...}, "message": "Validation failed", "code":
"validation_failed"}}`), and hold the dictionaries the server serves (regions, the
interests tree, packages).

Sources: ads.vk.com/doc/api (read through the metapeka/vk-ads-api-docs mirror):
object/AdPlan, object/AdGroup, object/Banner, object/Targetings, object/GeoTargeting,
object/LocalGeoTargeting (visit_type now/usual/all, loc_type home/work),
object/LocalGeoPointTargeting (radius 500–10 000 m, lat/lng required),
object/AgeTargeting (age_list, max_value 75), resource/AdPlans and resource/AdGroups
(statuses, defaults, the error codes `required`, `max_value`, `min_value`, `bad_value`,
`bad_items`, `unallowed_value`, `unallowed_field`, `invalid_package`,
`min_translation_hours`, "only one of local_geo or regions"), info/Add_banners
(`url_not_valid`, `invalid_ad_group`), info/Quick_start (packages 3122, 3127, 3194 and their
url roles, `socialengagement`).

(unconfirmed): how errors in nested objects are keyed — here dotted paths such as
`ad_groups.0.targetings.geo.local_geo.locations.0.radius`; the lowest age in age_list (12
here, 0 meaning "unknown"); the smallest positive daily budget (`MIN_DAILY`, 100 rubles);
that unknown top-level fields are refused with `unallowed_field`; the objectives of each
package; region and interest ids (this server's fixtures; 188 Russia and 70 Moscow Oblast
are the docs' own examples).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MIN_DAILY = Decimal("100")
STATUSES = ("active", "blocked", "deleted")
AUTOBIDDING = ("max_goals", "second_price", "fixed")
REGIONS = [
    {"id": 188, "name": "Russia", "parent_id": -1},
    {"id": 70, "name": "Moscow Oblast", "parent_id": 188},
    {"id": 1, "name": "Moscow", "parent_id": 188},
    {"id": 2, "name": "Saint Petersburg", "parent_id": 188},
    {"id": 5506, "name": "Kazan", "parent_id": 188},
    {"id": 20001, "name": "Romania", "parent_id": -1},
    {"id": 20002, "name": "Bucharest", "parent_id": 20001},
]
for _region in REGIONS:
    _region["flags"] = ["rb_active", "geo_tree_extended", "geo_tree"]
INTEREST_TREE = {
    "interests": [
        {
            "id": 7352,
            "name": "Auto",
            "children": [
                {"id": 9018, "name": "Cars and SUVs"},
                {"id": 7355, "name": "Premium class cars"},
            ],
        },
        {"id": 13612, "name": "Coffee and tea", "children": None},
        {"id": 10501, "name": "Fitness", "children": None},
    ],
    "interests_soc_dem": [
        {"id": 7328, "name": "TV groups", "children": [{"id": 7653, "name": "Parents"}]}
    ],
    "interests_stable": [{"id": 11001, "name": "Travel", "children": None}],
    "interests_short": [
        {"id": 7299, "name": "Household", "children": [{"id": 8490, "name": "Country life"}]}
    ],
}
PACKAGES = {
    3122: {
        "name": "Join the community",
        "objective": ["socialengagement"],
        "urls": {"primary": "vk_group"},
    },
    3127: {
        "name": "Write to the community",
        "objective": ["socialengagement"],
        "urls": {"primary": "vk_group"},
    },
    3194: {
        "name": "Increase engagement",
        "objective": ["socialengagement"],
        "urls": {"vk_post": "vk_post"},
    },
}
TARGETING_KEYS = {
    "age",
    "birthday",
    "fulltime",
    "geo",
    "group_members",
    "interests",
    "interests_soc_dem",
    "interests_stable",
    "local_geo",
    "mobile_apps",
    "mobile_operation_systems",
    "mobile_operators",
    "mobile_prefix",
    "mobile_types",
    "mobile_vendors",
    "pad_category",
    "pads",
    "regions",
    "segments",
    "sex",
    "device_types",
}
PLAN_FIELDS = {
    "name",
    "status",
    "objective",
    "ad_groups",
    "autobidding_mode",
    "budget_limit",
    "budget_limit_day",
    "date_start",
    "date_end",
    "max_price",
    "priced_goal",
    "pricelist_id",
    "enable_offline_goals",
    "enable_utm",
    "ad_object_id",
    "ad_object_type",
}
GROUP_FIELDS = {
    "name",
    "status",
    "ad_plan_id",
    "package_id",
    "age_restrictions",
    "audit_pixels",
    "autobidding_mode",
    "banner_uniq_shows_limit",
    "banners",
    "budget_limit",
    "budget_limit_day",
    "date_end",
    "date_start",
    "enable_offline_goals",
    "enable_utm",
    "language",
    "max_price",
    "objective",
    "price",
    "priced_goal",
    "pricelist_id",
    "targetings",
    "uniq_shows_limit",
    "uniq_shows_period",
    "utm",
    "mixing",
    "audit_viewability",
}
BANNER_FIELDS = {"name", "status", "urls", "content", "textblocks"}
READ_ONLY = {"id", "created", "updated", "vkads_status", "delivery", "issues", "moderation_status"}


def interest_ids() -> set[int]:
    ids = set()
    for tree in INTEREST_TREE.values():
        for node in tree:
            ids.add(node["id"])
            ids.update(child["id"] for child in node.get("children") or [])
    return ids


class Errors:
    """Field errors collected for one request, keyed by dotted path."""

    def __init__(self) -> None:
        self.fields: dict[str, dict] = {}

    def add(self, path: str, code: str, message: str) -> None:
        self.fields.setdefault(path, {"message": message, "code": code})

    def body(self) -> dict:
        return {
            "error": {
                "fields": self.fields,
                "message": "Validation failed",
                "code": "validation_failed",
            }
        }


def decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _date(value: object) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?", value):
        return value[:10]
    return None


def _ints(value: object) -> list[int] | None:
    if isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return value
    return None


def check_common(body: dict, errors: Errors, prefix: str, allowed: set[str]) -> None:
    """Fields, name, status, dates, budgets and bids shared by plans and groups."""
    for key in body:
        if key in READ_ONLY:
            errors.add(prefix + key, "read_only_field", "This field is read only")
        elif key not in allowed:
            errors.add(prefix + key, "unallowed_field", "Unknown field")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.add(prefix + "name", "required", "This field is required")
    if "status" in body and body["status"] not in STATUSES:
        errors.add(prefix + "status", "unallowed_value", f"Must be one of {', '.join(STATUSES)}")
    for key in ("date_start", "date_end"):
        if body.get(key) is not None and _date(body[key]) is None:
            errors.add(prefix + key, "bad_value", "Date must be YYYY-MM-DD")
    start, end = _date(body.get("date_start")), _date(body.get("date_end"))
    if start and end and end < start:
        errors.add(prefix + "date_end", "min_value", "date_end is earlier than date_start")
    for key in ("budget_limit", "budget_limit_day"):
        if body.get(key) is None:
            continue
        amount = decimal(body[key])
        if amount is None:
            errors.add(prefix + key, "bad_value", "A decimal is expected")
        elif amount < -1:
            errors.add(
                prefix + key, "min_value", "Ensure this value is greater than or equal to -1"
            )
        elif key == "budget_limit_day" and 0 < amount < MIN_DAILY:
            errors.add(prefix + key, "min_value", f"The daily budget must be at least {MIN_DAILY}")
    if body.get("max_price") is not None:
        price = decimal(body["max_price"])
        if price is None:
            errors.add(prefix + "max_price", "bad_value", "A decimal is expected")
        elif price < 0:
            errors.add(
                prefix + "max_price", "min_value", "Ensure this value is greater than or equal to 0"
            )
        elif price > 21474836:
            errors.add(
                prefix + "max_price",
                "max_value",
                "Ensure this value is less than or equal to 21474836",
            )
    mode = body.get("autobidding_mode")
    if mode is not None and mode not in AUTOBIDDING:
        errors.add(prefix + "autobidding_mode", "unallowed_value", "Unknown auction strategy")
    if mode == "max_goals":
        daily, total = decimal(body.get("budget_limit_day")), decimal(body.get("budget_limit"))
        if not (daily and daily > 0) and not (total and total > 0 and end):
            errors.add(
                prefix + "budget_limit_day",
                "required",
                "max_goals needs a daily budget, or a total budget and date_end",
            )


def check_geo_points(local: object, errors: Errors, prefix: str) -> None:
    if not isinstance(local, dict):
        errors.add(prefix, "bad_value", "An object is expected")
        return
    if local.get("visit_type") not in ("now", "usual", "all"):
        errors.add(prefix + ".visit_type", "required", "visit_type must be now, usual or all")
    kinds = local.get("loc_type", [])
    if not isinstance(kinds, list) or not set(kinds) <= {"home", "work"}:
        errors.add(prefix + ".loc_type", "unallowed_value", "loc_type takes home and work")
    points = local.get("locations")
    if not isinstance(points, list) or not points:
        errors.add(prefix + ".locations", "required", "This field is required")
        return
    for i, point in enumerate(points):
        where = f"{prefix}.locations.{i}"
        if not isinstance(point, dict):
            errors.add(where, "bad_value", "An object is expected")
            continue
        for axis, bound in (("lat", 90), ("lng", 180)):
            value = decimal(point.get(axis))
            if value is None or abs(value) > bound:
                errors.add(
                    f"{where}.{axis}", "required", f"{axis} is required and must be a coordinate"
                )
        radius = point.get("radius")
        if not isinstance(radius, int) or isinstance(radius, bool):
            errors.add(f"{where}.radius", "required", "radius (meters, integer) is required")
        elif radius < 500:
            errors.add(
                f"{where}.radius", "min_value", "Ensure this value is greater than or equal to 500"
            )
        elif radius > 10000:
            errors.add(
                f"{where}.radius", "max_value", "Ensure this value is less than or equal to 10000"
            )


def check_regions(value: object, errors: Errors, path: str) -> None:
    ids = _ints(value)
    known = {r["id"] for r in REGIONS}
    if ids is None or any(abs(i) not in known for i in ids):
        errors.add(path, "bad_items", "Unknown region ids")


def check_geo(t: dict, errors: Errors, prefix: str) -> None:
    geo = t.get("geo")
    if geo is not None and ("regions" in t or "local_geo" in t):
        errors.add(
            prefix + "geo", "bad_value", "geo cannot be sent together with regions or local_geo"
        )
    if isinstance(geo, dict):
        if "regions" in geo and "local_geo" in geo:
            errors.add(prefix + "geo", "bad_value", "Only one of local_geo or regions can be set")
        if "regions" in geo:
            check_regions(geo["regions"], errors, prefix + "geo.regions")
        if "local_geo" in geo:
            check_geo_points(geo["local_geo"], errors, prefix + "geo.local_geo")
    elif geo is not None:
        errors.add(prefix + "geo", "bad_value", "An object is expected")
    if "regions" in t:
        check_regions(t["regions"], errors, prefix + "regions")
    if "local_geo" in t:
        check_geo_points(t["local_geo"], errors, prefix + "local_geo")


def check_targetings(t: object, errors: Errors, prefix: str) -> None:
    prefix += "targetings"
    if not isinstance(t, dict):
        errors.add(prefix, "bad_value", "An object is expected")
        return
    prefix += "."
    for key in set(t) - TARGETING_KEYS:
        errors.add(prefix + key, "unallowed_field", "Unknown targeting")
    check_geo(t, errors, prefix)
    if "age" in t:
        ages = _ints((t["age"] or {}).get("age_list") if isinstance(t["age"], dict) else None)
        if ages is None:
            errors.add(prefix + "age.age_list", "required", "This field is required")
        elif any(a > 75 for a in ages):
            errors.add(
                prefix + "age.age_list",
                "max_value",
                "Ensure this value is less than or equal to 75",
            )
        elif any(a != 0 and a < 12 for a in ages):
            errors.add(prefix + "age.age_list", "min_value", "Ages start at 12 (0 means unknown)")
    if "sex" in t:
        sexes = t["sex"]
        if not isinstance(sexes, list) or not sexes or not set(sexes) <= {"male", "female"}:
            errors.add(prefix + "sex", "unallowed_value", "sex takes male and female")
    known = interest_ids()
    for key in ("interests", "interests_soc_dem", "interests_stable"):
        if key in t:
            ids = _ints(t[key])
            if ids is None or any(abs(i) not in known for i in ids):
                errors.add(prefix + key, "bad_items", "Unknown interest ids")
    fulltime = t.get("fulltime")
    if isinstance(fulltime, dict):
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        hours = sum(len(fulltime.get(d) or []) for d in days)
        if hours < 8:
            errors.add(
                prefix + "fulltime",
                "min_translation_hours",
                "At least 8 hours of delivery are needed",
            )


def check_banner(
    body: object, package: dict, urls: dict[int, dict], errors: Errors, prefix: str
) -> None:
    if not isinstance(body, dict):
        errors.add(prefix.rstrip("."), "bad_value", "An object is expected")
        return
    for key in body:
        if key not in BANNER_FIELDS:
            errors.add(
                prefix + key,
                "read_only_field" if key in READ_ONLY else "unallowed_field",
                "Unknown field",
            )
    if "status" in body and body["status"] not in STATUSES:
        errors.add(prefix + "status", "unallowed_value", f"Must be one of {', '.join(STATUSES)}")
    given = body.get("urls") if isinstance(body.get("urls"), dict) else {}
    for role in set(given) - set(package["urls"]):
        errors.add(
            f"{prefix}urls.{role}", "unallowed_field", "This link role is not in the package"
        )
    for role, kind in package["urls"].items():
        ref = given.get(role)
        url_id = ref.get("id") if isinstance(ref, dict) else None
        if url_id is None:
            errors.add(f"{prefix}urls.{role}", "required", "This field is required")
        elif url_id not in urls:
            errors.add(f"{prefix}urls.{role}", "url_not_checked", "Unknown or unchecked url id")
        elif kind not in urls[url_id]["url_types"]:
            errors.add(
                f"{prefix}urls.{role}", "url_not_valid", "The link does not fit the specified role"
            )


def check_group(
    body: object, urls: dict[int, dict], errors: Errors, prefix: str, standalone: bool
) -> None:
    if not isinstance(body, dict):
        errors.add(prefix.rstrip("."), "bad_value", "An object is expected")
        return
    allowed = GROUP_FIELDS if standalone else GROUP_FIELDS - {"ad_plan_id"}
    check_common(body, errors, prefix, allowed)
    package = PACKAGES.get(body.get("package_id"))
    if "package_id" not in body:
        errors.add(prefix + "package_id", "required", "This field is required")
    elif package is None:
        errors.add(
            prefix + "package_id", "invalid_package", "The package is not available to this user"
        )
    if (
        package
        and body.get("objective") is not None
        and body["objective"] not in package["objective"]
    ):
        errors.add(
            prefix + "objective", "unallowed_value", "The objective is not one of the package's"
        )
    restriction = body.get("age_restrictions")
    if restriction is not None and not re.fullmatch(r"[1-9]?[0-9]\+", str(restriction)):
        errors.add(prefix + "age_restrictions", "bad_value", "Age restriction like 18+ is expected")
    if "targetings" in body:
        check_targetings(body["targetings"], errors, prefix)
    banners = body.get("banners", [])
    if not isinstance(banners, list):
        errors.add(prefix + "banners", "bad_value", "A list is expected")
    elif package:
        for j, banner in enumerate(banners):
            check_banner(banner, package, urls, errors, f"{prefix}banners.{j}.")


def check_plan(body: object, urls: dict[int, dict]) -> Errors:
    errors = Errors()
    if not isinstance(body, dict):
        errors.add("non_field_errors", "bad_value", "A JSON object is expected")
        return errors
    check_common(body, errors, "", PLAN_FIELDS)
    groups = body.get("ad_groups")
    if not isinstance(groups, list) or not groups:
        errors.add("ad_groups", "required", "This field is required")
        return errors
    objective = body.get("objective")
    for i, group in enumerate(groups):
        check_group(group, urls, errors, f"ad_groups.{i}.", standalone=False)
        package = PACKAGES.get(group.get("package_id")) if isinstance(group, dict) else None
        if objective and package and objective not in package["objective"]:
            errors.add("objective", "unallowed_value", "The objective is not one of the package's")
    return errors


def url_types(url: str) -> tuple[list[str], str] | None:
    """What VK Ads' URL check says about a link: its types and object id (None: invalid)."""
    match = re.fullmatch(r"https?://(?:m\.)?vk\.(?:com|ru)/wall(-?\d+_\d+)/?", url)
    if match:
        return ["external_new", "vk_post", "internal", "vk"], match.group(1)
    match = re.fullmatch(r"https?://(?:m\.)?vk\.(?:com|ru)/(?:club|public)?([A-Za-z0-9_.]+)/?", url)
    if match:
        return ["external_new", "vk_group", "internal", "vk"], match.group(1)
    if re.fullmatch(r"https?://[^\s/]+\.[^\s/]+(/\S*)?", url):
        return ["external", "external_new"], ""
    return None
