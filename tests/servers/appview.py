"""A small loopback Bluesky AppView in front of the reference PDS (tests/pdsfixture.py).

The real PDS answers `app.bsky.*` reads by proxying them to an AppView, which the test PDS
does not have. This server stands where the PDS's proxy would: it forwards everything to
the PDS, except the two reads the inbox makes, which it answers itself from what the PDS
holds (`com.atproto.repo.listRecords` of every account it indexes), following the lexicons
(bluesky-social/atproto, lexicons/app/bsky/notification/listNotifications.json and
feed/getPostThread.json):

- `app.bsky.notification.listNotifications` (`limit` 1-100, default 50; `cursor`;
  `reasons[]`): the viewer's notifications, newest first: `reply` (a post whose
  `reply.parent` is the viewer's), `mention` (a facet naming the viewer's DID), `quote`
  (an embedded record of the viewer's). Each has uri, cid, author (did, handle,
  displayName), reason, reasonSubject, record, isRead, indexedAt; `cursor` while more
  remain. The viewer is whoever the PDS says the bearer token belongs to.
- `app.bsky.feed.getPostThread` (`uri`, `depth` default 6): `thread` of type
  `app.bsky.feed.defs#threadViewPost` with `post` (a post view) and `replies`, every level
  up to `depth`; `NotFound` (400) for a post that is not there (deleted).

`indexedAt` is the record's `createdAt` here (a real AppView stamps its own time).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import requests

from servers.loopback import close, listen

POST = "app.bsky.feed.post"


class AppView:
    def __init__(self, pds):
        self.pds = pds  # pdsfixture.Pds
        self.served: list[str] = []  # the XRPC methods answered here
        self.lock = threading.Lock()

    # -- what the PDS holds ------------------------------------------------------------
    def _posts(self) -> dict[str, dict]:
        found = {}
        for account in list(self.pds.accounts.values()):
            for record in self.pds.list_records(account.did, POST):
                found[record["uri"]] = {**record, "did": account.did, "handle": account.handle}
        return found

    def _viewer(self, auth: str) -> str | None:
        answer = requests.get(
            self.pds.xrpc("com.atproto.server.getSession"), headers={"Authorization": auth},
            timeout=30,
        )  # fmt: skip
        return answer.json().get("did") if answer.status_code == 200 else None

    @staticmethod
    def _author(post: dict) -> dict:
        name = post["handle"].split(".")[0].title()
        return {"did": post["did"], "handle": post["handle"], "displayName": name}

    def _view(self, post: dict, posts: dict) -> dict:
        replies = [p for p in posts.values() if _parent(p) == post["uri"]]
        return {
            "uri": post["uri"], "cid": post["cid"], "author": self._author(post),
            "record": post["value"], "indexedAt": post["value"].get("createdAt", ""),
            "replyCount": len(replies), "repostCount": 0, "likeCount": 0, "quoteCount": 0,
            "labels": [],
        }  # fmt: skip

    # -- the two reads -------------------------------------------------------------------
    def notifications(self, viewer: str, query: dict) -> tuple[int, dict]:
        limit = max(1, min(100, int((query.get("limit") or ["50"])[-1])))
        reasons = query.get("reasons") or query.get("reasons[]") or []
        posts = self._posts()
        found = []
        for post in posts.values():
            if post["did"] == viewer:
                continue
            for reason, subject in _reasons(post, viewer):
                if not reasons or reason in reasons:
                    found.append((post, reason, subject))
                    break
        found.sort(key=lambda f: (f[0]["value"].get("createdAt", ""), f[0]["uri"]), reverse=True)
        start = int((query.get("cursor") or ["0"])[-1])
        page = found[start : start + limit]
        body: dict = {
            "notifications": [
                {"uri": p["uri"], "cid": p["cid"], "author": self._author(p), "reason": reason,
                 "reasonSubject": subject, "record": p["value"], "isRead": False,
                 "indexedAt": p["value"].get("createdAt", ""), "labels": []}
                for p, reason, subject in page
            ],
        }  # fmt: skip
        if start + limit < len(found):
            body["cursor"] = str(start + limit)
        return 200, body

    def thread(self, query: dict) -> tuple[int, dict]:
        uri = (query.get("uri") or [""])[-1]
        depth = int((query.get("depth") or ["6"])[-1])
        posts = self._posts()
        if uri not in posts:
            return 400, {"error": "NotFound", "message": f"Post not found: {uri}"}
        return 200, {"thread": self._node(posts[uri], posts, depth)}

    def _node(self, post: dict, posts: dict, depth: int) -> dict:
        below = [p for p in posts.values() if _parent(p) == post["uri"]] if depth > 0 else []
        return {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": self._view(post, posts),
            "replies": [self._node(p, posts, depth - 1) for p in below],
        }

    # -- serving -------------------------------------------------------------------------
    def start(self) -> AppView:
        view = self
        upstream = requests.Session()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _reply(self, status: int, body: bytes, headers: dict) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, body: dict) -> None:
                self._reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                nsid = parts.path.removeprefix("/xrpc/")
                if nsid in (
                    "app.bsky.notification.listNotifications",
                    "app.bsky.feed.getPostThread",
                ):
                    with view.lock:
                        view.served.append(nsid)
                    viewer = view._viewer(self.headers.get("Authorization", ""))
                    if viewer is None:
                        return self._json(
                            401,
                            {
                                "error": "AuthenticationRequired",
                                "message": "Authentication Required",
                            },
                        )
                    query = parse_qs(parts.query)
                    if nsid.endswith("listNotifications"):
                        return self._json(*view.notifications(viewer, query))
                    return self._json(*view.thread(query))
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}  # fmt: skip
                got = upstream.request(self.command, view.pds.url + self.path, data=body or None,
                                       headers=headers, timeout=60, allow_redirects=False)  # fmt: skip
                keep = {k: v for k, v in got.headers.items() if k.lower() not in
                        ("content-length", "transfer-encoding", "connection", "content-encoding")}  # fmt: skip
                self._reply(got.status_code, got.content, keep)

            do_GET = _handle
            do_POST = _handle

        self.server = listen(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def stop(self) -> None:
        close(self.server)


def _parent(post: dict) -> str:
    return ((post["value"].get("reply") or {}).get("parent") or {}).get("uri", "")


def _reasons(post: dict, viewer: str):
    """(reason, subject) pairs a post gives the viewer, as the AppView derives them."""
    parent = _parent(post)
    if parent.startswith(f"at://{viewer}/"):
        yield "reply", parent
    for facet in post["value"].get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("did") == viewer:
                yield "mention", ""
    embed = post["value"].get("embed") or {}
    quoted = ((embed.get("record") or {}).get("uri")) or ""
    if quoted.startswith(f"at://{viewer}/"):
        yield "quote", quoted
