"""The real reference Bluesky PDS, for the Bluesky tests: no fake server.

`pds` is a session-scoped pytest fixture. It

1. installs tests/pds with `npm ci` when tests/pds/node_modules is missing or was installed
   from another package-lock.json (the folder stays, so later runs skip this);
2. starts tests/pds/start.mjs (an in-memory PLC directory and @atproto/pds, on loopback, on
   free ports) and waits for its READY line;
3. creates the test accounts (`alice.test`, `bob.test`) with com.atproto.server.createAccount,
   each with an app password (com.atproto.server.createAppPassword) for smmflow to log in with;
4. stops it at the end of the session.

Without Node.js (20 or newer) and npm the tests FAIL with a message saying so: they are
never skipped, since CI runs them for real.

The `pds` fixture (tests/conftest.py) starts it once per session. `Proxy` is a loopback
HTTP proxy to put in front of the PDS: it counts requests per XRPC method and can answer
chosen requests itself (a 429, an expired token) before forwarding the rest.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import queue
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests
from servers.loopback import close, listen

PDS_DIR = Path(__file__).resolve().parent / "pds"
NODE_MIN = 20
READY_TIMEOUT = 60.0
NPM_TIMEOUT = 900.0
ACCOUNTS = ("alice", "bob")


# -- install -------------------------------------------------------------------------------
def _fail(message: str) -> None:
    pytest.fail(message, pytrace=False)


def _tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        gone = [name for name, path in (("node", node), ("npm", npm)) if not path]
        missing = " and ".join(gone) + (" are" if len(gone) > 1 else " is")
        _fail(
            f"the Bluesky tests run the real PDS and need Node.js >= {NODE_MIN} with npm, "
            f"but {missing} not on PATH (Debian: apt-get install nodejs npm); "
            f"then `npm ci --prefix tests/pds`"
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    try:
        major = int(version.lstrip("v").split(".")[0])
    except ValueError:
        major = 0
    if major < NODE_MIN:
        _fail(f"the Bluesky tests need Node.js >= {NODE_MIN}; {node} is {version or 'unknown'}")
    return node, npm  # type: ignore[return-value]


def _lock_digest() -> str:
    return hashlib.sha256((PDS_DIR / "package-lock.json").read_bytes()).hexdigest()


def installed(stamp: Path, wanted: str) -> bool:
    """node_modules was installed from this lockfile: our stamp says so, or npm's own record
    of the install (node_modules/.package-lock.json, e.g. from `npm ci --prefix tests/pds`
    in .ci/run) is not older than package-lock.json."""
    if stamp.exists() and stamp.read_text().strip() == wanted:
        return True
    hidden = PDS_DIR / "node_modules" / ".package-lock.json"
    lock = PDS_DIR / "package-lock.json"
    if hidden.exists() and hidden.stat().st_mtime >= lock.stat().st_mtime - 1:
        stamp.write_text(wanted + "\n")
        return True
    return False


def ensure_installed(npm: str) -> None:
    """`npm ci` in tests/pds when node_modules is missing or older than package-lock.json."""
    stamp = PDS_DIR / "node_modules" / ".smmflow-lock-sha256"
    wanted = _lock_digest()
    where = hashlib.sha256(str(PDS_DIR).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"smmflow-npm-ci-{where}.lock"
    with open(lock_path, "w") as lock:  # one installer at a time (pytest-xdist workers)
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed(stamp, wanted):
            return
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=PDS_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                env={**os.environ, "npm_config_update_notifier": "false"},
            )
        except subprocess.TimeoutExpired:
            _fail(f"`npm ci` in {PDS_DIR} took more than {NPM_TIMEOUT:.0f}s")
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr)[-3000:]
            _fail(f"`npm ci` in {PDS_DIR} failed (exit {proc.returncode}):\n{tail}")
        stamp.write_text(wanted + "\n")
        print(f"tests/pds: npm ci took {time.monotonic() - started:.0f}s")


# -- the server ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class TestAccount:
    handle: str
    did: str
    password: str  # the account's main password (only the fixture uses it)
    app_password: str  # what smmflow is given, as a real user would


@dataclass
class Pds:
    url: str
    plc: str
    admin_password: str
    accounts: dict[str, TestAccount] = field(default_factory=dict)

    def xrpc(self, nsid: str) -> str:
        return f"{self.url}/xrpc/{nsid}"

    def create_account(self, name: str) -> TestAccount:
        handle = f"{name}.test"
        password = f"{name}-main-password-{os.urandom(4).hex()}"
        made = requests.post(
            self.xrpc("com.atproto.server.createAccount"),
            json={"handle": handle, "email": f"{name}@example.test", "password": password},
            timeout=30,
        )
        assert made.status_code == 200, f"createAccount {handle}: {made.status_code} {made.text}"
        session = made.json()
        app = requests.post(
            self.xrpc("com.atproto.server.createAppPassword"),
            json={"name": "smmflow tests"},
            headers={"Authorization": f"Bearer {session['accessJwt']}"},
            timeout=30,
        )
        assert app.status_code == 200, f"createAppPassword {handle}: {app.status_code} {app.text}"
        account = TestAccount(handle, session["did"], password, app.json()["password"])
        self.accounts[name] = account
        return account

    def get_record(self, repo: str, rkey: str, collection: str = "app.bsky.feed.post"):
        """The raw getRecord answer (a requests.Response)."""
        return requests.get(
            self.xrpc("com.atproto.repo.getRecord"),
            params={"repo": repo, "collection": collection, "rkey": rkey},
            timeout=30,
        )

    def list_records(self, repo: str, collection: str = "app.bsky.feed.post") -> list[dict]:
        """Every record of a collection (all pages)."""
        found: list[dict] = []
        cursor = None
        while True:
            params = {"repo": repo, "collection": collection, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            answer = requests.get(
                self.xrpc("com.atproto.repo.listRecords"), params=params, timeout=30
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
            found += body.get("records", [])
            cursor = body.get("cursor")
            if not cursor or not body.get("records"):
                return found


def _reader(stream, lines: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put(None)


@contextlib.contextmanager
def running_pds():
    """Start tests/pds/start.mjs; yield a `Pds` with the test accounts; stop it."""
    node, npm = _tools()
    ensure_installed(npm)
    pds_port, plc_port = free_port(), free_port()
    log = tempfile.NamedTemporaryFile(prefix="smmflow-pds-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [node, "start.mjs", "--pds-port", str(pds_port), "--plc-port", str(plc_port)],
        cwd=PDS_DIR,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "LOG_ENABLED": os.environ.get("LOG_ENABLED", "false")},
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()

    def output() -> str:
        log.flush()
        return Path(log.name).read_text("utf-8", "replace")[-4000:]

    try:
        deadline = time.monotonic() + READY_TIMEOUT
        ready = None
        while ready is None:
            left = deadline - time.monotonic()
            if left <= 0:
                _fail(f"the test PDS was not READY within {READY_TIMEOUT:.0f}s:\n{output()}")
            try:
                line = lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if line is None:
                proc.wait(10)
                _fail(f"the test PDS exited ({proc.returncode}) before READY:\n{output()}")
            elif line.startswith("READY "):
                ready = json.loads(line[len("READY ") :])
        server = Pds(ready["pds"], ready["plc"], ready["adminPassword"])
        for name in ACCOUNTS:
            server.create_account(name)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        os.unlink(log.name)


# -- a loopback proxy in front of it -------------------------------------------------------
@dataclass
class Seen:
    method: str
    nsid: str  # the XRPC method, e.g. com.atproto.repo.createRecord
    at: float  # time.monotonic() on arrival
    status: int = 0  # what the client got


# A fault answers one request itself: (status, JSON body, extra headers); or None: the
# request goes to the PDS, which acts on it, but its answer is lost (connection reset).
Fault = Callable[[], "tuple[int, dict, dict] | None"]


def rate_limited(seconds: int = 1) -> Fault:
    """429 as the PDS sends it: RateLimit-* headers (reset in Unix seconds) and Retry-After."""

    def answer() -> tuple[int, dict, dict]:
        reset = int(time.time()) + seconds
        headers = {
            "RateLimit-Limit": "30",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(reset),
            "RateLimit-Policy": "30;w=300",
            "Retry-After": str(seconds),
        }
        return 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, headers

    return answer


def lost_answer() -> Fault:
    """The PDS gets the request and acts on it; the client sees the connection reset."""
    return lambda: None


def not_found() -> Fault:
    """getRecord's answer for a record that is not there (whether or not it is)."""

    def answer() -> tuple[int, dict, dict]:
        return 400, {"error": "RecordNotFound", "message": "Could not locate record"}, {}

    return answer


def expired_token() -> Fault:
    def answer() -> tuple[int, dict, dict]:
        return 400, {"error": "ExpiredToken", "message": "Token has expired"}, {}

    return answer


@dataclass
class Proxy:
    """Forwards everything to `target`; counts calls per XRPC method; `faults[nsid]` is a
    list of faults, each answering one call of that method instead of the PDS."""

    target: str
    seen: list[Seen] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Proxy:
        proxy = self
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

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                nsid = self.path.split("?")[0].removeprefix("/xrpc/")
                seen = Seen(self.command, nsid, time.monotonic())
                with proxy.lock:
                    proxy.seen.append(seen)
                    pending = proxy.faults.get(nsid) or []
                    fault = pending.pop(0) if pending else None
                canned = fault() if fault is not None else None
                if canned is not None:
                    status, answer, extra = canned
                    seen.status = status
                    raw = json.dumps(answer).encode()
                    self._reply(status, raw, {"Content-Type": "application/json", **extra})
                    return
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection")
                }
                got = upstream.request(
                    self.command,
                    proxy.target + self.path,
                    data=body or None,
                    headers=headers,
                    timeout=60,
                    allow_redirects=False,
                )
                seen.status = got.status_code
                if fault is not None:  # lost_answer: acted on, but the answer never arrives
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    seen.status = -got.status_code
                    return
                keep = {
                    k: v
                    for k, v in got.headers.items()
                    if k.lower()
                    not in ("content-length", "transfer-encoding", "connection", "content-encoding")
                }
                self._reply(got.status_code, got.content, keep)

            do_GET = _handle
            do_POST = _handle

        self.server = listen(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def stop(self) -> None:
        close(self.server)

    def count(self, nsid: str) -> int:
        with self.lock:
            return sum(s.nsid == nsid for s in self.seen)

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(s.nsid for s in self.seen)

    def of(self, nsid: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.nsid == nsid]
