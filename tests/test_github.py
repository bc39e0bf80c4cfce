"""smmflow against a loopback GitHub whose every request and answer is checked against
GitHub's OpenAPI description (tests/servers/github.py).

Covered: the sticky preview comment (created once, then only updated, found across pages);
approvals (found, missing, by someone who is not an approver, stale after a later edit,
dismissed, overridden by a later change request, pushed without a pull request, squash
merges, remembered in the ledger); the failure issue per group (created, then updated).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from repohelp import git
from servers.github import GitHubServer, clean_env, run_smmflow

from smmflow.content import repo as repo_module
from smmflow.ledger.gitstore import Store
from smmflow.review.approvals import check_approval
from smmflow.review.github import GitHub
from smmflow.review.preview import MARKER

GROUP = "brutaria-dulce"
APPROVERS = ("ana-popescu", "Mihai-Dulce")  # logins compare without case, as on GitHub
SCHEDULE = f"""\
name: Brutăria Dulce
timezone: Europe/Bucharest
approvers: [{", ".join(APPROVERS)}]
max_delay: 60d
accounts:
  feed: {{}}
  crm: {{platform: webhook, url: "http://127.0.0.1:9/hook", secret_env: SMMFLOW_TEST_CRM_SECRET}}
"""
POST = "content/brutaria-dulce/2026-12-03-cozonac.md"
POST_ID = "brutaria-dulce/2026-12-03-cozonac"


def post_text(
    body: str, date: str = "2026-12-03 10:00", platforms: str = "[feed]", status: str = "ready"
) -> str:
    return (
        f"---\ndate: {date}\ntype: informative\nplatforms: {platforms}\nstatus: {status}\n"
        f"---\n{body}\n"
    )


def content_repo(root: Path) -> Path:
    """A content repository on main with one group and a draft (never due)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text("public/\n", encoding="utf-8")
    (root / "schedules").mkdir()
    (root / "schedules" / f"{GROUP}.yml").write_text(SCHEDULE, encoding="utf-8")
    write(
        root,
        "content/brutaria-dulce/2026-11-30-deschidere.md",
        post_text("Am deschis!", "2026-11-30 10:00", status="draft"),
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "group and first post")
    return root


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit_on(root: Path, branch: str, rel: str, text: str, message: str) -> str:
    """Check out `branch` (made from main if new), write one file and commit it."""
    exists = git(root, "branch", "--list", branch).strip()
    git(root, "checkout", "-q", branch) if exists else git(root, "checkout", "-q", "-b", branch)
    write(root, rel, text)
    git(root, "add", rel)
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def on_main(root: Path) -> None:
    """What the publishing run sees: a checkout of main as it is now."""
    git(root, "checkout", "-q", "main")
    git(root, "reset", "-q", "--hard", "main")


def approval(root: Path, server: GitHubServer, post_id: str = POST_ID) -> dict:
    loaded = repo_module.load(root, use_cache=False)
    post = next(p for p in loaded.posts if p.id == post_id)
    store = Store(root)
    try:
        client = GitHub(server.url, server.repository, server.token)
        return check_approval(post, loaded.groups[post.group].approvers, store, client, "main")
    finally:
        store.close()


# -- the server itself ----------------------------------------------------------------------------
def test_the_server_rejects_what_github_would_not(tmp_path, github):
    """The validation is real: a request or an answer outside GitHub's API is recorded."""
    root = content_repo(tmp_path / "repo")
    server = github(root)
    auth = {"Authorization": f"Bearer {server.token}"}
    requests.get(f"{server.api}/issues", params={"state": "bogus"}, headers=auth, timeout=10)
    requests.post(f"{server.api}/issues", json={"body": "no title"}, headers=auth, timeout=10)
    requests.get(f"{server.api}/nothing/here", headers=auth, timeout=10)
    requests.get(f"{server.api}/issues", timeout=10)  # no token
    found = "\n".join(server.errors)
    assert "'bogus' is not one of ['open', 'closed', 'all']" in found
    assert "'title' is a required property" in found
    assert "Path not found" in found
    assert "sent without the token" in found
    server.errors.clear()
    # An answer GitHub would never give is caught too.
    server._issue = lambda issue: {"number": issue.number}  # type: ignore[method-assign]
    server.add_issue("x", "y", ("smmflow",))
    requests.get(f"{server.api}/issues", headers=auth, timeout=10)
    assert any("answer 200 does not match" in e for e in server.errors), server.errors
    server.errors.clear()


# -- the sticky preview comment --------------------------------------------------------------------
def test_sticky_comment_is_created_then_updated_never_doubled(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    head = commit_on(root, "december", POST, post_text("**Cozonac** cu nucă 🎄"), "cozonac")
    server = github(root, page_cap=2)  # the client must follow Link headers
    number = server.open_pull("december")
    for i in range(3):  # the conversation already has comments by people
        server.add_comment(number, f"comment {i}: looks nice", user="ana-popescu")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": number, "pull_request": {"number": number}}))
    env = clean_env(**server.env(event))

    first = run_smmflow(root, "preview", "--base", "main", "--comment", env=env)
    assert first.code == 0, str(first)
    mine = [c for c in server.comments_on(number) if MARKER in c.body]
    assert len(mine) == 1 and mine[0].user == "github-actions[bot]"
    assert first.err.strip() == f"created comment {mine[0].id}"
    assert mine[0].body == first.out and "Cozonac cu nucă 🎄" in first.out

    commit_on(root, "december", POST, post_text("**Cozonac** cu nucă și mac 🎄"), "edit")
    second = run_smmflow(root, "preview", "--base", "main", "--comment", env=env)
    assert second.code == 0, str(second)
    assert second.err.strip() == f"updated comment {mine[0].id}"
    mine_now = [c for c in server.comments_on(number) if MARKER in c.body]
    assert [c.id for c in mine_now] == [mine[0].id]
    assert "nucă și mac" in mine_now[0].body and "nucă 🎄" not in mine_now[0].body
    assert len(server.comments_on(number)) == 4
    assert len(server.calls("POST", r"/comments$")) == 1
    assert len(server.calls("PATCH", r"/issues/comments/\d+$")) == 1
    assert server.calls("GET", r"/comments\?.*page=2"), "the second page was never read"

    # The trusted workflow_run job: a preview file, the number, and the head it belongs to.
    preview = tmp_path / "preview.md"
    preview.write_text("## smmflow preview: 1 post added or changed\n\nfrom the artifact\n")
    base_env = clean_env(**server.env())
    artifact = ("preview", "--from", str(preview), "--comment", "--pr", str(number))
    wrong = run_smmflow(root, *artifact, "--expect-head", head, env=base_env)
    assert wrong.code == 2 and "not commenting" in wrong.err, str(wrong)
    assert "from the artifact" not in server.comments[mine[0].id].body
    right = run_smmflow(root, *artifact, "--expect-head", server.head(number), env=base_env)
    assert right.code == 0, str(right)
    assert right.err.strip() == f"updated comment {mine[0].id}"
    assert server.comments[mine[0].id].body.startswith(MARKER + "\n## smmflow preview")
    assert len([c for c in server.comments_on(number) if MARKER in c.body]) == 1


# -- approvals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["merge", "squash"])
def test_approval_found(tmp_path, github, method):
    root = content_repo(tmp_path / "repo")
    head = commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ana-popescu", "COMMENTED")
    review = server.review(number, "ana-popescu", "APPROVED")
    server.merge_pull(number, method=method)
    on_main(root)
    found = approval(root, server)
    assert found["state"] == "approved", found
    assert (found["by"], found["pull_request"], found["review"], found["commit"]) == (
        "ana-popescu",
        number,
        review,
        head,
    )


def test_approver_logins_compare_without_case(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "mihai-dulce")  # the group lists Mihai-Dulce
    server.merge_pull(number)
    on_main(root)
    assert approval(root, server)["state"] == "approved"


def test_approval_missing(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ana-popescu", "COMMENTED")  # a comment is not an approval
    server.merge_pull(number)
    on_main(root)
    found = approval(root, server)
    assert found["state"] == "missing", found
    assert found["reason"] == f"no approval by ana-popescu, Mihai-Dulce on pull request #{number}"


def test_a_later_change_request_or_a_dismissal_cancels_an_approval(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ana-popescu", "APPROVED")
    server.review(number, "ana-popescu", "CHANGES_REQUESTED")
    dismissed = server.review(number, "mihai-dulce", "APPROVED")
    server.dismiss(dismissed)
    server.merge_pull(number)
    on_main(root)
    assert approval(root, server)["state"] == "missing"


def test_approved_by_someone_who_is_not_an_approver(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ion-colleague", "APPROVED")
    server.merge_pull(number)
    on_main(root)
    found = approval(root, server)
    assert found["state"] == "not-an-approver", found
    assert found["reason"] == (
        "approved only by ion-colleague, who is not among the approvers (ana-popescu, Mihai-Dulce)"
    )


def test_approval_is_stale_when_the_file_changed_after_it(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    approved = commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.review(number, "ana-popescu", "APPROVED")
    assert server.head(number) == approved
    # The writer pushes one more edit to the pull request; it is merged without a new look.
    commit_on(root, "december", POST, post_text("Cozonac cu nucă, 30% reducere!"), "edit")
    assert server.head(number) != approved
    server.merge_pull(number)
    on_main(root)
    found = approval(root, server)
    assert found["state"] == "stale", found
    assert found["reason"] == (
        f"changed after it was approved (ana-popescu in #{number}): the current text needs a "
        "new approval"
    )
    # Approving the new head makes it count again.
    git(root, "checkout", "-q", "-b", "fixup", "main")
    commit_on(root, "fixup", POST, post_text("Cozonac cu nucă, 20% reducere!"), "smaller")
    again = server.open_pull("fixup")
    server.review(again, "ana-popescu")
    server.merge_pull(again)
    on_main(root)
    assert approval(root, server)["state"] == "approved"


def test_pushed_to_main_without_a_pull_request(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    commit_on(root, "main", POST, post_text("Cozonac cu nucă"), "straight to main")
    server = github(root)
    found = approval(root, server)
    assert found["state"] == "no-pull-request", found
    assert found["reason"] == (
        "pushed to main without a pull request: open one for ana-popescu, Mihai-Dulce to approve"
    )


def test_sync_holds_until_approved_and_remembers_the_approval(tmp_path, github):
    """Through the CLI: held (exit 3) before the approval, published after it, and the
    approval is written on the ledger (a hint for `check`); a published post is not asked about."""
    root = content_repo(tmp_path / "repo")
    commit_on(root, "december", POST, post_text("Cozonac cu nucă"), "cozonac")
    server = github(root)
    number = server.open_pull("december")
    server.merge_pull(number)  # merged before anyone approved
    on_main(root)
    env = clean_env(**server.env())
    now = "2026-12-03 09:00Z"
    held = run_smmflow(
        root, "sync", "--now", now, "--approvals", "github", "--no-report-issues", env=env
    )
    assert held.code == 3, str(held)
    assert (
        "held" in held.out
        and f"no approval by ana-popescu, Mihai-Dulce on pull request #{number}" in held.out
    )

    server.review(number, "ana-popescu", commit=server.pulls[number].frozen_head)
    done = run_smmflow(
        root, "sync", "--now", now, "--approvals", "github", "--no-report-issues", env=env
    )
    assert done.code == 0, str(done)
    assert f"published     {POST_ID} → feed" in done.out
    cached = json.loads(git(root, "show", f"smmflow/ledger:approvals/{POST_ID}.json"))
    assert (cached["state"], cached["by"], cached["pull_request"]) == (
        "approved",
        "ana-popescu",
        number,
    )

    asked = len(server.hits)
    status = run_smmflow(
        root, "status", "--now", now, "--format", "json", env={**env, "SMMFLOW_APPROVALS": "github"}
    )
    assert status.code == 0, str(status)
    rows = {(r["post"], r["account"]): r for r in json.loads(status.out)}
    assert rows[(POST_ID, "feed")]["state"] == "published"
    assert len(server.hits) == asked, "an approval already in the ledger was asked again"


# -- failure issues -------------------------------------------------------------------------------
def test_failure_issue_is_created_then_updated(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    commit_on(root, "main", POST, post_text("Cozonac", platforms="[crm]"), "cozonac")
    server = github(root, page_cap=1)  # the issue must be found across pages
    other = server.add_issue(
        "smmflow: publishing for Cafe Boema needs attention",
        "<!-- smmflow-failures:cafe-boema -->\nsomething else",
        ("smmflow",),
        user="github-actions[bot]",
    )
    server.add_issue("Logo for December", "unrelated", ("design",))
    env = clean_env(**server.env())  # SMMFLOW_TEST_CRM_SECRET is not set: the post fails
    first = run_smmflow(
        root, "sync", "--now", "2026-12-03 09:00Z", "--approvals", "branch", env=env
    )
    assert first.code == 1, str(first)
    ours = [
        i
        for i in server.issues.values()
        if "<!-- smmflow-failures:brutaria-dulce -->" in (i.body or "")
    ]
    assert len(ours) == 1, server.issues
    issue = ours[0]
    assert f"created issue #{issue.number} for brutaria-dulce" in first.err
    assert issue.title == "smmflow: publishing for Brutăria Dulce needs attention"
    assert issue.labels == ["smmflow"] and issue.user == "github-actions[bot]"
    assert f"| `{POST_ID}` | crm | failed |" in issue.body
    assert "SMMFLOW_TEST_CRM_SECRET" in issue.body

    # A second failing post later: the same issue is rewritten, no second one is opened.
    later = "content/brutaria-dulce/2026-12-05-turta.md"
    commit_on(root, "main", later, post_text("Turtă dulce", "2026-12-05 10:00", "[crm]"), "turta")
    second = run_smmflow(
        root, "sync", "--now", "2026-12-05 09:00Z", "--approvals", "branch", env=env
    )
    assert second.code == 1, str(second)
    assert f"updated issue #{issue.number} for brutaria-dulce" in second.err
    ours = [
        i for i in server.issues.values() if "smmflow-failures:brutaria-dulce" in (i.body or "")
    ]
    assert [i.number for i in ours] == [issue.number]
    assert "brutaria-dulce/2026-12-05-turta" in ours[0].body and POST_ID in ours[0].body
    assert server.issues[other].body.endswith("something else")  # another group's: untouched
    assert len(server.calls("POST", r"/issues$")) == 1
    assert len(server.calls("PATCH", rf"/issues/{issue.number}$")) == 1


def test_failure_issue_is_closed_once_nothing_needs_a_person(tmp_path, github):
    root = content_repo(tmp_path / "repo")
    commit_on(root, "main", POST, post_text("Cozonac", platforms="[crm]"), "cozonac")
    server = github(root)
    env = clean_env(**server.env())  # the webhook secret is not set: the post fails
    first = run_smmflow(
        root, "sync", "--now", "2026-12-03 09:00Z", "--approvals", "branch", env=env
    )
    assert first.code == 1, str(first)
    (issue,) = [
        i for i in server.issues.values() if "smmflow-failures:brutaria-dulce" in (i.body or "")
    ]

    # A run with nothing new to report still lists the standing failure (from the ledger).
    again = run_smmflow(
        root, "sync", "--now", "2026-12-03 09:05Z", "--approvals", "branch", env=env
    )
    assert f"updated issue #{issue.number}" in again.err, str(again)
    assert f"| `{POST_ID}` | crm | failed |" in server.issues[issue.number].body

    # The person settles it; the next run closes the issue with a note, and only once.
    settled = run_smmflow(root, "resolve", POST_ID, "crm", "--skip", env=env)
    assert settled.code == 0, str(settled)
    closing = run_smmflow(
        root, "sync", "--now", "2026-12-03 09:10Z", "--approvals", "branch", env=env
    )
    assert closing.code == 0, str(closing)
    assert f"closed issue #{issue.number} for brutaria-dulce" in closing.err
    assert server.issues[issue.number].state == "closed"
    assert any("settled" in c.body for c in server.comments_on(issue.number))
    quiet = run_smmflow(
        root, "sync", "--now", "2026-12-03 09:15Z", "--approvals", "branch", env=env
    )
    assert "issue #" not in quiet.err
