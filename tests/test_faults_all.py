"""Platform faults for every publisher through one harness (issue #8): tests/faultproxy.py.

Each case is one due post on one account of one platform, published by the real
`smmflow sync` CLI (a subprocess, on a real git repository of its own) through a
`FaultProxy` in front of that platform's loopback server (the real PDS for Bluesky). The
proxy gives the publishing request one fault, in the platform's own words, and counts what
reached the platform. Every case checks the four promises:

1. no traceback, and the exit code the outcome calls for (0 published, 1 failed, 3 unknown);
2. the right outcome: a transient fault is retried and published once (or, when every
   attempt fails, `failed` and retryable); a refusal (400/404/409/413/422) is `failed`
   with the platform's own message and sent once; 401/403 is `failed` with a message
   about the token or the bot's rights, sent once; a fault that may hide a processed post
   is retried with the same key where the platform is idempotent (webhook, Mastodon,
   Bluesky, Instagram, VK, Threads), and is `unknown` for a person where it is not
   (Telegram, Facebook, X, LinkedIn) — and then never sent again, not even by the next
   run (LinkedIn names its post in a header, so a lost body there hides nothing);
3. never lost: nothing is left `due` or `claimed` after the run;
4. never a duplicate: the platform holds at most one post for the case.

The cases are independent (a repository, a proxy and a platform identity each), so they
run a few at a time in one module fixture; each test only checks its case's results.
Reproduce one: `python -m pytest tests/test_faults_all.py -k "telegram and reset"`.
A summary (cases and outcomes per platform and fault) is printed at the end of the module,
and written as JSON to $SMMFLOW_FAULTS_SUMMARY when that is set.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from faultproxy import DIALECTS, FAULTS, FaultProxy
from repohelp import Result, base_env, commit, group_yaml, init_repo, ledger, smmflow, write
from servers.gbp import GbpServer
from servers.linkedin import LinkedInServer
from servers.mastodon import MastodonServer, Token
from servers.meta import MetaGraph, StaticSite, jpeg, mp4
from servers.telegram import BotApiServer
from servers.threads import ThreadsServer
from servers.tiktok import TikTokServer
from servers.vk import VkServer
from servers.webhook import Receiver
from servers.x import XServer
from servers.youtube import YT, YouTubeServer
from synchelp import show_summary

from smmflow.content.timeparse import parse_now
from smmflow.ledger.states import Clock
from smmflow.platforms import registry
from smmflow.publish.rows import for_status

NOW = "2026-12-04T10:00Z"
RETRIES = 3
FAST = {
    "SMMFLOW_RETRIES": str(RETRIES),
    "SMMFLOW_BACKOFF": "0.02",
    "SMMFLOW_TIMEOUT": "1",
    "SMMFLOW_MAX_WAIT": "5",
}
# Cases run at once: each mostly waits on its subprocesses and on sleeping faults.
JOBS = int(os.environ.get("SMMFLOW_FAULT_JOBS", "4"))

REFUSALS = ("400", "404", "409", "413", "422")
CREDENTIALS = ("401", "403")
# case -> (proxy fault, every publishing request or only the first)
CASES: dict[str, tuple[str, bool]] = {
    **{status: (status, False) for status in REFUSALS + CREDENTIALS},
    "429": ("429", False),
    "429-long": ("429-long", True),  # a limit for an hour: every request meets it
    "500": ("500", False),
    "502": ("502", False),
    "503": ("503", False),
    "500-always": ("500", True),
    "500-after": ("500-after", False),
    "timeout": ("timeout", False),
    "timeout-after": ("timeout-after", False),
    "slow-forward": ("slow-forward", False),
    "reset": ("reset", False),
    "reset-after": ("reset-after", False),
    "truncated": ("truncated", False),
    "text-plain": ("text-plain", False),
    "not-json": ("not-json", False),
    "bad-encoding": ("bad-encoding", False),
    "empty": ("empty", False),
    "html": ("html", False),
}
CLASSES = {
    "refusal (400/404/409/413/422)": REFUSALS,
    "credentials (401/403)": CREDENTIALS,
    "rate limit, short (429)": ("429",),
    "rate limit, beyond the run (429-long)": ("429-long",),
    "5xx / HTML page before processing": ("500", "502", "503", "html"),
    "5xx on every attempt": ("500-always",),
    "no answer before processing (timeout, reset)": ("timeout", "reset"),
    "processed, answer lost or unreadable": (
        "500-after",
        "timeout-after",
        "slow-forward",
        "reset-after",
        "truncated",
        "not-json",
        "bad-encoding",
        "empty",
    ),
    "wrong content type on a good answer": ("text-plain",),
}
# Words that tell a person to fix the token or the account's rights.
ACCESS_WORDS = ("token", "secret", "credential", "password", "permission", "administrator")


# -- what each case should end as ------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    kind: str  # published | refused | credentials | later | unknown
    state: str  # the pair's state in the ledger and in `smmflow status`
    code: int  # the exit code of the run
    posts: int  # posts on the platform afterwards
    sends: tuple[int, int]  # publishing requests seen by the proxy: (fewest, most)


def expected(platform: str, case: str) -> Expect:
    fault = FAULTS[CASES[case][0]]
    if case in REFUSALS:
        if platform == "telegram" and case == "404":  # the Bot API's answer to a wrong token
            return Expect("credentials", "failed", 1, 0, (1, 1))
        return Expect("refused", "failed", 1, 0, (1, 1))
    if case in CREDENTIALS:
        return Expect("credentials", "failed", 1, 0, (1, 1))
    if case == "429":
        return Expect("published", "published", 0, 1, (2, 2))
    if case == "429-long":
        return Expect("later", "failed", 1, 0, (1, 1))
    if case == "text-plain" or case in UPSTREAMS[platform].answer_in_headers:
        return Expect("published", "published", 0, 1, (1, 1))
    if platform not in IDEMPOTENT:  # never re-sent blindly: a person looks
        return Expect("unknown", "unknown", 3, int(fault.processed), (1, 1))
    if case == "500-always":
        return Expect("later", "failed", 1, 0, (2, RETRIES))
    # Re-sent with the same key, or (Bluesky, Instagram) looked up before sending again.
    return Expect("published", "published", 0, 1, (1 if fault.processed else 2, RETRIES))


# -- the platforms' loopback servers ---------------------------------------------------------
class Upstream:
    """A platform's loopback server and one identity (account, channel, page…) per case.

    A new publisher adds one subclass (and its `Dialect` in tests/faultproxy.py): every
    fault case then runs against it. `publishing` is the request that publishes (method,
    path regex): the one that meets the fault."""

    platform: str
    publishing: tuple[str, str]
    # Faults that break the body of a processed answer where the platform says what it
    # made in a header (LinkedIn's x-restli-id): the post is known, not unknown.
    answer_in_headers: frozenset[str] = frozenset()

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        pass

    def origin(self) -> str:
        raise NotImplementedError

    def account(self, index: int, proxy: FaultProxy, group: str) -> tuple[dict, dict]:
        """(account settings, environment) of case `index` in `group`, through `proxy`."""
        raise NotImplementedError

    def posts(self, index: int, marker: str) -> int:
        """Posts of case `index` on the platform (its text carries `marker`)."""
        raise NotImplementedError

    def media(self, root: Path, group: str, index: int) -> str:
        """The post's `media:` front matter (its files written under `root`); none by default."""
        return ""

    def stop(self) -> None:
        pass


class WebhookUp(Upstream):
    platform = "webhook"
    publishing = ("POST", r"/hook$")
    secret = "hook-secret-for-the-fault-matrix"

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = Receiver(secret=self.secret.encode()).start()

    def origin(self) -> str:
        return self.server.url.rsplit("/", 1)[0]

    def account(self, index, proxy, group):
        settings = {"platform": "webhook", "url": proxy.url + "/hook", "secret_env": "HOOK_SECRET"}
        return settings, {"HOOK_SECRET": self.secret}

    def posts(self, index, marker):
        with self.server.lock:
            return sum(marker in p["post"]["markdown"] for p in self.server.created.values())

    def stop(self):
        self.server.stop()


class MastodonUp(Upstream):
    platform = "mastodon"
    publishing = ("POST", r"/api/v1/statuses$")

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = MastodonServer().start()

    def origin(self) -> str:
        return self.server.url

    def account(self, index, proxy, group):
        token = f"fault-token-{index}"
        with self.server.lock:
            self.server.tokens[token] = Token(f"faults{index}")
        settings = {"platform": "mastodon", "instance": proxy.url, "token_env": "MASTO_TOKEN"}
        return settings, {"MASTO_TOKEN": token}

    def posts(self, index, marker):
        with self.server.lock:
            return len(self.server.live(f"faults{index}"))

    def stop(self):
        self.server.stop()


class TelegramUp(Upstream):
    platform = "telegram"
    publishing = ("POST", r"/bot[^/]+/sendMessage$")

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = BotApiServer()
        self.server.start()

    def origin(self) -> str:
        return self.server.url

    def account(self, index, proxy, group):
        chat_id = -1001000000000 - index
        self.server.channel(f"faults{index}", chat_id=chat_id, title=f"Faults {index}")
        settings = {
            "platform": "telegram",
            "chat": f"@faults{index}",
            "token_env": "TG_TOKEN",
            "api": proxy.url,
        }
        return settings, {"TG_TOKEN": self.server.token}

    def posts(self, index, marker):
        return len(self.server.posts(-1001000000000 - index))

    def stop(self):
        self.server.stop()


class FacebookUp(Upstream):
    platform = "facebook"
    publishing = ("POST", r"/feed$")

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = MetaGraph().start()

    def origin(self) -> str:
        return self.server.api.rsplit("/", 1)[0]

    def account(self, index, proxy, group):
        page, token = str(104857392016000 + index), f"EAAG-fault-page-token-{index}"
        with self.server.lock:
            self.server.add_page(page, f"Fault page {index}", token)
        settings = {
            "platform": "facebook",
            "page": page,
            "token_env": "FB_TOKEN",
            "api": proxy.url + "/v27.0",
        }
        return settings, {"FB_TOKEN": token}

    def posts(self, index, marker):
        with self.server.lock:
            return len(self.server.live_posts(str(104857392016000 + index)))

    def stop(self):
        self.server.stop()


class InstagramUp(Upstream):
    platform = "instagram"
    publishing = ("POST", r"/media_publish$")

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = MetaGraph().start()
        self.www = tmp / "www"
        self.www.mkdir(parents=True, exist_ok=True)
        self.site = StaticSite(self.www).start()  # where Instagram fetches the photos

    def origin(self) -> str:
        return self.server.api.rsplit("/", 1)[0]

    def home(self, group: str) -> Path:
        return self.www / group  # served at {site}/{group}/

    def media(self, root, group, index):
        (root / f"content/{group}/media").mkdir(parents=True)
        (root / f"content/{group}/media/bread.jpg").write_bytes(jpeg(index))
        return "media:\n  - src: media/bread.jpg\n    alt: A loaf on the counter\n"

    def account(self, index, proxy, group):
        user, token = str(17841405822300000 + index), f"EAAG-fault-ig-token-{index}"
        with self.server.lock:
            self.server.add_ig_user(user, f"faults{index}", token)
        settings = {
            "platform": "instagram",
            "user": user,
            "token_env": "IG_TOKEN",
            "api": proxy.url + "/v27.0",
            "media_base_url": f"{self.site.url}/{group}/content/{group}",
        }
        return settings, {"IG_TOKEN": token}

    def posts(self, index, marker):
        with self.server.lock:
            return len(self.server.live_media(str(17841405822300000 + index)))

    def stop(self):
        self.server.stop()
        self.site.stop()


class BlueskyUp(Upstream):
    platform = "bluesky"
    publishing = ("POST", r"/xrpc/com\.atproto\.repo\.createRecord$")

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = request.getfixturevalue("pds")  # the real PDS, once per session
        self.accounts: dict[int, object] = {}

    def origin(self) -> str:
        return self.server.url

    def account(self, index, proxy, group):
        made = self.server.create_account(f"faults{index:02d}")
        self.accounts[index] = made
        settings = {
            "platform": "bluesky",
            "handle": made.handle,
            "password_env": "BSKY_APP_PASSWORD",
            "pds": proxy.url,
        }
        return settings, {"BSKY_APP_PASSWORD": made.app_password}

    def posts(self, index, marker):
        records = self.server.list_records(self.accounts[index].did)
        return sum(marker in r["value"].get("text", "") for r in records)


class VkUp(Upstream):
    platform = "vk"
    publishing = ("POST", r"/method/wall\.post$")
    base = 229_100_000

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = VkServer().start()

    def origin(self) -> str:
        return self.server.url

    def account(self, index, proxy, group):
        group_id, user, token = self.base + index, 743_000_000 + index, f"vk1.a.fault-{index}"
        with self.server.lock:
            self.server.add_user(user)
            self.server.add_group(group_id, f"Faults {index}", admins={user: 3})
            self.server.add_token(token, user)
        settings = {
            "platform": "vk",
            "owner": f"-{group_id}",
            "token_env": "VK_TOKEN",
            "api": proxy.url + "/method",
        }
        return settings, {"VK_TOKEN": token}

    def posts(self, index, marker):
        with self.server.lock:
            return len(self.server.wall(-(self.base + index)))

    def stop(self):
        self.server.stop()


class XUp(Upstream):
    platform = "x"
    publishing = ("POST", r"/2/tweets$")

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = XServer().start()

    def origin(self) -> str:
        return self.server.url

    def account(self, index, proxy, group):
        user, token = str(1_460_000_000_000_000_000 + index), f"x-fault-token-{index}"
        with self.server.lock:
            self.server.add_account(user, f"faults{index}")
            self.server.add_token(token, user)
        settings = {"platform": "x", "token_env": "X_TOKEN", "api": proxy.url}
        return settings, {"X_TOKEN": token}

    def posts(self, index, marker):
        with self.server.lock:
            return len(self.server.timeline(str(1_460_000_000_000_000_000 + index)))

    def stop(self):
        self.server.stop()


class LinkedInUp(Upstream):
    platform = "linkedin"
    publishing = ("POST", r"/rest/posts$")
    answer_in_headers = frozenset({"empty", "not-json", "bad-encoding"})

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = LinkedInServer().start()

    def origin(self) -> str:
        return self.server.url

    def account(self, index, proxy, group):
        token = f"AQV-fault-token-{index:04d}"
        with self.server.lock:
            org = self.server.add_org(90_000 + index, f"Faults {index}")
            self.server.add_member(token, f"urn:li:person:fault{index}", {org: "ADMINISTRATOR"})
        settings = {
            "platform": "linkedin",
            "author": org,
            "token_env": "LI_TOKEN",
            "api": proxy.url + "/rest",
        }
        return settings, {"LI_TOKEN": token}

    def posts(self, index, marker):
        with self.server.lock:
            return len(self.server.live_posts(f"urn:li:organization:{90_000 + index}"))

    def stop(self):
        self.server.stop()


class ThreadsUp(Upstream):
    platform = "threads"
    publishing = ("POST", r"/threads_publish$")

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = ThreadsServer().start()

    def origin(self) -> str:
        return self.server.base

    def account(self, index, proxy, group):
        user, token = str(17_841_400_000_100_000 + index), f"THAA-fault-token-{index}"
        with self.server.lock:
            self.server.add_user(user, f"faults{index}", token)
        settings = {
            "platform": "threads",
            "user": user,
            "token_env": "TH_TOKEN",
            "api": proxy.url + "/v1.0",
        }
        return settings, {"TH_TOKEN": token}

    def posts(self, index, marker):
        with self.server.lock:
            return len(self.server.live_media(str(17_841_400_000_100_000 + index)))

    def stop(self):
        self.server.stop()


def _video(root: Path, group: str, index: int) -> str:
    (root / f"content/{group}/media").mkdir(parents=True)
    (root / f"content/{group}/media/bread.mp4").write_bytes(mp4(index))
    return "media:\n  - src: media/bread.mp4\n    alt: Bread out of the oven\n"


class TikTokUp(Upstream):
    platform = "tiktok"
    publishing = ("POST", r"/v2/post/publish/video/init/$")

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = TikTokServer().start()
        self.state = tmp / "state"  # rotated refresh tokens, one chain per case

    def origin(self) -> str:
        return self.server.url

    def account(self, index, proxy, group):
        with self.server.lock:
            self.server.add_creator(f"open-{index}", f"faults{index}", f"act.unused-{index}")
            self.server.add_refresh_token(f"rft.fault-case-{index}", f"open-{index}")
        settings = {
            "platform": "tiktok",
            "client_key_env": "TT_KEY",
            "client_secret_env": "TT_SECRET",
            "refresh_token_env": "TT_REFRESH",
            "privacy": "PUBLIC_TO_EVERYONE",
            "api": proxy.url,
        }
        secrets = {"TT_KEY": self.server.client_key, "TT_SECRET": self.server.client_secret}
        secrets.update(TT_REFRESH=f"rft.fault-case-{index}", SMMFLOW_STATE_DIR=str(self.state))
        return settings, secrets

    def media(self, root, group, index):
        return _video(root, group, index)

    def posts(self, index, marker):
        with self.server.lock:
            return sum(p.username == f"faults{index}" for p in self.server.posts)

    def stop(self):
        self.server.stop()


class GoogleUp(Upstream):
    """YouTube and Business Profile: Google's OAuth client and a refresh token per case."""

    client = ("fault-matrix.apps.googleusercontent.com", "GOCSPX-fault-matrix")

    def __init__(self, tmp: Path, request: pytest.FixtureRequest):
        self.server = self.make().start()
        self.server.clients[self.client[0]] = self.client[1]
        self.state = tmp / "state"

    def make(self):
        raise NotImplementedError

    def origin(self) -> str:
        return self.server.url

    def google(self, index: int, proxy: FaultProxy) -> tuple[dict, dict]:
        settings = {
            "client_id_env": "G_CLIENT",
            "client_secret_env": "G_SECRET",
            "refresh_token_env": "G_REFRESH",
            "api": proxy.url,
        }
        secrets = {"G_CLIENT": self.client[0], "G_SECRET": self.client[1]}
        secrets.update(G_REFRESH=f"1//0fault-case-{index}", SMMFLOW_STATE_DIR=str(self.state))
        return settings, secrets

    def stop(self):
        self.server.stop()


class YouTubeUp(GoogleUp):
    platform = "youtube"
    publishing = ("POST", r"/upload/youtube/v3/videos$")

    def make(self):
        return YouTubeServer()

    def account(self, index, proxy, group):
        channel = f"UCfaults{index:017d}"
        scopes = (YT + "youtube.upload", YT + "youtube")
        with self.server.lock:
            self.server.add_channel(
                channel, f"Faults {index}", f"ya29.unused-{index}", scopes=scopes
            )
            refresh = f"1//0fault-case-{index}"
            self.server.add_refresh_token(refresh, channel, scopes, client_id=self.client[0])
        settings, secrets = self.google(index, proxy)
        return {"platform": "youtube", **settings}, secrets

    def media(self, root, group, index):
        return _video(root, group, index)

    def posts(self, index, marker):
        with self.server.lock:
            return len(self.server.live(f"UCfaults{index:017d}"))


class GoogleBusinessUp(GoogleUp):
    platform = "google_business"
    publishing = ("POST", r"/localPosts$")

    def make(self):
        return GbpServer()

    def account(self, index, proxy, group):
        user = f"owner{index}@faults.test"
        with self.server.lock:
            self.server.add_account(str(9000 + index), f"Faults {index}", (user,))
            self.server.add_location(str(9000 + index), str(100 + index), f"Faults {index}")
            manage = ("https://www.googleapis.com/auth/business.manage",)
            refresh = f"1//0fault-case-{index}"
            self.server.add_refresh_token(refresh, user, manage, client_id=self.client[0])
        settings, secrets = self.google(index, proxy)
        location = f"accounts/{9000 + index}/locations/{100 + index}"
        return {"platform": "google_business", "location": location, **settings}, secrets

    def posts(self, index, marker):
        with self.server.lock:
            return len(self.server.live(f"accounts/{9000 + index}/locations/{100 + index}"))


UPSTREAMS = {
    up.platform: up
    for up in (
        WebhookUp,
        MastodonUp,
        TelegramUp,
        FacebookUp,
        InstagramUp,
        BlueskyUp,
        VkUp,
        XUp,
        LinkedInUp,
        ThreadsUp,
        TikTokUp,
        YouTubeUp,
        GoogleBusinessUp,
    )
}
PLATFORMS = list(UPSTREAMS)
# Re-sent with the same key (or looked up) rather than handed to a person: what the
# publisher itself says it is.
IDEMPOTENT = {name for name in PLATFORMS if registry.get(name).idempotent}
MATRIX = [(platform, case) for platform in PLATFORMS for case in CASES]


# -- one case --------------------------------------------------------------------------------
def _account(platform: str) -> str:
    """The case's account: named after its platform (account names take no `_`)."""
    return platform.replace("_", "-")


def _group(platform: str, case: str) -> str:
    return f"{_account(platform)}-{case}"


def _post_id(platform: str, case: str) -> str:
    return f"{_group(platform, case)}/2026-12-04-bread"


@dataclass
class Run:
    platform: str
    case: str
    sync: Result | None = None
    status: Result | None = None
    again: Result | None = None  # the next run, where the outcome was unknown
    rows: dict = field(default_factory=dict)
    record: dict = field(default_factory=dict)
    sends: list = field(default_factory=list)  # publishing requests the proxy saw
    sends_after_again: int = 0
    posts: int = 0
    seconds: float = 0.0
    error: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return _post_id(self.platform, self.case), _account(self.platform)

    @property
    def state(self) -> str:
        return self.rows.get(self.pair, {}).get("state", "?")


def run_case(up: Upstream, platform: str, case: str, index: int, tmp: Path) -> Run:
    run = Run(platform, case)
    started = time.monotonic()
    proxy = FaultProxy(up.origin(), DIALECTS[platform]).start()
    try:
        group = _group(platform, case)
        case_dir = up.home(group) if isinstance(up, InstagramUp) else tmp / group
        settings, secrets = up.account(index, proxy, group)
        root = init_repo(case_dir)
        write(
            root,
            f"schedules/{group}.yml",
            group_yaml("Faults", "UTC", {_account(platform): settings}),
        )
        marker = f"(fault case {platform} {case})"
        media = up.media(root, group, index)
        write(
            root,
            f"content/{group}/2026-12-04-bread.md",
            f"---\ndate: 2026-12-04 09:{index:02d}\ntype: informative\n{media}---\n"
            f"Fresh bread from 8 o'clock {marker}.\n",
        )
        commit(root, f"case {platform} {case}")
        method, pattern = up.publishing
        fault, every = CASES[case]
        if every:
            proxy.always(method, pattern, fault)
        else:
            proxy.script(method, pattern, fault)
        env = base_env(**FAST, **secrets)

        run.sync = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env, timeout=120)
        proxy.wait_idle()  # a late forward reaches the platform before anything is counted
        run.sends = proxy.requests(method, pattern)
        run.status = status(root)
        if run.status.code == 0:
            run.rows = {(r["post"], r["account"]): r for r in json.loads(run.status.out)}
        run.record = ledger(root).get(run.pair, {})
        if run.state == "unknown":
            proxy.clear()
            run.again = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env)
            proxy.wait_idle()
            run.sends_after_again = len(proxy.requests(method, pattern))
        run.posts = up.posts(index, marker)
    except Exception:
        run.error = traceback.format_exc()
    finally:
        proxy.stop()
        run.seconds = time.monotonic() - started
    return run


def status(root: Path) -> Result:
    """`smmflow status --format json` as the library gives it, in this process (the runs'
    `sync` and its retry are real subprocesses; a status per case would double them)."""
    clock = Clock(parse_now(NOW), dt.datetime.now(dt.timezone.utc))
    table = for_status(root, clock)
    out = json.dumps([row.as_dict() for row in table], ensure_ascii=False)
    return Result(("status", "--now", NOW, "--format", "json"), 0, out, "")


# -- running the selected cases --------------------------------------------------------------
def _selected(request) -> list[tuple[str, str]]:
    wanted = []
    for item in request.session.items:
        spec = getattr(item, "callspec", None)
        if item.module is request.module and spec and "platform" in spec.params:
            wanted.append((spec.params["platform"], spec.params["case"]))
    return wanted


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    wanted = _selected(request)
    tmp = tmp_path_factory.mktemp("faults")
    ups: dict[str, Upstream] = {}
    results: dict[tuple[str, str], Run] = {}
    for platform in sorted({p for p, _ in wanted}):
        try:  # a server that does not start (the PDS needs Node.js) fails its cases, alone
            ups[platform] = UPSTREAMS[platform](tmp / platform, request)
        except (Exception, pytest.fail.Exception) as exc:
            for job in [job for job in wanted if job[0] == platform]:
                results[job] = Run(*job, error=f"the {platform} server did not start: {exc}")
            wanted = [job for job in wanted if job[0] != platform]
    started = time.monotonic()
    lock = threading.Lock()

    def one(job: tuple[str, str]) -> None:
        platform, case = job
        index = list(CASES).index(case)
        run = run_case(ups[platform], platform, case, index, tmp / platform)
        with lock:
            results[job] = run

    # Slow cases first, so the pool does not end on a lone timeout.
    slow = {"timeout", "timeout-after", "slow-forward", "429"}
    order = sorted(wanted, key=lambda job: job[1] not in slow)
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        list(pool.map(one, order))
    elapsed = time.monotonic() - started
    yield results
    for up in ups.values():
        up.stop()
    _report(request, results, elapsed)


def _report(request, results: dict[tuple[str, str], Run], elapsed: float) -> None:
    """Cases and outcomes per platform and fault: printed, and saved where asked."""
    rows = []
    for (platform, case), run in sorted(results.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        rows.append(
            {
                "platform": platform,
                "fault": case,
                "outcome": _label(run),
                "expected": expected(platform, case).state,
                "exit": run.sync.code if run.sync else None,
                "publishing_requests": len(run.sends),
                "reached_platform": sum(e.forwarded for e in run.sends),
                "posts": run.posts,
                "seconds": round(run.seconds, 2),
                "detail": (run.rows.get(run.pair, {}).get("detail") or run.error)[:240],
            }
        )
    by_class = []
    for name, cases in CLASSES.items():
        mine = [r for r in rows if r["fault"] in cases]
        if mine:
            outcomes = Counter(f"{r['platform']}:{r['outcome']}" for r in mine)
            by_class.append(
                {
                    "class": name,
                    "cases": len(mine),
                    "outcomes": dict(Counter(r["outcome"] for r in mine)),
                    "by_platform": dict(sorted(outcomes.items())),
                }
            )
    summary = {
        "cases": len(rows),
        "wall_seconds": round(elapsed, 1),
        "platforms": sorted({r["platform"] for r in rows}),
        "outcomes": dict(Counter(r["outcome"] for r in rows)),
        "classes": by_class,
        "rows": rows,
    }
    target = os.environ.get("SMMFLOW_FAULTS_SUMMARY")
    if target:
        Path(target).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"{len(rows)} cases in {elapsed:.1f}s (JOBS={JOBS}), outcomes {summary['outcomes']}",
        "",
        "| fault class | cases | outcomes |",
        "|---|---|---|",
    ]
    for entry in by_class:
        said = ", ".join(f"{k} {v}" for k, v in sorted(entry["outcomes"].items()))
        lines.append(f"| {entry['class']} | {entry['cases']} | {said} |")
    platforms = summary["platforms"]
    cell = {(r["platform"], r["fault"]): r for r in rows}
    lines += [
        "",
        "cell: outcome, publishing requests sent / posts on the platform",
        "",
        "| fault | " + " | ".join(platforms) + " |",
        "|---|" + "---|" * len(platforms),
    ]
    for case in CASES:
        found = [cell.get((p, case)) for p in platforms]
        if any(found):
            shown = [
                f"{r['outcome']} {r['publishing_requests']}/{r['posts']}" if r else ""
                for r in found
            ]
            lines.append(f"| {case} | " + " | ".join(shown) + " |")

    class Summary:  # printed with pytest's own summary, after the captured output
        def pytest_terminal_summary(self, terminalreporter) -> None:
            short = f"{lines[0]}; the tables without -q, or as JSON in $SMMFLOW_FAULTS_SUMMARY"
            show_summary(terminalreporter, "fault matrix (tests/test_faults_all.py)", lines, short)

    request.config.pluginmanager.register(Summary(), "smmflow-fault-matrix-summary")


def _label(run: Run) -> str:
    """What a case ended as: published, failed, failed-retryable, unknown (or error)."""
    if run.error:
        return "error"
    if run.state == "failed" and run.record.get("retryable"):
        return "failed-retryable"
    return run.state


# -- the checks ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("platform", "case"), MATRIX, ids=[f"{platform}-{case}" for platform, case in MATRIX]
)
def test_fault(platform, case, runs):
    run = runs[(platform, case)]
    if run.error:
        pytest.fail(run.error, pytrace=False)
    want = expected(platform, case)
    results = [r for r in (run.sync, run.status, run.again) if r is not None]
    context = "\n\n".join(str(r) for r in results)

    # 1. never a traceback; the exit code says what happened
    for result in results:
        assert "Traceback" not in result.out + result.err, context
    assert run.status.code == 0, context
    assert run.sync.code == want.code, context
    [outcome] = [o for o in run.sync.json["outcomes"] if (o["post"], o["account"]) == run.pair]

    # 2. the right outcome, with the right words
    row = run.rows[run.pair]
    detail = row["detail"]
    assert (outcome["state"], row["state"], run.record.get("state")) == (want.state,) * 3, context
    sends = len(run.sends)
    assert want.sends[0] <= sends <= want.sends[1], (
        f"{sends} publishing requests, expected {want.sends}\n{context}"
    )
    dialect = DIALECTS[platform]
    if want.kind == "published":
        if (platform, case) != ("webhook", "empty"):  # the webhook contract: an empty 2xx is fine
            assert row["url"], context
        if case == "429" and dialect.wait_in_seconds:  # the platform's own signal was obeyed
            gap = run.sends[1].arrived - run.sends[0].arrived
            assert gap >= 0.8, f"waited {gap:.2f}s after a 429 asking for 1s\n{context}"
    elif want.kind in ("refused", "credentials"):
        assert run.record["retryable"] is False, context
        assert dialect.message(int(case)) in detail, context
        if want.kind == "credentials":
            assert any(word in detail.lower() for word in ACCESS_WORDS), context
    elif want.kind == "later":
        assert run.record["retryable"] is True, context
        if case == "429-long":
            assert "beyond this run's limit" in detail, context
    elif want.kind == "unknown":
        assert f"smmflow resolve {run.pair[0]} {run.pair[1]} --published URL" in detail, context
        assert "may have been posted" in detail, context
        # never re-sent: not in this run, not by the next one
        assert run.again is not None and run.again.code == 3, context
        assert run.sends_after_again == sends, context

    # 3. never lost: nothing due or half-done is left behind
    left = {pair: r["state"] for pair, r in run.rows.items() if r["state"] in ("due", "claimed")}
    assert not left, context

    # 4. never a duplicate
    assert run.posts == want.posts, f"{run.posts} posts on {platform}, expected {want.posts}"


def test_every_fault_of_the_harness_is_in_the_matrix():
    used = {fault for fault, _ in CASES.values()}
    assert used == set(FAULTS), set(FAULTS) ^ used
    assert all(re.fullmatch(r"[a-z0-9-]+", case) for case in CASES)
