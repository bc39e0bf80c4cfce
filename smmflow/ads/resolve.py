"""`smmflow ads resolve`: each platform's ids for the names an audience uses, found with
the platforms' own search endpoints and written into the audience file for review.

Meta: `GET /search` with `type=adgeolocation` (regions, cities, in the audience's
countries), `adinterest`, `adlocale`. VK Ads: `/api/v2/regions.json` (countries,
regions and cities are all regions there) and `/api/v2/targetings_tree.json` for
interests. A name matches when it is the same without regard to case and diacritics; ids
already in the file are kept (they were reviewed), ids of names no longer used go.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..content.audience import ID_KINDS, Area, Audience
from ..content.audiences import parse_audience
from ..content.countries import NAMES
from ..content.places import fold, suggest
from ..errors import Problem
from ..platforms.http import Http, PublishError
from ..platforms.secrets import MissingSecret, secret
from .meta import MetaAds
from .session import load, redactor
from .vk import VkAds
from .writeback import replace_ids

TITLES = {"meta": "Meta", "vk": "VK Ads"}


@dataclass
class Resolved:
    written: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _pick(rows: list[dict], name: str, label: str = "name") -> tuple[list[dict], list[str]]:
    """The rows named `name` (folded), and every name seen (for "did you mean")."""
    names = [str(r.get(label) or "") for r in rows]
    return [r for r in rows if fold(str(r.get(label) or "")) == fold(name)], names


class _Meta:
    def __init__(self, client: MetaAds):
        self.client = client

    def lookup(self, audience: Audience, kind: str, name: str) -> tuple[str | None, str]:
        if kind in ("regions", "cities"):
            countries = [a.name for a in audience.countries]
            params = {"location_types": json.dumps(["region" if kind == "regions" else "city"])}
            if len(countries) == 1:
                params["country_code"] = countries[0]
            rows = self.client.search("adgeolocation", name, **params)
            if not rows and _shorter(name):
                rows = self.client.search("adgeolocation", _shorter(name), **params)
            rows = [r for r in rows if not countries or r.get("country_code") in countries]
            found, names = _pick(rows, name)
            label = "key"
        else:
            rows = self.client.search("adinterest" if kind == "interests" else "adlocale", name)
            found, names = _pick(rows, name)
            label = "id" if kind == "interests" else "key"
        return _one(found, names, name, label)


class _Vk:
    def __init__(self, client: VkAds):
        self.client = client
        self._tree: list[dict] | None = None

    def _interests(self) -> list[dict]:
        if self._tree is None:
            body = self.client.get("/api/v2/targetings_tree.json", targetings="interests")
            trees = body.get("items") if "items" in body else [body]
            nodes: list[dict] = []
            for tree in trees or []:
                for node in (tree or {}).get("interests") or []:
                    nodes += [node, *(node.get("children") or [])]
            self._tree = nodes
        return self._tree

    def lookup(self, audience: Audience, kind: str, name: str) -> tuple[str | None, str]:
        if kind == "interests":
            found, names = _pick(self._interests(), name)
        else:
            query = NAMES.get(name, name) if kind == "countries" else name
            rows = self.client.get("/api/v2/regions.json", _q=query).get("items") or []
            if not rows and _shorter(query):
                rows = (
                    self.client.get("/api/v2/regions.json", _q=_shorter(query)).get("items") or []
                )
            found, names = _pick(rows, query)
        return _one(found, names, name, "id")


def _one(found: list[dict], names: list[str], name: str, label: str) -> tuple[str | None, str]:
    keys = list(dict.fromkeys(str(r.get(label)) for r in found if r.get(label) is not None))
    if len(keys) == 1:
        return keys[0], ""
    if keys:
        return None, f"{name!r} names several: {', '.join(keys)}; make the name more precise"
    hint = suggest(name, names)
    if not hint and names:
        hint = "; it knows " + ", ".join(repr(n) for n in list(dict.fromkeys(names))[:3])
    return None, f"no match for {name!r}{hint}"


def _shorter(query: str) -> str | None:
    """A shorter query that finds names close to one that matched nothing (Bucuresti →
    Buc → Bucharest), for "did you mean"."""
    word = query.split()[0] if query.split() else ""
    return word[:3] if len(word) > 3 else None


def _client(platform: str, account, http: Http, environ: dict):
    token = secret(account.get("token_env"), "token_env", f"{platform}_ads", environ)
    if platform == "meta":
        return _Meta(MetaAds(http, account.get("account"), token, account.get("api")))
    return _Vk(VkAds(http, token, account.get("api")))


def _areas(audience: Audience, kind: str) -> tuple[Area, ...]:
    return getattr(audience, kind)


def resolve_audience(audience: Audience, clients: dict, result: Resolved) -> dict:
    """The audience's ids after asking each platform for the names it lacks."""
    ids: dict = {}
    for platform, client in clients.items():
        for kind in ID_KINDS[platform]:
            table = ids.setdefault(platform, {}).setdefault(kind, {})
            for area in _areas(audience, kind):
                known = audience.id_of(platform, kind, area.name)
                if known is None:
                    try:
                        known, why = client.lookup(audience, kind, area.name)
                    except PublishError as exc:
                        known, why = None, exc.message
                    if known is None:
                        message = f"{TITLES[platform]}: {why}"
                        result.problems.append(Problem(audience.path, area.line, area.key, message))
                        continue
                table[area.name] = known
    return ids


def run(root: Path, group: str | None, only: str | None) -> Resolved:
    environ = dict(os.environ)
    repo, ads = load(root, group)
    http = Http(redactor(repo, ads, environ))
    result = Resolved()
    chosen = [
        a
        for (g, n), a in sorted(ads.audiences.items())
        if (group is None or g == group) and (only is None or n == only)
    ]
    for audience in chosen:
        settings = ads.settings.get(audience.group)
        clients = {}
        for platform, account in settings.accounts.items() if settings else ():
            try:
                clients[platform] = _client(platform, account, http, environ)
            except MissingSecret as exc:
                result.problems.append(Problem(audience.path, 0, "", str(exc)))
        ids = resolve_audience(audience, clients, result)
        ids = {
            p: ids.get(p) or audience.ids.get(p, {})
            for p in ("meta", "vk")
            if ids.get(p) or audience.ids.get(p)
        }
        _write(root, audience, ids, ads, result)
    return result


def _write(root: Path, audience: Audience, ids: dict, ads, result: Resolved) -> None:
    path = root / audience.path
    old = path.read_text(encoding="utf-8")
    new = replace_ids(old, ids)
    if new == old:
        return
    _, problems = parse_audience(audience.path, audience.group, audience.name, new, ads.places)
    if any(p.code == "yaml" for p in problems):  # never write a file that would not read
        result.problems.append(
            Problem(audience.path, 0, "", "could not write the ids: the file would not read back")
        )
        return
    path.write_text(new, encoding="utf-8")
    result.written.append(f"{audience.path}: ids written")
