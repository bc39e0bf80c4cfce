"""Reading `schedules/<group>.yml` into a `Group`, reporting every problem with its line."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from urllib.parse import urlsplit

from ..errors import Problem, Severity
from ..model import DEFAULT_TYPES, ON_EDIT, Account, Group, MixRule, Slot
from ..platforms import registry
from ..platforms.base import Platform
from .billing import billing, language
from .fields import Fields, did_you_mean, one_of
from .timeparse import TimeError, parse_duration, parse_slot, zone
from .yamlread import YamlProblem, parse

GROUP_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEYS = (
    "name",
    "timezone",
    "approvers",
    "slots",
    "mix",
    "max_delay",
    "accounts",
    "types",
    "language",
    "billing",
    "on_edit",
)
# Read by `content.adsettings` (ads), checked by `check`: a typo there never stops publishing.
ADS_KEYS = ("meta_ads", "vk_ads", "ads_budget_monthly", "ads_activate")
MIX_KEYS = ("max_share", "min_share", "max_in_a_row")
SECRET_WORDS = ("token", "password", "secret", "key", "api_key", "access_token")


def url_problem(text: str) -> str | None:
    """What is wrong with a setting that must be a web address (http or https, a host)."""
    if not text.strip():
        return "is empty: write a web address, e.g. https://example.com/"
    try:
        parts = urlsplit(text.strip())
        host = parts.hostname
    except ValueError as exc:
        return f"{text!r} is not a web address ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"scheme {parts.scheme}:" if parts.scheme else "no scheme"
        return f"{text!r} is not a web address ({scheme}): use an https:// (or http://) URL"
    if not host:
        return f"{text!r} has no host: write it like https://example.com/"
    return None


def _accounts(f: Fields, raw: object) -> tuple[Account, ...]:
    mapping = f.mapping("accounts", raw)
    if mapping is None:
        return ()
    if not mapping:
        f.error(
            "accounts",
            "a group needs at least one account (the built-in `feed: {}` needs no token)",
        )
        return ()
    accounts = []
    for name, settings in mapping.items():
        key = f"accounts.{name}"
        if not GROUP_ID.match(name):
            f.error(key, f"account name {name!r}: use lowercase letters, digits and -", value=False)
            continue
        settings = f.mapping(key, settings)
        cls = _platform(f, key, name, settings) if settings is not None else None
        if cls is None or settings is None:
            continue
        values = _settings(f, key, cls, settings)
        for needed in cls.required:
            if needed not in settings:
                f.error(key, f"{cls.name} account needs `{needed}`", "missing", value=False)
        accounts.append(Account(name, cls.name, tuple(values), f.line(key, value=False)))
    return tuple(accounts)


def _platform(f: Fields, key: str, name: str, settings: dict) -> type[Platform] | None:
    """The platform an account names (`platform:`, else its own name), or None (said)."""
    platform = settings.get("platform") or name
    cls = registry.get(str(platform))
    if cls is None:
        hint = did_you_mean(str(platform), registry.names())
        where = f"{key}.platform" if "platform" in settings else key
        message = f"unknown platform {platform!r}{hint}; known: {one_of(registry.names())}"
        f.error(where, message, "unknown-platform", value=False)
    return cls


def _settings(f: Fields, key: str, cls: type[Platform], settings: dict) -> list[tuple[str, str]]:
    """An account's settings its platform knows; never a secret written in the file."""
    values: list[tuple[str, str]] = []
    for setting, value in settings.items():
        skey = f"{key}.{setting}"
        if setting in SECRET_WORDS:
            message = (
                "never write a secret here: name the environment variable that holds it "
                f"with `{setting}_env: NAME`"
            )
            f.error(skey, message, "secret-in-file", value=False)
            continue
        if setting not in cls.settings():
            hint = did_you_mean(setting, cls.settings())
            message = f"unknown setting {setting!r} for {cls.name}{hint}; allowed: {one_of(cls.settings())}"
            f.error(skey, message, "unknown-key", value=False)
            continue
        text = f.string(skey, value)
        if text is not None and setting in cls.urls and (wrong := url_problem(text)):
            f.error(skey, wrong, "url")
        if text is not None and setting != "platform":
            values.append((setting, text))
    return values


def _mix(f: Fields, raw: object, types: tuple[str, ...]) -> tuple[MixRule, ...]:
    mapping = f.mapping("mix", raw)
    rules = []
    for post_type, rule in (mapping or {}).items():
        key = f"mix.{post_type}"
        if post_type not in types:
            f.error(
                key, f"unknown post type {post_type!r}{did_you_mean(post_type, types)}", value=False
            )
            continue
        rule = f.mapping(key, rule)
        if rule is None:
            continue
        f.unknown_keys(rule, MIX_KEYS, key + ".")
        low = f.number(f"{key}.min_share", rule.get("min_share"), 0, 1)
        high = f.number(f"{key}.max_share", rule.get("max_share"), 0, 1)
        run = f.integer(f"{key}.max_in_a_row", rule.get("max_in_a_row"), 1)
        if low is not None and high is not None and low > high:
            f.error(f"{key}.min_share", "min_share is above max_share: no month can satisfy it")
        rules.append(MixRule(post_type, high, low, run))
    return tuple(rules)


def _slots(f: Fields, raw: object) -> tuple[Slot, ...]:
    slots = []
    for i, text in enumerate(f.strings("slots", raw) or ()):
        try:
            weekday, time = parse_slot(text)
        except TimeError as exc:
            f.error(f"slots.{i}", str(exc), "slot")
            continue
        slots.append(Slot(weekday, time, text))
    return tuple(sorted(slots, key=lambda s: (s.weekday, s.time)))


def load_group(rel: str, group_id: str, text: str) -> tuple[Group | None, list[Problem]]:
    """Build a `Group` from the text of `schedules/<group_id>.yml` (path `rel`)."""
    problems: list[Problem] = []
    if not GROUP_ID.match(group_id):
        problems.append(
            Problem(
                rel,
                0,
                "",
                f"group id {group_id!r}: rename the file using lowercase letters, digits and -",
            )
        )
    try:
        doc = parse(text)
    except YamlProblem as exc:
        return None, [Problem(rel, exc.line, exc.field, exc.message, code="yaml")]
    if not isinstance(doc.data, dict):
        return None, [Problem(rel, 1, "", "a group file must be a mapping of `key: value` lines")]
    raw = doc.data
    f = Fields(rel, doc, problems)
    f.unknown_keys(raw, KEYS + ADS_KEYS)
    name = f.string("name", raw.get("name"), required=True) or group_id
    tz_name = f.string("timezone", raw.get("timezone"), required=True)
    if tz_name is not None:
        try:
            zone(tz_name)
        except TimeError as exc:
            f.error("timezone", str(exc), "timezone")
            tz_name = None
    types = f.strings("types", raw.get("types")) or DEFAULT_TYPES
    max_delay = dt.timedelta(hours=24)
    if raw.get("max_delay") is not None:
        text = f.string("max_delay", raw.get("max_delay"))
        try:
            max_delay = parse_duration(text or "")
        except TimeError as exc:
            f.error("max_delay", str(exc), "duration")
    if "accounts" not in raw:
        f.error(
            "accounts",
            "is required: list where this group publishes (`feed: {}` needs no token)",
            "missing",
        )
    group = Group(
        id=group_id,
        name=name,
        timezone=tz_name or "UTC",
        path=rel,
        accounts=_accounts(f, raw.get("accounts")) if "accounts" in raw else (),
        approvers=f.strings("approvers", raw.get("approvers")) or (),
        slots=_slots(f, raw.get("slots")),
        mix=_mix(f, raw.get("mix"), types),
        max_delay=max_delay,
        types=types,
        lines=tuple((k, v) for k, v in doc.lines.items() if "#" not in k),
        language=language(f, raw.get("language")),
        billing=billing(f, raw.get("billing")),
    )
    group = replace(group, on_edit=_on_edit(f, raw.get("on_edit"), group.accounts))
    return group, problems


def _on_edit(f: Fields, value: object, accounts: tuple[Account, ...]) -> str:
    """`on_edit:` what an edit after publication does where the platform cannot edit."""
    choice = f.string("on_edit", value)
    if choice is None:
        return "flag"
    if choice not in ON_EDIT:
        hint = did_you_mean(choice, ON_EDIT)
        f.error(
            "on_edit", f"unknown choice {choice!r}{hint}; use one of: {one_of(ON_EDIT)}", "choice"
        )
        return "flag"
    if choice == "repost":
        stuck = []
        for account in accounts:
            cls = registry.get(account.platform)
            if cls is not None and not getattr(cls, "can_edit", False):
                if not getattr(cls, "can_delete", False):
                    stuck.append(f"{account.name} ({cls.title})")
        if stuck:
            message = (
                f"repost deletes the published post first, and smmflow cannot delete on "
                f"{', '.join(stuck)}: there an edit is flagged instead"
            )
            f.problems.append(
                Problem(f.path, f.line("on_edit"), "on_edit", message, Severity.WARNING, "on-edit")
            )
    return choice
