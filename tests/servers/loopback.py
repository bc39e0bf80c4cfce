"""Starting and stopping a loopback HTTP server: what every server of tests/servers/ shares.

`listen(Handler)` serves on 127.0.0.1 (a free port) from a daemon thread, one thread per
connection; `close(server)` stops it. The serving loop looks for a stop request every
50 ms, so a test never waits half a second for each server it stops.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
