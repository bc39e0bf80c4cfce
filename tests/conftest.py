"""Shared test setup.

- Helpers are top-level modules of tests/ (pyproject's `pythonpath`): `repohelp` (the one
  `git()`, `GIT_ENV`, content repositories, `smmflow` as a subprocess), `synchelp`,
  `faultproxy`, `pdsfixture`, and the loopback servers under `servers/`.
- `serve` starts loopback servers for one test and always stops them after it.
- `github` starts loopback GitHub servers; each must end without a validation error.
- `pds` is the reference Bluesky PDS, started once per session (it takes seconds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from pdsfixture import running_pds
from servers.github import GitHubServer

Server = TypeVar("Server")


@pytest.fixture
def serve() -> Iterator[Callable[[Server], Server]]:
    """`serve(Receiver(secret=b"..."))`: the server, started; stopped after the test,
    last started first."""
    started: list = []

    def start(server: Server) -> Server:
        server.start()  # type: ignore[attr-defined]
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture
def github() -> Iterator[Callable[..., GitHubServer]]:
    """Start loopback GitHub servers; every one must end with no validation error."""
    started: list[GitHubServer] = []

    def start(git_dir: Path, **options) -> GitHubServer:
        server = GitHubServer(git_dir, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    errors = [error for server in started for error in server.errors]
    assert not errors, "the loopback GitHub saw what GitHub would not accept:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def pds():
    with running_pds() as server:
        yield server
