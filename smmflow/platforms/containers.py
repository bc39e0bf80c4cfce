"""Meta's media-container publishing, the one flow of Instagram and Threads: a container
made (safe to repeat: an unpublished one expires after 24 hours), its status waited on,
then published once.

Exactly once: the container id is checkpointed with a fingerprint of what it holds
(`<container id>:<12 hex>`) before the publish call. A resumed or doubtful send reads that
container first: PUBLISHED → the post is out, found among the account's latest posts by
its text; FINISHED (or still IN_PROGRESS) and made for this text → publish that same
container; ERROR, EXPIRED, gone or made for an older text → a new one. The 24-hour
publishing quota is read before a container is made, and `doctor` shows what is left.

A platform says its edges, status fields and text field as class attributes
(`ContainerPublisher`), and how a post's text is compared (`_same`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from ..model import Post
from .base import Attempt, Finding, Publisher, Receipt
from .http import FAIL, RETRY, UNKNOWN, PublishError
from .meta_api import Graph

CHECKPOINT = re.compile(r"^(\d+)(?::([0-9a-f]{12}))?$")
LOOKBACK = 25  # latest posts searched for a container that says PUBLISHED


class ContainerPublisher(Publisher):
    edge: ClassVar[str] = ""  # POST /{user}/<edge> makes a container; GET lists the posts
    publish_edge: ClassVar[str] = ""  # POST /{user}/<publish_edge> publishes one
    limit_edge: ClassVar[str] = ""  # GET /{user}/<limit_edge>: the 24-hour quota
    status_fields: ClassVar[tuple[str, str]] = ("status", "error_message")
    text_field: ClassVar[str] = "text"  # what a listed post's words are called
    not_ready: ClassVar[int] = 0  # the publish call's subcode for a container not FINISHED
    # Waits between container status reads, in seconds × the Http backoff setting
    # (SMMFLOW_BACKOFF, 1 by default); the last one repeats until `poll_for` has passed.
    poll_steps: ClassVar[tuple[float, ...]] = (1, 2, 3, 5, 10)
    poll_for: ClassVar[float] = 600.0

    @property
    def user(self) -> str:
        return str(self.account.get("user") or "")

    def _graph(self) -> Graph:
        raise NotImplementedError

    def _create(self, graph: Graph, post: Post, text: str, urls: list[str]) -> str:
        raise NotImplementedError

    def _same(self, listed: str, text: str) -> bool:
        """Whether a listed post's words are this text."""
        raise NotImplementedError

    def _error_kind(self, detail: str) -> str:
        """The kind of a container in ERROR (FAIL unless the platform says to retry)."""
        return FAIL

    # -- the flow ------------------------------------------------------------------------
    def send_container(
        self, post: Post, text: str, urls: list[str], mark: str, attempt: Attempt
    ) -> Receipt:
        """Resume what a stopped send left, else make a container (checkpointed), wait for
        it and publish it."""
        graph = self._graph()
        container = ""
        if attempt.remote_id:
            found = self._resume(graph, text, mark, attempt.remote_id)
            if isinstance(found, Receipt):
                return found
            container = found or ""
        if not container:
            self._check_quota(graph)
            container = self._create(graph, post, text, urls)
            attempt.checkpoint(f"{container}:{mark}")
        if self._wait(graph, container) == "PUBLISHED":
            return self._find(graph, text, container)
        return self._publish(graph, container, text)

    def _resume(self, graph: Graph, text: str, mark: str, saved: str) -> Receipt | str | None:
        """What a stopped send left: its post (Receipt), a container to publish, or None."""
        found = CHECKPOINT.match(saved)
        if not found:
            return None  # not a container of ours (e.g. a URL a person recorded)
        container = found.group(1)
        try:
            state, _ = self._status(graph, container)
        except PublishError as exc:
            if exc.kind == FAIL:
                return None  # gone, or not a container: start afresh
            raise
        if state == "PUBLISHED":
            return self._find(graph, text, container)
        if state in ("FINISHED", "IN_PROGRESS") and found.group(2) == mark:
            return container
        return None  # ERROR, EXPIRED, or made for an older text of the post

    def _container(self, graph: Graph, data: dict) -> str:
        # A container publishes nothing (unpublished ones expire after 24 h): safe to repeat.
        answer = graph.post(f"{self.user}/{self.edge}", data, publish=False)
        container = str(answer.get("id") or "")
        if not container:
            raise PublishError(RETRY, f"{self.title} answered without a container id")
        return container

    def _status(self, graph: Graph, container: str) -> tuple[str, str]:
        state, detail = self.status_fields
        answer = graph.get(container, fields=f"{state},{detail}")
        return str(answer.get(state) or ""), str(answer.get(detail) or "")

    def _wait(self, graph: Graph, container: str) -> str:
        """Poll the container until it is FINISHED (or PUBLISHED); other ends raise."""
        waited, step = 0.0, 0
        while True:
            state, detail = self._status(graph, container)
            if state in ("FINISHED", "PUBLISHED"):
                return state
            if state == "ERROR":
                raise PublishError(
                    self._error_kind(detail),
                    f"{self.title} could not process the media (container {container}: {detail})",
                )
            if state == "EXPIRED":
                raise PublishError(
                    RETRY, f"container {container} expired; the next run makes a new one"
                )
            if waited >= self.poll_for:
                raise PublishError(
                    RETRY,
                    f"{self.title} is still processing container {container} after "
                    f"{waited:.0f}s; the next run continues with it",
                )
            pause = self.poll_steps[min(step, len(self.poll_steps) - 1)]
            step += 1
            waited += pause
            self.ctx.http.sleep(pause * self.ctx.http.policy.backoff)

    def _publish(self, graph: Graph, container: str, text: str) -> Receipt:
        """The publish call, made safe to repeat by reading the container when in doubt."""
        for round_ in range(3):
            try:
                answer = graph.post(
                    f"{self.user}/{self.publish_edge}", {"creation_id": container}, publish=True
                )
            except PublishError as exc:
                if exc.kind != UNKNOWN and getattr(exc, "subcode", None) != self.not_ready:
                    raise
                try:
                    state, _ = self._status(graph, container)
                except PublishError:
                    state = ""
                if state == "PUBLISHED":
                    return self._find(graph, text, container)
                if state in ("FINISHED", "IN_PROGRESS") and round_ < 2:
                    if state == "IN_PROGRESS":
                        self._wait(graph, container)
                    continue
                # The next run reads the checkpointed container before anything else.
                raise PublishError(
                    RETRY,
                    f"{exc.message}; the next run checks container {container} before "
                    "publishing it",
                ) from None
            media = str(answer.get("id") or "")
            if not media:
                return self._find(graph, text, container)
            return Receipt(media, self._permalink(graph, media))
        raise AssertionError("unreachable")

    def _find(self, graph: Graph, text: str, container: str) -> Receipt:
        """The post a PUBLISHED container became: the newest of the account's latest posts
        with this text (the API links no container to its post)."""
        where = f"check the {self.title} account of {self.account.name} (user {self.user})"
        fields = f"id,{self.text_field},permalink"
        try:
            answer = graph.get(f"{self.user}/{self.edge}", fields=fields, limit=LOOKBACK)
        except PublishError as exc:
            if exc.kind == RETRY:
                raise
            raise PublishError(
                UNKNOWN,
                f"container {container} is published but its post could not be looked up "
                f"({exc.message}); {where}",
            ) from None
        for item in answer.get("data") or []:
            if isinstance(item, dict) and self._same(str(item.get(self.text_field) or ""), text):
                media = str(item.get("id") or "")
                url = str(item.get("permalink") or "") or self._permalink(graph, media)
                return Receipt(media, url)
        raise PublishError(
            UNKNOWN,
            f"container {container} is published but no post with this {self.text_field} is "
            f"among the account's latest {LOOKBACK}; {where}",
        )

    def _permalink(self, graph: Graph, media: str) -> str:
        try:
            return str(graph.get(media, fields="permalink").get("permalink") or "")
        except PublishError:
            return ""  # published all the same; status shows no link

    # -- the posts a day -----------------------------------------------------------------
    def _quota(self, graph: Graph) -> tuple[int, int] | None:
        data = graph.get(f"{self.user}/{self.limit_edge}", fields="quota_usage,config")
        rows = data.get("data") or []
        if not rows or not isinstance(rows[0], dict):
            return None
        try:
            used = int(rows[0].get("quota_usage") or 0)
            total = int((rows[0].get("config") or {}).get("quota_total") or 0)
        except (TypeError, ValueError):
            return None
        return (used, total) if total else None

    def _check_quota(self, graph: Graph) -> None:
        """Refuse early when the 24-hour publishing quota is spent (no container made)."""
        try:
            quota = self._quota(graph)
        except PublishError as exc:
            if exc.kind in (FAIL, RETRY):
                return  # the publish call itself will say what is wrong
            raise
        if quota and quota[0] >= quota[1]:
            owner = f"{self.title}'" if self.title.endswith("s") else f"{self.title}'s"
            raise PublishError(
                RETRY,
                f"{owner} publishing limit is reached ({quota[0]} of {quota[1]} posts "
                "in 24 hours); a later run publishes it",
                retry_after=3600,
            )

    def quota_finding(self, graph: Graph) -> Finding:
        """`doctor`'s line: what is left of the 24-hour publishing quota."""
        try:
            quota = self._quota(graph)
        except PublishError as exc:
            return Finding("warning", f"could not read the publishing quota ({exc.message})")
        if quota is None:
            return Finding("warning", "the publishing quota was not reported")
        used, total = quota
        said = (
            f"{used} of {total} posts published in the last 24 hours, {max(0, total - used)} left"
        )
        if used >= total:
            return Finding("warning", f"publishing quota spent: {said}")
        return Finding("ok", f"publishing quota: {said}")
