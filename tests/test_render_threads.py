"""Rendering from several threads at once (sync runs one thread per account) gives each
post exactly what rendering it alone gives.

mdurl, under markdown-it-py, builds its percent-encoding table on first use in a
module-wide dict, and puts the table there before filling it: a link normalised by
another thread meanwhile raised IndexError (seen as a failed pair in a four-sync run) or
could come out wrongly encoded. The test forces that interleaving instead of hoping for it.
"""

from __future__ import annotations

import threading

import mdurl._encode
import pytest

from smmflow.text import render

BODY_A = "**Post A**: fresh bread, [details](https://example.test/a?x=1&y=2).\n"
BODY_B = "**Post B**: fresh bread, [details](https://example.test/b?x=1&y=2).\n"


class _Published(dict):
    """mdurl's table cache: the moment a table is put in (still empty), `meanwhile` runs
    in the thread that is building it."""

    def __init__(self, meanwhile):
        super().__init__()
        self.meanwhile = meanwhile

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()


@pytest.fixture
def fresh_renderer(monkeypatch):
    """A renderer used for the first time: no parser, no cached bodies, no mdurl tables."""
    render._parser.cache_clear()
    render.rich.cache_clear()
    yield monkeypatch
    render._parser.cache_clear()
    render.rich.cache_clear()


def _alone(name: str) -> tuple[str, str]:
    """What rendering post `name` alone gives: its plain text and its HTML page."""
    href = f"https://example.test/{name}?x=1&y=2"
    plain = f"Post {name.upper()}: fresh bread, details ({href})."
    page = (
        f"<p><strong>Post {name.upper()}</strong>: fresh bread, "
        f'<a href="{href.replace("&", "&amp;")}">details</a>.</p>\n'
    )
    return plain, page


def test_a_link_rendered_while_another_thread_builds_the_encoding_table(fresh_renderer):
    bodies = {"a": BODY_A, "b": BODY_B}
    results: dict[str, object] = {}

    def render_b() -> None:
        try:
            results["b"] = (render.rich(BODY_B).plain, render.to_html(BODY_B))
        except Exception as exc:  # what the engine reported as an internal error
            results["b"] = exc

    other = threading.Thread(target=render_b)

    def meanwhile() -> None:
        # Thread A has just put an empty table in. Thread B renders now; if rendering is
        # serialised, B waits for A instead (and waiting for B here would never end).
        other.start()
        lock = getattr(render, "_LOCK", None)
        if lock is None or not lock.locked():
            other.join()

    fresh_renderer.setattr(mdurl._encode, "encode_cache", _Published(meanwhile))
    results["a"] = (render.rich(BODY_A).plain, render.to_html(BODY_A))
    other.join()

    for name in bodies:
        assert not isinstance(results[name], Exception), f"post {name}: {results[name]!r}"
        assert results[name] == _alone(name)
