"""Places files: `places/<set>.csv`, named points (a metro station, a shop) that audiences
target with a radius, read with the line of every row; names found as people write them.

A places file is CSV with a header naming at least `name`, `latitude` and `longitude`
(`kind` and any other columns are optional; `kind` defaults to `place`). Names are found
without regard to case or diacritics (`Piata Unirii` is `Piața Unirii`, cedilla or
comma below alike); a name in several files is written `<set>/<name>`.
"""

from __future__ import annotations

import csv
import difflib
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from ..text.guard import invisible

FOLDER = "places"
REQUIRED = ("name", "latitude", "longitude")
MAX_BYTES = 4 * 1024 * 1024  # a city's stations are a few KB; a whole country's shops fit


def fold(text: str) -> str:
    """`text` without case, diacritics or extra spaces: how names are compared."""
    plain = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(bare.split())


def suggest(word: str, choices: list[str]) -> str:
    """` (did you mean 'X'?)` for the closest of `choices`, compared folded; else ""."""
    folded = {fold(c): c for c in choices}
    close = difflib.get_close_matches(fold(word), list(folded), n=1, cutoff=0.6)
    return f" (did you mean {folded[close[0]]!r}?)" if close else ""


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    kind: str
    path: str  # places/<set>.csv
    line: int

    @property
    def set(self) -> str:
        return Path(self.path).stem

    @property
    def qualified(self) -> str:
        return f"{self.set}/{self.name}"


@dataclass
class Places:
    """Every place of a repository, and the problems of its places files."""

    places: list[Place] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def find(self, name: str) -> tuple[Place | None, str]:
        """The place `name` means, or None and why (unknown, with a "did you mean", or
        found in several files)."""
        wanted = fold(name)
        chosen = self.places
        if "/" in name:
            prefix, _, rest = name.partition("/")
            scoped = [p for p in self.places if p.set == prefix.strip()]
            if scoped:
                chosen, wanted = scoped, fold(rest)
        found = [p for p in chosen if fold(p.name) == wanted]
        if len(found) == 1:
            return found[0], ""
        if found:
            where = ", ".join(f"{p.path}:{p.line}" for p in found)
            options = " or ".join(repr(p.qualified) for p in found)
            return None, f"{name!r} is in several places files ({where}): write {options}"
        hint = suggest(name, [p.name for p in chosen])
        if not self.places:
            return (
                None,
                f"unknown place {name!r}: there is no places/*.csv file (see `smmflow places import`)",
            )
        return None, f"unknown place {name!r}{hint}; places come from places/*.csv"


def _number(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if low <= value <= high and value == value else None


def read_rows(rel: str, text: str) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """The rows of one CSV text with their lines, header checked; problems of the header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [Problem(rel, 1, "", "empty: write a header `name,latitude,longitude,kind`")]
    except csv.Error as exc:
        return [], [Problem(rel, 1, "", f"not CSV: {exc}")]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        message = f"the header lacks {', '.join(missing)}: it must name {', '.join(REQUIRED)} (and may name kind)"
        return [], [Problem(rel, 1, "", message, code="places-header")]
    rows, problems, line = [], [], reader.line_num
    try:
        for values in reader:
            first, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            rows.append((first, dict(zip(header, (v.strip() for v in values), strict=False))))
    except csv.Error as exc:
        problems.append(Problem(rel, line + 1, "", f"not CSV: {exc}"))
    return rows, problems


def _row(rel: str, line: int, row: dict[str, str]) -> tuple[Place | None, list[Problem]]:
    name = row.get("name", "")
    problems = []
    if not name:
        problems.append(Problem(rel, line, "name", "is empty: every place needs a name"))
    elif (bad := invisible(name)) is not None:
        problems.append(Problem(rel, line, "name", bad[1], code="invisible"))
    lat = _number(row.get("latitude", ""), -90, 90)
    lng = _number(row.get("longitude", ""), -180, 180)
    if lat is None:
        message = f"{row.get('latitude', '')!r} is not a latitude (a number from -90 to 90)"
        problems.append(Problem(rel, line, "latitude", message))
    if lng is None:
        message = f"{row.get('longitude', '')!r} is not a longitude (a number from -180 to 180)"
        problems.append(Problem(rel, line, "longitude", message))
    if problems:
        return None, problems
    return Place(name, lat, lng, row.get("kind") or "place", rel, line), []


def parse_places(rel: str, text: str) -> tuple[list[Place], list[Problem]]:
    """The places of one file (`rel`: its path), every problem with its line."""
    rows, problems = read_rows(rel, text)
    found: list[Place] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        place, wrong = _row(rel, line, row)
        problems += wrong
        if place is None:
            continue
        key = fold(place.name)
        if key in seen:
            message = f"{place.name!r} is already on line {seen[key]}: names in a file are unique"
            problems.append(Problem(rel, line, "name", message, code="duplicate-place"))
            continue
        seen[key] = line
        found.append(place)
    return found, problems


def load_places(root: Path) -> Places:
    """Every `places/*.csv` of the repository at `root`."""
    result = Places()
    folder = root / FOLDER
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        rel = f"{FOLDER}/{path.name}"
        if not path.is_file() or path.is_symlink():
            result.problems.append(Problem(rel, 0, "", "a places file must be a plain file"))
            continue
        data = path.read_bytes()
        if len(data) > MAX_BYTES:
            message = f"is {len(data):,} bytes; a places file may be at most {MAX_BYTES:,}"
            result.problems.append(Problem(rel, 0, "", message, code="too-big"))
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.problems.append(Problem(rel, 0, "", "not UTF-8 text; save it as UTF-8"))
            continue
        places, problems = parse_places(rel, text)
        result.places += places
        result.problems += problems
        result.paths.append(rel)
    return result
