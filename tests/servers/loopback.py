"""Plumbing shared by the loopback servers of tests/servers/.

Every server: `listen(Handler)` serves on 127.0.0.1 (a free port) from a daemon thread, one
thread per connection; `close(server)` stops it. The serving loop looks for a stop request
every 50 ms, so a test never waits half a second for each server it stops.

The servers of issue 20 (tiktok.py, youtube.py, gbp.py) share more:

run a platform (a subclass) on 127.0.0.1, record every request as a `Call`,
route it, apply the faults a test queued for that route, and write the answer. The
platforms' behaviour (shapes, rules, error bodies) lives in the subclasses.

Faults: `server.fail(route, *faults)` queues faults for one route ("*" for any route),
consumed one request at a time:
- "reset": the connection is dropped (TCP RST) before anything is done;
- "slow": the answer comes after `server.slow` seconds, the work done normally;
- "<name>": the platform's own error for <name> (each server lists its names), nothing done;
- "<name>-after": the work is done, then the <name> error is answered instead of the result;
- "reset-after": the work is done, then the connection is dropped (the answer is lost);
- "slow-after": the work is done, the answer held back `server.slow` seconds;
- "ok": no fault (to let one request through before the next fault).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

POLL = 0.05  # seconds between looks at a stop request


def listen(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True
    ).start()
    return server


def close(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()


JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"


def is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def is_video(data: bytes) -> bool:
    """An MP4/MOV `ftyp` box up front, or a WebM (EBML) header."""
    return data[4:8] == b"ftyp" or data[:4] == b"\x1a\x45\xdf\xa3"


@dataclass
class Call:
    """One request as it arrived."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    route: str = ""
    status: int = 0  # what it was answered with (0: no answer, the connection was dropped)
    raw_query: str = ""  # as sent: `query` keeps one value per name, this keeps them all

    @property
    def json(self):
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


class Answer(Exception):
    """An answer other than the route's result: raised by a route, or made by a fault."""

    def __init__(self, status: int, body=None, headers: dict | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, dict(headers or {})


class FetchError(Exception):
    pass


def fetch(url: str, limit: int) -> bytes:
    """GET a media URL the way a platform's crawler does: no redirects, at most `limit` bytes."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            raise FetchError("redirected")

    if not url.startswith(("http://", "https://")):
        raise FetchError("not an http(s) URL")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as answer:
            data = answer.read(limit + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FetchError(str(exc)) from None
    if len(data) > limit:
        raise FetchError("too large")
    return data


class Window:
    """Requests per key in a sliding window (the platforms' per-minute limits)."""

    def __init__(self) -> None:
        self.hits: dict[object, deque] = {}

    def take(self, key: object, limit: int, now: float, seconds: float = 60.0) -> bool:
        """Count one request; False when it is over the limit."""
        hits = self.hits.setdefault(key, deque())
        while hits and hits[0] <= now - seconds:
            hits.popleft()
        if len(hits) >= limit:
            return False
        hits.append(now)
        return True

    def used(self, key: object, now: float, seconds: float = 60.0) -> int:
        return sum(1 for t in self.hits.get(key, ()) if t > now - seconds)


@dataclass
class Loopback:
    """Base of the three servers: `start()`/`stop()` or `with Server(...) as server:`."""

    slow: float = 3.0
    clock: float = 0.0  # seconds added to time.time(): the platform's clock runs ahead by this
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- for subclasses ----------------------------------------------------------------
    def route(self, call: Call):
        """Return (route name, function of the call → (status, body, headers))."""
        raise NotImplementedError

    def fault_answer(self, name: str, call: Call) -> Answer:
        raise NotImplementedError

    # -- the test's handles --------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock

    def fail(self, route: str, *faults: str) -> None:
        with self.lock:
            self.faults.setdefault(route, []).extend(faults)

    def of(self, route: str, method: str | None = None) -> list[Call]:
        """The calls that went to one route (as named by the server)."""
        return [c for c in self.calls if c.route == route and method in (None, c.method)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _take_fault(self, route: str) -> str:
        with self.lock:
            for key in (route, "*"):
                queue = self.faults.get(key)
                if queue:
                    return queue.pop(0)
        return "ok"

    # -- serving -----------------------------------------------------------------------
    def start(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, call: Call, status: int, body, headers: dict) -> None:
                headers = dict(headers)
                if body is None:
                    raw = b""
                elif isinstance(body, bytes):
                    raw = body
                else:
                    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
                    headers.setdefault("Content-Type", "application/json; charset=UTF-8")
                call.status = status
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _drop(self) -> None:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.connection.close()
                self.close_connection = True

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                call = Call(
                    self.command,
                    split.path,
                    dict(parse_qsl(split.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    raw_query=split.query,
                )
                with platform.lock:
                    platform.calls.append(call)
                try:
                    call.route, work = platform.route(call)
                except Answer as answer:
                    return self._send(call, answer.status, answer.body, answer.headers)
                fault = platform._take_fault(call.route)
                if fault == "reset":
                    return self._drop()
                if fault == "slow":
                    time.sleep(platform.slow)
                after = fault.endswith("-after")
                name = fault[: -len("-after")] if after else fault
                if name not in ("ok", "slow", "reset") and not after:
                    answer = platform.fault_answer(name, call)
                    return self._send(call, answer.status, answer.body, answer.headers)
                try:
                    with platform.lock:
                        status, result, headers = work(call)
                except Answer as answer:
                    status, result, headers = answer.status, answer.body, answer.headers
                if fault == "reset-after":
                    return self._drop()
                if fault == "slow-after":
                    time.sleep(platform.slow)
                elif after:
                    answer = platform.fault_answer(name, call)
                    status, result, headers = answer.status, answer.body, answer.headers
                self._send(call, status, result, headers)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self


def html_404(path: str) -> Answer:
    """Google's front end answers an unknown path with its HTML page, not JSON."""
    page = (
        "<!DOCTYPE html>\n<html lang=en>\n<meta charset=utf-8>\n<title>Error 404 (Not Found)!!1"
        "</title>\n<p><b>404.</b> <ins>That\u2019s an error.</ins>\n<p>The requested URL "
        f"<code>{path}</code> was not found on this server.  <ins>That\u2019s all we know.</ins>"
    )
    return Answer(404, page.encode(), {"Content-Type": "text/html; charset=UTF-8"})


def html_502() -> Answer:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
    return Answer(502, page, {"Content-Type": "text/html"})
