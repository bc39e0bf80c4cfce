"""A loopback Bluesky AppView for the numbers `smmflow metrics` reads (the test PDS has none).

From the lexicons (bluesky-social/atproto lexicons/app/bsky/...):

- `GET /xrpc/app.bsky.feed.getPosts?uris=<at-uri>&uris=...`: at most 25 URIs (more is
  400 `InvalidRequest`); answers `{"posts": [postView]}` with `uri`, `cid`, `author`,
  `record`, `indexedAt`, `likeCount`, `repostCount`, `replyCount`, `quoteCount`,
  `bookmarkCount`; a URI it does not know is simply left out.
- `GET /xrpc/app.bsky.actor.getProfile?actor=<handle or DID>`: a profileViewDetailed with
  `did`, `handle`, `followersCount`, `followsCount`, `postsCount`; an unknown actor is
  400 `{"error": "InvalidRequest", "message": "Profile not found"}`.

Both are public reads: no session needed. Rate limits as Bluesky sends them: 429
`{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}` with `RateLimit-Limit`,
`RateLimit-Remaining`, `RateLimit-Reset` (Unix seconds) and `RateLimit-Policy`.

Faults (loopback.Loopback): routes "getPosts" and "getProfile"; "429", "500", "reset".
State: `server.profile(handle, did, followers)`, `server.count(uri, likes=..., ...)`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .loopback import Answer, Call, Loopback

MAX_URIS = 25


def _error(status: int, name: str, message: str, headers: dict | None = None) -> Answer:
    return Answer(status, {"error": name, "message": message}, headers)


@dataclass
class AppView(Loopback):
    profiles: dict[str, dict] = field(default_factory=dict)  # handle -> profile view
    posts: dict[str, dict] = field(default_factory=dict)  # at-uri -> counts

    def profile(self, handle: str, did: str, followers: int) -> None:
        self.profiles[handle] = {
            "did": did,
            "handle": handle,
            "displayName": handle.split(".")[0].title(),
            "followersCount": followers,
            "followsCount": 12,
            "postsCount": 0,
        }

    def count(self, uri: str, **counts: int) -> None:
        """A post's numbers: likes, reposts, replies, quotes, bookmarks."""
        self.posts.setdefault(uri, {}).update(counts)

    def route(self, call: Call):
        if call.method != "GET":
            raise _error(405, "InvalidRequest", "Method Not Allowed")
        if call.path == "/xrpc/app.bsky.feed.getPosts":
            return "getPosts", self._get_posts
        if call.path == "/xrpc/app.bsky.actor.getProfile":
            return "getProfile", self._get_profile
        raise _error(501, "MethodNotImplemented", "Method Not Implemented")

    def fault_answer(self, name: str, call: Call) -> Answer:
        if name == "429":
            reset = int(time.time()) + 1
            return _error(
                429,
                "RateLimitExceeded",
                "Rate Limit Exceeded",
                {
                    "RateLimit-Limit": "3000",
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(reset),
                    "RateLimit-Policy": "3000;w=300",
                },
            )
        return _error(int(name), "InternalServerError", "Internal Server Error")

    def _get_posts(self, call: Call):
        uris = [v for k, v in parse_qsl(call.raw_query) if k == "uris"]
        if not uris:
            raise _error(400, "InvalidRequest", 'Error: Params must have the property "uris"')
        if len(uris) > MAX_URIS:
            raise _error(
                400, "InvalidRequest", f"Error: uris must not have more than {MAX_URIS} elements"
            )
        views = []
        for uri in uris:
            counts = self.posts.get(uri)
            if counts is None:
                continue
            did = uri[len("at://") :].split("/")[0]
            views.append(
                {
                    "uri": uri,
                    "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
                    "author": {
                        "did": did,
                        "handle": next(
                            (h for h, p in self.profiles.items() if p["did"] == did),
                            "handle.invalid",
                        ),
                    },
                    "record": {
                        "$type": "app.bsky.feed.post",
                        "text": "",
                        "createdAt": "2026-12-01T10:00:00.000Z",
                    },
                    "indexedAt": "2026-12-01T10:00:01.000Z",
                    "likeCount": counts.get("likes", 0),
                    "repostCount": counts.get("reposts", 0),
                    "replyCount": counts.get("replies", 0),
                    "quoteCount": counts.get("quotes", 0),
                    "bookmarkCount": counts.get("bookmarks", 0),
                }
            )
        return 200, {"posts": views}, {}

    def _get_profile(self, call: Call):
        actor = call.query.get("actor", "")
        found = self.profiles.get(actor) or next(
            (p for p in self.profiles.values() if p["did"] == actor), None
        )
        if found is None:
            raise _error(400, "InvalidRequest", "Profile not found")
        return 200, found, {}
