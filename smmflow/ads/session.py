"""One `ads` command end to end: the repository and its ads loaded, secrets redacted, the
shared ledger opened; `push` runs every selected promotion through `push.Pusher`."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..check import ads as adcheck
from ..check.ads import Ads
from ..content import repo as repo_module
from ..content.promote import Promotion
from ..content.repo import Repo
from ..ledger.branch import LedgerRecordError, open_ledger
from ..ledger.committed import Committed, publish_branch
from ..ledger.guard import LedgerDiverged
from ..ledger.records import LEASE
from ..ledger.renames import adopt
from ..ledger.states import Clock
from ..platforms.http import Http
from ..platforms.secrets import Redactor, env_secrets
from ..review import approvals, hold
from ..review.github import GitHub
from .gate import Gate
from .outcomes import Outcome, Report
from .push import Pusher


@dataclass(frozen=True)
class Options:
    now: dt.datetime
    group: str | None = None
    remote: str | None = None
    branch: str | None = None  # the publish branch (default main)
    approvals: str | None = None  # github | branch
    lease: dt.timedelta = LEASE


def redactor(repo: Repo, ads: Ads, environ: Mapping[str, str]) -> Redactor:
    """Every secret of the publishing accounts and of the ad accounts."""
    found = env_secrets(repo.groups.values(), environ)
    for settings in ads.settings.values():
        for account in settings.accounts.values():
            found.add(environ.get(account.get("token_env")))
    return found


def load(root: Path, group: str | None) -> tuple[Repo, Ads]:
    repo = repo_module.load(root)
    repo_module.require_selection(repo, group)
    return repo, adcheck.load(repo)


def selected(ads: Ads, group: str | None) -> list[Promotion]:
    chosen = [p for p in ads.promotions if group is None or p.post.group == group]
    return sorted(chosen, key=lambda p: (p.post.ts, p.post.path))


def run_push(root: Path, options: Options, environ: Mapping[str, str] | None = None) -> Report:
    """Push every promotion of the selection (its platforms in order); the report."""
    environ = dict(os.environ if environ is None else environ)
    repo, ads = load(root, options.group)
    redact = redactor(repo, ads, environ)
    store, ledger = open_ledger(root, options.remote, redact, shared=True)
    report = Report()
    try:
        committed = Committed(store, publish_branch(store, options.branch))
        # A renamed post keeps its records, its promotions too (never a second campaign).
        adopt(ledger, repo.posts, committed.branch, options.now, write=True)
        github = GitHub.from_env(environ)
        mode = options.approvals or approvals.default_mode(github)
        holds = hold.build(repo, committed, ledger=ledger, mode=mode, github=github)
        gate = Gate(repo, ads, committed, holds, mode, github)
        clock = Clock(options.now, dt.datetime.now(dt.timezone.utc), options.lease)
        pusher = Pusher(repo, ads, ledger, gate, clock, Http(redact), environ)
        for promotion in selected(ads, options.group):
            for platform in promotion.platforms:
                try:
                    report.add(pusher.push(promotion, platform))
                except (LedgerDiverged, LedgerRecordError) as exc:  # nothing was sent
                    report.add(Outcome(promotion.post.id, platform, "failed", redact(str(exc))))
    finally:
        store.close()
    return report
