"""In-process publishing for the platform tests: a content repository with posts and media,
a publisher of one account over the shared `Http` (fast retries, sleeps recorded), and the
engine's side of an attempt (what `checkpoint` saved).

The per-platform tests (tests/test_platform_<name>.py) drive a publisher the way the engine
does, against the platform's loopback server; the CLI runs (sync, crash, faults) live in
their own tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from repohelp import commit, group_yaml, init_repo, write

from smmflow.content.repo import Repo, load
from smmflow.model import Post
from smmflow.platforms.base import Attempt, Context, Publisher, Receipt
from smmflow.platforms.http import Http, Policy
from smmflow.platforms.secrets import Redactor

GROUP = "brutaria"


@dataclass
class Saved:
    """The engine's side of `checkpoint`: everything saved, in order."""

    ids: list[str] = field(default_factory=list)

    def __call__(self, remote_id: str) -> None:
        self.ids.append(remote_id)

    @property
    def last(self) -> str:
        return self.ids[-1] if self.ids else ""


def post_file(day: str, body: str, media: list[tuple[str, str]] = (), status: str = "") -> str:
    front = [f"date: {day} 10:00", "type: informative"]
    if status:
        front.append(f"status: {status}")
    if media:
        front.append("media:")
        for src, alt in media:
            front += [f"  - src: {src}", f"    alt: {json.dumps(alt, ensure_ascii=False)}"]
    return "---\n" + "\n".join(front) + "\n---\n" + body + "\n"


def make_repo(
    root: Path,
    accounts: dict[str, dict],
    posts: dict[str, tuple[str, list[tuple[str, str]]]],
    files: dict[str, bytes] | None = None,
) -> Repo:
    """A committed repository of one group: `posts` maps a slug (`2026-12-04-x`) to its
    body and media [(src, alt)]; `files` maps media paths (under the group) to bytes."""
    init_repo(root)
    write(
        root, f"schedules/{GROUP}.yml", group_yaml("Brutăria", "Europe/Bucharest", accounts, "30d")
    )
    for rel, data in (files or {}).items():
        path = root / "content" / GROUP / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for slug, (body, media) in posts.items():
        write(root, f"content/{GROUP}/{slug}.md", post_file(slug[:10], body, media))
    commit(root, "posts")
    repo = load(root)
    assert not [p for p in repo.problems if p.severity.name == "ERROR"], repo.problems
    return repo


@dataclass
class Run:
    """One account's publisher in a loaded repository."""

    repo: Repo
    publisher: Publisher
    sleeps: list[float]

    def post(self, slug: str) -> Post:
        return next(p for p in self.repo.posts if p.slug == slug)

    def send(
        self, slug: str, key: str = "", prior: str = "", saved: Saved | None = None
    ) -> Receipt:
        post = self.post(slug)
        attempt = Attempt(key or "key-" + slug, prior, saved if saved is not None else Saved())
        return self.publisher.publish(post, self.publisher.render(post), attempt)

    def verify(self, slug: str, prior: str) -> Receipt | None:
        return self.publisher.verify(self.post(slug), Attempt("key-" + slug, prior))


def run(repo: Repo, account: str, env: dict[str, str], attempts: int = 3) -> Run:
    group = repo.groups[GROUP]
    sleeps: list[float] = []
    redact = Redactor(env.values())
    http = Http(redact, Policy(attempts=attempts, backoff=0.01, max_wait=120), sleep=sleeps.append)
    acc = group.account(account)
    assert acc is not None, account
    from smmflow.platforms import registry

    cls = registry.get(acc.platform)
    return Run(repo, cls(acc, Context(repo.root, group, http, env, redact)), sleeps)
