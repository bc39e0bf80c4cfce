"""Shared pieces of the tests of what follows a publication (tests/test_edits*.py,
tests/test_first_comment.py): one group on the loopback Mastodon, Telegram, Graph
(Facebook) and X servers, a post published once, then edited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repohelp import base_env, cli, commit, group_yaml, init_repo, ledger, write
from servers.mastodon import MastodonServer
from servers.mastodon import Token as MastodonToken
from servers.meta import FB_POST, MetaGraph
from servers.telegram import BotApiServer
from servers.x import XServer

NOW = "2026-12-04T10:00Z"
GROUP, SLUG = "brutaria", "2026-12-04-paine"
POST = f"{GROUP}/{SLUG}"
PATH = f"content/{GROUP}/{SLUG}.md"
BODY = "Pâine caldă de la 8, comenzi: https://example.ro/paine"
EDITED = "Pâine caldă de la 7 (nu 8), comenzi: https://example.ro/paine"
PAGE = "104400000000001"
X_USER = "1460000000000000001"
TOKENS = {
    "MASTO": "qqmastodonvvtokenzz0001",
    "FB": "kkgraphpagejjtokenww0002",
    "X": "ppxbearerhhtokenyy0003",
}


@dataclass
class World:
    root: Path
    env: dict
    mastodon: MastodonServer
    telegram: BotApiServer
    graph: MetaGraph
    x: XServer

    def post(self, body: str, extra: str = "", platforms: str = "") -> None:
        front = ["date: 2026-12-04 09:00", "type: informative", *extra.splitlines()]
        if platforms:
            front.append(f"platforms: [{platforms}]")
        text = "---\n" + "\n".join(line for line in front if line) + "\n---\n" + body + "\n"
        write(self.root, PATH, text)

    def sync(self, *args: str):
        return cli(self.root, "sync", "--now", NOW, "--format", "json", *args, env=self.env)

    def record(self, account: str) -> dict:
        return ledger(self.root)[(POST, account)]

    def status(self) -> dict[str, dict]:
        done = cli(self.root, "status", "--now", NOW, "--format", "json", env=self.env)
        assert done.code == 0, str(done)
        return {row["account"]: row for row in done.json if row["post"] == POST}


def world(
    tmp_path: Path, serve, group_extra: str = "", first: str = "", publish: bool = True
) -> World:
    """Servers, a repository with one post (committed), published on its accounts (unless
    not `publish`); `first`: more front matter lines."""
    mastodon = serve(MastodonServer(tokens={TOKENS["MASTO"]: MastodonToken("brutaria")}))
    telegram = BotApiServer()
    telegram.channel("brutaria", title="Brutăria")
    serve(telegram)
    graph = MetaGraph()
    graph.add_page(PAGE, "Brutăria", TOKENS["FB"], scopes=(*FB_POST, "pages_manage_engagement"))
    serve(graph)
    x = XServer()
    x.add_account(X_USER, "brutaria", "Brutăria")
    x.add_token(TOKENS["X"], X_USER)
    serve(x)
    accounts = {
        "masto": {"platform": "mastodon", "instance": mastodon.url, "token_env": "MASTO"},
        "tg": {"platform": "telegram", "chat": "@brutaria", "api": telegram.url, "token_env": "TG"},
        "fb": {"platform": "facebook", "page": PAGE, "api": graph.api, "token_env": "FB"},
        "x": {"platform": "x", "api": x.url, "token_env": "X"},
    }
    root = init_repo(tmp_path / "repo")
    write(root, f"schedules/{GROUP}.yml", group_yaml("Brutăria", "UTC", accounts) + group_extra)
    env = base_env(TG=telegram.token, **TOKENS)
    made = World(root, env, mastodon, telegram, graph, x)
    made.post(BODY, first)
    commit(root, "a post")
    if not publish:
        return made
    done = made.sync()
    assert done.code == 0, str(done)
    assert {o["state"] for o in done.json["outcomes"]} == {"published"}, str(done)
    return made
