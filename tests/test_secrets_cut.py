"""A secret cut by a length limit is still a secret (issue #11, item 11).

Platforms' error texts are shortened (to 300 characters) before they are shown and
recorded. A platform that echoes `Bearer <token>` far enough into its error put the cut
inside the token: the redactor, which knew only whole tokens, let 51 of 52 characters
through into sync's output, `status`, `doctor` and the ledger's history. Here every
platform whose error text smmflow shortens answers such an error, with the token placed
so that the 300-character cut falls in its middle, and nothing of any token (no piece of
10 characters) may appear anywhere. The redactor's own rule is tested directly too: any
piece of at least 8 characters at either end of a secret is masked.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest
from repohelp import base_env, commit, git, init_repo, smmflow, write
from servers.loopback import close, listen

NOW = "2026-12-04T12:00Z"
MASK = "[redacted]"
CUT = 300  # where smmflow shortens a platform's error text
# 52 characters each, none sharing a 10-character piece with another.
TOKENS = {
    "CUT_TELEGRAM_TOKEN": "7301946025:AAGq-Zt4pLm8Rw2Xc6Vb1Nk5Hs9Dj3Fg7Ty0Ue4Wo",
    "CUT_MASTODON_TOKEN": "mst_Q9wE3rT7yU1iO5pA8sD2fG6hJ0kL4zX9cV3bN7mQ1wE5rT8y",
    "CUT_BSKY_PASSWORD": "bsk-P0oI9uY8tR7eW6qA5sD4fG3hJ2kL1zX0cV9bN8mM7nB6vC5x",
    "CUT_FACEBOOK_TOKEN": "EAAJx7Kp2Lq9Mr4Ns6Ot1Pu8Qv3Rw5Sx0Ty2Uz7Va4Wb9Xc6Yd1Z",
    "CUT_HOOK_SECRET": "whk_Z1xY2wV3uT4sR5qP6oN7mL8kJ9iH0gF1eD2cB3aZ4yX5wV6u",
    "CUT_VK_TOKEN": "vk1.a.xEEsAoCaA2QTqpOoast0vQj8VMtbYo9Mqb5jZMQObDDMOT",
    "CUT_X_TOKEN": "xoa2_soYtxqAYfwFBHPl8KsLcsf1YaHxpFjttuDDekSEU2aC13Fa",
    "CUT_LINKEDIN_TOKEN": "AQV61ESYhD1NfFPb9jTo6z5xcIcQPzMuEGQ80YRP10eougTfIhpa",
    "CUT_THREADS_TOKEN": "THAAzOc61hVRd82Wzj5OSqplLapHp6hgPjryAczD4UDDqcdbTmBQ",
}
assert all(len(token) == 52 for token in TOKENS.values())
PIECE_SHOWN = 10  # a piece this long gives a token away


def error_text(token: str) -> str:
    """A refusal that quotes the request's credentials, the token's middle at `CUT`."""
    head = "refused: your request carried Authorization: Bearer "
    filler = "x" * (CUT - len(token) // 2 - len(head) - 1)
    return f"{filler} {head}{token} and nothing else"


class Echoing:
    """Refuses every request (HTTP 400) with `error_text`: JSON as Telegram and Mastodon
    write errors (`description`, `error`), or plain text as a webhook receiver, a proxy
    in front of Graph or a PDS would."""

    def __init__(self, token: str, style: str):
        self.requests = 0
        text = error_text(token)
        if style == "json":
            body = json.dumps({"ok": False, "error_code": 400, "description": text, "error": text})
            data, kind = body.encode(), "application/json"
        else:
            data, kind = text.encode(), "text/plain"
        echo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                echo.requests += 1
                self.send_response(400)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle

        self.server = listen(Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        close(self.server)


def pieces(texts: dict[str, str]) -> list[str]:
    return [
        f"{name}: {token[i : i + PIECE_SHOWN]!r} in {where}"
        for where, text in texts.items()
        for name, token in TOKENS.items()
        for i in range(len(token) - PIECE_SHOWN + 1)
        if token[i : i + PIECE_SHOWN] in text
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    servers = {
        "telegram": Echoing(TOKENS["CUT_TELEGRAM_TOKEN"], "json"),
        "mastodon": Echoing(TOKENS["CUT_MASTODON_TOKEN"], "json"),
        "bluesky": Echoing(TOKENS["CUT_BSKY_PASSWORD"], "text"),
        "facebook": Echoing(TOKENS["CUT_FACEBOOK_TOKEN"], "text"),
        "hook": Echoing(TOKENS["CUT_HOOK_SECRET"], "text"),
        "vk": Echoing(TOKENS["CUT_VK_TOKEN"], "text"),
        "x": Echoing(TOKENS["CUT_X_TOKEN"], "json"),
        "linkedin": Echoing(TOKENS["CUT_LINKEDIN_TOKEN"], "json"),
        "threads": Echoing(TOKENS["CUT_THREADS_TOKEN"], "text"),
    }
    url = {name: server.url for name, server in servers.items()}
    root = init_repo(tmp_path_factory.mktemp("cut") / "repo")
    accounts = "\n".join(
        [
            f'  telegram: {{chat: "@cut", token_env: CUT_TELEGRAM_TOKEN, api: "{url["telegram"]}"}}',
            f'  mastodon: {{instance: "{url["mastodon"]}", token_env: CUT_MASTODON_TOKEN}}',
            f'  bluesky: {{handle: cut.bsky.social, password_env: CUT_BSKY_PASSWORD, pds: "{url["bluesky"]}"}}',
            f'  facebook: {{page: "1001", token_env: CUT_FACEBOOK_TOKEN, api: "{url["facebook"]}"}}',
            f'  hook: {{platform: webhook, url: "{url["hook"]}/hook", secret_env: CUT_HOOK_SECRET}}',
            f'  vk: {{owner: "-1001", token_env: CUT_VK_TOKEN, api: "{url["vk"]}"}}',
            f'  x: {{token_env: CUT_X_TOKEN, api: "{url["x"]}"}}',
            f'  linkedin: {{author: "urn:li:organization:1001", token_env: CUT_LINKEDIN_TOKEN, api: "{url["linkedin"]}"}}',
            f'  threads: {{user: "1001", token_env: CUT_THREADS_TOKEN, api: "{url["threads"]}"}}',
        ]
    )
    write(root, "schedules/cut.yml", f"name: Cut\ntimezone: UTC\naccounts:\n{accounts}\n")
    write(
        root,
        "content/cut/2026-12-04-due.md",
        "---\ndate: 2026-12-04 10:00\ntype: informative\n---\nDue now.\n",
    )
    commit(root, "cut")
    env = base_env(**TOKENS, SMMFLOW_RETRIES="1")
    results = {
        "sync": smmflow(root, "sync", "--now", NOW, env=env),
        "sync json": smmflow(root, "sync", "--now", NOW, "--format", "json", env=env),
        "status": smmflow(root, "status", "--now", NOW, env=env),
        "status json": smmflow(root, "status", "--now", NOW, "--format", "json", env=env),
        "doctor": smmflow(root, "doctor", env=env),
        "doctor json": smmflow(root, "doctor", "--format", "json", env=env),
    }
    yield root, results, servers
    for server in servers.values():
        server.stop()


def test_every_server_was_asked_and_refused(runs) -> None:
    """Otherwise the search below proves nothing."""
    _, results, servers = runs
    assert all(server.requests for server in servers.values()), {
        name: server.requests for name, server in servers.items()
    }
    assert results["sync"].code == 1, str(results["sync"])
    failed = {
        o["account"] for o in json.loads(results["status json"].out) if o["state"] == "failed"
    }
    assert failed == set(servers), str(results["status json"])
    # The refusals are shown, with the token's place masked.
    for name in ("sync", "status", "doctor"):
        assert MASK in results[name].out, str(results[name])
        assert "Traceback" not in results[name].out + results[name].err


def test_no_piece_of_a_cut_token_in_output_or_ledger_history(runs) -> None:
    root, results, _ = runs
    texts = {f"{name} stdout": r.out for name, r in results.items()}
    texts |= {f"{name} stderr": r.err for name, r in results.items()}
    texts["git log -p --all"] = git(root, "log", "-p", "--all")
    assert "smmflow/ledger" in git(root, "for-each-ref")
    assert pieces(texts) == []


TOKEN = TOKENS["CUT_MASTODON_TOKEN"]


@pytest.mark.parametrize("cut", range(1, len(TOKEN)))
def test_a_cut_token_is_masked_wherever_the_cut_falls(cut: int) -> None:
    from smmflow.platforms.secrets import PIECE, Redactor

    redact = Redactor([TOKEN])
    head, tail = TOKEN[:cut], TOKEN[cut:]
    for text, left in ((f"Bearer {head}", head), (f"{tail} and more", tail)):
        shown = redact(text)
        if len(left) >= PIECE:
            assert left not in shown and MASK in shown, (text, shown)
        else:  # too short to be told from an ordinary word; gives nothing away
            assert shown == text


def test_the_redactor_masks_encoded_pieces_and_keeps_other_text() -> None:
    from smmflow.platforms.secrets import Redactor

    redact = Redactor([TOKEN])
    quoted = json.dumps(TOKEN)[1:-1].replace("/", "\\/")  # PHP-style JSON
    assert redact(f'{{"error": "{quoted[:30]}') == f'{{"error": "{MASK}'
    assert redact("an error about mastodon tokens") == "an error about mastodon tokens"
    assert redact(f"a {TOKEN} b {TOKEN[:20]}") == f"a {MASK} b {MASK}"


def test_clip_redacts_before_it_cuts() -> None:
    from smmflow.platforms.secrets import Redactor, clip

    text = error_text(TOKEN)
    shown = clip(text, Redactor([TOKEN]), CUT)
    assert f"Bearer {MASK} and" in shown and shown.endswith("…") and len(shown) == CUT + 1
    assert not any(TOKEN[i : i + 4] in shown for i in range(len(TOKEN) - 3))
    # A cut that would fall inside the mask keeps the mask whole.
    assert clip(f"ab {TOKEN}", Redactor([TOKEN]), 6) == f"ab {MASK}…"
    # Nothing to hide: cut as before, marked.
    assert clip("a   b\n" + "c" * 400, str, 10) == "a b " + "c" * 6 + "…"
