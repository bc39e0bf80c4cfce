"""Approval, tried as an attacker would (issue #11): every way found to publish a post
without its client's approval, against the loopback GitHub of tests/servers/github.py
(every request and answer checked against GitHub's OpenAPI description) and real git.

- a glob character in a post's file name must not borrow another file's approval;
- the ledger branch is never a source of approval (anyone who can push can write it);
- a review whose commit is gone (`commit_id: null`) approves nothing;
- a shallow clone cannot tell which pull request brought a file: nothing is approved there;
- the approved unit is the post and every media file it names, by blob.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from repohelp import git
from servers.github import GitHubServer, clean_env, run_smmflow
from servers.webhook import Receiver
from test_github import (  # noqa: F401
    APPROVERS,
    GROUP,
    POST,
    POST_ID,
    commit_on,
    content_repo,
    on_main,
    post_text,
    write,
)

from smmflow.content import repo as repo_module
from smmflow.content.posts import load_post
from smmflow.ledger.committed import Committed
from smmflow.ledger.gitstore import Store, last_commit
from smmflow.review.approvals import check_approval
from smmflow.review.github import GitHub

NOW = "2026-12-05 09:00Z"
LAUNCH = f"content/{GROUP}/2026-12-05-launch.md"
GLOB = f"content/{GROUP}/2026-12-05-l*.md"  # as a pathspec, it also matches LAUNCH


def ask(root: Path, server: GitHubServer, rel: str) -> dict:
    """check_approval for the post at `rel` of main's checkout, as sync asks it."""
    loaded = repo_module.load(root, use_cache=False)
    group = loaded.groups[GROUP]
    data = (root / rel).read_bytes()
    # Built from the bytes directly: `check` may refuse such a name, approval must not
    # depend on it.
    post, problems = load_post(root, POST, data, group, GROUP)
    assert post is not None, problems
    post = dataclasses.replace(post, path=rel)
    store = Store(root)
    try:
        client = GitHub(server.url, server.repository, server.token)
        unit = Committed(store, "main")  # the post and its media, as on main
        return check_approval(post, group.approvers, store, client, "main", unit)
    finally:
        store.close()


def sync(root: Path, server: GitHubServer, *args: str) -> tuple[int, dict, str]:
    ran = run_smmflow(
        root,
        "sync",
        "--now",
        NOW,
        "--approvals",
        "github",
        "--no-report-issues",
        "--format",
        "json",
        *args,
        env=clean_env(**server.env()),
    )
    assert "Traceback" not in ran.err, str(ran)
    outcomes = {(o["post"], o["account"]): o for o in json.loads(ran.out)["outcomes"]}
    return ran.code, outcomes, ran.err


# -- 1. glob characters in a file name ------------------------------------------------------------
def glob_world(tmp_path: Path, github) -> tuple[Path, GitHubServer]:
    """`…-l*.md`, approved only by a colleague, merged; then `…-launch.md`, approved by the
    client, merged after it (so `launch` is the newest commit a glob would find)."""
    root = content_repo(tmp_path / "repo")
    commit_on(root, "sneaky", GLOB, post_text("Everything -90%!", "2026-12-05 10:00"), "glob")
    server = github(root)
    sneaky = server.open_pull("sneaky")
    server.review(sneaky, "ion-colleague", "APPROVED")
    server.merge_pull(sneaky)
    on_main(root)
    git(root, "checkout", "-q", "-b", "launch", "main")
    commit_on(root, "launch", LAUNCH, post_text("We launch today.", "2026-12-05 10:00"), "launch")
    launch = server.open_pull("launch")
    server.review(launch, "ana-popescu", "APPROVED")
    server.merge_pull(launch)
    on_main(root)
    return root, server


def test_a_glob_in_a_file_name_never_borrows_another_files_approval(tmp_path, github):
    root, server = glob_world(tmp_path, github)
    store = Store(root)
    try:
        glob_commit = git(root, "log", "-1", "--format=%H", "main", "--", f":(literal){GLOB}")
        assert last_commit(store, "main", GLOB) == glob_commit.strip()
    finally:
        store.close()
    found = ask(root, server, GLOB)
    assert found["state"] == "not-an-approver", found
    assert ask(root, server, LAUNCH)["state"] == "approved"


def test_sync_does_not_publish_a_glob_named_post_on_anothers_approval(tmp_path, github):
    root, server = glob_world(tmp_path, github)
    code, outcomes, err = sync(root, server)
    assert outcomes.get((f"{GROUP}/2026-12-05-launch", "feed"), {}).get("state") == "published"
    glob_id = f"{GROUP}/2026-12-05-l*"
    assert outcomes.get((glob_id, "feed"), {}).get("state") != "published", outcomes
    assert not (root / "public" / GROUP / "posts" / "2026-12-05-l*.html").exists()
    assert code != 0, err


# -- 2. the ledger branch never grants ------------------------------------------------------------
def forge_ledger_file(root: Path, path: str, data: bytes) -> None:
    """What anyone who can push can do: commit a file of their choosing on the ledger."""
    index = root / ".git" / "forged-index"
    env = {"GIT_INDEX_FILE": str(index)}
    refs = git(root, "for-each-ref", "--format=%(objectname)", "refs/heads/smmflow/ledger")
    tip = refs.strip()
    if tip:
        git(root, "read-tree", tip, env=env)
    source = root / ".git" / "forged-file"
    source.write_bytes(data)
    blob = git(root, "hash-object", "-w", str(source)).strip()
    source.unlink()
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(root, "write-tree", env=env).strip()
    commit = git(root, "commit-tree", tree, *(["-p", tip] if tip else []), "-m", "cache").strip()
    git(root, "update-ref", "refs/heads/smmflow/ledger", commit)
    index.unlink()


def stale_world(tmp_path: Path, github) -> tuple[Path, GitHubServer]:
    """A post approved, then changed in the same pull request and merged: GitHub says stale."""
    root = content_repo(tmp_path / "repo")
    commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ana-popescu", "APPROVED")
    commit_on(root, "december", POST, post_text("Cozonac cu nucă, -30%!"), "after approval")
    server.merge_pull(number)
    on_main(root)
    return root, server


def test_an_approval_written_on_the_ledger_branch_grants_nothing(tmp_path, github):
    root, server = stale_world(tmp_path, github)
    blob = git(root, "rev-parse", f"main:{POST}").strip()
    forged = {"blob": blob, "path": POST, "state": "approved", "by": "ana-popescu"}
    forge_ledger_file(root, f"approvals/{POST_ID}.json", json.dumps(forged).encode())
    code, outcomes, err = sync(root, server)
    assert code == 3, (outcomes, err)
    assert outcomes[(POST_ID, "feed")]["state"] == "held"
    assert outcomes[(POST_ID, "feed")]["detail"].startswith("changed after it was approved")
    assert not (root / "public" / GROUP / "posts" / "2026-12-03-cozonac.html").exists()
    # GitHub was asked, and what it said replaced the forged entry (check's offline hint).
    assert server.calls("GET", r"/pulls/\d+/reviews")
    cached = json.loads(git(root, "show", f"smmflow/ledger:approvals/{POST_ID}.json"))
    assert cached["state"] == "stale"


# -- 4. a review whose commit is gone ---------------------------------------------------------------
def test_a_review_whose_commit_is_gone_approves_nothing(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    reviewed = commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ana-popescu", "APPROVED")
    # The writer force-pushes other text over the reviewed commit; git prunes it.
    git(root, "reset", "-q", "--hard", "main")
    commit_on(root, "december", POST, post_text("Cozonac cu nucă, -30%!"), "force-pushed")
    git(root, "reflog", "expire", "--expire=now", "--all")
    git(root, "gc", "-q", "--prune=now")
    assert reviewed not in git(root, "cat-file", "--batch-all-objects", "--batch-check")
    server.merge_pull(number)
    on_main(root)
    reviews = server.calls("GET", r"/pulls/\d+/reviews")
    found = ask(root, server, POST)
    assert found["state"] == "commit-gone", found
    assert "approved on a commit that no longer exists (ana-popescu in #" in found["reason"]
    assert len(server.calls("GET", r"/pulls/\d+/reviews")) == len(reviews) + 1
    assert server.calls("GET", r"/contents/") == [], "asked for a file at no commit"
    code, outcomes, _ = sync(root, server, "--now", "2026-12-03 09:00Z")
    assert code == 3 and outcomes[(POST_ID, "feed")]["state"] == "held", outcomes
    assert not (root / "public" / GROUP / "posts" / "2026-12-03-cozonac.html").exists()


# -- 5. a shallow clone ---------------------------------------------------------------------------
def test_a_shallow_clone_approves_nothing(tmp_path, github):
    """In a `--depth 1` clone every file's last commit is the tip: a post pushed straight to
    main would seem to come through whichever approved pull request was merged last."""
    root = content_repo(tmp_path / "repo")
    straight = f"content/{GROUP}/2026-12-04-straight.md"
    commit_on(root, "main", straight, post_text("No one saw this.", "2026-12-04 10:00"), "push")
    git(root, "checkout", "-q", "-b", "december", "main")
    commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ana-popescu", "APPROVED")
    server.merge_pull(number)
    on_main(root)
    straight_id = f"{GROUP}/2026-12-04-straight"
    assert ask(root, server, straight)["state"] == "no-pull-request"  # the full history

    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{root}", str(shallow))
    assert git(shallow, "rev-parse", "--is-shallow-repository").strip() == "true"
    found = ask(shallow, server, straight)
    assert found["state"] == "shallow-clone", found
    assert "git fetch --unshallow" in found["reason"] and "fetch-depth: 0" in found["reason"]
    code, outcomes, _ = sync(shallow, server)
    assert code == 3, outcomes
    assert {k: o["state"] for k, o in outcomes.items()} == {
        (straight_id, "feed"): "held",
        (POST_ID, "feed"): "held",
    }
    assert outcomes[(straight_id, "feed")]["detail"] == found["reason"]
    assert not (shallow / "public" / GROUP / "posts").exists()

    git(shallow, "fetch", "-q", "--unshallow")  # the remedy it names works
    assert ask(shallow, server, straight)["state"] == "no-pull-request"
    assert ask(shallow, server, POST)["state"] == "approved"


# -- 6. media are part of the approved unit -------------------------------------------------------
PHOTO_POST = f"content/{GROUP}/2026-12-03-tort.md"
PHOTO_ID = f"{GROUP}/2026-12-03-tort"
PHOTO = f"content/{GROUP}/media/tort.jpg"


def photo_text() -> str:
    return (
        "---\ndate: 2026-12-03 10:00\ntype: informative\nplatforms: [feed]\n"
        "media:\n  - src: media/tort.jpg\n    alt: Un tort cu frișcă\n---\nTortul zilei.\n"
    )


def commit_files(root: Path, branch: str, files: dict[str, bytes], message: str) -> str:
    exists = git(root, "branch", "--list", branch).strip()
    git(root, "checkout", "-q", branch) if exists else git(root, "checkout", "-q", "-b", branch)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    git(root, "add", *files)
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def approved_photo(tmp_path: Path, github) -> tuple[Path, GitHubServer, int]:
    """The post and its photo, approved by the client in one pull request and merged."""
    root = content_repo(tmp_path / "repo")
    files = {PHOTO_POST: photo_text().encode(), PHOTO: b"\xff\xd8\xff\xe0 the approved cake"}
    commit_files(root, "tort", files, "the cake, with its photo")
    server = github(root)
    number = server.open_pull("tort")
    server.review(number, "ana-popescu", "APPROVED")
    return root, server, number


def published_pages(root: Path) -> list[str]:
    posts = root / "public" / GROUP / "posts"
    return sorted(p.name for p in posts.iterdir()) if posts.is_dir() else []


def test_an_image_replaced_on_main_after_the_approval_is_held(tmp_path, github):
    root, server, number = approved_photo(tmp_path, github)
    server.merge_pull(number)
    on_main(root)
    assert ask(root, server, PHOTO_POST)["state"] == "approved"
    swapped = b"\xff\xd8\xff\xe0 another picture"
    commit_files(root, "main", {PHOTO: swapped}, "a better photo, straight to main")
    on_main(root)
    found = ask(root, server, PHOTO_POST)
    assert found["state"] == "no-pull-request", found
    code, outcomes, _ = sync(root, server)
    assert code == 3 and outcomes[(PHOTO_ID, "feed")]["state"] == "held", outcomes
    assert outcomes[(PHOTO_ID, "feed")]["detail"] == found["reason"]
    assert published_pages(root) == []


def test_an_image_changed_after_the_approval_in_the_same_pull_request_is_stale(tmp_path, github):
    """Only the media blob comparison holds this one: the last commit is in the pull
    request, which has the client's approval — of the earlier photo."""
    root, server, number = approved_photo(tmp_path, github)
    commit_files(root, "tort", {PHOTO: b"\xff\xd8\xff\xe0 swapped after"}, "new photo")
    server.merge_pull(number)
    on_main(root)
    found = ask(root, server, PHOTO_POST)
    assert found["state"] == "stale", found
    assert found["reason"] == (
        f"changed after it was approved (ana-popescu in #{number}): the current text and "
        "media needs a new approval"
    )
    assert found["media"] == {PHOTO: git(root, "rev-parse", f"main:{PHOTO}").strip()}
    code, outcomes, _ = sync(root, server)
    assert code == 3 and outcomes[(PHOTO_ID, "feed")]["detail"] == found["reason"], outcomes
    assert published_pages(root) == []


def test_an_image_changed_by_an_unapproved_pull_request_is_held(tmp_path, github):
    root, server, number = approved_photo(tmp_path, github)
    server.merge_pull(number)
    on_main(root)
    git(root, "checkout", "-q", "-b", "photo", "main")
    commit_files(root, "photo", {PHOTO: b"\xff\xd8\xff\xe0 a colleague's photo"}, "photo")
    other = server.open_pull("photo")
    server.review(other, "ion-colleague", "APPROVED")
    server.merge_pull(other)
    on_main(root)
    assert ask(root, server, PHOTO_POST)["state"] == "not-an-approver"
    code, outcomes, _ = sync(root, server)
    assert code == 3 and outcomes[(PHOTO_ID, "feed")]["state"] == "held", outcomes
    assert published_pages(root) == []

    # The client approves a pull request that brings the photo back: published, and the
    # feed's copy of the photo is the approved one.
    git(root, "checkout", "-q", "-b", "back", "main")
    commit_files(root, "back", {PHOTO: b"\xff\xd8\xff\xe0 the approved cake"}, "back")
    back = server.open_pull("back")
    server.review(back, "ana-popescu", "APPROVED")
    server.merge_pull(back)
    on_main(root)
    code, outcomes, _ = sync(root, server)
    assert code == 0 and outcomes[(PHOTO_ID, "feed")]["state"] == "published", outcomes
    copy = root / "public" / GROUP / "media" / "tort.jpg"
    assert copy.read_bytes() == b"\xff\xd8\xff\xe0 the approved cake"


# -- 10. a withdrawal, and every other send, obeys the approval too --------------------------------
HOOK_SECRET = "approval-bypass-hook-secret"


@pytest.fixture
def receiver(serve):
    return serve(Receiver(secret=HOOK_SECRET.encode()))


def hooked_repo(tmp_path: Path, receiver: Receiver) -> Path:
    """content_repo, with its group's webhook pointed at a live receiver."""
    root = content_repo(tmp_path / "repo")
    schedule = root / "schedules" / f"{GROUP}.yml"
    text = schedule.read_text(encoding="utf-8").replace("http://127.0.0.1:9/hook", receiver.url)
    schedule.write_text(text.replace("SMMFLOW_TEST_CRM_SECRET", "HOOK_SECRET"), encoding="utf-8")
    git(root, "commit", "-q", "-am", "the webhook")
    return root


def hook_sync(root: Path, server: GitHubServer) -> tuple[int, dict, str]:
    ran = run_smmflow(
        root,
        "sync",
        "--now",
        NOW,
        "--approvals",
        "github",
        "--no-report-issues",
        "--format",
        "json",
        env=clean_env(HOOK_SECRET=HOOK_SECRET, **server.env()),
    )
    assert "Traceback" not in ran.err, str(ran)
    outcomes = {(o["post"], o["account"]): o for o in json.loads(ran.out)["outcomes"]}
    return ran.code, outcomes, ran.err


def approved_and_published(tmp_path: Path, github, receiver: Receiver) -> tuple[Path, GitHubServer]:
    root = hooked_repo(tmp_path, receiver)
    commit_on(root, "december", POST, post_text("Cozonac cu nucă", platforms="[feed, crm]"), "c")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ana-popescu", "APPROVED")
    server.merge_pull(number)
    on_main(root)
    code, outcomes, _ = hook_sync(root, server)
    assert code == 0 and {o["state"] for o in outcomes.values()} == {"published"}, outcomes
    return root, server


def withdrawn_text() -> str:
    return post_text("Cozonac cu nucă", platforms="[feed, crm]", status="withdrawn")


def test_a_withdrawal_pushed_without_approval_deletes_nothing(tmp_path, github, receiver):
    root, server = approved_and_published(tmp_path, github, receiver)
    page = root / "public" / GROUP / "posts" / "2026-12-03-cozonac.html"
    commit_on(root, "main", POST, withdrawn_text(), "withdrawn, straight to main")
    code, outcomes, _ = hook_sync(root, server)
    assert code == 3, outcomes
    reason = (
        "pushed to main without a pull request: open one for ana-popescu, Mihai-Dulce to approve"
    )
    assert {k[1]: (o["state"], o["detail"]) for k, o in outcomes.items()} == {
        "feed": ("held", f"withdrawal not acted on: {reason}"),
        "crm": ("held", f"withdrawal not acted on: {reason}"),
    }
    assert page.is_file() and receiver.deleted == []


def test_an_approved_withdrawal_on_main_deletes_the_post(tmp_path, github, receiver):
    root, server = approved_and_published(tmp_path, github, receiver)
    page = root / "public" / GROUP / "posts" / "2026-12-03-cozonac.html"
    git(root, "checkout", "-q", "-b", "withdraw", "main")
    commit_on(root, "withdraw", POST, withdrawn_text(), "withdraw it")
    number = server.open_pull("withdraw")
    server.review(number, "ana-popescu", "APPROVED")
    server.merge_pull(number)
    on_main(root)
    code, outcomes, _ = hook_sync(root, server)
    assert code == 0, outcomes
    assert {k[1]: o["state"] for k, o in outcomes.items()} == {
        "feed": "withdrawn",
        "crm": "withdrawn",
    }
    assert not page.exists() and len(receiver.deleted) == 1


def test_a_failed_post_edited_without_approval_is_not_retried(tmp_path, github, receiver):
    """A retry sends the current text: it needs the approval like a first send."""
    root = hooked_repo(tmp_path, receiver)
    commit_on(root, "december", POST, post_text("Cozonac cu nucă", platforms="[crm]"), "c")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ana-popescu", "APPROVED")
    server.merge_pull(number)
    on_main(root)
    receiver.faults = ["500"] * 10  # every attempt of this run fails; retryable
    code, outcomes, _ = hook_sync(root, server)
    assert outcomes[(POST_ID, "crm")]["state"] == "failed", outcomes
    receiver.faults = []
    commit_on(root, "main", POST, post_text("Cozonac, -70%!", platforms="[crm]"), "straight")
    code, outcomes, _ = hook_sync(root, server)
    assert code == 3 and outcomes[(POST_ID, "crm")]["state"] == "held", outcomes
    assert outcomes[(POST_ID, "crm")]["detail"].startswith("not retried: pushed to main")
    assert receiver.created == {}
