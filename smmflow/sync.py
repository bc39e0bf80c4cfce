"""The whole of one `smmflow sync` run, from a content repository to a report."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from . import repo as repo_module
from .committed import Committed
from .engine import Engine, Outcome, Report, publish_branch
from .gitstore import Store
from .ledger import BRANCH, Ledger
from .secrets import env_secrets


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
    lease: dt.timedelta = dt.timedelta(minutes=15)
    max_delay: dt.timedelta | None = None  # overrides every group's max_delay (catch-up)
    approvals: str | None = None  # github | branch (default: github inside Actions)
    report_issues: bool | None = None  # open/update a GitHub issue per group on failures
    accept_rewind: bool = False  # go on although the ledger lost commits seen before


def default_remote() -> str | None:
    """`SMMFLOW_REMOTE`, or `origin` inside GitHub Actions; None means a local ledger."""
    if os.environ.get("SMMFLOW_REMOTE"):
        return os.environ["SMMFLOW_REMOTE"]
    return "origin" if os.environ.get("GITHUB_ACTIONS") == "true" else None


def committed_hold(store: Store, branch: str, gate=None, committed: Committed | None = None):
    """A post is held unless its exact bytes, and its media's, are on the publish branch
    (and `gate` agrees)."""
    exact = committed or Committed(store, branch)

    def hold(post) -> str | None:
        return exact.hold(post) or (gate(post) if gate else None)

    return hold


def open_ledger(
    root: Path,
    remote: str | None,
    branch: str,
    redact,
    accept_rewind: bool = True,
    shared: bool = False,
) -> tuple[Store, Ledger]:
    """The ledger, opened: the remote's when `remote` is given, or, with `shared` (every
    command that publishes or settles), when a remote holds the ledger branch
    (`remotes.choose`); else the local branch. Only `sync` refuses a rewound one."""
    from . import remotes

    store = Store(root)
    try:
        if remote or shared:
            store.remote = remotes.choose(store, remote, branch)
        return store, Ledger(store, branch, redact).open(accept_rewind=accept_rewind)
    except Exception:
        store.close()
        raise


def run_sync(
    root: Path,
    options: Options,
    listener: Callable[[Outcome], None] | None = None,
    stop: threading.Event | None = None,
    hold=None,
) -> Report:
    repo = repo_module.load(root)
    repo_module.require_selection(repo, options.group, options.account)
    notes = broken_groups(repo)
    if options.max_delay is not None:
        repo.groups = {k: replace(g, max_delay=options.max_delay) for k, g in repo.groups.items()}
    redact = env_secrets(repo.groups.values())
    store, ledger = open_ledger(
        root, options.remote, options.ledger_branch, redact, options.accept_rewind, shared=True
    )
    try:
        from . import approvals
        from .github import GitHub

        branch = publish_branch(store, options.branch)
        committed = Committed(store, branch)
        github = GitHub.from_env()
        mode = options.approvals or approvals.default_mode(github)
        gate = approvals.gate(repo, store, ledger, branch, mode, github, committed)
        engine = Engine(
            repo,
            store,
            ledger,
            options.now,
            redact,
            branch,
            stop=stop or threading.Event(),
            public=options.public,
            hold=committed_hold(store, branch, _both(gate, hold), committed),
            lease=options.lease,
            media_bytes=committed.media_bytes,
        )
        from .renames import adopt

        adopt(ledger, repo.posts, branch, options.now, write=not options.dry_run)
        report = Report(problems=skipped(repo), listener=listener, notes=notes)
        if store.remote and not options.remote:
            report.notes.append(
                f"sync: using the shared ledger on {store.remote} ({options.ledger_branch})"
            )
        actions = engine.plan(options.group, options.account)
        if options.dry_run:
            for action in actions:
                report.add(_dry(engine, action))
            return report
        engine.run(actions, report)
        from .platforms.feed import rebuild

        rebuild(repo, ledger.records, options.public or root / "public", committed)
        ledger.mark_seen()
        if github is not None and options.report_issues is not False:
            from .failures import report_failures

            report_failures(github, repo, report, ledger.records)
        return report
    finally:
        store.close()


def broken_groups(repo) -> list[str]:
    """Leave out every post of a group whose group file has errors (nothing of it is
    published, withdrawn or retried: the skipped file makes the run exit 1); why, per group."""
    broken = repo.group_problems
    if broken:
        repo.posts = [p for p in repo.posts if p.group not in broken]
    return [repo.group_error(group) or "" for group in sorted(broken)]


def skipped(repo) -> list:
    """Errors of files that did not load (and so are not published): a post with errors,
    a broken group file. Problems of posts that did load (found by `check`'s rules, e.g. a
    text too long for one platform; its publisher reports that) are not skips."""
    loaded = {p.path for p in repo.posts}
    return [p for p in repo.problems if p.severity.value == "error" and p.path not in loaded]


def _both(first, second):
    if second is None:
        return first

    def hold(post):
        return first(post) or second(post)

    return hold


def _dry(engine: Engine, action) -> Outcome:
    from . import due

    post, account = action.post, action.account
    if action.kind != due.PUBLISH and action.kind != due.VERIFY:
        return Outcome(post.id, account.name, action.kind, action.reason)
    from .engine import idempotency_key
    from .http import PublishError

    try:
        publisher = engine.publisher(action)
        rendered = publisher.render(post)
        record = action.record
        generation = record.generation if record else 0
        key = (record.key if record else "") or idempotency_key(post.id, account.name, generation)
        payload = publisher.payload(post, rendered, key)
    except PublishError as exc:
        return Outcome(post.id, account.name, "failed", engine.redact(exc.message))
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    return Outcome(post.id, account.name, "would-publish", engine.redact(text))
