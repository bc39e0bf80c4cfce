"""The accounts an inbox command talks to: each one's community part (`Inbox`), made once,
with the shared HTTP session (made on first use: a command that only lists asks nobody)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Account, Group
from ..platforms import registry
from ..platforms.base import Context, Publisher
from ..platforms.community import Inbox, inbox_for
from ..platforms.http import Http, Policy
from .config import Community


@dataclass
class Accounts:
    """The accounts a command acts on, with what is needed to talk to them."""

    root: Path
    groups: dict[str, Group]
    communities: dict[str, Community]
    environ: Mapping[str, str]
    redact: Callable[[object], str] = str
    _inboxes: dict = field(default_factory=dict)
    _http: Http | None = None

    @property
    def http(self) -> Http:
        if self._http is None:
            self._http = Http(self.redact, Policy.from_env())
        return self._http

    def chosen(self, group: str | None, account: str | None) -> list[tuple[Group, Account]]:
        return [
            (g, a)
            for g in sorted(self.groups.values(), key=lambda g: g.id)
            if group is None or g.id == group
            for a in g.accounts
            if account is None or a.name == account
        ]

    def inbox(self, group: Group, account: Account) -> Inbox | None:
        key = (group.id, account.name)
        if key not in self._inboxes:
            cls = registry.get(account.platform)
            found = None
            if cls is not None and issubclass(cls, Publisher):
                ctx = Context(self.root, group, self.http, self.environ, self.redact)
                found = inbox_for(cls(account, ctx))
            self._inboxes[key] = found
        return self._inboxes[key]
