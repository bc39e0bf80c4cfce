"""`smmflow ads push`: create each approved promotion of a published post on its ad
platforms — campaign → ad set → creative → ad on Meta, ad plan with its group and banner
on VK — exactly once, paused unless the group opts in.

A promotion is a ledger pair like a publication: (post, `ads-meta` / `ads-vk`). It is
claimed (compare-and-swap: one run wins) before anything is sent, each created object's
id is checkpointed on the ledger as soon as it exists, and the outcome is recorded. A run
that died is resumed from its checkpoints, and every object is looked up by its unique
name before it is created (no ad API takes an idempotency key): a crash or two pushes at
once never make a second campaign. Budgets over a cap, and every other `check` error of
the promotion, are refused before any call.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..check.ads import Ads, record_account
from ..content.promote import Promotion
from ..content.repo import Repo
from ..ledger.branch import Ledger
from ..ledger.records import Record
from ..ledger.states import PUBLISH, Clock
from ..model import Account, Post
from ..platforms.http import FAIL, REAUTH, UNKNOWN, Http, PublishError
from ..platforms.secrets import MissingSecret
from ..publish.claims import Claims
from ..publish.decide import Action
from . import compile as build
from .outcomes import Outcome
from .sender import MetaSender, Sent, VkSender

SENDERS = {"meta": MetaSender, "vk": VkSender}
PLATFORM_NAMES = {"meta": "meta_ads", "vk": "vk_ads"}


def encode(ids: Mapping[str, object]) -> str:
    """Checkpointed ids as the record's remote_id: `campaign=1;adset=2;...`."""
    return ";".join(f"{k}={v}" for k, v in ids.items())


def decode(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(";") if "=" in part)


def fingerprint(promotion: Promotion, ads: Ads, platform: str) -> str:
    """What is sent for this promotion (the post's bytes, targeting, budget, dates,
    status): a change makes a failed promotion worth another try."""
    audience = ads.audience(promotion)
    settings = ads.settings[promotion.post.group]
    if audience is None or platform not in promotion.budgets:
        sent: dict = {}
    elif platform == "meta":
        sent = build.meta_adset(promotion, audience, settings, "", "")
        sent |= {"campaign": build.meta_campaign(promotion, audience, settings, "")}
    else:
        sent = build.vk_plan(promotion, audience, settings, "", 0)
    raw = json.dumps([promotion.post.sha256, platform, sent], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class Pusher:
    repo: Repo
    ads: Ads
    ledger: Ledger
    gate: Callable[[Promotion], str | None]
    clock: Clock
    http: Http
    environ: Mapping[str, str]
    claims: Claims = field(init=False)

    def __post_init__(self) -> None:
        self.claims = Claims(self.ledger, threading.Event())
        self.claims.start_queue()

    def push(self, promotion: Promotion, platform: str) -> Outcome:
        post, name = promotion.post, record_account(platform)
        out = functools.partial(Outcome, post.id, platform)
        record = self.ledger.get(post.id, name)
        if record is not None and record.state == "published":
            return out("done", "created earlier", record.url)
        refused = self.ads.blocking(promotion)
        if refused:
            more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
            return out("refused", f"nothing sent: {refused[0].format()}{more}; run `smmflow check`")
        # The claim stamps the record with what is sent (not only the post's bytes).
        marked = Post(
            post.path,
            post.group,
            post.date,
            post.type,
            post.platforms,
            sha256=fingerprint(promotion, self.ads, platform),
        )
        action = Action(PUBLISH, marked, Account(name, PLATFORM_NAMES[platform]), record)
        early = self._standing(promotion, platform, record, marked.sha256)
        if early is not None:
            if early.state == "missed":
                self.claims.settle(action, "missed", early.detail, error=early.detail)
            return early
        claimed = self.claims.claim(action)
        if claimed is None:
            return out("busy", "another push acted on it first")
        return self._send(promotion, platform, claimed)

    def _standing(
        self, promotion: Promotion, platform: str, record: Record | None, sent: str
    ) -> Outcome | None:
        """The outcome when nothing is to be sent now; None: claim and send."""
        post = promotion.post
        out = functools.partial(Outcome, post.id, platform)
        state = record.state if record else ""
        if state == "claimed" and record.held_by_live_run(self.clock.lease, self.clock.wall):
            return out("busy", f"being pushed by run {record.run.get('id', '?')}")
        if state in ("unknown", "corrupt"):
            return out(state, record.error or "a person must look")
        if state in ("skipped", "missed"):
            return out("settled", f"{state}: {record.error or 'settled on the ledger'}")
        if state == "failed" and not record.retryable and record.content_sha256 == sent:
            return out("failed", f"{record.error} (change the promotion, then push again)")
        if state != "claimed" and promotion.end <= self.clock.now:
            return out("missed", f"ended {promotion.end:%Y-%m-%d %H:%M} before it was pushed")
        why = self.gate(promotion)
        if why:
            return out("held", why)
        target = self._target(promotion, platform)
        if target is None or target.state != "published":
            where = self._target_name(promotion, platform)
            return out("not-yet", f"the post is not published on {where} yet")
        return None

    def _target_name(self, promotion: Promotion, platform: str) -> str:
        account = self.ads.settings[promotion.post.group].accounts[platform]
        return account.get("page" if platform == "meta" else "community")

    def _target(self, promotion: Promotion, platform: str) -> Record | None:
        return self.ledger.get(promotion.post.id, self._target_name(promotion, platform))

    def _send(self, promotion: Promotion, platform: str, claimed: Record) -> Outcome:
        holder = {"record": claimed}

        def checkpoint(ids: dict) -> None:
            holder["record"] = self.claims.record(
                holder["record"], "claimed", "checkpoint", remote_id=encode(ids), run=claimed.run
            )

        group = self.repo.groups[promotion.post.group]
        sender = SENDERS[platform](
            self.ads, self.http, self.environ, promotion, group, self._target(promotion, platform)
        )
        try:
            sent: Sent = sender.send(holder["record"], decode(claimed.remote_id), checkpoint)
        except (PublishError, MissingSecret) as exc:
            return self._failed(promotion, platform, holder["record"], exc)
        self.claims.record(
            holder["record"],
            "published",
            "created",
            remote_id=encode(sent.ids),
            url=sent.url,
            error="",
            retryable=False,
        )
        paused = "active" if self.ads.settings[promotion.post.group].activate else "paused"
        return Outcome(
            promotion.post.id, platform, "created", f"{paused}: {encode(sent.ids)}", sent.url
        )

    def _failed(
        self, promotion: Promotion, platform: str, claimed: Record, exc: Exception
    ) -> Outcome:
        kind = getattr(exc, "kind", "retry")
        message = self.ledger.redact(getattr(exc, "message", str(exc)))
        if kind == UNKNOWN:
            message += "; it may have been created: the next push looks for it by name before creating anything"
        elif kind == REAUTH:
            message += f"; check the token of {PLATFORM_NAMES[platform]}"
        retryable = kind != FAIL
        self.claims.record(claimed, "failed", kind, error=message, retryable=retryable)
        return Outcome(promotion.post.id, platform, "failed", message)
