"""The inbox commands end to end, for the command line: `inbox`, `moderate`, `reply`,
acting on one item by hand, and `resolve ITEM ACTION`. Each returns what happened;
nothing here prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..outputs import writing
from ..platforms import registry
from . import views
from .session import Session, actor, merged_files, open_session
from .store import Query

if TYPE_CHECKING:  # the rest is imported where it is used: listing stays quick
    from .act import Done
    from .fetch import Fetch
    from .moderate import Verdict


@dataclass
class Listing:
    rows: list[views.Row]
    more: int
    fetches: list[Fetch] = field(default_factory=list)
    page: Path | None = None
    exported: int = 0


def inbox(root: Path, query: Query, *, group: str | None, account: str | None, now: dt.datetime,
          since: dt.datetime | None, fetching: bool, html: bool, export: Path | None) -> Listing:  # fmt: skip
    session = open_session(root, group, account, light=not fetching)
    try:
        fetches = []
        if fetching:
            from .fetch import fetch

            chosen = session.accounts.chosen(group, account)
            fetches = fetch(session.accounts, session.store, chosen, now, since)
            session.purge()
        query = Query(session.chosen_groups(group), *_rest(query))
        found = session.store.select(query)
        total = (
            session.store.count(query) if query.limit and len(found) >= query.limit else len(found)
        )
        shown = views.rows(found, session.communities, now.timestamp())
        listing = Listing(shown, total - len(found), fetches)
        if html:
            from . import page

            listing.page = page.write(root, shown, listing.more)
        if export is not None:
            listing.exported = _export(session, query, export, now)
        return listing
    finally:
        session.close()


def _rest(query: Query) -> tuple:
    return (
        query.account,
        query.since,
        query.unanswered,
        query.questions,
        query.states,
        query.limit,
    )


def _export(session: Session, query: Query, path: Path, now: dt.datetime) -> int:
    """Every item the query selects, whole, as JSON: the only way out of the store."""
    everything = Query(*(query.groups, *_rest(query)[:-1]), limit=None)
    rows = views.rows(session.store.select(everything), session.communities, now.timestamp())
    with writing(path):
        path.write_text(views.as_json(rows) + "\n", encoding="utf-8")
    return len(rows)


@dataclass
class Moderation:
    verdicts: list[Verdict]
    fetches: list[Fetch]
    notes: list[str]


def run_moderate(root: Path, *, group: str | None, platforms: tuple[str, ...], dry_run: bool,
                 branch: str | None, remote: str | None, now: dt.datetime) -> Moderation:  # fmt: skip
    """Apply the merged rules (the publish branch's community/ files) to new items."""
    from .act import Actor
    from .fetch import fetch
    from .moderate import moderate

    unknown = sorted(set(platforms) - set(registry.names()))
    if unknown:
        raise UsageError(
            f"--platform: no platform {unknown[0]!r} (known: {', '.join(registry.names())})"
        )
    notes = []
    files, differs = merged_files(root, branch) if (root / ".git").exists() else (None, False)
    if differs:
        notes.append("community/ here differs from the publish branch: the merged rules apply")
    session = open_session(root, group, files=files, purge=not dry_run)
    try:
        with_rules = tuple(g for g in session.chosen_groups(group) if session.communities[g].rules)
        if not with_rules:
            return Moderation(
                [], [], [*notes, "no group has moderation rules (community/<group>.yml)"]
            )
        if dry_run:  # no fetch, no ledger: what the store holds, judged
            judge = Actor(session.accounts, session.store, None, "", now)  # type: ignore[arg-type]
            verdicts = moderate(session.store, judge, session.communities, session.repo.groups,
                                with_rules, True)  # fmt: skip
            return Moderation(verdicts, [], notes)
        chosen = [(g, a) for g, a in session.accounts.chosen(group, None)
                  if g.id in with_rules and (not platforms or a.platform in platforms)]  # fmt: skip
        fetches = fetch(session.accounts, session.store, chosen, now)
        session.purge()
        git, acting = actor(session, remote, dt.datetime.now(dt.timezone.utc))
        try:
            verdicts = moderate(session.store, acting, session.communities, session.repo.groups,
                                with_rules, False)  # fmt: skip
            acting.ledger.mark_seen()
        finally:
            git.close()
        return Moderation(verdicts, fetches, notes)
    finally:
        session.close()


def reply(root: Path, given: str, *, text: str | None, template: str | None,
          remote: str | None) -> Done:  # fmt: skip
    from . import answers

    if (text is None) == (template is None):
        raise UsageError("give exactly one of --text T and --template NAME")
    session = open_session(root)
    try:
        stored = session.item(given)
        if template is not None:
            templates = session.communities[stored.grp].templates
            if template not in templates:
                known = ", ".join(sorted(templates)) or "none"
                raise UsageError(
                    f"no answer template {template!r} for {stored.grp} (known: {known})"
                )
            group = session.repo.groups[stored.grp]
            values = {"author": stored.author, "group": group.name, "post": stored.post_title,
                      "link": stored.post_url}  # fmt: skip
            body = answers.fill(templates[template], values)
        else:
            body = answers.plain(text or "")
        return _act(session, remote, stored, "reply", body)
    finally:
        session.close()


def by_hand(root: Path, given: str, action: str, note: str | None, remote: str | None) -> Done:
    """One item, by a person: hide | delete (recorded actions), flag | answered | note."""
    from .act import Done
    from .moderate import store_flag

    session = open_session(root)
    try:
        stored = session.item(given)
        if action in ("hide", "delete"):
            return _act(session, remote, stored, action, "")
        if action == "flag":
            store_flag(session.store, stored, note or "")
        elif action == "answered":
            session.store.set_state(stored.id, "answered", note)
        else:
            session.store.set_note(stored.id, note or "")
        return Done(stored.id, action, "done")
    finally:
        session.close()


def _act(session: Session, remote: str | None, stored, action: str, text: str) -> Done:
    git, acting = actor(session, remote, dt.datetime.now(dt.timezone.utc))
    try:
        done = acting.act(stored, action, text)
        acting.ledger.mark_seen()
        return done
    finally:
        git.close()


def resolve_action(root: Path, given: str, action: str, *, published: str | None, retry: bool,
                   skip: bool, remote: str | None) -> str:  # fmt: skip
    from .settle import settle

    session = open_session(root)
    try:
        stored = session.item(given)
        git, acting = actor(session, remote, dt.datetime.now(dt.timezone.utc))
        try:
            record = settle(acting.ledger, session.store, stored, action, published=published,
                            retry=retry, skip=skip, who=acting.who,
                            wall=dt.datetime.now(dt.timezone.utc))  # fmt: skip
        finally:
            git.close()
        return f"{record.item} {record.action} on {record.account}: {record.state}"
    finally:
        session.close()
