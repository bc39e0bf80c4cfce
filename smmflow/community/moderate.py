"""`smmflow moderate`: apply each group's moderation rules to the items not yet looked at.

The first rule that matches an item decides: `flag` marks it in the store (for a person);
`hide`, `delete` and `reply` are actions, each claimed, sent and recorded exactly once
(`act`). An action the platform cannot do (Mastodon cannot hide another account's reply)
flags the item instead, saying why. An item stays unlooked-at only when its action failed
in a way the next run may retry. `--dry-run` says what would happen and changes nothing:
no fetch, no store change, no ledger commit, no request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model import Group
from . import answers
from .act import Actor, Done
from .config import Community
from .rules import Rule, matches
from .store import Store, Stored


@dataclass(frozen=True)
class Verdict:
    """One item a rule matched, and what came of it (`done` is None in a dry run)."""

    item: Stored
    rule: Rule
    action: str  # hide | delete | flag | reply, or `flag` where the platform cannot act
    done: Done | None = None
    note: str = ""


def first_rule(stored: Stored, rules: Iterable[Rule]) -> Rule | None:
    for rule in rules:
        if matches(rule, stored.text, stored.author, stored.author_id, stored.account):
            return rule
    return None


def moderate(
    store: Store,
    actor: Actor,
    communities: dict[str, Community],
    groups: dict[str, Group],
    chosen: tuple[str, ...],
    dry_run: bool,
) -> list[Verdict]:
    """Every verdict of this run (a dry run asks the actor only what each platform can do)."""
    verdicts: list[Verdict] = []
    looked: list[str] = []
    for stored in store.unmoderated(chosen):
        community = communities.get(stored.grp)
        rule = first_rule(stored, community.rules) if community and stored.state == "new" else None
        if rule is None:
            looked.append(stored.id)
            continue
        verdict = _verdict(stored, rule, community, groups[stored.grp], actor, dry_run)
        verdicts.append(verdict)
        done = verdict.done
        if done is None or not (done.state == "busy" or (done.state == "failed" and done.retry)):
            looked.append(stored.id)  # else the next run tries again
    if not dry_run:
        store.moderated(looked)
    return verdicts


def _verdict(stored, rule: Rule, community, group: Group, actor: Actor, dry_run: bool) -> Verdict:
    action = rule.action
    if action != "flag" and not actor.can(stored, action):
        inbox = actor.inbox(stored)
        where = inbox.publisher.title if inbox else stored.platform
        note = f"{rule.label}: {where} cannot {action} it; flagged for a person"
        if not dry_run:
            store_flag(actor.store, stored, note)
        return Verdict(stored, rule, "flag", None, note)
    if action == "flag":
        if not dry_run:
            store_flag(actor.store, stored, rule.label)
        return Verdict(stored, rule, "flag", None, rule.label)
    text = ""
    if action == "reply":
        values = {"author": stored.author, "group": group.name, "post": stored.post_title,
                  "link": stored.post_url}  # fmt: skip
        text = answers.fill(community.templates[rule.template], values)
    if dry_run:
        return Verdict(stored, rule, action, None, text)
    return Verdict(stored, rule, action, actor.act(stored, action, text, f"rule {rule.label}"))


def store_flag(store: Store, stored: Stored, note: str) -> None:
    store.set_state(stored.id, "flagged", note)
