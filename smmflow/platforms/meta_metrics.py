"""Facebook's and Instagram's numbers for `smmflow metrics`, read through the Graph API.

Posts are read 50 at a time with a multiple-ID read (`GET /?ids=a,b&fields=...`):

- Facebook post: `reactions.summary(total_count).limit(0)`, `comments.summary(...)`,
  `shares` (absent when nobody shared) → reactions, comments, shares; then its insights
  `insights.metric(post_media_view,post_total_media_view_unique)` → views, reach (Meta
  retired `post_impressions*` in 2025–2026: these are their replacements);
- Instagram media: `like_count`, `comments_count` → likes, comments; insights
  `insights.metric(reach,saved,views)` → reach, saves, views (`impressions` and `plays`
  were retired for `views` in April 2025).

Followers: the Page's or the Instagram account's `followers_count`. Insights need
`read_insights` (Facebook, with the ANALYZE task) or `instagram_manage_insights`; without
them the counts are still read and a note says which numbers are not available and why.
Every error is classified by `meta_api.classify` (rate limits wait what the usage headers
say; a missing permission names it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .base import Finding, Measurement
from .http import PublishError
from .meta_api import PERMISSION, Graph, GraphError

BATCH = 50  # Graph's limit for a multiple-ID read
MISSING = 803  # "Some of the aliases you requested do not exist": a post deleted since


@dataclass(frozen=True)
class Reads:
    """What one platform reads of its posts through Graph."""

    fields: str  # the counts, as a `fields` value
    insights: dict[str, str]  # Graph's insight metric -> smmflow's name
    permission: str  # what insights need
    needed: tuple[str, ...]  # permissions metrics need in all (for `doctor`)


FACEBOOK = Reads(
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares",
    {"post_media_view": "views", "post_total_media_view_unique": "reach"},
    "read_insights",
    ("pages_read_engagement", "read_insights"),
)
INSTAGRAM = Reads(
    "like_count,comments_count",
    {"reach": "reach", "saved": "saves", "views": "views"},
    "instagram_manage_insights",
    ("instagram_basic", "instagram_manage_insights"),
)
INSTAGRAM_LOGIN = Reads(  # graph.instagram.com: the Instagram Login scopes
    INSTAGRAM.fields,
    INSTAGRAM.insights,
    "instagram_business_manage_insights",
    ("instagram_business_basic", "instagram_business_manage_insights"),
)
FACEBOOK_METRICS = ("reactions", "comments", "shares", "views", "reach")
INSTAGRAM_METRICS = ("likes", "comments", "saves", "reach", "views")


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _counts(node: dict) -> dict[str, int]:
    """Counts of one node, whichever platform's fields it carries."""
    found: dict[str, int] = {}
    for edge, name in (("reactions", "reactions"), ("comments", "comments")):
        summary = node.get(edge)
        if isinstance(summary, dict) and isinstance(summary.get("summary"), dict):
            if (n := _number(summary["summary"].get("total_count"))) is not None:
                found[name] = n
    if "reactions" in found or "comments" in found:  # a Facebook post
        shares = node.get("shares")
        found["shares"] = _number(shares.get("count")) or 0 if isinstance(shares, dict) else 0
    for field, name in (("like_count", "likes"), ("comments_count", "comments")):
        if (n := _number(node.get(field))) is not None:
            found[name] = n
    return found


def _insights(node: dict, names: dict[str, str]) -> dict[str, int]:
    found = {}
    data = (
        (node.get("insights") or {}).get("data") if isinstance(node.get("insights"), dict) else None
    )
    for row in data or ():
        if not isinstance(row, dict) or row.get("name") not in names:
            continue
        values = row.get("values") or []
        value = values[-1].get("value") if values and isinstance(values[-1], dict) else None
        if (n := _number(value)) is not None:
            found[names[row["name"]]] = n
    return found


def _read(graph: Graph, ids: list[str], fields: str) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        while chunk:
            try:
                answer = graph.get("", ids=",".join(chunk), fields=fields)
            except GraphError as exc:
                gone = _missing(exc, chunk)
                if not gone:
                    raise
                chunk = [i for i in chunk if i not in gone]  # deleted posts: read the others
                continue
            found.update({k: v for k, v in answer.items() if isinstance(v, dict)})
            break
    return found


def _missing(exc: GraphError, asked: list[str]) -> set[str]:
    """The ids Graph says do not exist (code 803, "Some of the aliases you requested do
    not exist: a,b"); empty for any other error."""
    if exc.code != MISSING or ":" not in exc.message:
        return set()
    named = exc.message.rsplit(":", 1)[1].split("[")[0]
    return {part.strip(" .)") for part in named.split(",")} & set(asked)


def measure(graph: Graph, owner: str, reads: Reads, remote_ids: Sequence[str]) -> Measurement:
    """The owner's (Page's or Instagram account's) followers and its posts' numbers."""
    account = {}
    followers = _number(graph.get(owner, fields="followers_count").get("followers_count"))
    if followers is not None:
        account["followers"] = followers
    ids = [i for i in dict.fromkeys(remote_ids) if i]
    posts = {pid: _counts(node) for pid, node in _read(graph, ids, reads.fields).items()}
    notes: list[str] = []
    metric = f"insights.metric({','.join(reads.insights)})"
    try:
        for pid, node in _read(graph, [i for i in ids if i in posts], metric).items():
            posts[pid].update(_insights(node, reads.insights))
    except GraphError as exc:
        if exc.code not in PERMISSION:
            raise
        shown = ", ".join(sorted(set(reads.insights.values())))
        notes.append(f"{shown} not available: {exc.message}")
    return Measurement(posts, account, tuple(notes))


def doctor(graph: Graph, reads: Reads) -> list[Finding]:
    """A warning for each permission metrics need that the token lacks (debug_token)."""
    try:
        info = graph.get("debug_token", input_token=graph.token).get("data") or {}
    except PublishError as exc:
        return [
            Finding("warning", f"metrics: could not read the token's permissions ({exc.message})")
        ]
    scopes = {str(s) for s in info.get("scopes") or []}
    missing = [p for p in reads.needed if p not in scopes]
    if not missing:
        return [Finding("ok", f"metrics: permissions {', '.join(reads.needed)} granted")]
    return [
        Finding(
            "warning",
            f"metrics: the token lacks permission {p}: `smmflow metrics` cannot read "
            + ("views and reach" if p == reads.permission else "the page's counts")
            + "; grant it to the app and make a new token",
        )
        for p in missing
    ]
