"""Audience files: `audiences/<group>/<name>.yml`, who a promotion reaches, read into an
`Audience` with the line of every key (the platforms' own rules are `check.adrules`).

Geography: `countries` (always: where the audience is, and which laws apply), then either
`regions`/`cities` (a city may have a radius) or `places` (named points from places/*.csv,
each with a radius); the narrowest given is what the platforms receive. People: `age`
(`25-40`, `18+`), `sex` (all, female, male), `interests`, `languages`. `ids` holds each
platform's ids for the names, written by `smmflow ads resolve`. What the file becomes
(`Audience`, its areas, distances and ages) is `content/audience.py`.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import Problem
from ..text.guard import invisible
from .audience import ID_KINDS, Area, Audience, ages, distance
from .countries import country
from .fields import Fields, did_you_mean
from .places import Places
from .yamlread import YamlProblem, parse

FOLDER = "audiences"
KEYS = (
    "description",
    "countries",
    "regions",
    "cities",
    "places",
    "age",
    "sex",
    "interests",
    "languages",
    "ids",
)
SEXES = ("all", "female", "male")
PLATFORMS = ("meta", "vk")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _areas(f: Fields, raw: dict, kind: str, places: Places, radius: bool) -> tuple[Area, ...]:
    found = []
    items = raw.get(kind)
    if items is None:
        return ()
    if not isinstance(items, list):
        items = [items]
    for i, item in enumerate(items):
        key = f"{kind}.{i}"
        spec = item if isinstance(item, dict) else {"name": item}
        if isinstance(item, dict):
            f.unknown_keys(item, ("name", "radius") if radius else ("name",), key + ".")
        name = f.string(f"{key}.name" if isinstance(item, dict) else key, spec.get("name"))
        if not name or not name.strip():
            f.error(key, "needs a name", "missing")
            continue
        if (bad := invisible(name)) is not None:
            f.error(key, bad[1], "invisible")
            continue
        area = _area(f, kind, key, name.strip(), spec, places)
        if area is not None:
            found.append(area)
    return tuple(found)


def _area(f: Fields, kind: str, key: str, name: str, spec: dict, places: Places) -> Area | None:
    line = f.line(key)
    span = None
    if spec.get("radius") is not None:
        text = f.string(f"{key}.radius", spec["radius"]) or ""
        span = distance(text)
        if span is None or span.value <= 0:
            f.error(
                f"{key}.radius",
                f"{text!r} is not a distance: write it like 2 km, 1.5 mi or 800 m",
                "radius",
            )
            return None
    elif kind == "places":
        f.error(key, f"place {name!r} needs a radius, e.g. `radius: 2 km`", "radius")
        return None
    if kind == "countries":
        code, why = country(name)
        if code is None:
            f.error(key, why, "unknown-country")
            return None
        return Area(kind, code, key, line)
    point = None
    if kind == "places":
        point, why = places.find(name)
        if point is None:
            f.error(key, why, "unknown-place")
            return None
    return Area(kind, name, key, line, span, point)


def _people(f: Fields, raw: dict) -> dict:
    out: dict = {}
    text = f.string("age", raw.get("age"))
    if text is not None:
        found = ages(text)
        if found is None:
            f.error(
                "age", f"{text!r} is not an age range: write 25-40, or 18+ for 18 and older", "age"
            )
        elif found[1] is not None and found[0] > found[1]:
            f.error("age", f"{text}: the lower age is above the upper one", "age")
        else:
            out["age_min"], out["age_max"] = found
    sex = f.string("sex", raw.get("sex"))
    if sex is not None:
        if sex.strip().lower() in SEXES:
            out["sex"] = sex.strip().lower()
        else:
            hint = did_you_mean(sex.lower(), SEXES)
            f.error("sex", f"unknown sex {sex!r}{hint}; write all, female or male", "sex")
    return out


def _ids(f: Fields, raw: object) -> dict:
    found: dict = {}
    mapping = f.mapping("ids", raw)
    for platform, kinds in (mapping or {}).items():
        if platform not in PLATFORMS:
            hint = did_you_mean(platform, PLATFORMS)
            f.error(
                f"ids.{platform}",
                f"unknown platform {platform!r}{hint}; ids are kept for meta and vk",
                value=False,
            )
            continue
        kinds = f.mapping(f"ids.{platform}", kinds) or {}
        f.unknown_keys(kinds, ID_KINDS[platform], f"ids.{platform}.")
        for kind in ID_KINDS[platform]:
            table = f.mapping(f"ids.{platform}.{kind}", kinds.get(kind)) or {}
            for name, value in table.items():
                key = f"ids.{platform}.{kind}.{name}"
                text = f.string(key, value)
                if text is not None and not re.fullmatch(r"-?[0-9]{1,20}", text.strip()):
                    f.error(key, f"{text!r} is not an id (digits); run `smmflow ads resolve`", "id")
                elif text is not None:
                    found.setdefault(platform, {}).setdefault(kind, {})[name] = text.strip()
    return found


def parse_audience(
    rel: str, group: str, name: str, text: str, places: Places
) -> tuple[Audience | None, list[Problem]]:
    """The audience in `text` (the file at `rel`), every problem with its line."""
    problems: list[Problem] = []
    try:
        doc = parse(text)
    except YamlProblem as exc:
        return None, [Problem(rel, exc.line, exc.field, exc.message, code="yaml")]
    if not isinstance(doc.data, dict):
        return None, [
            Problem(
                rel, 1, "", "an audience file must be `key: value` lines (countries:, age:, ...)"
            )
        ]
    raw = doc.data
    f = Fields(rel, doc, problems)
    f.unknown_keys(raw, KEYS)
    if not NAME.match(name):
        problems.append(
            Problem(
                rel,
                0,
                "",
                f"audience name {name!r}: rename the file using lowercase letters, digits and -",
            )
        )
    if "countries" not in raw:
        f.error(
            "countries",
            "is required: where the audience is (ISO codes such as RO, or names)",
            "missing",
        )
    description = f.string("description", raw.get("description")) or ""
    geo = {
        kind: _areas(f, raw, kind, places, kind in ("cities", "places"))
        for kind in ("countries", "regions", "cities", "places")
    }
    if geo["places"] and (geo["regions"] or geo["cities"]):
        f.error(
            "places",
            "give either places or regions/cities, not both: a place with a radius already says where",
            "geo",
        )
    lists = {kind: _areas(f, raw, kind, places, False) for kind in ("interests", "languages")}
    audience = Audience(
        name,
        group,
        rel,
        description,
        **geo,
        **lists,
        **_people(f, raw),
        ids=_ids(f, raw.get("ids")),
        lines={k: v for k, v in doc.lines.items() if "#" not in k},
    )
    return audience, problems


def load_audiences(
    root: Path, places: Places
) -> tuple[dict[tuple[str, str], Audience], list[Problem]]:
    """(group, name) -> audience for every `audiences/<group>/<name>.yml`, and problems."""
    found: dict[tuple[str, str], Audience] = {}
    problems: list[Problem] = []
    folder = root / FOLDER
    for path in sorted(folder.glob("*/*.yml")) if folder.is_dir() else []:
        rel = path.relative_to(root).as_posix()
        if path.is_symlink() or not path.is_file():
            problems.append(Problem(rel, 0, "", "an audience file must be a plain file"))
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(rel, 0, "", "not UTF-8 text; save it as UTF-8"))
            continue
        audience, wrong = parse_audience(rel, path.parent.name, path.stem, text, places)
        problems += wrong
        if audience is not None:
            found[(audience.group, audience.name)] = audience
    return found, problems
