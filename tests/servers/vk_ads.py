"""A loopback VK Ads API (ads.vk.com, `/api/v2`, the former myTarget API), written from
the VK Ads documentation (ads.vk.com/doc/api, read through the metapeka/vk-ads-api-docs
mirror: info/Overview, info/Authorization, info/Quick_start, info/Add_banners,
info/Statistics, resource/AdPlans, AdPlan, AdGroups, AdPlanMassAction, Banners, CreateUrl,
ReadUrl, Region, TargetingsTree, User; objects as listed in vk_ads_rules.py).

Which VK API: /work/shared/reference/ads-apis.md §2.1 recommends VK Ads (ads.vk.com) over
the legacy `ads.*` methods of api.vk.com, whose `ads` scope is granted only in exceptional
cases; this server is VK Ads. There are no VK city or metro-station ids here: a station is
a `local_geo` point with a radius of 500–10 000 m, regions come from `/api/v2/regions.json`.

What it does like VK Ads:

- OAuth2: `POST /api/v2/oauth2/token.json` (form; client_credentials, refresh_token — a
  refresh changes the access token and the old one stops working), at most 5 tokens per
  client and user (403), `POST /api/v2/oauth2/token/delete.json`; every other call needs
  `Authorization: Bearer`. Token errors are 401 `{"code", "message"}` with a
  `WWW-Authenticate: Bearer realm="api", error=…` header: invalid_token, expired_token,
  revoked_token, invalid_user.
- JSON bodies. `POST /api/v2/ad_plans.json` with nested `ad_groups` and `banners` (the
  quick start's one-call creation) → `{"id", "ad_groups": [{"id", "banners": [{"id"}]}]}`;
  `POST /api/v2/ad_groups.json` (with `ad_plan_id`) → `{"id", "banners"}`;
  `POST /api/v2/ad_groups/{id}/banners.json` → `{"id"}`. Status defaults to `active` when
  omitted, as documented; `blocked` is the paused state. Validation errors are 400
  `{"error": {"fields": {...}, "message": "Validation failed", "code":
  "validation_failed"}}`, all of them at once (rules in vk_ads_rules.py).
- `GET /api/v2/{ad_plans,ad_groups,banners}.json` with `fields`, `limit` (default 20, at
  most 50), `offset`, `sorting`, `_id`, `_id__in`, `_status`, `_status__in`, `_status__ne`,
  `_ad_plan_id(__in)`, `_ad_group_id(__in)` → `{"count", "offset", "limit", "items"}`;
  `GET|POST|DELETE /api/v2/{kind}/{id}.json` (POST answers 204, DELETE sets `deleted`);
  `POST /api/v2/{kind}/mass_action.json` (≤200 items, `unknown_ad_plans`).
- `POST /api/v2/urls.json`, `GET /api/v2/urls/{id}.json`, `GET /api/v1/urls/?url=` (the
  link check that gives a VK post the type `vk_post`), `GET /api/v2/regions.json`,
  `GET /api/v2/targetings_tree.json`, `GET /api/v2/packages.json`,
  `GET /api/v{2,3}/user.json`, `GET /api/v2/throttling.json`.
- Statistics: `GET /api/v2/statistics/{banners,ad_groups,campaigns,ad_plans,users}/
  {day,summary}.json?id=…&date_from=…&date_to=…&metrics=base`, errors
  `{"error": {"message", "code": "ERR_WRONG_PARAMETER" | "ERR_WRONG_DATE" |
  "ERR_LIMIT_EXCEEDED" | "ERR_WRONG_BANNERS" | "ERR_WRONG_CAMPAIGNS"}}`; numbers from
  `deliver()`.
- Rate limits per user and calendar second/hour/day (`limits`), with
  `X-RateLimit-{RPS,Hourly,Daily}-{Limit,Remaining}` on every answer and 429 past a limit.

What it does not do: content upload, moderation (banners stay `pending` until
`moderate()`), delivery, agency flows, authorization_code, packages beyond the three of
the quick start, budgets in currencies other than the user's.

(unconfirmed): the 429 body (`{"error": {"code": "rate_limit_exceeded", …}}`), the 403
and 404 bodies, the token endpoint's error bodies (RFC 6749 style `{"error",
"error_description"}`), that lists leave out `deleted` objects unless `_status` asks for
them, that an unknown `_<field>` filter (e.g. `_name`, which is not documented) is a 400,
the balance in `user.json` (`account`), the shape of `throttling.json` beyond the docs'
example, `unknown_ad_groups`/`unknown_banners` by analogy with `unknown_ad_plans`.

Faults: `server.fail(method, pattern, status=…, code=…, when="before"|"after",
action="error"|"reset"|"slow"|"html")` answers the next matching request with that error
(or drops the connection, or answers after `delay` seconds, or a 502 HTML page), before or
after doing the work; `throttle(method, pattern)` queues a 429 with the limit headers at
zero; `expire(token)`, `revoke(token)`, `block(username)` change a token's standing.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

try:
    from tests.servers import vk_ads_rules as rules
except ImportError:  # tests/ itself on sys.path
    from servers import vk_ads_rules as rules

TOKENS_PER_USER = 5
KINDS = ("ad_plans", "ad_groups", "banners")
READABLE = {
    "ad_plans": {
        "id", "created", "updated", "name", "status", "vkads_status", "autobidding_mode",
        "budget_limit", "budget_limit_day", "date_start", "date_end", "max_price", "objective",
        "priced_goal", "pricelist_id", "enable_offline_goals", "ad_object_id", "ad_object_type",
    },
    "ad_groups": {
        "id", "created", "updated", "name", "status", "ad_plan_id", "package_id",
        "age_restrictions", "autobidding_mode", "budget_limit", "budget_limit_day", "date_end",
        "date_start", "delivery", "issues", "max_price", "objective", "price", "targetings",
        "utm", "enable_utm", "language", "last_updated",
    },
    "banners": {
        "id", "created", "updated", "name", "status", "ad_group_id", "content", "delivery",
        "issues", "moderation_reasons", "moderation_status", "textblocks", "urls", "ord_marker",
    },
}  # fmt: skip
DEFAULT_FIELDS = {
    "ad_plans": ("id", "name"),
    "ad_groups": ("id", "name", "ad_plan_id", "package_id"),
    "banners": ("id", "ad_group_id", "moderation_status", "ord_marker"),
}
PARENT = {"ad_groups": "ad_plan_id", "banners": "ad_group_id"}
STAT_KINDS = {
    "banners": "banners",
    "ad_groups": "ad_groups",
    "campaigns": "ad_groups",
    "ad_plans": "ad_plans",
}


class VkError(Exception):
    def __init__(self, status: int, body: dict | None, headers: dict | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def invalid(errors: rules.Errors) -> VkError:
    return VkError(400, errors.body())


def simple(status: int, code: str, message: str) -> VkError:
    return VkError(status, {"error": {"code": code, "message": message}})


@dataclass
class VkToken:
    access: str
    refresh: str
    client_id: str
    user: str
    expires_at: float
    scopes: tuple[str, ...] = ()  # client_credentials: [] (the whole own account)
    revoked: bool = False


@dataclass
class Hit:
    method: str
    path: str
    query: dict
    body: object  # parsed JSON, or the form dict for oauth
    headers: dict
    status: int = 0


@dataclass
class Fault:
    method: str
    pattern: str
    status: int = 500
    code: str = "ERR_INTERNAL"
    message: str = "Internal server error"
    when: str = "before"
    action: str = "error"  # error | reset | slow | html
    skip: int = 0
    delay: float = 3.0
    headers: dict = field(default_factory=dict)


def _money(value: object) -> str | None:
    amount = rules.decimal(value)
    return None if amount is None else f"{amount:.2f}"


def _stamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 3 * 3600))  # Moscow


@dataclass
class VkAds:
    clients: dict[str, dict] = field(default_factory=dict)  # client_id -> {"secret", "user"}
    users: dict[str, dict] = field(default_factory=dict)  # username -> user object
    tokens: dict[str, VkToken] = field(default_factory=dict)  # access token -> token
    ad_plans: dict[int, dict] = field(default_factory=dict)
    ad_groups: dict[int, dict] = field(default_factory=dict)
    banners: dict[int, dict] = field(default_factory=dict)
    urls: dict[int, dict] = field(default_factory=dict)
    created: list[tuple[str, int]] = field(default_factory=list)
    stats: dict[int, dict[str, dict]] = field(default_factory=dict)  # banner -> date -> base
    calls: list[Hit] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    limits: dict[str, int] = field(
        default_factory=lambda: {"RPS": 10, "Hourly": 5000, "Daily": 50000}
    )
    counters: dict[tuple, int] = field(default_factory=dict)
    token_ttl: int = 86400
    lock: threading.RLock = field(default_factory=threading.RLock)
    _next: dict[str, int] = field(
        default_factory=lambda: {
            "ad_plans": 14_000_000,
            "ad_groups": 91_000_000,
            "banners": 160_000_000,
            "urls": 61_700_000,
        }
    )

    # -- setup -------------------------------------------------------------------------
    def add_client(self, client_id: str, secret: str, username: str, **user) -> None:
        """An API client (client_id/secret issued by support) for a VK Ads user."""
        self.clients[client_id] = {"secret": secret, "user": username}
        uid = 55_000_000 + len(self.users) + 1
        self.users.setdefault(
            username,
            {
                "id": uid,
                "username": username,
                "status": "active",
                "currency": "RUB",
                "info_currency": "RUB",
                "types": ["advert"],
                "account": {
                    "id": uid + 1000,
                    "type": "general",
                    "balance": "10000.00",
                    "currency": "RUB",
                },
                **user,
            },
        )

    def grant(self, client_id: str, scopes: tuple[str, ...] = ()) -> str:
        """Issue a token directly (what the token endpoint does), for tests that skip OAuth."""
        with self.lock:
            return self._issue(client_id, self.clients[client_id]["user"], scopes)["access_token"]

    def fail(self, method: str, pattern: str, **kw) -> Fault:
        fault = Fault(method, pattern, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def throttle(self, method: str, pattern: str, window: str = "RPS", **kw) -> Fault:
        zero = {f"X-RateLimit-{window}-Remaining": "0"}
        return self.fail(
            method,
            pattern,
            status=429,
            code="rate_limit_exceeded",
            message="Rate limit exceeded",
            headers=zero,
            **kw,
        )

    def expire(self, access: str) -> None:
        self.tokens[access].expires_at = time.time() - 60

    def revoke(self, access: str) -> None:
        self.tokens[access].revoked = True

    def block(self, username: str) -> None:
        self.users[username]["status"] = "blocked"

    def moderate(self, banner_id: int, status: str = "allowed") -> None:
        self.banners[banner_id]["moderation_status"] = status

    def deliver(
        self,
        banner_id: int,
        date: str,
        shows: int = 0,
        clicks: int = 0,
        spent: str = "0",
        goals: int = 0,
    ) -> None:
        with self.lock:
            self.stats.setdefault(banner_id, {})[date] = {
                "shows": shows,
                "clicks": clicks,
                "goals": goals,
                "spent": Decimal(spent),
            }

    # -- reading back ------------------------------------------------------------------
    def live(self, kind: str) -> list[dict]:
        return [o for o in getattr(self, kind).values() if o["status"] != "deleted"]

    def of(self, method: str, pattern: str) -> list[Hit]:
        return [h for h in self.calls if h.method == method and re.search(pattern, h.path)]

    # -- serving -----------------------------------------------------------------------
    def start(self) -> VkAds:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> VkAds:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def take_fault(self, hit: Hit) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == hit.method and re.search(fault.pattern, hit.path):
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    self.faults.remove(fault)
                    return fault
        return None

    def _id(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind]

    # -- OAuth2 ------------------------------------------------------------------------
    def _issue(self, client_id: str, user: str, scopes: tuple[str, ...] = ()) -> dict:
        held = [t for t in self.tokens.values() if (t.client_id, t.user) == (client_id, user)]
        if len(held) >= TOKENS_PER_USER:
            raise VkError(
                403,
                {
                    "error": "token_limit_exceeded",
                    "error_description": "Too many tokens for this user",
                },
            )
        token = VkToken(
            secrets.token_hex(20),
            secrets.token_hex(20),
            client_id,
            user,
            time.time() + self.token_ttl,
            scopes,
        )
        self.tokens[token.access] = token
        return {
            "access_token": token.access,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
            "scope": list(scopes),
            "refresh_token": token.refresh,
            "tokens_left": TOKENS_PER_USER - len(held) - 1,
        }

    def _client(self, form: dict) -> dict:
        client = self.clients.get(form.get("client_id", ""))
        if client is None or client["secret"] != form.get("client_secret"):
            raise VkError(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Invalid client id or secret provided",
                },
            )
        return client

    def oauth(self, path: str, form: dict) -> tuple[int, dict | None]:
        client = self._client(form)
        if path.endswith("/token/delete.json"):
            user = form.get("username") or client["user"]
            for access in [
                a
                for a, t in self.tokens.items()
                if (t.client_id, t.user) == (form["client_id"], user)
            ]:
                del self.tokens[access]
            return 204, None
        grant = form.get("grant_type")
        if grant == "client_credentials":
            return 200, self._issue(form["client_id"], client["user"])
        if grant == "refresh_token":
            token = next(
                (t for t in self.tokens.values() if t.refresh == form.get("refresh_token")), None
            )
            if token is None or token.client_id != form["client_id"]:
                raise VkError(
                    400, {"error": "invalid_grant", "error_description": "Unknown refresh token"}
                )
            del self.tokens[token.access]
            token.access, token.expires_at = secrets.token_hex(20), time.time() + self.token_ttl
            self.tokens[token.access] = token
            body = {
                "access_token": token.access,
                "token_type": "Bearer",
                "expires_in": self.token_ttl,
                "scope": list(token.scopes),
                "refresh_token": token.refresh,
            }
            return 200, body
        raise VkError(
            400,
            {"error": "unsupported_grant_type", "error_description": f"{grant!r} is not supported"},
        )

    def authorize(self, headers: dict) -> VkToken:
        auth = headers.get("Authorization", "")
        token = self.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        problem = None
        if token is None:
            problem = ("invalid_token", "Unknown access token")
        elif token.revoked:
            problem = ("revoked_token", "Access token has been revoked")
        elif self.users[token.user]["status"] == "blocked":
            problem = ("invalid_user", "User is blocked")
        elif token.expires_at < time.time():
            problem = ("expired_token", "Access token is expired")
        if problem:
            code, message = problem
            www = f'Bearer realm="api", error="{code}", error_description="{message}"'
            raise VkError(401, {"code": code, "message": message}, {"WWW-Authenticate": www})
        return token

    # -- rate limits -------------------------------------------------------------------
    def _windows(self) -> dict[str, int]:
        now = time.time()
        return {"RPS": int(now), "Hourly": int(now // 3600), "Daily": int(now // 86400)}

    def spend_limit(self, user: str) -> dict:
        windows = self._windows()
        used = {w: self.counters.get((user, w, b), 0) for w, b in windows.items()}
        over = [w for w in windows if used[w] >= self.limits[w]]
        if not over:
            for w, b in windows.items():
                self.counters[(user, w, b)] = used[w] + 1
                used[w] += 1
        headers = {}
        for w in windows:
            headers[f"X-RateLimit-{w}-Limit"] = str(self.limits[w])
            headers[f"X-RateLimit-{w}-Remaining"] = str(max(0, self.limits[w] - used[w]))
        if over:
            body = {"error": {"code": "rate_limit_exceeded", "message": "Rate limit exceeded"}}
            raise VkError(429, body, headers)
        return headers

    def throttling(self, user: str) -> dict:
        windows, spans = self._windows(), {"RPS": "1", "Hourly": "3600", "Daily": "86400"}
        left = {
            spans[w]: self.limits[w] - self.counters.get((user, w, b), 0)
            for w, b in windows.items()
        }
        limits = {spans[w]: self.limits[w] for w in windows}
        block = {
            "READ": {"remaining": left, "limits": limits},
            "CREATE": {"remaining": left, "limits": limits},
        }
        return {kind.upper(): {"all": block} for kind in KINDS}

    # -- routing -----------------------------------------------------------------------
    def route(self, hit: Hit, token: VkToken) -> tuple[int, dict | list | None]:
        path, method = hit.path, hit.method
        if method != "GET" and token.scopes and "create_ads" not in token.scopes:
            raise simple(403, "permission_denied", "The token has no create_ads right")
        if method == "GET" and token.scopes and not {"read_ads", "create_ads"} & set(token.scopes):
            raise simple(403, "permission_denied", "The token has no read_ads right")
        user = token.user
        if method == "GET" and re.fullmatch(r"/api/v[23]/user\.json", path):
            return 200, self.users[user]
        if (method, path) == ("GET", "/api/v2/throttling.json"):
            return 200, self.throttling(user)
        if (method, path) == ("GET", "/api/v2/regions.json"):
            return 200, self._regions(hit.query)
        if (method, path) == ("GET", "/api/v2/targetings_tree.json"):
            wanted = [w for w in hit.query.get("targetings", "").split(",") if w] or list(
                rules.INTEREST_TREE
            )
            return 200, [{k: v for k, v in rules.INTEREST_TREE.items() if k in wanted}]
        if (method, path) == ("GET", "/api/v2/packages.json"):
            rows = [
                {"id": i, "name": p["name"], "objective": p["objective"], "status": "active"}
                for i, p in rules.PACKAGES.items()
            ]
            return 200, {"count": len(rows), "offset": 0, "items": rows}
        if path.startswith(("/api/v2/urls", "/api/v1/urls")):
            return self._urls(hit, user)
        match = re.fullmatch(r"/api/v2/statistics/(\w+)/(day|summary)\.json", path)
        if match and method == "GET":
            return 200, self._statistics(match.group(1), match.group(2), hit.query, user)
        return self._objects(hit, user)

    def _objects(self, hit: Hit, user: str) -> tuple[int, dict | None]:
        path, method = hit.path, hit.method
        match = re.fullmatch(r"/api/v2/(ad_plans|ad_groups|banners)\.json", path)
        if match and method == "GET":
            return 200, self._list(match.group(1), hit.query, user)
        if match and method == "POST" and match.group(1) != "banners":
            return 200, getattr(self, f"_create_{match.group(1)}")(hit.body, user)
        match = re.fullmatch(r"/api/v2/(ad_plans|ad_groups|banners)/mass_action\.json", path)
        if match and method == "POST":
            return self._mass(match.group(1), hit.body, user)
        match = re.fullmatch(r"/api/v2/ad_groups/(\d+)/banners\.json", path)
        if match and method == "POST":
            return 200, self._add_banner(int(match.group(1)), hit.body, user)
        match = re.fullmatch(r"/api/v2/(ad_plans|ad_groups|banners)/(\d+)\.json", path)
        if match:
            kind, oid = match.group(1), int(match.group(2))
            obj = getattr(self, kind).get(oid)
            if obj is None or obj["user"] != user:
                raise simple(404, "not_found", "Not found")
            if method == "GET":
                return 200, self._pick(kind, obj, hit.query)
            if method == "DELETE":
                obj["status"], obj["updated"] = "deleted", _stamp()
                return 204, None
            if method == "POST":
                self._update(kind, obj, hit.body, "")
                return 204, None
        raise VkError(404, {"error": {"code": "not_found", "message": "Resource not found"}})

    # -- dictionaries and links --------------------------------------------------------
    def _regions(self, query: dict) -> dict:
        rows = list(rules.REGIONS)
        if "_id" in query:
            rows = [r for r in rows if str(r["id"]) == query["_id"]]
        if "_id__in" in query:
            rows = [r for r in rows if str(r["id"]) in query["_id__in"].split(",")]
        if "_parent_id" in query:
            rows = [r for r in rows if str(r["parent_id"]) == query["_parent_id"]]
        if "_q" in query:
            rows = [r for r in rows if query["_q"].casefold() in r["name"].casefold()]
        return {"count": len(rows), "items": rows}

    def _urls(self, hit: Hit, user: str) -> tuple[int, dict]:
        match = re.fullmatch(r"/api/v2/urls/(\d+)\.json", hit.path)
        if match and hit.method == "GET":
            found = self.urls.get(int(match.group(1)))
            if found is None:
                raise simple(404, "not_found", "Not found")
            return 200, found
        if hit.path == "/api/v2/urls.json" and hit.method == "POST":
            url = hit.body.get("url") if isinstance(hit.body, dict) else None
            return 201, {"id": self._url(url)["id"]}
        if hit.path.rstrip("/") == "/api/v1/urls" and hit.method == "GET":
            return 200, self._url(hit.query.get("url"))
        raise simple(404, "not_found", "Resource not found")

    def _url(self, url: object) -> dict:
        errors = rules.Errors()
        if not isinstance(url, str) or not url:
            errors.add("url", "required", "This field is required")
            raise invalid(errors)
        if not re.match(r"(https?|market|itms|itms-apps)://", url):
            errors.add(
                "url", "unknown_scheme", "The system does not support the schema used in the URL"
            )
            raise invalid(errors)
        found = next((u for u in self.urls.values() if u["url"] == url), None)
        if found:
            return found
        checked = rules.url_types(url)
        if checked is None:
            errors.add("url", "invalid_url", "Error in the URL body")
            raise invalid(errors)
        uid = self._id("urls")
        self.urls[uid] = {
            "id": uid,
            "url": url,
            "url_types": checked[0],
            "url_object_id": checked[1],
            "counters": [],
            "has_goals": False,
        }
        return self.urls[uid]

    # -- creating ----------------------------------------------------------------------
    def _fill(self, kind: str, body: dict, user: str, **extra) -> dict:
        oid = self._id(kind)
        stamp = _stamp()
        obj = {
            "id": oid,
            "user": user,
            "created": stamp,
            "updated": stamp,
            "status": body.get("status", "active"),
        }
        for key, value in body.items():
            if key not in ("ad_groups", "banners", "status"):
                obj[key] = (
                    _money(value)
                    if key in ("budget_limit", "budget_limit_day", "max_price", "price")
                    else value
                )
        for key in ("date_start", "date_end"):
            if obj.get(key):
                obj[key] = obj[key][:10]
        obj.update(extra)
        getattr(self, kind)[oid] = obj
        self.created.append((kind, oid))
        return obj

    def _plan_rules(self, plan: dict, group: dict, errors: rules.Errors, prefix: str) -> None:
        """A group starts no earlier than its campaign; with campaign-level budget
        optimisation its budget fields equal the campaign's."""
        if (
            group.get("date_start")
            and plan.get("date_start")
            and group["date_start"][:10] < plan["date_start"][:10]
        ):
            errors.add(
                prefix + "date_start", "bad_value", "The group cannot start before its campaign"
            )
        if plan.get("autobidding_mode"):
            for key in ("budget_limit", "budget_limit_day", "max_price"):
                if key in group and _money(group[key]) != _money(plan.get(key)):
                    errors.add(
                        prefix + key,
                        "bad_value",
                        f"With campaign budget optimisation {key} must equal the campaign's",
                    )

    def _create_ad_plans(self, body: object, user: str) -> dict:
        errors = rules.check_plan(body, self.urls)
        if not errors.fields:
            for i, group in enumerate(body["ad_groups"]):
                self._plan_rules(body, group, errors, f"ad_groups.{i}.")
        if errors.fields:
            raise invalid(errors)
        plan = self._fill("ad_plans", body, user)
        answer = {"id": plan["id"], "ad_groups": []}
        for group in body["ad_groups"]:
            made = self._make_group(group, plan["id"], user)
            answer["ad_groups"].append(made)
        return answer

    def _make_group(self, body: dict, plan_id: int, user: str) -> dict:
        group = self._fill(
            "ad_groups", body, user, ad_plan_id=plan_id, targetings=body.get("targetings", {})
        )
        made = {"id": group["id"]}
        if body.get("banners"):
            made["banners"] = [
                {"id": self._make_banner(b, group["id"], user)} for b in body["banners"]
            ]
        return made

    def _make_banner(self, body: dict, group_id: int, user: str) -> int:
        extra = {
            "ad_group_id": group_id,
            "moderation_status": "pending",
            "ord_marker": "",
            "content": body.get("content", {}),
            "textblocks": body.get("textblocks", {}),
        }
        return self._fill("banners", body, user, **extra)["id"]

    def _create_ad_groups(self, body: object, user: str) -> dict:
        errors = rules.Errors()
        rules.check_group(body, self.urls, errors, "", standalone=True)
        plan_id = body.get("ad_plan_id") if isinstance(body, dict) else None
        plan = self.ad_plans.get(plan_id) if isinstance(plan_id, int) else None
        if isinstance(body, dict) and (
            plan is None or plan["user"] != user or plan["status"] == "deleted"
        ):
            errors.add(
                "ad_plan_id",
                "required" if "ad_plan_id" not in body else "bad_value",
                "Unknown campaign",
            )
        if plan and not errors.fields:
            self._plan_rules(plan, body, errors, "")
        if errors.fields:
            raise invalid(errors)
        return self._make_group(body, plan["id"], user)

    def _add_banner(self, group_id: int, body: object, user: str) -> dict:
        group = self.ad_groups.get(group_id)
        errors = rules.Errors()
        if group is None or group["user"] != user or group["status"] == "deleted":
            errors.add("ad_group_id", "invalid_ad_group", "The ad group does not exist")
            raise invalid(errors)
        rules.check_banner(body, rules.PACKAGES[group["package_id"]], self.urls, errors, "")
        if errors.fields:
            raise invalid(errors)
        return {"id": self._make_banner(body, group_id, user)}

    # -- reading -----------------------------------------------------------------------
    def _view(self, kind: str, obj: dict) -> dict:
        view = {k: v for k, v in obj.items() if k != "user"}
        if kind == "ad_plans":
            view["vkads_status"] = {
                "status": obj["status"],
                "major_status": obj["status"],
                "codes": [],
            }
            return view
        issues = self._issues(kind, obj)
        view["issues"] = [
            {"code": code, "message": code.replace("_", " ").capitalize()} for code in issues
        ]
        pending = kind == "banners" and obj["moderation_status"] == "pending"
        view["delivery"] = "not_delivering" if issues else ("pending" if pending else "delivering")
        if kind == "ad_groups":
            view["last_updated"] = obj["updated"]
        return view

    def _issues(self, kind: str, obj: dict) -> list[str]:
        group = obj if kind == "ad_groups" else self.ad_groups[obj["ad_group_id"]]
        plan = self.ad_plans[group["ad_plan_id"]]
        issues = []
        if kind == "banners" and obj["status"] != "active":
            issues.append("BANNER_STOPPED" if obj["status"] == "blocked" else "BANNER_ARCHIVED")
        if kind == "banners" and obj["moderation_status"] == "banned":
            issues.append("BANNER_BANNED")
        if group["status"] != "active":
            issues.append(
                "CAMPAIGN_STOPPED" if group["status"] == "blocked" else "CAMPAIGN_ARCHIVED"
            )
        if plan["status"] != "active":
            issues.append("AD_PLAN_STOPPED" if plan["status"] == "blocked" else "AD_PLAN_ARCHIVED")
        return issues

    def _fields(self, kind: str, query: dict) -> tuple[str, ...]:
        wanted = tuple(f for f in query.get("fields", "").split(",") if f) or DEFAULT_FIELDS[kind]
        for name in wanted:
            if name not in READABLE[kind]:
                errors = rules.Errors()
                errors.add("fields", "unallowed_value", f"{name} is not supported in fields")
                raise invalid(errors)
        return wanted

    def _pick(self, kind: str, obj: dict, query: dict) -> dict:
        view = self._view(kind, obj)
        return {name: view.get(name) for name in self._fields(kind, query)}

    def _list(self, kind: str, query: dict, user: str) -> dict:
        fields = self._fields(kind, query)
        rows = [o for o in getattr(self, kind).values() if o["user"] == user]
        filtered = False
        for key, value in query.items():
            if not key.startswith("_"):
                continue
            name, _, lookup = key[1:].partition("__")
            allowed = {
                "id",
                "status",
                "ad_plan_id",
                "ad_group_id",
                "campaign_id",
                "updated",
                "last_updated",
            }
            if name not in allowed or lookup not in ("", "in", "ne", "gt", "gte", "lt", "lte"):
                errors = rules.Errors()
                errors.add(key, "unallowed_field", "Filtering by this field is not supported")
                raise invalid(errors)
            filtered |= name == "status"
            name = "ad_group_id" if name == "campaign_id" else name
            rows = [o for o in rows if _lookup(str(o.get(name, "")), lookup, value)]
        if not filtered:
            rows = [o for o in rows if o["status"] != "deleted"]
        for key in reversed([s for s in query.get("sorting", "id").split(",") if s]):
            rows.sort(key=_sort_key(key.lstrip("-")), reverse=key.startswith("-"))
        limit = min(50, int(query.get("limit") or 20))
        offset = int(query.get("offset") or 0)
        items = [
            {n: self._view(kind, o).get(n) for n in fields} for o in rows[offset : offset + limit]
        ]
        return {"count": len(rows), "offset": offset, "limit": limit, "items": items}

    # -- changing ----------------------------------------------------------------------
    def _update(self, kind: str, obj: dict, body: object, prefix: str) -> None:
        errors = rules.Errors()
        if not isinstance(body, dict):
            errors.add(prefix + "non_field_errors", "bad_value", "A JSON object is expected")
            raise invalid(errors)
        if obj["status"] == "deleted" and set(body) - {"status", "id"}:
            errors.add(
                prefix + "status", "bad_value", "Only the status of a deleted object can change"
            )
        allowed = {
            "status",
            "name",
            "budget_limit",
            "budget_limit_day",
            "max_price",
            "date_start",
            "date_end",
            "targetings",
            "id",
        }
        for key in body:
            if key not in allowed:
                errors.add(prefix + key, "unallowed_field", "This field cannot be changed here")
        if "status" in body and body["status"] not in rules.STATUSES:
            errors.add(
                prefix + "status", "unallowed_value", "Must be one of active, blocked, deleted"
            )
        if "targetings" in body:
            rules.check_targetings(body["targetings"], errors, prefix)
        if errors.fields:
            raise invalid(errors)
        for key, value in body.items():
            if key != "id":
                obj[key] = (
                    _money(value)
                    if key in ("budget_limit", "budget_limit_day", "max_price")
                    else value
                )
        obj["updated"] = _stamp()

    def _mass(self, kind: str, body: object, user: str) -> tuple[int, None]:
        if not isinstance(body, list):
            raise simple(400, "bad_value", "A JSON list is expected")
        if len(body) > 200:
            raise simple(400, "limit_exceeded", "Too much items. Limit is 200")
        store = getattr(self, kind)
        unknown = [
            str(item.get("id") if isinstance(item, dict) else item)
            for item in body
            if not isinstance(item, dict)
            or not isinstance(item.get("id"), int)
            or store.get(item["id"], {}).get("user") != user
        ]
        if unknown:
            raise simple(400, f"unknown_{kind}", f"Unknown {kind}: {', '.join(unknown)}")
        for i, item in enumerate(body):
            self._update(kind, store[item["id"]], item, f"{i}.")
        return 204, None

    # -- statistics --------------------------------------------------------------------
    def _statistics(self, kind: str, span: str, query: dict, user: str) -> dict:
        def wrong(code: str, message: str) -> VkError:
            return simple(400, code, message)

        if kind == "users" or kind not in STAT_KINDS:
            raise wrong("ERR_WRONG_PARAMETER", f"Unsupported object type: {kind}")
        if not query.get("id"):
            raise wrong("ERR_WRONG_PARAMETER", "Parameter id is required")
        if query.get("metrics", "base") != "base":
            raise wrong("ERR_WRONG_PARAMETER", "This server gives the base metrics only")
        ids = [int(i) for i in query["id"].split(",") if i.isdigit()]
        if len(ids) > 200:
            raise wrong("ERR_LIMIT_EXCEEDED", "No more than 200 objects per request")
        date_from, date_to = query.get("date_from", ""), query.get("date_to", "")
        if span == "day":
            pattern = r"\d{4}-\d{2}-\d{2}"
            if (
                not (re.fullmatch(pattern, date_from) and re.fullmatch(pattern, date_to))
                or date_to < date_from
            ):
                raise wrong("ERR_WRONG_DATE", "date_from and date_to (YYYY-MM-DD) are required")
        store = getattr(self, STAT_KINDS[kind])
        if any(store.get(i, {}).get("user") != user for i in ids):
            raise wrong(
                "ERR_WRONG_BANNERS" if kind == "banners" else "ERR_WRONG_CAMPAIGNS",
                "Unknown or unavailable objects",
            )
        items, everything = [], {}
        for oid in ids:
            days = self._days(STAT_KINDS[kind], oid)
            if span == "day":
                days = {d: v for d, v in days.items() if date_from <= d <= date_to}
            total = _sum(days.values())
            _merge(everything, total)
            item = {"id": oid, "total": {"base": _base(total)}}
            if span == "day":
                item["rows"] = [{"date": d, "base": _base(days[d])} for d in sorted(days)]
            items.append(item)
        return {"items": items, "total": {"base": _base(everything)}}

    def _days(self, kind: str, oid: int) -> dict[str, dict]:
        if kind == "banners":
            banners = [oid]
        elif kind == "ad_groups":
            banners = [b["id"] for b in self.banners.values() if b["ad_group_id"] == oid]
        else:
            groups = {g["id"] for g in self.ad_groups.values() if g["ad_plan_id"] == oid}
            banners = [b["id"] for b in self.banners.values() if b["ad_group_id"] in groups]
        days: dict[str, dict] = {}
        for bid in banners:
            for date, row in self.stats.get(bid, {}).items():
                _merge(days.setdefault(date, {}), row)
        return days


def _sort_key(name: str):
    return lambda o: o["id"] if name == "id" else str(o.get(name, ""))


def _lookup(have: str, lookup: str, value: str) -> bool:
    if lookup == "in":
        return have in value.split(",")
    if lookup == "ne":
        return have != value
    if lookup in ("gt", "gte", "lt", "lte"):
        return {"gt": have > value, "gte": have >= value, "lt": have < value, "lte": have <= value}[
            lookup
        ]
    return have == value


def _merge(into: dict, row: dict) -> None:
    for key in ("shows", "clicks", "goals"):
        into[key] = into.get(key, 0) + row.get(key, 0)
    into["spent"] = into.get("spent", Decimal(0)) + row.get("spent", Decimal(0))


def _sum(rows) -> dict:
    total: dict = {}
    for row in rows:
        _merge(total, row)
    return total


def _base(row: dict) -> dict:
    shows, clicks, goals = row.get("shows", 0), row.get("clicks", 0), row.get("goals", 0)
    spent = row.get("spent", Decimal(0))

    def money(x: Decimal) -> str:
        return f"{x:.2f}"

    return {
        "shows": shows,
        "clicks": clicks,
        "goals": goals,
        "spent": money(spent),
        "cpm": money(spent * 1000 / shows) if shows else "0",
        "cpc": money(spent / clicks) if clicks else "0",
        "cpa": money(spent / goals) if goals else "0",
        "ctr": 100 * clicks / shows if shows else 0,
        "cr": 100 * goals / clicks if clicks else 0,
    }


def _handler(state: VkAds) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body: object, headers: dict, html: bool = False) -> None:
            self.hit.status = status
            raw = b"" if body is None else (body if html else json.dumps(body).encode())
            self.send_response(status)
            if status != 204:
                kind = "text/html" if html else "application/json; charset=utf-8"
                self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(raw)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def _drop(self) -> None:
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.close()
            self.close_connection = True

        def _parse(self) -> Hit:
            split = urlsplit(self.path)
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            kind = self.headers.get("Content-Type", "")
            body: object = None
            if kind.startswith("application/x-www-form-urlencoded"):
                body = dict(parse_qsl(raw.decode(), keep_blank_values=True))
            elif raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = ValueError("not JSON")
            return Hit(self.command, split.path, query, body, dict(self.headers))

        def _fault(self, fault: Fault, headers: dict) -> None:
            if fault.action == "reset":
                return self._drop()
            if fault.action == "html":
                page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
                return self._send(502, page, {}, html=True)
            body = {"error": {"code": fault.code, "message": fault.message}}
            self._send(fault.status, body, {**headers, **fault.headers})

        def _handle(self) -> None:
            self.hit = self._parse()
            with state.lock:
                state.calls.append(self.hit)
            fault = state.take_fault(self.hit)
            headers: dict = {}
            try:
                with state.lock:
                    if self.hit.path.startswith("/api/v2/oauth2/"):
                        if self.hit.method != "POST" or not isinstance(self.hit.body, dict):
                            raise VkError(
                                400,
                                {"error": "invalid_request", "error_description": "POST a form"},
                            )
                        if fault and fault.when == "before":
                            return self._fault(fault, headers)
                        status, body = state.oauth(self.hit.path, self.hit.body)
                    else:
                        token = state.authorize(self.hit.headers)
                        headers = state.spend_limit(token.user)
                        if fault and fault.when == "before" and fault.action != "slow":
                            return self._fault(fault, headers)
                        if isinstance(self.hit.body, ValueError):
                            raise simple(400, "bad_value", "Request body is not valid JSON")
                        status, body = state.route(self.hit, token)
            except VkError as exc:
                return self._send(exc.status, exc.body, {**headers, **exc.headers})
            if fault and fault.action == "slow":
                time.sleep(fault.delay)
            elif fault and fault.when == "after":
                return self._fault(fault, headers)
            self._send(status, body, headers)

        do_GET = do_POST = do_DELETE = _handle

    return Handler
