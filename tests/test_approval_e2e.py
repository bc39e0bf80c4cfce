"""End to end: a writer's post goes through a pull request, the client's approval and a
merge, and `smmflow sync` publishes it once; an edit pushed straight to main afterwards is
held until the client approves it again, and so is an edit pushed to the pull request after
the approval and merged with it (held only by comparing the approved bytes with main's).

Everything is real but GitHub's web side: a bare git repository stands for the GitHub
repository, the writer works in one clone and the publishing job in another (as
actions/checkout would give it), the post goes out to the feed and to a loopback webhook
receiver, and pull requests, reviews and merges live on the loopback GitHub server of
tests/servers/github.py, which reads the same bare repository and checks every request
smmflow makes against GitHub's OpenAPI description.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repohelp import git
from servers.github import GitHubServer, clean_env, run_smmflow
from servers.webhook import Receiver

SECRET = "e2e-hook-secret-1234567890"
GROUP = "brutaria-dulce"
FIRST = f"content/{GROUP}/2026-12-03-secretul-cozonacului.md"  # due at the first sync
SECOND = f"content/{GROUP}/2026-12-10-precomenzi.md"  # due a week later, edited meanwhile
FIRST_ID = f"{GROUP}/2026-12-03-secretul-cozonacului"
SECOND_ID = f"{GROUP}/2026-12-10-precomenzi"
WEEK_ONE = "2026-12-03 09:00Z"  # FIRST is due (08:00 UTC); SECOND is not
WEEK_TWO = "2026-12-10 09:00Z"  # SECOND is due (08:00 UTC)


def schedule(hook_url: str) -> str:
    return (
        "name: Brutăria Dulce\n"
        "timezone: Europe/Bucharest\n"
        "approvers: [ana-popescu]\n"
        "max_delay: 24h\n"
        "accounts:\n"
        "  feed: {}\n"
        f'  crm: {{platform: webhook, url: "{hook_url}", secret_env: HOOK_SECRET}}\n'
    )


def post(date: str, body: str, type: str = "informative") -> str:
    return f"---\ndate: {date}\ntype: {type}\n---\n{body}\n"


class World:
    """The GitHub repository (bare), the writer's clone, the publishing job's clone, the
    loopback GitHub and the webhook receiver."""

    def __init__(self, base: Path, github: GitHubServer, receiver: Receiver, bare: Path):
        self.base, self.github, self.receiver, self.bare = base, github, receiver, bare
        self.writer = base / "writer"
        self.job = base / "actions"
        self.env = clean_env(HOOK_SECRET=SECRET, **github.env())

    def write(self, rel: str, text: str) -> None:
        path = self.writer / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def commit_and_push(self, branch: str, message: str, *paths: str) -> str:
        w = self.writer
        git(w, "add", *paths)
        git(w, "commit", "-q", "-m", message)
        git(w, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
        return git(w, "rev-parse", "HEAD").strip()

    def branch(self, name: str) -> None:
        git(self.writer, "fetch", "-q", "origin")
        git(self.writer, "checkout", "-q", "-B", name, "origin/main")

    def sync(self, now: str) -> tuple[int, dict]:
        """One scheduled run of publish.yml: a fresh checkout of main, then smmflow sync."""
        git(self.job, "fetch", "-q", "origin")
        git(self.job, "checkout", "-q", "-B", "main", "origin/main")
        ran = run_smmflow(
            self.job,
            "sync",
            "--now",
            now,
            "--remote",
            "origin",
            "--approvals",
            "github",
            "--format",
            "json",
            env=self.env,
        )
        assert ran.code in (0, 1, 3), str(ran)
        return ran.code, {(o["post"], o["account"]): o for o in json.loads(ran.out)["outcomes"]}

    def status(self, now: str) -> dict:
        ran = run_smmflow(
            self.job,
            "status",
            "--now",
            now,
            "--remote",
            "origin",
            "--format",
            "json",
            env={**self.env, "SMMFLOW_APPROVALS": "github"},
        )
        assert ran.code == 0, str(ran)
        return {(r["post"], r["account"]): r for r in json.loads(ran.out)}

    def delivered(self, post_id: str) -> list[dict]:
        return [d.json for d in self.receiver.deliveries if d.json["post"]["id"] == post_id]


@pytest.fixture
def world(tmp_path):
    bare = tmp_path / "github.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    receiver = Receiver(secret=SECRET.encode()).start()
    server = GitHubServer(bare).start()
    w = World(tmp_path, server, receiver, bare)
    # The admin sets the repository up: the group, pushed to main.
    git(tmp_path, "clone", "-q", str(bare), str(w.writer))
    w.write(".gitignore", "public/\n")
    w.write(f"schedules/{GROUP}.yml", schedule(receiver.url))
    w.commit_and_push("main", "the bakery's group", ".gitignore", "schedules")
    git(tmp_path, "clone", "-q", str(bare), str(w.job))
    yield w
    server.stop()
    receiver.stop()
    assert not server.errors, "\n".join(server.errors)


def test_approved_post_is_published_once_and_a_later_edit_waits_for_a_new_approval(world):
    w, gh = world, world.github

    # 1. The writer plans two posts on a branch and opens a pull request.
    w.branch("decembrie")
    w.write(FIRST, post("2026-12-03 10:00", "**Secretul cozonacului**: maia ținută 12 ore."))
    w.write(SECOND, post("2026-12-10 10:00", "Precomenzi de cozonac până pe 20!", "sales"))
    head = w.commit_and_push("decembrie", "two December posts", FIRST, SECOND)
    number = gh.open_pull("decembrie")
    assert gh.head(number) == head

    # 2. The client approves the pull request's head; it is merged with a merge commit.
    gh.review(number, "ana-popescu", "APPROVED")
    merge = gh.merge_pull(number, method="merge")
    assert git(w.bare, "rev-parse", "main").strip() == merge

    # 3. The scheduled run publishes the due post, once, everywhere.
    code, outcomes = w.sync(WEEK_ONE)
    assert code == 0, outcomes
    assert {k: o["state"] for k, o in outcomes.items()} == {
        (FIRST_ID, "feed"): "published",
        (FIRST_ID, "crm"): "published",
    }
    assert len(w.delivered(FIRST_ID)) == 1
    cached = json.loads(git(w.bare, "show", f"smmflow/ledger:approvals/{FIRST_ID}.json"))
    assert (cached["state"], cached["by"], cached["pull_request"], cached["commit"]) == (
        "approved",
        "ana-popescu",
        number,
        head,
    )
    again_code, again = w.sync(WEEK_ONE)  # the next run: nothing twice
    assert again_code == 0 and again == {}
    assert len(w.delivered(FIRST_ID)) == 1

    # 4. A week later the writer edits both posts and pushes straight to main.
    w.branch("main")
    w.write(FIRST, post("2026-12-03 10:00", "**Secretul cozonacului**: maia ținută 24 de ore."))
    w.write(SECOND, post("2026-12-10 10:00", "Precomenzi de cozonac până pe 22! -30%", "sales"))
    w.commit_and_push("main", "last-minute edits", FIRST, SECOND)

    code, outcomes = w.sync(WEEK_TWO)
    assert code == 3, outcomes  # a person must look
    reason = "pushed to main without a pull request: open one for ana-popescu to approve"
    assert {k: (o["state"], o["detail"]) for k, o in outcomes.items()} == {
        (SECOND_ID, "feed"): ("held", reason),
        (SECOND_ID, "crm"): ("held", reason),
        # An edit of a published post needs its own approval too (issue #18): held where
        # the platform could take it (the feed's page); the webhook cannot edit: flagged.
        (FIRST_ID, "feed"): ("held", f"edited after publication not sent: {reason}"),
    }
    assert w.delivered(SECOND_ID) == []
    # smmflow never re-publishes a post that changed after it went out: the platforms keep
    # the text that was approved and sent.
    assert len(w.delivered(FIRST_ID)) == 1
    rows = w.status(WEEK_TWO)
    assert rows[(SECOND_ID, "crm")]["state"] == "held"
    assert rows[(SECOND_ID, "crm")]["detail"] == reason
    assert rows[(FIRST_ID, "crm")]["state"] == "published"
    # `check` (offline, no token) flags it too, from the ledger's local copy.
    checked = run_smmflow(w.job, "check", "--format", "json", env=clean_env())
    held = [p for p in json.loads(checked.out)["problems"] if p["code"] == "held"]
    assert [(p["path"], p["severity"]) for p in held] == [
        (FIRST, "warning"),  # its edit after publication waits too
        (SECOND, "warning"),
    ], checked.out
    assert all("pushed to main without a pull request" in p["message"] for p in held)
    # The run also told the admins, in the group's issue.
    issues = [i for i in gh.issues.values() if f"smmflow-failures:{GROUP}" in (i.body or "")]
    assert len(issues) == 1 and f"| `{SECOND_ID}` | crm | held |" in issues[0].body

    # 5. The writer opens a pull request for the edit (and takes back the unapproved edit
    # of the published post); until the client approves, it waits.
    w.branch("precomenzi")
    w.write(SECOND, post("2026-12-10 10:00", "Precomenzi de cozonac până pe 22!", "sales"))
    w.write(FIRST, post("2026-12-03 10:00", "**Secretul cozonacului**: maia ținută 12 ore."))
    w.commit_and_push("precomenzi", "no discount after all", SECOND, FIRST)
    again = gh.open_pull("precomenzi")
    code, outcomes = w.sync(WEEK_TWO)
    assert code == 3 and outcomes[(SECOND_ID, "crm")]["state"] == "held"  # not merged yet
    gh.review(again, "ana-popescu", "APPROVED")
    gh.merge_pull(again, method="squash")

    code, outcomes = w.sync(WEEK_TWO)
    assert code == 0, outcomes
    assert {k: o["state"] for k, o in outcomes.items()} == {
        (SECOND_ID, "feed"): "published",
        (SECOND_ID, "crm"): "published",
    }
    sent = w.delivered(SECOND_ID)
    assert [d["post"]["text"] for d in sent] == ["Precomenzi de cozonac până pe 22!"]
    assert len(w.delivered(FIRST_ID)) == 1
    code, outcomes = w.sync(WEEK_TWO)
    assert (code, outcomes) == (0, {})
    assert len(w.receiver.deliveries) == 2  # one per post, in all


def test_an_edit_after_the_approval_merged_through_the_same_pull_request_waits(world):
    """The edit reaches main through a merged pull request that the client did approve —
    an earlier commit of it. Only comparing the approved bytes with main's holds it."""
    w, gh = world, world.github
    w.branch("decembrie")
    w.write(FIRST, post("2026-12-03 10:00", "**Secretul cozonacului**: maia ținută 12 ore."))
    approved = w.commit_and_push("decembrie", "the post", FIRST)
    number = gh.open_pull("decembrie")
    gh.review(number, "ana-popescu", "APPROVED")
    # After the approval the writer pushes one more edit; it is merged without a new look.
    w.write(FIRST, post("2026-12-03 10:00", "**Secretul cozonacului**: -50% azi!", "sales"))
    edited = w.commit_and_push("decembrie", "a discount, after the approval", FIRST)
    assert gh.head(number) == edited != approved
    gh.merge_pull(number, method="merge")

    code, outcomes = w.sync(WEEK_ONE)
    assert code == 3, outcomes
    reason = (
        f"changed after it was approved (ana-popescu in #{number}): the current text needs a "
        "new approval"
    )
    assert {k: (o["state"], o["detail"]) for k, o in outcomes.items()} == {
        (FIRST_ID, "feed"): ("held", reason),
        (FIRST_ID, "crm"): ("held", reason),
    }
    assert w.delivered(FIRST_ID) == []
    assert not (w.job / "public" / GROUP / "posts").exists()

    # The client approves the merged text: it goes out, once.
    gh.review(number, "ana-popescu", "APPROVED", commit=edited)
    code, outcomes = w.sync(WEEK_ONE)
    assert code == 0 and {o["state"] for o in outcomes.values()} == {"published"}, outcomes
    assert [d["post"]["text"] for d in w.delivered(FIRST_ID)] == ["Secretul cozonacului: -50% azi!"]
