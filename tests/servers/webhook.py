"""A loopback webhook receiver that behaves like a careful real one.

It keeps what it created by `Idempotency-Key` (a repeated key gets the first answer back,
as Stripe-style receivers do), checks the HMAC signature when given a secret, and can be
told to misbehave: `server.faults` is a list consumed one request at a time, each one of
"500", "502", "503", "429" (Retry-After: 1), "timeout" (answers after `slow` seconds),
"reset" (drops the connection), "malformed" (200 with broken JSON), "html" (an HTML
error page), or "ok".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from servers.loopback import close, listen


@dataclass
class Delivery:
    method: str
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Receiver:
    secret: bytes | None = None
    faults: list[str] = field(default_factory=list)
    slow: float = 3.0
    deliveries: list[Delivery] = field(default_factory=list)
    created: dict[str, dict] = field(default_factory=dict)  # idempotency key -> post payload
    deleted: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _answer(
                self,
                status: int,
                body: bytes,
                kind: str = "application/json",
                headers: dict | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request: nothing arrived
                    self.close_connection = True
                    return
                delivery = Delivery(self.command, self.path, dict(self.headers), body)
                with receiver.lock:
                    receiver.deliveries.append(delivery)
                    fault = receiver.faults.pop(0) if receiver.faults else "ok"
                if fault == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    self.connection.close()
                    self.close_connection = True
                    self.rfile.close()
                    return
                if fault == "timeout":
                    time.sleep(receiver.slow)
                if fault in ("500", "502", "503"):
                    return self._answer(int(fault), b'{"error": "server trouble"}')
                if fault == "429":
                    return self._answer(
                        429, b'{"error": "slow down"}', headers={"Retry-After": "1"}
                    )
                if fault == "html":
                    return self._answer(502, b"<html><body>Bad gateway</body></html>", "text/html")
                if fault == "malformed":
                    return self._answer(200, b'{"id": "x', "application/json")
                if receiver.secret is not None:
                    sent = self.headers.get("X-Smmflow-Signature", "")
                    good = "sha256=" + hmac.new(receiver.secret, body, hashlib.sha256).hexdigest()
                    if not hmac.compare_digest(sent, good):
                        receiver.bad_signatures += 1
                        return self._answer(401, b'{"error": "bad signature"}')
                key = self.headers.get("Idempotency-Key", "")
                with receiver.lock:
                    if self.command == "DELETE":
                        receiver.deleted.append(key)
                        return self._answer(200, b"{}")
                    if key not in receiver.created:
                        receiver.created[key] = json.loads(body.decode("utf-8"))
                    number = list(receiver.created).index(key) + 1
                answer = {"id": f"hook-{number}", "url": f"https://receiver.test/posts/{number}"}
                self._answer(200, json.dumps(answer).encode())

            do_POST = _handle
            do_DELETE = _handle

        self.server = listen(Handler)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        close(self.server)

    def posts_by_pair(self) -> dict[tuple[str, str], set[str]]:
        """(post id, account) -> the distinct idempotency keys it arrived with."""
        found: dict[tuple[str, str], set[str]] = {}
        for key, payload in self.created.items():
            pair = (payload["post"]["id"], payload["account"])
            found.setdefault(pair, set()).add(key)
        return found
