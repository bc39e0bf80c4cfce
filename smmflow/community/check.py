"""What `smmflow check` says about the community files: every problem of `config.load`
(with its line), and warnings for rules no account of the group can carry out and for
answers longer than one of the group's platforms takes."""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem, Severity
from ..model import Group
from ..platforms import registry
from ..platforms.community import inbox_class
from . import answers, config

ABLE = {"hide": "can_hide", "delete": "can_delete", "reply": "can_reply"}
SAMPLE = {"author": "X" * answers.NAME_MAX, "group": "", "post": "", "link": "https://x.example/p"}


def problems(root: Path, groups: dict[str, Group]) -> list[Problem]:
    found, problems_ = config.load(config.working_tree(root), groups)
    for gid, community in found.items():
        group = groups[gid]
        problems_ += _unable(community, group)
        problems_ += _long(community, group)
    return problems_


def _inboxes(group: Group, names: tuple[str, ...] = ()) -> list[tuple[str, type]]:
    found = []
    for account in group.accounts:
        if names and account.name not in names:
            continue
        cls = registry.get(account.platform)
        inbox = inbox_class(cls) if cls is not None else None
        if inbox is not None:
            found.append((account.name, inbox))
    return found


def _unable(community: config.Community, group: Group) -> list[Problem]:
    out = []
    for rule in community.rules:
        if rule.action not in ABLE:
            continue
        unable = [
            n for n, cls in _inboxes(group, rule.accounts) if not getattr(cls, ABLE[rule.action])
        ]
        if unable:
            message = (
                f"{', '.join(unable)} cannot {rule.action} comments: there the items are "
                "flagged for a person instead"
            )
            out.append(Problem(community.path, rule.line, f"rules.{rule.index}.action", message,
                               Severity.WARNING, "moderation-action"))  # fmt: skip
    return out


def _long(community: config.Community, group: Group) -> list[Problem]:
    out = []
    for template in community.templates.values():
        text = answers.fill(template, {**SAMPLE, "group": group.name})
        for account in group.accounts:
            cls = registry.get(account.platform)
            if cls is None or inbox_class(cls) is None or cls.limits.text is None:
                continue
            length = cls.limits.count(text)
            if length > cls.limits.text:
                message = (
                    f"with a long name this answer is {length} {cls.limits.unit}; "
                    f"{account.name} ({cls.name}) takes {cls.limits.text}"
                )
                out.append(
                    Problem(template.path, 1, "", message, Severity.WARNING, "answer-length")
                )
    return out
