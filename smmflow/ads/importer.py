"""`smmflow places import FILE`: points from a CSV or GeoJSON file (an OpenStreetMap
export, a shop list) into `places/<name>.csv`, the places file audiences name.

CSV: a header with `name` and `latitude`/`lat`/`y` and `longitude`/`lon`/`lng`/`x`
columns (`kind` optional). GeoJSON: a FeatureCollection; a Point is its own place, any
other geometry the centre of its vertices (an OSM way around a station). Names come from
`properties.name` (or `properties.tags.name`); OSM's `railway=station` (or
`public_transport=station`) with `station=subway` (or `subway=yes`) is a `metro_station`.
A row that cannot be a place is reported at its line and left out; places already in the
file are kept as they are.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..content.places import FOLDER, fold, parse_places
from ..errors import Problem, UsageError
from ..outputs import writing

LAT = ("latitude", "lat", "y")
LNG = ("longitude", "lon", "lng", "long", "x")
OSM_NOTE = (
    "OpenStreetMap data is © OpenStreetMap contributors under the Open Database License "
    "(ODbL 1.0): keep {path} under the ODbL and credit OpenStreetMap beside it "
    "(docs/ads.md, Places)"
)


@dataclass(frozen=True)
class Row:
    line: int  # CSV: its line; GeoJSON: 0 (the feature is named in `key`)
    key: str  # "" or features.N
    name: str
    lat: str
    lng: str
    kind: str


@dataclass
class Imported:
    path: str
    added: int = 0
    kept: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _from_csv(shown: str, text: str, kind: str | None) -> tuple[list[Row], list[Problem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]

    def column(names: tuple[str, ...]) -> int | None:
        return next((header.index(n) for n in names if n in header), None)

    lat, lng, name = column(LAT), column(LNG), column(("name",))
    if None in (lat, lng, name):
        message = (
            "the header must name the columns name, latitude (or lat) and longitude (or lon, lng)"
        )
        return [], [Problem(shown, 1, "", message)]
    where = column(("kind",))
    rows, line = [], reader.line_num
    for values in reader:
        first, line = line + 1, reader.line_num
        cells = values + [""] * len(header)
        given = cells[where].strip() if where is not None else ""
        rows.append(
            Row(first, "", cells[name].strip(), cells[lat], cells[lng], kind or given or "place")
        )
    return rows, []


def _centre(geometry: dict) -> tuple[float, float] | None:
    """(latitude, longitude) of a Point, or the mean of any geometry's vertices."""
    points: list = []

    def walk(value: object) -> None:
        if (
            isinstance(value, list)
            and len(value) >= 2
            and all(isinstance(v, (int, float)) for v in value[:2])
        ):
            points.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(geometry.get("coordinates"))
    if not points:
        return None
    return sum(p[1] for p in points) / len(points), sum(p[0] for p in points) / len(points)


def _osm_kind(props: dict) -> str:
    tags = {**props, **(props.get("tags") if isinstance(props.get("tags"), dict) else {})}
    subway = tags.get("station") == "subway" or tags.get("subway") == "yes"
    station = "station" in (tags.get("railway"), tags.get("public_transport"))
    return "metro_station" if subway and station else "place"


def _from_geojson(shown: str, text: str, kind: str | None) -> tuple[list[Row], list[Problem]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [], [Problem(shown, 1, "", f"not JSON: {exc}")]
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        return [], [Problem(shown, 1, "", "not a GeoJSON FeatureCollection (no `features` list)")]
    rows = []
    for i, feature in enumerate(features):
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        tags = props.get("tags") if isinstance(props.get("tags"), dict) else {}
        name = str(props.get("name") or tags.get("name") or "").strip()
        geometry = feature.get("geometry")
        centre = _centre(geometry) if isinstance(geometry, dict) else None
        lat, lng = (f"{centre[0]:.6f}", f"{centre[1]:.6f}") if centre else ("", "")
        rows.append(Row(0, f"features.{i}", name, lat, lng, kind or _osm_kind(props)))
    return rows, []


def _valid(shown: str, rows: list[Row]) -> tuple[list[Row], list[Problem]]:
    """The rows that are places; a problem at the source's line for each that is not."""
    good, problems = [], []
    for row in rows:
        text = "name,latitude,longitude,kind\n" + ",".join(
            _cell(v) for v in (row.name, row.lat, row.lng, row.kind)
        )
        _, wrong = parse_places(shown, text)
        for p in wrong:
            field_name = f"{row.key}.{p.field}" if row.key else p.field
            problems.append(Problem(shown, row.line, field_name, p.message + ": left out"))
        if not wrong:
            good.append(row)
    return good, problems


def _cell(value: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([value])
    return out.getvalue()


def _merge(rel: str, existing: str, rows: list[Row]) -> tuple[str, int, int]:
    """The file with the new places appended (its own bytes, columns and order kept);
    a place whose name is there already is left as it is."""
    kept, _ = parse_places(rel, existing) if existing else ([], [])
    seen = {fold(p.name) for p in kept}
    new = []
    for row in rows:
        if fold(row.name) not in seen:
            seen.add(fold(row.name))
            new.append(row)
    header = next(csv.reader(io.StringIO(existing)), []) if existing else []
    columns = [h.strip().lower() for h in header] or ["name", "latitude", "longitude", "kind"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not existing:
        writer.writerow(columns)
    elif not existing.endswith("\n"):
        out.write("\n")
    for row in sorted(new, key=lambda r: fold(r.name)):
        values = {
            "name": row.name,
            "latitude": row.lat.strip(),
            "longitude": row.lng.strip(),
            "kind": row.kind,
        }
        writer.writerow([values.get(c, "") for c in columns])
    return existing + out.getvalue(), len(new), len(kept)


def run(root: Path, source: Path, name: str | None, kind: str | None) -> Imported:
    """Import `source` into places/<name>.csv under `root`."""
    stem = name if name is not None else source.stem
    if not stem or "/" in stem or "\\" in stem or stem.startswith("."):
        raise UsageError(f"--name {stem!r}: give a plain file name, e.g. bucharest-metro")
    target = f"{FOLDER}/{stem}.csv"
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{source}: cannot read it as UTF-8 text ({exc})") from None
    shown = str(source)
    geo = source.suffix.lower() in (".geojson", ".json") or text.lstrip().startswith("{")
    rows, problems = (_from_geojson if geo else _from_csv)(shown, text, kind)
    rows, wrong = _valid(shown, rows)
    path = root / target
    existing = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
    merged, added, kept = _merge(target, existing, rows)
    done = Imported(target, added, kept, problems + wrong)
    if added:
        with writing(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(merged, encoding="utf-8")
    if "openstreetmap" in text.lower() or "osm" in source.name.lower() or '"@id"' in text:
        done.notes.append(OSM_NOTE.format(path=target))
    return done
