"""SIGKILL right after the send, on VK, X, LinkedIn and Threads (issue #16), in the style of
tests/test_sync_crash.py: the real `smmflow sync` kills itself at `after-send` (the post
is out, the ledger still says `claimed`), then a clean run finishes the job.

Exactly one post each time: VK by its guid (the resend is answered with the first post),
Threads by its checkpointed container (PUBLISHED: found, not published again), X and
LinkedIn by `verify` (their posts since the checkpointed moment, searched for the same
text: found, never sent again). Where the search cannot see the post yet (a timeline
that lags), X refuses the resend as duplicate content and the pair waits for a person
(`unknown`, with the `resolve` advice) — and the run after that sends nothing either.
"""

from __future__ import annotations

import datetime as dt
import signal

import pytest
from repohelp import base_env, cli, commit, group_yaml, init_repo, ledger, post_md, smmflow, write
from servers.linkedin import LinkedInServer
from servers.threads import ThreadsServer
from servers.vk import VkServer
from servers.x import XServer

from smmflow.content.timeparse import parse_now
from smmflow.ledger.states import Clock
from smmflow.publish.rows import for_status

NOW = "2026-12-04T10:00Z"
GROUP, SLUG = "brutaria", "2026-12-04-paine"
POST = f"{GROUP}/{SLUG}"
BODY = "Pâine caldă de la 8 🥖 — comenzi: https://example.ro/paine #brutărie"
TOKEN = "crash-test-token-0123456789"


class Platform:
    """A loopback server with one account, and how to count what it holds."""

    name: str
    publishing: str  # the calls that publish, as the server names them

    def account(self) -> dict: ...
    def posts(self) -> list[str]: ...  # ids of the live posts
    def sends(self) -> int: ...


class Vk(Platform):
    name = "vk"

    def __init__(self, serve):
        self.server = VkServer()
        self.server.add_user(1, "Ana", "Pop")
        self.server.add_group(42, "Brutăria", admins={1: 3})
        self.server.add_token(TOKEN, 1)
        serve(self.server)

    def account(self):
        return {"platform": "vk", "owner": "-42", "token_env": "TOKEN", "api": self.server.api}

    def posts(self):
        return [f"-42_{p['id']}" for p in self.server.wall(-42)]

    def sends(self):
        return len(self.server.of("wall.post"))


class X(Platform):
    name = "x"

    def __init__(self, serve):
        self.server = XServer()
        self.server.add_account("1460000000000000001", "brutaria")
        self.server.add_token(TOKEN, "1460000000000000001")
        serve(self.server)

    def account(self):
        return {"platform": "x", "token_env": "TOKEN", "api": self.server.url}

    def posts(self):
        return [t["id"] for t in self.server.timeline("1460000000000000001")]

    def sends(self):
        return len(self.server.of("tweets"))


class LinkedIn(Platform):
    name = "linkedin"

    def __init__(self, serve):
        self.server = LinkedInServer()
        self.org = self.server.add_org(7, "Brutăria")
        self.server.add_member(TOKEN, "urn:li:person:ana", {self.org: "ADMINISTRATOR"})
        serve(self.server)

    def account(self):
        return {
            "platform": "linkedin",
            "author": self.org,
            "token_env": "TOKEN",
            "api": self.server.api,
        }

    def posts(self):
        return [p["id"] for p in self.server.live_posts(self.org)]

    def sends(self):
        return len(self.server.of("POST", r"^/rest/posts$"))


class Threads(Platform):
    name = "threads"

    def __init__(self, serve):
        self.server = ThreadsServer()
        self.server.add_user("17841400000000001", "brutaria", TOKEN)
        serve(self.server)

    def account(self):
        user = "17841400000000001"
        return {"platform": "threads", "user": user, "token_env": "TOKEN", "api": self.server.api}

    def posts(self):
        return [m["id"] for m in self.server.live_media("17841400000000001")]

    def sends(self):
        return len(self.server.of("POST", r"/threads_publish$"))


PLATFORMS = {p.name: p for p in (Vk, X, LinkedIn, Threads)}


def setup(tmp_path, platform: Platform):
    root = init_repo(tmp_path / "repo")
    write(
        root,
        f"schedules/{GROUP}.yml",
        group_yaml("Brutăria", "UTC", {platform.name: platform.account()}),
    )
    write(root, f"content/{GROUP}/{SLUG}.md", post_md("2026-12-04 09:00", BODY))
    commit(root, "one post")
    return root, base_env(TOKEN=TOKEN)


def row(root):
    clock = Clock(parse_now(NOW), dt.datetime.now(dt.timezone.utc))
    [found] = [r.as_dict() for r in for_status(root, clock)]
    return found


def killed_after_send(root, env, platform: Platform):
    crashed = smmflow(root, "sync", "--now", NOW, env={**env, "SMMFLOW_CRASH_AT": "after-send:1"})
    assert crashed.code == -signal.SIGKILL, str(crashed)
    assert "Traceback" not in crashed.out + crashed.err
    assert ledger(root)[(POST, platform.name)]["state"] == "claimed"
    [made] = platform.posts()  # the post is out; the run died before recording it
    return made


@pytest.mark.parametrize("name", list(PLATFORMS))
def test_killed_after_the_send_then_finished_with_exactly_one_post(tmp_path, serve, name):
    platform = PLATFORMS[name](serve)
    root, env = setup(tmp_path, platform)
    made = killed_after_send(root, env, platform)

    again = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert again.code == 0 and "Traceback" not in again.out + again.err, str(again)
    [outcome] = again.json["outcomes"]
    assert outcome["state"] == "published", str(again)
    assert platform.posts() == [made]  # exactly one post
    record = ledger(root)[(POST, name)]
    assert record["state"] == "published" and record["remote_id"] == made
    assert row(root)["url"]
    # how it knew: the same guid (VK), the container (Threads), a search (X, LinkedIn)
    assert platform.sends() == (2 if name == "vk" else 1)
    if name in ("x", "linkedin"):
        assert outcome["detail"] == "found on the platform"


def test_where_the_search_cannot_see_it_yet_a_person_decides(tmp_path, serve):
    platform = X(serve)
    platform.server.timeline_lag = 100  # the timeline lags far behind the post
    root, env = setup(tmp_path, platform)
    made = killed_after_send(root, env, platform)

    again = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert again.code == 3 and "Traceback" not in again.out + again.err, str(again)
    shown = row(root)
    assert shown["state"] == "unknown" and "duplicate" in shown["detail"]
    assert f"smmflow resolve {POST} x --published URL" in shown["detail"]
    third = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert third.code == 3, str(third)
    assert platform.posts() == [made] and platform.sends() == 2  # never sent a third time

    # The person finds it and says so; withdrawn later, it is deleted from X, not ignored
    # (what the ledger held was the send's checkpoint, which names no post).
    url = f"https://x.com/brutaria/status/{made}"
    resolved = cli(root, "resolve", POST, "x", "--published", url, env=env)
    assert resolved.code == 0, str(resolved)
    assert ledger(root)[(POST, "x")]["remote_id"] == url
    write(root, f"content/{GROUP}/{SLUG}.md", post_md("2026-12-04 09:00", BODY, status="withdrawn"))
    commit(root, "withdrawn")
    withdrawn = cli(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert [o["state"] for o in withdrawn.json["outcomes"]] == ["withdrawn"], str(withdrawn)
    assert platform.posts() == []
