"""The whole of one `smmflow sync` run, from a content repository to a report."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..content import overrides
from ..content import repo as repo_module
from ..content.dateindex import Window
from ..content.repo import Repo
from ..errors import Problem
from ..ledger.branch import BRANCH, Ledger, open_ledger
from ..ledger.committed import Committed, publish_branch
from ..ledger.records import LEASE
from ..ledger.renames import adopt
from ..ledger.states import PUBLISH, VERIFY, Clock
from ..platforms.base import Attempt
from ..platforms.http import PublishError
from ..platforms.secrets import env_secrets
from ..review import approvals, hold
from ..review.github import GitHub
from . import thread
from .attempts import key_of
from .decide import Action
from .engine import Engine
from .feedbuild import rebuild
from .issues import report_failures
from .outcomes import Outcome, Report


@dataclass(frozen=True)
class Options:
    now: dt.datetime
    dry_run: bool = False
    group: str | None = None
    account: str | None = None
    branch: str | None = None  # the publish branch (default main)
    remote: str | None = None  # share the ledger through this remote (push/fetch)
    ledger_branch: str = BRANCH
    public: Path | None = None
    lease: dt.timedelta = LEASE
    max_delay: dt.timedelta | None = None  # overrides every group's max_delay (catch-up)
    approvals: str | None = None  # github | branch (default: github inside Actions)
    report_issues: bool | None = None  # open/update a GitHub issue per group on failures
    accept_rewind: bool = False  # go on although the ledger lost commits seen before


def run_sync(
    root: Path,
    options: Options,
    listener: Callable[[Outcome], None] | None = None,
    stop: threading.Event | None = None,
) -> Report:
    """Load, open the ledger, plan, then claim -> send -> record every due pair (or only
    show the payloads, with `dry_run`); rebuild the feed site; report failures on GitHub."""
    repo = repo_module.load(root, window=due_window(options.now))
    repo_module.require_selection(repo, options.group, options.account)
    notes = broken_groups(repo)
    if options.max_delay is not None:
        repo.groups = {k: replace(g, max_delay=options.max_delay) for k, g in repo.groups.items()}
    redact = env_secrets(repo.groups.values())
    store, ledger = open_ledger(
        root,
        options.remote,
        redact,
        branch=options.ledger_branch,
        accept_rewind=options.accept_rewind,
        shared=True,
    )
    try:
        repo_module.add(repo, (f"content/{post}.md" for post, _ in ledger.records))
        committed = Committed(store, publish_branch(store, options.branch))
        adopt(
            ledger,
            repo.posts,
            committed.branch,
            options.now,
            write=not options.dry_run,
            present=present_ids(repo),
        )
        report = Report(problems=skipped(repo), listener=listener, notes=notes)
        if store.remote and not options.remote:
            report.notes.append(
                f"sync: using the shared ledger on {store.remote} ({options.ledger_branch})"
            )
        github = GitHub.from_env()
        engine = _engine(repo, ledger, committed, options, github, stop)
        _run(engine, repo, committed, options, github, report)
        return report
    finally:
        store.close()


def _engine(
    repo: Repo,
    ledger: Ledger,
    committed: Committed,
    options: Options,
    github: GitHub | None,
    stop: threading.Event | None,
) -> Engine:
    mode = options.approvals or approvals.default_mode(github)
    holds = hold.build(repo, committed, ledger=ledger, mode=mode, github=github)
    clock = Clock(options.now, dt.datetime.now(dt.timezone.utc), options.lease)
    return Engine(
        repo,
        ledger,
        clock,
        stop=stop or threading.Event(),
        public=options.public,
        hold=holds,
        media_bytes=committed.media_bytes,
    )


def _run(
    engine: Engine,
    repo: Repo,
    committed: Committed,
    options: Options,
    github: GitHub | None,
    report: Report,
) -> None:
    actions = engine.plan(options.group, options.account)
    report.already = _already(repo, engine.ledger.records, options)
    if options.dry_run:
        for action in actions:
            report.add(_dry(engine, action))
        return
    engine.run(actions, report)
    feeds = {
        (g.id, a.name) for g in repo.groups.values() for a in g.accounts if a.platform == "feed"
    }
    report.feed_changed = any(  # whatever a feed account did (not what it failed) redeploys
        o.state not in UNCHANGED and (o.post.split("/", 1)[0], o.account) in feeds
        for o in report.outcomes
    )
    rebuild(repo, engine.ledger.records, options.public or repo.root / "public", committed)
    engine.ledger.mark_seen()
    if github is not None and options.report_issues is not False:
        report_failures(github, repo, report, engine.ledger.records)


def due_window(now: dt.datetime) -> list[Window]:
    """What a sync reads: every post dated up to now (and a day on). A future post is
    acted on only if it has a ledger record (a withdrawal, a claim): those are added once
    the ledger is open."""
    return [(dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc), now + dt.timedelta(days=1))]


def present_ids(repo: Repo) -> Callable[[str], bool]:
    """Whether a post id has a file in the repository, loaded or not."""
    return lambda post_id: f"content/{post_id}.md" in repo.present


def _already(repo: Repo, records: dict, options: Options) -> int:
    """How many pairs of the chosen posts and accounts earlier runs published."""
    chosen = {p.id for p in repo.posts if options.group in (None, p.group)}
    return sum(
        1
        for (post, account), record in records.items()
        if record.state == "published" and post in chosen and options.account in (None, account)
    )


UNCHANGED = ("failed", "unknown", "missed", "held", "busy", "waiting", "would-publish")


def broken_groups(repo: Repo) -> list[str]:
    """Leave out every post of a group whose group file has errors (nothing of it is
    published, withdrawn or retried: the skipped file makes the run exit 1); why, per group."""
    broken = repo.group_problems
    if broken:
        repo.posts = [p for p in repo.posts if p.group not in broken]
    return [repo.group_error(group) or "" for group in sorted(broken)]


def skipped(repo: Repo) -> list[Problem]:
    """Errors of files that did not load (and so are not published): a post with errors,
    a broken group file. Problems of posts that did load (found by `check`'s rules, e.g. a
    text too long for one platform; its publisher reports that) are not skips."""
    loaded = {p.path for p in repo.posts}
    return [p for p in repo.problems if p.severity.value == "error" and p.path not in loaded]


def _dry(engine: Engine, action: Action) -> Outcome:
    """What a dry run reports for one action: the payload that would be sent."""
    post, account = action.post, action.account
    if action.kind not in (PUBLISH, VERIFY):
        return Outcome(post.id, account.name, action.kind, action.reason)
    try:
        publisher = engine.publisher(action)
        key = key_of(post.id, account.name, action.record)
        payload = thread.payload(publisher, overrides.view(post, account), Attempt(key))
    except PublishError as exc:
        return Outcome(post.id, account.name, "failed", engine.redact(exc.message))
    unset = [
        f"secret {variable} is not set ({setting})"
        for setting, variable in account.secret_envs.items()
        if not publisher.ctx.environ.get(variable, "").strip()
    ]
    if unset:  # the send would stop there: say so rather than show a payload
        why = "; ".join(unset)
        return Outcome(post.id, account.name, "failed", f"would fail: {why}")
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    return Outcome(post.id, account.name, "would-publish", engine.redact(text))
