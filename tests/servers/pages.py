"""Web pages a post links to, served on loopback: what smmflow's link card fetch meets.

- `/bread`: a page with Open Graph tags (og:title, og:description, og:image -> `/bread.jpg`,
  a phone photo with a GPS position) in its `<head>`;
- `/plain`: a page with no Open Graph tags and no `<title>`;
- `/huge`: a 50 MB page, streamed: a `<title>` up front, then an endless `<head>`; the
  server counts the bytes the reader took before it hung up (`sent["/huge"]`);
- `/slow`: answers only after `hold` seconds (or when the test ends): a timeout.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

from .loopback import close, listen

HUGE = 50 * 1024 * 1024
BREAD = (
    "<!doctype html><html><head><meta charset='utf-8'>"
    "<title>Brutăria Dulce</title>"
    '<meta property="og:title" content="Cozonac cu nucă &amp; stafide">'
    '<meta property="og:description" content="Copt azi, în cuptorul cu lemne.">'
    '<meta property="og:image" content="/bread.jpg">'
    "</head><body><p>Comenzi la telefon.</p></body></html>"
)
PLAIN = "<!doctype html><html><body><p>Nothing about this page.</p></body></html>"


class PageServer:
    def __init__(self, image: bytes, hold: float = 30.0):
        self.image, self.hold = image, hold
        self.sent: dict[str, int] = {}
        self.hits: list[str] = []
        self.release = threading.Event()
        self.huge_done = threading.Event()

    def start(self) -> PageServer:
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                pages.hits.append(path)
                if path == "/slow":
                    pages.release.wait(pages.hold)
                    return self._send("text/html", BREAD.encode())
                if path == "/huge":
                    return self._huge()
                body = {
                    "/bread": ("text/html; charset=utf-8", BREAD.encode()),
                    "/plain": ("text/html", PLAIN.encode()),
                    "/bread.jpg": ("image/jpeg", pages.image),
                }.get(path)
                if body is None:
                    return self._send("text/html", b"not here", 404)
                self._send(*body)

            def _send(self, kind: str, data: bytes, status: int = 200) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _huge(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                head = b"<html><head><title>A very long page</title>"
                filler = b"<!-- " + b"x" * 65_000 + b" -->"
                sent = 0
                try:
                    self.wfile.write(head)
                    sent = len(head)
                    while sent < HUGE:
                        self.wfile.write(filler)
                        sent += len(filler)
                except OSError:
                    pass  # the reader hung up: what we want
                pages.sent["/huge"] = sent
                pages.huge_done.set()

        self.server = listen(Handler)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.release.set()
        close(self.server)
