"""A loopback webhook receiver with a fixed latency, for bench/run.py's due-posts workload.

A small relative of tests/servers/webhook.py's Receiver (so the benchmark does not depend
on the test tree): one thread per connection, HTTP/1.1 keep-alive, and every request is
answered `latency` seconds after it arrived, like a platform API across the Internet. It
parses requests by hand: http.server spends about a millisecond per request on headers,
and with 20 accounts answered at the same moment that cost, serialised by the GIL, would
be billed to smmflow (a bare `requests` client took 7.4 s instead of 5.2 s for the 5 s
workload). It records each request's arrival time (`time.perf_counter()`, the clock
bench/run.py times runs with), the account and post it carried, and how many requests of
one account were in flight at once (smmflow promises one at a time per account, in date
order).
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Arrival:
    at: float  # perf_counter() when the request's body had been read
    account: str  # "<group>/<account>" from the URL path
    post: str  # post id from the payload ("" when not a publish)
    utc: str  # the post's UTC date from the payload
    key: str  # Idempotency-Key


@dataclass
class LatencyReceiver:
    latency: float = 0.1
    arrivals: list[Arrival] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)  # idempotency key -> number
    duplicates: int = 0  # requests that repeated an idempotency key
    in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> LatencyReceiver:
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            """HTTP/1.1 keep-alive, POST with Content-Length only: all smmflow sends here.
            Parsed by hand (not http.server, whose header parsing costs about a millisecond
            a request): with 20 clients answered at the same moment, every request's cost
            in this one process delays the others and would be billed to smmflow."""

            def handle(self) -> None:
                while True:
                    request = self.rfile.readline(65537)
                    if not request:
                        return
                    headers: dict[str, str] = {}
                    while True:
                        line = self.rfile.readline(65537)
                        if line in (b"\r\n", b"\n", b""):
                            break
                        name, _, value = line.decode("latin-1").partition(":")
                        headers[name.strip().lower()] = value.strip()
                    body = self.rfile.read(int(headers.get("content-length") or 0))
                    path = request.split()[1].decode("latin-1") if request.split() else "/"
                    receiver._arrived(path, headers.get("idempotency-key", ""), body)
                    close = headers.get("connection", "").lower() == "close"
                    self.wfile.write(receiver._answer(path, headers.get("idempotency-key", "")))
                    if close:
                        return

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 256  # 20+ clients connect at once: no SYN retries

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def _arrived(self, path: str, key: str, body: bytes) -> None:
        now = time.perf_counter()
        account = path.strip("/").partition("/")[2]  # /hook/<group>/<account>
        try:
            post = json.loads(body.decode("utf-8")).get("post") or {}
        except (ValueError, AttributeError):
            post = {}
        with self.lock:
            self.arrivals.append(
                Arrival(now, account, str(post.get("id", "")), str(post.get("utc", "")), key)
            )
            flying = self.in_flight.get(account, 0) + 1
            self.in_flight[account] = flying
            self.max_in_flight[account] = max(flying, self.max_in_flight.get(account, 0))
            if key in self.created:
                self.duplicates += 1
            self.created.setdefault(key, len(self.created) + 1)

    def _answer(self, path: str, key: str) -> bytes:
        with self.lock:
            number = self.created.get(key, 0)
        time.sleep(self.latency)
        account = path.strip("/").partition("/")[2]
        with self.lock:
            self.in_flight[account] = self.in_flight.get(account, 1) - 1
        body = b'{"id": "bench-%d", "url": "https://receiver.test/%d"}' % (number, number)
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, group: str, account: str) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{group}/{account}"

    def reset(self) -> None:
        with self.lock:
            self.arrivals = []
            self.created = {}
            self.duplicates = 0
            self.in_flight = {}
            self.max_in_flight = {}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
