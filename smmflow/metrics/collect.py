"""`smmflow metrics`: ask each account's platform for its numbers, keep them in the ledger.

For every account whose publisher can measure (`Publisher.measure`), the posts to ask
about are the ledger's publications on that account from the start of last month to the
day measured (a post goes on collecting likes after its own month); the account's
followers come with them. One snapshot per group and day goes to
`metrics/<group>/<YYYY-MM>.json` (`store`), by compare-and-swap: a second run on the same
day updates that day's numbers. An account that cannot be read (a secret not set, a
permission missing, a rate limit) is reported and the others go on.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..content.repo import Repo, load_groups, require_selection
from ..ledger.branch import Ledger, open_ledger
from ..ledger.records import Record
from ..model import Account, Group
from ..platforms import registry
from ..platforms.base import Context, Measurement, Publisher
from ..platforms.http import Http, Policy, PublishError
from ..platforms.secrets import MissingSecret, env_secrets
from . import store


@dataclass(frozen=True)
class Result:
    """What happened to one account."""

    group: str
    account: str
    platform: str
    state: str  # measured | failed | not-measured (the platform gives no numbers)
    posts: int = 0  # publications measured
    followers: int | None = None
    notes: tuple[str, ...] = ()
    error: str = ""

    def as_dict(self) -> dict:
        return {**self.__dict__, "notes": list(self.notes)}


def measure_repository(
    root: Path,
    *,
    group: str | None = None,
    day: dt.date | None = None,
    remote: str | None = None,
    environ: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> list[Result]:
    """Measure every account (of `group`) and record the day's snapshots; the results."""
    environ = dict(os.environ if environ is None else environ)
    repo = Repo(root)
    load_groups(root, repo)
    require_selection(repo, group)
    redact = env_secrets(repo.groups.values(), environ)
    http = Http(redact, Policy.from_env())
    now = now or dt.datetime.now(dt.timezone.utc)
    store_, ledger = open_ledger(root, remote, redact, shared=True)
    results: list[Result] = []
    try:
        for grp in sorted(repo.groups.values(), key=lambda g: g.id):
            if group and grp.id != group:
                continue
            when = day or now.astimezone(grp.tz).date()
            context = Context(root, grp, http, environ, redact)
            found = [_account(grp, acc, ledger.records, when, context) for acc in grp.accounts]
            results += [r for r, _ in found]
            _record(ledger, grp, when, [snap for _, snap in found if snap is not None])
    finally:
        store_.close()
    return results


def _window(day: dt.date) -> tuple[str, str]:
    """From the first of the month before `day` to the end of `day` (UTC stamps, as the
    ledger writes them)."""
    first = day.replace(day=1)
    start = (first - dt.timedelta(days=1)).replace(day=1)
    return f"{start:%Y-%m-%d}T00:00:00Z", f"{day + dt.timedelta(days=1):%Y-%m-%d}T23:59:59Z"


def publications(
    records: Mapping[tuple[str, str], Record], group: str, account: str, day: dt.date
) -> dict[str, str]:
    """remote id -> post id of what the ledger says went out on `account` in the window."""
    start, end = _window(day)
    found = {}
    for (post, name), record in sorted(records.items()):
        if name != account or not post.startswith(group + "/") or record.state != "published":
            continue
        if record.remote_id and start <= (record.published_at or start) <= end:
            found[record.remote_id] = post
    return found


def _account(
    group: Group, account: Account, records: Mapping, day: dt.date, context: Context
) -> tuple[Result, store.Snapshot | None]:
    cls = registry.get(account.platform)
    base = (group.id, account.name, account.platform)
    if cls is None or not issubclass(cls, Publisher) or not cls.can_measure():
        return Result(*base, "not-measured", notes=_why_not(cls)), None
    wanted = publications(records, group.id, account.name, day)
    try:
        measured: Measurement = cls(account, context).measure(sorted(wanted))
    except (PublishError, MissingSecret) as exc:
        return Result(*base, "failed", error=context.redact(str(exc))), None
    posts = {wanted[rid]: counts for rid, counts in measured.posts.items() if rid in wanted}
    snapshot = store.Snapshot(account.name, dict(measured.account), posts)
    notes = tuple(context.redact(n) for n in measured.notes)
    followers = measured.account.get("followers")
    return Result(*base, "measured", len(posts), followers, notes), snapshot


def _why_not(cls: type | None) -> tuple[str, ...]:
    if cls is None:
        return ("unknown platform",)
    return (f"smmflow reads no numbers from {getattr(cls, 'title', cls.__name__)}",)


def _record(ledger: Ledger, group: Group, day: dt.date, snapshots: list[store.Snapshot]) -> None:
    if not snapshots:
        return
    month = f"{day:%Y-%m}"
    path = store.path_of(group.id, month)
    ledger.update_file(
        path,
        lambda current: store.merged(group.id, month, current, day.isoformat(), snapshots),
        f"metrics: {group.id} {day.isoformat()}",
    )
