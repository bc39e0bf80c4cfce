"""JSON Schemas of a post's front matter and of a group file, built from the very tuples
the loaders check keys against (posts.KEYS, groups.KEYS, each platform's settings and
post options, ...), so that an editor completes and flags what `check` would."""

from __future__ import annotations

import json
from pathlib import Path

from ..model import ON_EDIT, STATUSES
from ..platforms import registry
from . import billing, groups, posts, promote
from .adsettings import GROUP_KEYS, SETTINGS
from .media import MEDIA_KEYS
from .platformkeys import names as platform_key_names

DRAFT = "https://json-schema.org/draft/2020-12/schema"
TEXT = {"type": "string"}
TEXTS = {"type": "array", "items": TEXT}
# A key the loader takes that this module does not describe yet: allowed, and the schema
# test names it (tests/test_setup.py), so a new key gets its description here.
UNDESCRIBED = {"description": "not described yet"}
KINDS = {  # platforms/base.Option.kind -> what YAML may hold
    "text": TEXT,
    "url": {"type": "string", "format": "uri"},
    "datetime": TEXT,
    "flag": {"type": ["boolean", "string"]},
    "number": {"type": ["number", "string"]},
    "words": TEXTS,
}


def _closed(properties: dict, **extra: object) -> dict:
    return {"type": "object", "properties": properties, "additionalProperties": False, **extra}


def _option(option) -> dict:
    if option.kind == "choice":
        return {"enum": list(option.choices), "description": option.help}
    return {**KINDS.get(option.kind, TEXT), "description": option.help}


def post_schema() -> dict:
    """A post's front matter (docs/format.md, "Posts")."""
    media_item = {"oneOf": [TEXT, _closed({key: TEXT for key in MEDIA_KEYS}, required=["src"])]}
    known = {
        "date": {**TEXT, "description": "YYYY-MM-DD HH:MM in the group's timezone"},
        "type": {**TEXT, "description": "one of the group's types (informative, sales, ...)"},
        "platforms": {"oneOf": [TEXTS, TEXT], "description": "account names; default: all"},
        "group": TEXT,
        "status": {"enum": list(STATUSES)},
        "media": {"type": "array", "items": media_item},
        "title": TEXT,
        "promote": _closed({key: {} for key in promote.KEYS}),
        "first_comment": {
            "oneOf": [TEXT, {"type": "object", "additionalProperties": TEXT}],
            "description": "written under the post once it is out; a text, or per account or platform",
        },
    }
    properties = {key: known.get(key, UNDESCRIBED) for key in posts.KEYS}
    for name in platform_key_names():
        options = registry.get(name).post_options  # type: ignore[union-attr]
        properties[name] = _closed({key: _option(o) for key, o in options.items()})
    return {
        "$schema": DRAFT,
        "title": "smmflow post front matter",
        **_closed(properties, required=["date", "type"]),
    }


def _account() -> dict:
    settings = sorted({s for cls in registry.classes().values() for s in cls.settings()})
    return _closed({key: TEXT for key in settings})


def group_schema() -> dict:
    """A group file, schedules/<group>.yml (docs/format.md, "Groups")."""
    mix_rule = _closed({key: {"type": "number"} for key in groups.MIX_KEYS})
    known = {
        "name": TEXT,
        "timezone": {**TEXT, "description": "an IANA zone, e.g. Europe/Bucharest"},
        "approvers": TEXTS,
        "slots": {**TEXTS, "description": 'e.g. ["mon 10:00", "thu 18:30"]'},
        "mix": {"type": "object", "additionalProperties": mix_rule},
        "max_delay": TEXT,
        "accounts": {"type": "object", "additionalProperties": _account(), "minProperties": 1},
        "types": TEXTS,
        "language": {"enum": list(billing.LANGUAGES)},
        "billing": _closed({key: {"type": ["string", "number"]} for key in billing.KEYS}),
        "ads_budget_monthly": TEXT,
        "ads_activate": {"type": ["boolean", "string"]},
        "on_edit": {
            "enum": list(ON_EDIT),
            "description": "an edit after publication a platform cannot make: flag, ignore or repost",
        },
    }
    for platform, key in GROUP_KEYS.items():
        required, optional = SETTINGS[platform]
        known[key] = _closed({k: TEXT for k in (*required, *optional)})
    properties = {key: known.get(key, UNDESCRIBED) for key in (*groups.KEYS, *groups.ADS_KEYS)}
    return {
        "$schema": DRAFT,
        "title": "smmflow group file",
        **_closed(properties, required=["name", "timezone", "accounts"]),
    }


SCHEMAS = {"post.schema.json": post_schema, "group.schema.json": group_schema}


def texts() -> dict[str, str]:
    """The schema files by name, as `smmflow schema` writes them."""
    return {
        name: json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
        for name, build in SCHEMAS.items()
    }


def write_schemas(folder: Path, only_new: bool = False) -> list[Path]:
    """Write (or rewrite) the schema files in `folder`; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, text in texts().items():
        path = folder / name
        if only_new and path.exists():
            continue
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            made.append(path)
    return made
