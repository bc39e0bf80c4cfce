"""A small GitHub REST client, found through the variables GitHub Actions provides.

`GITHUB_API_URL` (GitHub Enterprise and test servers work unchanged), `GITHUB_REPOSITORY`
(`owner/name`), `GITHUB_TOKEN` (the workflow's own token: nothing more is ever needed)
and `GITHUB_EVENT_PATH` (the event that started the workflow).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from .. import __version__
from ..errors import SmmflowError, UsageError

if TYPE_CHECKING:  # imported with the first client: most runs never make one
    import requests

API_VERSION = "2022-11-28"
COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256 repositories


def is_commit_id(value: object) -> bool:
    return isinstance(value, str) and COMMIT_ID.fullmatch(value) is not None


class GitHubError(SmmflowError):
    """GitHub answered with an error (the message never includes the token)."""


class GitHub:
    def __init__(
        self, api: str, repository: str, token: str, session: requests.Session | None = None
    ):
        if "/" not in repository:
            raise UsageError(f"GITHUB_REPOSITORY must be owner/name, not {repository!r}")
        self.api = api.rstrip("/")
        self.repository = repository
        import requests

        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"smmflow/{__version__}",
            }
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GitHub | None:
        """The client Actions' variables describe, or None when they are not all there."""
        env = os.environ if environ is None else environ
        repository = env.get("GITHUB_REPOSITORY", "")
        token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
        if not repository or not token:
            return None
        return cls(env.get("GITHUB_API_URL") or "https://api.github.com", repository, token)

    # -- plumbing ------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return f"{self.api}/repos/{self.repository}/{path.lstrip('/')}"

    def call(self, method: str, path: str, **kwargs: object) -> requests.Response:
        import requests

        try:
            response = self.session.request(method, self._url(path), timeout=30, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            raise GitHubError(f"cannot reach GitHub ({type(exc).__name__})") from None
        if response.status_code >= 400 and response.status_code != 404:
            try:
                message = response.json().get("message", "")
            except ValueError:
                message = response.reason
            raise GitHubError(f"GitHub {method} {path}: HTTP {response.status_code} {message}")
        return response

    def pages(self, path: str, params: dict | None = None) -> Iterator[dict]:
        import requests

        url: str | None = self._url(path)
        params = {"per_page": 100, **(params or {})}
        while url:
            try:
                response = self.session.get(url, params=params, timeout=30)
            except requests.RequestException as exc:
                raise GitHubError(f"cannot reach GitHub ({type(exc).__name__})") from None
            if response.status_code == 404:
                return
            if response.status_code >= 400:
                raise GitHubError(f"GitHub GET {path}: HTTP {response.status_code}")
            yield from response.json()
            url = response.links.get("next", {}).get("url")
            params = None  # the next link carries them

    # -- what smmflow asks ---------------------------------------------------------------
    def pulls_for_commit(self, sha: str) -> list[dict]:
        return list(self.pages(f"commits/{sha}/pulls"))

    def pull_head(self, number: int) -> str | None:
        response = self.call("GET", f"pulls/{number}")
        if response.status_code == 404:
            return None
        return ((response.json() or {}).get("head") or {}).get("sha")

    def reviews(self, number: int) -> list[dict]:
        return list(self.pages(f"pulls/{number}/reviews"))

    def blob_at(self, path: str, commit: str) -> str | None:
        """The blob id of `path` at `commit` (a full commit id), or None when it is not there.

        Anything but a commit id is refused: an empty `ref` would make GitHub answer for
        the default branch, a branch name for whatever it holds now.
        """
        if not is_commit_id(commit):
            raise GitHubError(f"{commit!r} is not a commit id: cannot look up {path} at it")
        response = self.call("GET", f"contents/{quote(path)}", params={"ref": commit})
        if response.status_code == 404:
            return None
        data = response.json()
        return data.get("sha") if isinstance(data, dict) else None

    def upsert_comment(self, number: int, marker: str, body: str) -> tuple[str, int]:
        """Create or update the one comment carrying `marker`; ('created'|'updated', id)."""
        for comment in self.pages(f"issues/{number}/comments"):
            if marker in (comment.get("body") or ""):
                self.call("PATCH", f"issues/comments/{comment['id']}", json={"body": body})
                return "updated", int(comment["id"])
        created = self.call("POST", f"issues/{number}/comments", json={"body": body}).json()
        return "created", int(created["id"])

    def _find_issue(self, marker: str, labels: list[str]) -> dict | None:
        for issue in self.pages("issues", {"state": "open", "labels": ",".join(labels)}):
            if "pull_request" not in issue and marker in (issue.get("body") or ""):
                return issue
        return None

    def close_issue(self, marker: str, labels: list[str], note: str) -> int | None:
        """Close the open issue carrying `marker` with a comment; its number, or None."""
        issue = self._find_issue(marker, labels)
        if issue is None:
            return None
        self.call("POST", f"issues/{issue['number']}/comments", json={"body": note})
        self.call("PATCH", f"issues/{issue['number']}", json={"state": "closed"})
        return int(issue["number"])

    def upsert_issue(
        self, marker: str, title: str, body: str, labels: list[str]
    ) -> tuple[str, int]:
        """Create or update the one open issue carrying `marker`; ('created'|'updated', number)."""
        issue = self._find_issue(marker, labels)
        if issue is not None:
            self.call("PATCH", f"issues/{issue['number']}", json={"title": title, "body": body})
            return "updated", int(issue["number"])
        created = self.call(
            "POST", "issues", json={"title": title, "body": body, "labels": labels}
        ).json()
        return "created", int(created["number"])


def event(environ: Mapping[str, str] | None = None) -> dict:
    """The webhook payload of the running workflow, or {} outside Actions."""
    env = os.environ if environ is None else environ
    path = env.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
