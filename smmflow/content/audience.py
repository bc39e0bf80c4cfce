"""What an audience is once read: the `Audience` with its `Area`s (countries, regions,
cities, places, interests, languages), a radius as a `Distance`, ages as (min, max); and
the two value parsers (`distance`, `ages`). `content/audiences.py` reads the files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .places import Place, fold

# What each platform needs ids for (the rest it takes as written: ISO codes, points).
ID_KINDS = {
    "meta": ("regions", "cities", "interests", "languages"),
    "vk": ("countries", "regions", "cities", "interests"),
}
_DISTANCE = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(km|kilometers?|kilometres?|mi|miles?|m|meters?|metres?)\s*$",
    re.IGNORECASE,
)
_AGE = re.compile(r"^\s*(\d{1,3})\s*(?:([-–—])\s*(\d{1,3})\s*(\+?)|(\+))?\s*$")


@dataclass(frozen=True)
class Distance:
    value: float
    unit: str  # km | mi | m
    text: str  # as written

    @property
    def meters(self) -> float:
        return self.value * {"km": 1000.0, "mi": 1609.344, "m": 1.0}[self.unit]


@dataclass(frozen=True)
class Area:
    """One geographic item: a country, region, city or place, maybe with a radius."""

    kind: str  # countries | regions | cities | places
    name: str  # as written (a country: its ISO code)
    key: str  # dotted key in the file, e.g. places.0
    line: int
    radius: Distance | None = None
    place: Place | None = None  # for places: the point, once found


@dataclass(frozen=True)
class Audience:
    name: str
    group: str
    path: str
    description: str = ""
    countries: tuple[Area, ...] = ()
    regions: tuple[Area, ...] = ()
    cities: tuple[Area, ...] = ()
    places: tuple[Area, ...] = ()
    age_min: int | None = None
    age_max: int | None = None  # None: and older
    sex: str = "all"
    interests: tuple[Area, ...] = ()
    languages: tuple[Area, ...] = ()
    ids: dict = field(default_factory=dict, compare=False)  # platform -> kind -> name -> id
    lines: dict = field(default_factory=dict, compare=False)

    def line(self, key: str) -> int:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return 1

    def id_of(self, platform: str, kind: str, name: str) -> str | None:
        table = self.ids.get(platform, {}).get(kind, {})
        if name in table:
            return table[name]
        folded = fold(name)
        return next((v for k, v in table.items() if fold(k) == folded), None)


def distance(text: str) -> Distance | None:
    found = _DISTANCE.match(text)
    if not found:
        return None
    unit = found.group(2).lower()
    unit = "mi" if unit.startswith("mi") else "km" if unit.startswith("k") else "m"
    return Distance(float(found.group(1).replace(",", ".")), unit, text.strip())


def ages(text: str) -> tuple[int, int | None] | None:
    """(min, max) from `25-40`, `25–40`, `18+`, `25-65+` or `30`; max None: and older."""
    found = _AGE.match(text)
    if not found:
        return None
    low = int(found.group(1))
    if found.group(5):
        return low, None
    if found.group(3) is None:
        return low, low
    return low, None if found.group(4) else int(found.group(3))
