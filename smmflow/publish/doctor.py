"""`smmflow doctor`: is every account ready to publish? Secrets present and valid,
permissions, tokens about to expire — asked of each platform with a harmless read call."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..content.repo import Repo, require_selection
from ..platforms import registry
from ..platforms.base import Context, Finding, Publisher
from ..platforms.community import inbox_for
from ..platforms.http import Http, Policy, PublishError
from ..platforms.secrets import MissingSecret, env_secrets


@dataclass(frozen=True)
class Line:
    group: str
    account: str
    platform: str
    level: str
    message: str


def diagnose(
    repo: Repo,
    group: str | None = None,
    account: str | None = None,
    environ: Mapping[str, str] | None = None,
    inbox_groups: set[str] | None = None,
) -> list[Line]:
    """Each chosen account's findings; `inbox:` lines after them where the platform can
    read comments (errors count only for `inbox_groups`, warnings elsewhere)."""
    require_selection(repo, group, account)
    environ = dict(os.environ if environ is None else environ)
    redact = env_secrets(repo.groups.values(), environ)
    http = Http(redact, Policy(attempts=2, backoff=0.5, max_wait=10, read_timeout=15))
    lines: list[Line] = []
    for grp in sorted(repo.groups.values(), key=lambda g: g.id):
        if group and grp.id != group:
            continue
        for acc in grp.accounts:
            if account and acc.name != account:
                continue
            cls = registry.get(acc.platform)
            if cls is None or not issubclass(cls, Publisher):
                found = [Finding("error", f"smmflow cannot publish to {acc.platform} yet")]
            else:
                publisher = cls(acc, Context(repo.root, grp, http, environ, redact))
                try:
                    found = publisher.doctor()
                    found += _inbox(publisher, found, grp.id in (inbox_groups or ()))
                except (PublishError, MissingSecret) as exc:
                    found = [Finding("error", str(exc))]
            for finding in found or [Finding("ok", "ready (needs no secrets)")]:
                message = redact(finding.message)
                lines.append(Line(grp.id, acc.name, acc.platform, finding.level, message))
    return lines


def _inbox(publisher: Publisher, found: list[Finding], strict: bool) -> list[Finding]:
    """What reading and answering comments lacks on an account that can publish."""
    part = inbox_for(publisher)
    if part is None or any(f.level == "error" for f in found):
        return []
    try:
        lines = part.doctor()
    except (PublishError, MissingSecret) as exc:
        lines = [Finding("error", str(exc))]
    return [
        Finding(f.level if strict or f.level != "error" else "warning", f"inbox: {f.message}")
        for f in lines
    ]
