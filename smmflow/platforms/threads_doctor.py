"""`smmflow doctor` for a Threads account: the token and its user, the app's usage, the
publishing quota left of the 250 posts a day, a public URL for media, the permissions."""

from __future__ import annotations

from . import publicmedia
from .base import Finding, Publisher
from .http import PublishError
from .meta_api import Graph, token_findings, usage_findings

PERMISSIONS = ("threads_basic", "threads_content_publish")


def findings(publisher: Publisher, secrets: list[Finding]) -> list[Finding]:
    found = list(secrets)
    graph: Graph = publisher._graph()  # type: ignore[attr-defined]
    user = publisher.user  # type: ignore[attr-defined]
    try:
        me = graph.get(user, fields="id,username")
    except PublishError as exc:
        return [*found, Finding("error", f"the token does not work: {exc.message}")]
    found.append(Finding("ok", f"@{me.get('username') or '?'} ({user})"))
    found += usage_findings(graph)
    found.append(publisher.quota_finding(graph))  # type: ignore[attr-defined]
    which = "posts with images or videos"
    found += publicmedia.missing_source(publisher.account, publisher.ctx.group, "warning", which)
    return found + token_findings(graph, PERMISSIONS)
