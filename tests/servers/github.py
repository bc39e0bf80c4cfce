"""A loopback GitHub REST API, held to GitHub's own OpenAPI description.

`GitHubServer` answers the endpoints smmflow uses (approvals, the sticky preview comment,
failure issues) from realistic state that a test sets up through methods standing for what
people do on github.com: `open_pull`, `review`, `dismiss`, `merge_pull`, `add_comment`,
`add_issue`. A pull request's head follows its branch until it is merged, as on GitHub.
Repository contents come from a real git repository (bare or not): the `sha` that
`GET /contents/{path}?ref=R` returns is `git rev-parse R:path`, and a merge is a real merge
(or squash) commit written on the base branch with `git merge-tree`/`commit-tree`.

Every request is validated against GitHub's OpenAPI description (npm `@octokit/openapi`,
`generated/api.github.com.json`) before it is answered, and every response before it is
sent, with openapi-core (spec validation off: the description is GitHub's own). Whatever
does not validate, and any request without the token, lands in `server.errors`; the tests'
fixtures assert it is empty at teardown, so a validation failure fails the test.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import functools
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import pytest
from repohelp import GIT_ENV, git

from servers.loopback import close, listen

TOOLS = Path(__file__).resolve().parents[1] / "tools"
NODE_MODULES = TOOLS / "node_modules"
SPEC = NODE_MODULES / "@octokit" / "openapi" / "generated" / "api.github.com.json"
API_VERSION = "2022-11-28"
WEB = "https://github.com"  # html_url values: never followed by a client
DOCS = "https://docs.github.com/rest"
TOKEN = "ghs_loopbackTestToken0123456789abcdef"


# -- the Node tools (tests/tools/package.json) -----------------------------------------------
def node_tools() -> Path:
    """tests/tools/node_modules, installed with `npm ci` from the committed lock file when a
    package is missing or at another version than package.json asks (kept between runs)."""
    wanted = json.loads((TOOLS / "package.json").read_text(encoding="utf-8"))["dependencies"]

    def current() -> bool:
        for name, version in wanted.items():
            manifest = NODE_MODULES / name / "package.json"
            if not manifest.is_file():
                return False
            if json.loads(manifest.read_text(encoding="utf-8")).get("version") != version:
                return False
        return True

    if current():
        return NODE_MODULES
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("these tests need Node.js 20 and npm (tests/tools/package.json)")
    lock = Path(tempfile.gettempdir()) / "smmflow-tests-npm-ci.lock"
    with open(lock, "w") as handle:  # one install at a time (parallel test processes)
        fcntl.flock(handle, fcntl.LOCK_EX)
        if not current():
            proc = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=TOOLS,
                capture_output=True,
                text=True,
                timeout=900,
            )
            if proc.returncode != 0 or not current():
                pytest.fail(f"npm ci in {TOOLS} failed:\n{proc.stdout}\n{proc.stderr}")
    return NODE_MODULES


@functools.lru_cache(maxsize=1)
def github_openapi():
    """GitHub's OpenAPI description, loaded once per test session (about 12 MB of JSON)."""
    from openapi_core import Config, OpenAPI

    node_tools()
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


class _ApiRequest:
    """A request as openapi-core reads it, addressed to https://api.github.com (the
    description's server) with the path, query, headers and body that really arrived."""

    host_url = "https://api.github.com"

    def __init__(self, method: str, path: str, query: str, headers, body: bytes | None):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.method = method.lower()
        self.path = path
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
            header=Headers(list(headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.body = body or None
        self.content_type = (headers.get("Content-Type") or "").lower()


class _ApiResponse:
    def __init__(self, status: int, data: bytes, headers: dict[str, str]):
        from werkzeug.datastructures import Headers

        self.status_code = status
        self.data = data
        self.headers = Headers(list(headers.items()))
        self.content_type = headers.get("Content-Type", "").lower()


def _explain(exc: BaseException) -> str:
    """An openapi-core error with the schema errors underneath it, on one line each."""
    head = f"{type(exc).__name__}: {exc}"
    parts = [head if len(head) <= 300 else head[:300] + "…"]
    seen = {id(exc)}
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        for error in getattr(cause, "schema_errors", ()) or ():
            where = "/".join(str(p) for p in error.absolute_path)
            parts.append(f"  at {where or '(top)'}: {error.message[:300]}")
        cause = cause.__cause__ or cause.__context__
    return "\n".join(parts)


# -- state -------------------------------------------------------------------------------------
@dataclass
class Pull:
    number: int
    id: int
    title: str
    body: str
    author: str
    head_ref: str
    base_ref: str
    created_at: str
    updated_at: str
    state: str = "open"
    closed_at: str | None = None
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    frozen_head: str | None = None  # the head when it was merged or closed
    frozen_base: str | None = None
    frozen_commits: list[str] = field(default_factory=list)


@dataclass
class Review:
    id: int
    number: int
    user: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    commit_id: str
    body: str
    submitted_at: str


@dataclass
class Issue:
    number: int
    id: int
    title: str
    body: str | None
    user: str
    labels: list[str]
    created_at: str
    updated_at: str
    state: str = "open"
    closed_at: str | None = None


@dataclass
class Comment:
    id: int
    number: int
    user: str
    body: str
    created_at: str
    updated_at: str


@dataclass
class Hit:
    method: str
    path: str  # with the query
    status: int


class GitHubError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_ROUTES = [
    ("GET", _REPO + r"/commits/(?P<sha>[^/]+)/pulls", "commit_pulls"),
    ("GET", _REPO + r"/pulls/(?P<number>\d+)", "get_pull"),
    ("GET", _REPO + r"/pulls/(?P<number>\d+)/reviews", "list_reviews"),
    ("GET", _REPO + r"/contents/(?P<path>.+)", "get_contents"),
    ("GET", _REPO + r"/issues", "list_issues"),
    ("POST", _REPO + r"/issues", "create_issue"),
    ("GET", _REPO + r"/issues/(?P<number>\d+)", "get_issue"),
    ("PATCH", _REPO + r"/issues/(?P<number>\d+)", "update_issue"),
    ("GET", _REPO + r"/issues/(?P<number>\d+)/comments", "list_comments"),
    ("POST", _REPO + r"/issues/(?P<number>\d+)/comments", "create_comment"),
    ("PATCH", _REPO + r"/issues/comments/(?P<id>\d+)", "update_comment"),
]
# Answers GitHub really gives that its description leaves out for some operations (a bad
# token, a missing pull request's reviews, an unknown commit): sent, not validated.
_UNDOCUMENTED_OK = {401, 404, 422}


class GitHubServer:
    """One repository `owner/name` on a loopback GitHub; `git_dir` holds its git data."""

    def __init__(
        self,
        git_dir: Path,
        repository: str = "smm-agency/content",
        token: str = TOKEN,
        default_branch: str = "main",
        page_cap: int = 100,
        bot: str = "github-actions[bot]",
    ):
        self.git_dir = Path(git_dir)
        self.owner, self.name = repository.split("/")
        self.token = token
        self.default_branch = default_branch
        self.page_cap = page_cap  # GitHub's is 100; lower it to make a test page through links
        self.bot = bot  # whom the token belongs to (the workflow's GITHUB_TOKEN)
        self.errors: list[str] = []
        self.hits: list[Hit] = []
        self.pulls: dict[int, Pull] = {}
        self.reviews: list[Review] = []
        self.issues: dict[int, Issue] = {}
        self.comments: dict[int, Comment] = {}
        self.lock = threading.RLock()
        self._number = 0  # issues and pull requests share one sequence, as on GitHub
        self._id = 1_000_000
        self._users: dict[str, int] = {}
        self._clock = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)
        self.server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> GitHubServer:
        github_openapi()  # load before the first request (and fail early without the tools)
        self.server = listen(_handler(self))
        return self

    def stop(self) -> None:
        close(self.server)

    def __enter__(self) -> GitHubServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self.server is not None, "start() first"
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.name}"

    def env(self, event: Path | None = None) -> dict[str, str]:
        """The variables GitHub Actions gives a workflow, pointing at this server."""
        env = {
            "GITHUB_API_URL": self.url,
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_TOKEN": self.token,
        }
        if event is not None:
            env["GITHUB_EVENT_PATH"] = str(event)
        return env

    def calls(self, method: str, pattern: str) -> list[Hit]:
        """The requests so far whose method matches and whose path matches `pattern` (regex)."""
        return [h for h in self.hits if h.method == method and re.search(pattern, h.path)]

    # -- what people do on github.com ------------------------------------------------------
    def open_pull(
        self, head: str, base: str | None = None, author: str = "writer", title: str = ""
    ) -> int:
        """Open a pull request from branch `head` (it must exist in the git data)."""
        self._sha(f"refs/heads/{head}")
        with self.lock:
            number = self._next_number()
            now = self._tick()
            self.pulls[number] = Pull(
                number,
                self._next_id(),
                title or f"Posts from {head}",
                "Posts for the client to review.",
                author,
                head,
                base or self.default_branch,
                now,
                now,
            )
        return number

    def head(self, number: int) -> str:
        """The pull request's head commit now (it follows the branch until merged)."""
        pr = self.pulls[number]
        return pr.frozen_head or self._sha(f"refs/heads/{pr.head_ref}")

    def review(
        self, number: int, user: str, state: str = "APPROVED", commit: str | None = None
    ) -> int:
        """Submit a review; by default on the pull request's current head, as the web UI does."""
        assert state in ("APPROVED", "CHANGES_REQUESTED", "COMMENTED"), state
        with self.lock:
            review = Review(
                self._next_id(),
                number,
                user,
                state,
                commit or self.head(number),
                "Looks good to me." if state == "APPROVED" else "Please change this.",
                self._tick(),
            )
            self.reviews.append(review)
        return review.id

    def pass_time(self, **delta: float) -> None:
        """Time passes on github.com (`hours=5`): the next event is stamped that much later."""
        with self.lock:
            self._clock += dt.timedelta(**delta)

    def dismiss(self, review_id: int) -> None:
        with self.lock:
            for review in self.reviews:
                if review.id == review_id:
                    review.state = "DISMISSED"

    def merge_pull(self, number: int, by: str = "maintainer", method: str = "merge") -> str:
        """Merge as GitHub does: a merge commit (or a squash commit) on the base branch,
        written into the git data; returns its sha."""
        pr = self.pulls[number]
        assert pr.state == "open", f"#{number} is {pr.state}"
        head = self.head(number)
        base = self._sha(f"refs/heads/{pr.base_ref}")
        tree = self._git("merge-tree", "--write-tree", base, head).split()[0]
        if method == "merge":
            parents = ["-p", base, "-p", head]
            message = f"Merge pull request #{number} from {self.owner}/{pr.head_ref}\n\n{pr.title}"
        else:
            assert method == "squash", method
            parents = ["-p", base]
            message = f"{pr.title} (#{number})"
        env = {
            "GIT_AUTHOR_NAME": by,
            "GIT_AUTHOR_EMAIL": f"{by}@users.noreply.github.com",
            "GIT_COMMITTER_NAME": "GitHub",
            "GIT_COMMITTER_EMAIL": "noreply@github.com",
        }
        sha = self._git("commit-tree", tree, *parents, "-m", message, env=env).strip()
        self._git("update-ref", f"refs/heads/{pr.base_ref}", sha, base)
        with self.lock:
            pr.frozen_commits = self._commits(base, head)
            pr.frozen_head, pr.frozen_base = head, base
            pr.state, pr.merge_commit_sha, pr.merged_by = "closed", sha, by
            pr.merged_at = pr.closed_at = pr.updated_at = self._tick()
        return sha

    def add_issue(self, title: str, body: str, labels: tuple[str, ...] = (), user: str = "") -> int:
        with self.lock:
            number = self._next_number()
            now = self._tick()
            self.issues[number] = Issue(
                number, self._next_id(), title, body, user or "someone", list(labels), now, now
            )
        return number

    def add_comment(self, number: int, body: str, user: str = "someone") -> int:
        with self.lock:
            now = self._tick()
            comment = Comment(self._next_id(), number, user, body, now, now)
            self.comments[comment.id] = comment
        return comment.id

    def comments_on(self, number: int) -> list[Comment]:
        return sorted((c for c in self.comments.values() if c.number == number), key=lambda c: c.id)

    # -- the git data ----------------------------------------------------------------------
    def _git(self, *args: str, env: dict | None = None, check: bool = True) -> str:
        return git(self.git_dir, *args, env=env, check=check)

    def _sha(self, ref: str) -> str:
        sha = self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if not sha.strip():
            raise AssertionError(f"no commit {ref} in {self.git_dir}")
        return sha.strip()

    def _commit_or_none(self, ref: str) -> str | None:
        out = self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        return out.strip() or None

    def _is_ancestor(self, sha: str, ref: str) -> bool:
        proc = subprocess.run(
            ["git", "-C", str(self.git_dir), "merge-base", "--is-ancestor", sha, ref],
            capture_output=True,
        )
        return proc.returncode == 0

    def _commits(self, base: str, head: str) -> list[str]:
        return self._git("rev-list", f"{base}..{head}").split()

    def _pull_commits(self, pr: Pull) -> list[str]:
        if pr.frozen_head:
            return pr.frozen_commits
        return self._commits(f"refs/heads/{pr.base_ref}", f"refs/heads/{pr.head_ref}")

    # -- identifiers, users, time ------------------------------------------------------------
    def _next_number(self) -> int:
        self._number += 1
        return self._number

    def _next_id(self) -> int:
        self._id += 17
        return self._id

    def _tick(self) -> str:
        with self.lock:
            self._clock += dt.timedelta(minutes=1)
            return self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _user(self, login: str) -> dict:
        with self.lock:
            uid = self._users.setdefault(login, 5_000 + 7 * len(self._users))
        api = f"{self.url}/users/{quote(login)}"
        return {
            "login": login,
            "id": uid,
            "node_id": f"U_kgDO{uid:08d}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{WEB}/{quote(login)}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": "Bot" if login.endswith("[bot]") else "User",
            "user_view_type": "public",
            "site_admin": False,
        }

    # -- resources as GitHub shows them ---------------------------------------------------------
    @property
    def api(self) -> str:
        return f"{self.url}/repos/{self.owner}/{self.name}"

    @property
    def web(self) -> str:
        return f"{WEB}/{self.owner}/{self.name}"

    def _repository(self) -> dict:
        api, web = self.api, self.web
        full = self.repository
        return {
            "id": 700_123_456,
            "node_id": "R_kgDOKbcdEF",
            "name": self.name,
            "full_name": full,
            "private": True,
            "owner": self._user(self.owner) | {"type": "Organization"},
            "html_url": web,
            "description": "Social-media posts as code",
            "fork": False,
            "url": api,
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "assignees_url": f"{api}/assignees{{/user}}",
            "blobs_url": f"{api}/git/blobs{{/sha}}",
            "branches_url": f"{api}/branches{{/branch}}",
            "collaborators_url": f"{api}/collaborators{{/collaborator}}",
            "comments_url": f"{api}/comments{{/number}}",
            "commits_url": f"{api}/commits{{/sha}}",
            "compare_url": f"{api}/compare/{{base}}...{{head}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "contributors_url": f"{api}/contributors",
            "deployments_url": f"{api}/deployments",
            "downloads_url": f"{api}/downloads",
            "events_url": f"{api}/events",
            "forks_url": f"{api}/forks",
            "git_commits_url": f"{api}/git/commits{{/sha}}",
            "git_refs_url": f"{api}/git/refs{{/sha}}",
            "git_tags_url": f"{api}/git/tags{{/sha}}",
            "git_url": f"git://github.com/{full}.git",
            "issue_comment_url": f"{api}/issues/comments{{/number}}",
            "issue_events_url": f"{api}/issues/events{{/number}}",
            "issues_url": f"{api}/issues{{/number}}",
            "keys_url": f"{api}/keys{{/key_id}}",
            "labels_url": f"{api}/labels{{/name}}",
            "languages_url": f"{api}/languages",
            "merges_url": f"{api}/merges",
            "milestones_url": f"{api}/milestones{{/number}}",
            "notifications_url": f"{api}/notifications{{?since,all,participating}}",
            "pulls_url": f"{api}/pulls{{/number}}",
            "releases_url": f"{api}/releases{{/id}}",
            "ssh_url": f"git@github.com:{full}.git",
            "stargazers_url": f"{api}/stargazers",
            "statuses_url": f"{api}/statuses/{{sha}}",
            "subscribers_url": f"{api}/subscribers",
            "subscription_url": f"{api}/subscription",
            "tags_url": f"{api}/tags",
            "teams_url": f"{api}/teams",
            "trees_url": f"{api}/git/trees{{/sha}}",
            "clone_url": f"{web}.git",
            "mirror_url": None,
            "hooks_url": f"{api}/hooks",
            "svn_url": web,
            "homepage": None,
            "language": None,
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 120,
            "default_branch": self.default_branch,
            "open_issues_count": sum(i.state == "open" for i in self.issues.values()),
            "open_issues": sum(i.state == "open" for i in self.issues.values()),
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": True,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": "private",
            "pushed_at": "2026-11-20T09:00:00Z",
            "created_at": "2026-01-05T10:00:00Z",
            "updated_at": "2026-11-20T09:00:00Z",
            "license": None,
            "allow_forking": True,
            "web_commit_signoff_required": False,
        }

    def _pull_simple(self, pr: Pull) -> dict:
        n, api, web = pr.number, self.api, self.web
        head = self.head(n)
        base = pr.frozen_base or self._sha(f"refs/heads/{pr.base_ref}")
        repo = self._repository()
        owner = self._user(self.owner) | {"type": "Organization"}
        link = f"{api}/pulls/{n}"
        return {
            "url": link,
            "id": pr.id,
            "node_id": f"PR_kwDOKbcdEF{pr.id}",
            "html_url": f"{web}/pull/{n}",
            "diff_url": f"{web}/pull/{n}.diff",
            "patch_url": f"{web}/pull/{n}.patch",
            "issue_url": f"{api}/issues/{n}",
            "commits_url": f"{link}/commits",
            "review_comments_url": f"{link}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{n}/comments",
            "statuses_url": f"{api}/statuses/{head}",
            "number": n,
            "state": pr.state,
            "locked": False,
            "title": pr.title,
            "user": self._user(pr.author),
            "body": pr.body,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": pr.created_at,
            "updated_at": pr.updated_at,
            "closed_at": pr.closed_at,
            "merged_at": pr.merged_at,
            "merge_commit_sha": pr.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": {
                "label": f"{self.owner}:{pr.head_ref}",
                "ref": pr.head_ref,
                "sha": head,
                "user": owner,
                "repo": repo,
            },
            "base": {
                "label": f"{self.owner}:{pr.base_ref}",
                "ref": pr.base_ref,
                "sha": base,
                "user": owner,
                "repo": repo,
            },
            "_links": {
                "self": {"href": link},
                "html": {"href": f"{web}/pull/{n}"},
                "issue": {"href": f"{api}/issues/{n}"},
                "comments": {"href": f"{api}/issues/{n}/comments"},
                "review_comments": {"href": f"{link}/comments"},
                "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                "commits": {"href": f"{link}/commits"},
                "statuses": {"href": f"{api}/statuses/{head}"},
            },
            "author_association": "MEMBER",
            "auto_merge": None,
            "draft": False,
        }

    def _pull_full(self, pr: Pull) -> dict:
        merged = pr.merged_at is not None
        return self._pull_simple(pr) | {
            "merged": merged,
            "mergeable": None if merged else True,
            "rebaseable": None if merged else True,
            "mergeable_state": "unknown" if merged else "clean",
            "merged_by": self._user(pr.merged_by) if pr.merged_by else None,
            "comments": len(self.comments_on(pr.number)),
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": len(self._pull_commits(pr)),
            "additions": 12,
            "deletions": 1,
            "changed_files": 1,
        }

    def _review(self, review: Review) -> dict:
        link = f"{self.api}/pulls/{review.number}"
        html = f"{self.web}/pull/{review.number}#pullrequestreview-{review.id}"
        return {
            "id": review.id,
            "node_id": f"PRR_kwDOKbcdEF{review.id}",
            "user": self._user(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": html,
            "pull_request_url": link,
            "_links": {"html": {"href": html}, "pull_request": {"href": link}},
            "submitted_at": review.submitted_at,
            # GitHub: null once the commit is gone from git (force-pushed away, then pruned)
            "commit_id": review.commit_id if self._commit_or_none(review.commit_id) else None,
            "author_association": "COLLABORATOR",
        }

    def _label(self, name: str) -> dict:
        lid = 900_000 + sum(name.encode())
        return {
            "id": lid,
            "node_id": f"LA_kwDOKbcdEF{lid}",
            "url": f"{self.api}/labels/{quote(name)}",
            "name": name,
            "description": None,
            "color": "d93f0b",
            "default": False,
        }

    def _issue(self, issue: Issue) -> dict:
        # An open issue's state_reason is null on GitHub, but the description's enum has no
        # null: it is left out (it is optional) rather than sent as a value it refuses.
        n, api = issue.number, self.api
        return {
            "id": issue.id,
            "node_id": f"I_kwDOKbcdEF{issue.id}",
            "url": f"{api}/issues/{n}",
            "repository_url": api,
            "labels_url": f"{api}/issues/{n}/labels{{/name}}",
            "comments_url": f"{api}/issues/{n}/comments",
            "events_url": f"{api}/issues/{n}/events",
            "html_url": f"{self.web}/issues/{n}",
            "number": n,
            "state": issue.state,
            "title": issue.title,
            "body": issue.body,
            "user": self._user(issue.user),
            "labels": [self._label(name) for name in issue.labels],
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": len(self.comments_on(n)),
            "closed_at": issue.closed_at,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "author_association": "NONE",
        } | ({"state_reason": "completed"} if issue.state == "closed" else {})

    def _pull_as_issue(self, pr: Pull) -> dict:
        """A pull request as the issues endpoints list it (with its `pull_request` key)."""
        issue = Issue(
            pr.number, pr.id, pr.title, pr.body, pr.author, [], pr.created_at, pr.updated_at
        )
        issue.state, issue.closed_at = pr.state, pr.closed_at
        found = self._issue(issue)
        found["html_url"] = f"{self.web}/pull/{pr.number}"
        found["pull_request"] = {
            "url": f"{self.api}/pulls/{pr.number}",
            "html_url": f"{self.web}/pull/{pr.number}",
            "diff_url": f"{self.web}/pull/{pr.number}.diff",
            "patch_url": f"{self.web}/pull/{pr.number}.patch",
            "merged_at": pr.merged_at,
        }
        return found

    def _comment(self, comment: Comment) -> dict:
        kind = "pull" if comment.number in self.pulls else "issues"
        return {
            "id": comment.id,
            "node_id": f"IC_kwDOKbcdEF{comment.id}",
            "url": f"{self.api}/issues/comments/{comment.id}",
            "html_url": f"{self.web}/{kind}/{comment.number}#issuecomment-{comment.id}",
            "body": comment.body,
            "user": self._user(comment.user),
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "issue_url": f"{self.api}/issues/{comment.number}",
            "author_association": "NONE",
        }

    # -- the endpoints -------------------------------------------------------------------------
    def _page(self, path: str, query: dict[str, str], items: list) -> tuple[list, dict]:
        per_page = min(int(query.get("per_page") or 30), 100, self.page_cap)
        page = max(int(query.get("page") or 1), 1)
        last = max(1, -(-len(items) // per_page))
        links = []

        def link(number: int, rel: str) -> None:
            params = {k: v for k, v in query.items() if k != "page"} | {"page": str(number)}
            links.append(f'<{self.url}{path}?{urlencode(params)}>; rel="{rel}"')

        if page > 1:
            link(page - 1, "prev")
        if page < last:
            link(page + 1, "next")
            link(last, "last")
        if page > 1:
            link(1, "first")
        chunk = items[(page - 1) * per_page : page * per_page]
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def _pull_or_404(self, number: str) -> Pull:
        pr = self.pulls.get(int(number))
        if pr is None:
            raise GitHubError(404, "Not Found")
        return pr

    def _issue_or_pull(self, number: str) -> int:
        n = int(number)
        if n not in self.issues and n not in self.pulls:
            raise GitHubError(404, "Not Found")
        return n

    def commit_pulls(self, m, query, body, path):
        sha = self._commit_or_none(m["sha"])
        if sha is None:
            raise GitHubError(422, f"No commit found for SHA: {m['sha']}")
        on_default = self._is_ancestor(sha, f"refs/heads/{self.default_branch}")
        found = []
        for pr in sorted(self.pulls.values(), key=lambda p: -p.number):
            if sha not in self._pull_commits(pr) and sha != pr.merge_commit_sha:
                continue
            # On the default branch: only the merged pull request(s) that brought it there.
            if on_default and pr.merged_at is None:
                continue
            found.append(self._pull_simple(pr))
        chunk, headers = self._page(path, query, found)
        return 200, chunk, headers

    def get_pull(self, m, query, body, path):
        return 200, self._pull_full(self._pull_or_404(m["number"])), {}

    def list_reviews(self, m, query, body, path):
        pr = self._pull_or_404(m["number"])
        found = [self._review(r) for r in self.reviews if r.number == pr.number]
        chunk, headers = self._page(path, query, found)
        return 200, chunk, headers

    def get_contents(self, m, query, body, path):
        rel = unquote(m["path"])
        ref = query.get("ref") or self.default_branch
        commit = self._commit_or_none(ref)
        if commit is None:
            raise GitHubError(404, f"No commit found for the ref {ref}")
        kind = self._git("cat-file", "-t", f"{commit}:{rel}", check=False).strip()
        if kind != "blob":
            raise GitHubError(404, "Not Found")  # (directories are not needed here)
        rel = self._follow_link(commit, rel)
        sha = self._git("rev-parse", f"{commit}:{rel}").strip()
        data = subprocess.run(
            ["git", "-C", str(self.git_dir), "cat-file", "blob", sha], capture_output=True
        ).stdout
        encoded = base64.encodebytes(data).decode("ascii")  # GitHub wraps it in lines too
        quoted = quote(rel)
        self_url = f"{self.api}/contents/{quoted}?ref={quote(ref)}"
        return (
            200,
            {
                "type": "file",
                "encoding": "base64",
                "size": len(data),
                "name": rel.rsplit("/", 1)[-1],
                "path": rel,
                "content": encoded,
                "sha": sha,
                "url": self_url,
                "git_url": f"{self.api}/git/blobs/{sha}",
                "html_url": f"{self.web}/blob/{quote(ref)}/{quoted}",
                "download_url": f"https://raw.githubusercontent.com/{self.repository}/{quote(ref)}/{quoted}",
                "_links": {
                    "self": self_url,
                    "git": f"{self.api}/git/blobs/{sha}",
                    "html": f"{self.web}/blob/{quote(ref)}/{quoted}",
                },
            },
            {},
        )

    def _follow_link(self, commit: str, rel: str) -> str:
        """GitHub: "If the requested path points to a symlink, and the symlink's target is a
        normal file in the repository, then the API responds with the content of the file"."""
        for _ in range(8):
            mode = self._git("--literal-pathspecs", "ls-tree", commit, "--", rel).split(" ", 1)[0]
            if mode != "120000":
                return rel
            target = self._git("cat-file", "blob", f"{commit}:{rel}")
            followed = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
            if followed.startswith("../") or target.startswith("/"):
                return rel
            if self._git("cat-file", "-t", f"{commit}:{followed}", check=False).strip() != "blob":
                return rel
            rel = followed
        return rel

    def list_issues(self, m, query, body, path):
        state = query.get("state") or "open"
        labels = [x.strip() for x in (query.get("labels") or "").split(",") if x.strip()]
        found = [(i.number, self._issue(i), i.labels, i.state) for i in self.issues.values()]
        found += [(p.number, self._pull_as_issue(p), [], p.state) for p in self.pulls.values()]
        found = [
            item
            for number, item, have, st in sorted(found, key=lambda f: -f[0])  # newest first
            if (state == "all" or st == state) and all(lab in have for lab in labels)
        ]
        chunk, headers = self._page(path, query, found)
        return 200, chunk, headers

    def create_issue(self, m, query, body, path):
        if not str((body or {}).get("title") or "").strip():
            raise GitHubError(422, "Validation Failed")
        labels = [x if isinstance(x, str) else x.get("name", "") for x in body.get("labels") or []]
        number = self.add_issue(str(body["title"]), body.get("body"), tuple(labels), self.bot)
        return 201, self._issue(self.issues[number]), {"Location": f"{self.api}/issues/{number}"}

    def get_issue(self, m, query, body, path):
        n = self._issue_or_pull(m["number"])
        if n in self.pulls:
            return 200, self._pull_as_issue(self.pulls[n]), {}
        return 200, self._issue(self.issues[n]), {}

    def update_issue(self, m, query, body, path):
        n = self._issue_or_pull(m["number"])
        if n in self.pulls:
            raise GitHubError(422, "this loopback server edits issues only")
        issue = self.issues[n]
        with self.lock:
            if "title" in body:
                issue.title = str(body["title"])
            if "body" in body:
                issue.body = body["body"]
            if "labels" in body:
                issue.labels = [x if isinstance(x, str) else x["name"] for x in body["labels"]]
            if body.get("state") in ("open", "closed"):
                issue.state = body["state"]
                issue.closed_at = self._tick() if issue.state == "closed" else None
            issue.updated_at = self._tick()
        return 200, self._issue(issue), {}

    def list_comments(self, m, query, body, path):
        n = self._issue_or_pull(m["number"])
        found = [self._comment(c) for c in self.comments_on(n)]
        chunk, headers = self._page(path, query, found)
        return 200, chunk, headers

    def create_comment(self, m, query, body, path):
        n = self._issue_or_pull(m["number"])
        if len(body["body"]) > 65536:
            raise GitHubError(422, "Body is too long (maximum is 65536 characters)")
        comment_id = self.add_comment(n, body["body"], self.bot)
        found = self._comment(self.comments[comment_id])
        return 201, found, {"Location": found["url"]}

    def update_comment(self, m, query, body, path):
        comment = self.comments.get(int(m["id"]))
        if comment is None:
            raise GitHubError(404, "Not Found")
        if comment.user != self.bot:
            raise GitHubError(403, "Must have admin rights to Repository.")
        if len(body["body"]) > 65536:
            raise GitHubError(422, "Body is too long (maximum is 65536 characters)")
        with self.lock:
            comment.body = body["body"]
            comment.updated_at = self._tick()
        return 200, self._comment(comment), {}

    # -- one request ---------------------------------------------------------------------------
    def answer(self, method: str, target: str, headers, raw: bytes) -> tuple[int, bytes, dict]:
        split = urlsplit(target)
        path, query_text = split.path, split.query
        where = f"{method} {target}"
        self._validate_request(method, path, query_text, headers, raw, where)
        auth = headers.get("Authorization") or ""
        if auth not in (f"Bearer {self.token}", f"token {self.token}"):
            self.errors.append(f"{where}: sent without the token (Authorization: {auth[:12]!r}…)")
            return self._error(401, "Bad credentials")
        version = headers.get("X-GitHub-Api-Version")
        if version is not None and version != API_VERSION:
            self.errors.append(f"{where}: X-GitHub-Api-Version {version!r} is not {API_VERSION}")
        for verb, pattern, name in _ROUTES:
            m = re.fullmatch(pattern, path)
            if m is None or verb != method:
                continue
            if (m["owner"].lower(), m["repo"].lower()) != (self.owner.lower(), self.name.lower()):
                return self._error(404, "Not Found")
            query = dict(parse_qsl(query_text, keep_blank_values=True))
            try:
                body = json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:
                return self._error(400, "Problems parsing JSON")
            try:
                with self.lock:
                    status, data, extra = getattr(self, name)(m, query, body, path)
            except GitHubError as exc:
                return self._error(exc.status, exc.message)
            return status, json.dumps(data).encode(), extra
        self.errors.append(f"{where}: not an endpoint this loopback server implements")
        return self._error(404, "Not Found")

    def _error(self, status: int, message: str) -> tuple[int, bytes, dict]:
        data = {"message": message, "documentation_url": DOCS, "status": str(status)}
        return status, json.dumps(data).encode(), {}

    def _spec_path(self, path: str) -> str:
        # GitHub takes the contents path with its slashes as they are; OpenAPI path
        # parameters cannot hold a "/", so the validator is shown them percent-encoded.
        m = re.fullmatch(_REPO + r"/contents/(.+)", path)
        if m:
            return path[: m.start(3)] + m[3].replace("/", "%2F")
        return path

    def _validate_request(self, method, path, query, headers, raw, where) -> None:
        request = _ApiRequest(method, self._spec_path(path), query, headers, raw)
        try:
            github_openapi().validate_request(request)
        except Exception as exc:  # every openapi-core error is a finding
            self.errors.append(f"{where}: request does not match GitHub's API:\n{_explain(exc)}")

    def validate_response(self, method, target, headers, raw, status, data, extra) -> None:
        split = urlsplit(target)
        request = _ApiRequest(method, self._spec_path(split.path), split.query, headers, raw)
        response = _ApiResponse(status, data, extra)
        try:
            github_openapi().validate_response(request, response)
        except Exception as exc:
            from openapi_core.templating.paths.exceptions import PathError
            from openapi_core.templating.responses.exceptions import ResponseNotFound

            if isinstance(exc, PathError):
                return  # already reported with the request
            if isinstance(exc, ResponseNotFound) and status in _UNDOCUMENTED_OK:
                return
            self.errors.append(
                f"{method} {target}: answer {status} does not match GitHub's API:\n{_explain(exc)}"
            )


def _handler(server: GitHubServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items()}
            try:
                status, data, extra = server.answer(self.command, self.path, headers, raw)
            except Exception as exc:  # a bug in the server itself: fail the test, answer 500
                server.errors.append(f"{self.command} {self.path}: server crashed: {exc!r}")
                status, data, extra = 500, b'{"message": "Server Error"}', {}
            answer_headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-GitHub-Api-Version-Selected": API_VERSION,
                "X-RateLimit-Limit": "5000",
                "X-RateLimit-Remaining": "4990",
                "X-RateLimit-Reset": "1795000000",
                "X-RateLimit-Resource": "core",
                **extra,
            }
            if status != 401:
                server.validate_response(
                    self.command, self.path, headers, raw, status, data, answer_headers
                )
            with server.lock:
                server.hits.append(Hit(self.command, self.path, status))
            self.send_response(status)
            for key, value in answer_headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    return Handler


# -- for the tests that drive smmflow against this server ---------------------------------------
def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without anything that changes where smmflow looks (its own
    variables, GitHub's, a hook secret), plus git's identity and fast retries."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMMFLOW_", "GITHUB_", "GH_")) and k != "HOOK_SECRET"
    }
    env.update(GIT_ENV)
    env.update(
        SMMFLOW_RETRIES="2",
        SMMFLOW_BACKOFF="0.05",
        SMMFLOW_TIMEOUT="10",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


@dataclass
class Ran:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"smmflow {' '.join(self.args)} -> {self.code}\n--stdout--\n{self.out}\n--stderr--\n{self.err}"


def run_smmflow(cwd: Path, *args: str, env: dict[str, str]) -> Ran:
    proc = subprocess.run(
        [sys.executable, "-m", "smmflow", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Ran(tuple(args), proc.returncode, proc.stdout, proc.stderr)
