"""A loopback Meta Marketing API (graph.facebook.com/vNN.0) for campaigns, ad sets,
creatives and ads, written from Meta's documentation (sources in meta_targeting.py and
/work/shared/reference/ads-apis.md §1) so that smmflow's ads publisher is tested against
what the Marketing API accepts, refuses and reports.

What it does like the Marketing API:

- Parameters as query string, form or multipart; JSON-valued parameters (`targeting`,
  `special_ad_categories`, `creative`, `filtering`, `effective_status`, `location_types`)
  as JSON text, the way the SDKs send them; `access_token` or `Authorization: Bearer`.
- `POST /act_{id}/campaigns` (name, objective from the ODAX set — legacy objectives are
  refused —, status ACTIVE/PAUSED, `special_ad_categories` required, `[]` allowed, with
  `special_ad_category_country` for a category, buying_type, CBO budget or
  `is_adset_budget_sharing_enabled` (v24+, subcode 4834011), `execution_options`
  `["validate_only"]`) → `{"id"}`.
- `POST /act_{id}/adsets`: campaign_id, name (≤400), billing_event, optimization_goal
  valid for the objective (ON_POST: no IMPRESSIONS), bid_strategy (2490487 when neither it
  nor bid_amount is sent [3P]), daily_budget or lifetime_budget (integers in the currency's
  minor units; lifetime needs end_time; not both; none with CBO; too low: 1885272),
  start/end time, `targeting` validated as meta_targeting.py says, DSA payor/beneficiary
  for the EU (3858079/3858081) unless the account has defaults → `{"id"}`.
- `POST /act_{id}/adcreatives` with `object_story_id` = `{page_id}_{post_id}` of a post the
  server knows (`add_post`, or the posts of a linked `MetaGraph`); an identical creative
  answers the existing id, as Meta documents → `{"id"}`.
- `POST /act_{id}/ads` (name, adset_id, `creative={"creative_id"}`, status; 50 per ad set).
- `GET /{id}?fields=…`, `POST /{id}` (status, name, budgets: more than 4 budget changes
  per ad set per hour is 613/1487632), `DELETE /{id}` → DELETED; edges
  `GET /act_{id}/{campaigns,adsets,ads,adcreatives}`, `GET /{campaign}/adsets`,
  `GET /{adset}/ads` with `fields`, `filtering` (EQUAL, NOT_EQUAL, CONTAIN, NOT_CONTAIN, IN,
  NOT_IN) and `effective_status` (default: neither ARCHIVED nor DELETED), effective_status
  CAMPAIGN_PAUSED/ADSET_PAUSED from the parents.
- `GET /{id}/insights` (fields spend, impressions, reach, clicks, actions, cpc, ctr, cpm,
  cost_per_action_type, ids and names; date_preset checked; `time_range` {since, until}
  counts the days in it; numbers as strings; no delivery → `data: []`), from what a test
  records with `deliver()`.
- `GET /search?type=adgeolocation|adinterest|adlocale`, `GET /act_{id}` (account_status,
  currency, timezone_name, amount_spent, spend_cap, …), `GET /me/adaccounts`,
  `GET /me/permissions`.
- Errors in the Graph envelope (`message`, `type`, `code`, `error_subcode`,
  `error_user_title`, `error_user_msg`, `is_transient`, `fbtrace_id`): 100 (with subcodes),
  100/33 for an account the token cannot use, 190 (463 expired), 294 writing without
  `ads_management`, 200 reading without ads_read/ads_management. `X-App-Usage` on every
  answer; `X-Ad-Account-Usage` and `X-Business-Use-Case-Usage` (type ads_management,
  `estimated_time_to_regain_access` in minutes) on account calls. With `score_max` set,
  the ad-account score limit is real: reads cost 1, writes 3, over 300 s; past the max the
  account is blocked for 300 s with 17/2446079.

What it does not do: review (new active ads are ACTIVE, not PENDING_REVIEW), delivery
(spend comes only from `deliver()`), reach estimates, custom audiences, placements,
promoted_object rules, creatives other than existing page posts.

(unconfirmed): the default status when `status` is omitted is not stated in the
reference; this server uses `default_status` ("ACTIVE", the costly assumption, so a test
catches a publisher that forgets PAUSED). Legacy objectives and `CREDIT` are refused with
code 100 (message modelled). Messages without a documented text are modelled on Meta's.

Faults: `server.fail(method, pattern, code=…, subcode=…, status=…, when="before"|"after",
action="error"|"reset"|"slow", regain_minutes=…)` answers the next matching request with a
Graph error (or drops the connection, or answers after `delay` seconds), before or after
doing the work; `throttle(method, pattern, kind="account"|"buc"|"app")` queues Meta's rate
limit errors with their headers; `transient()` a 500 with code 2; `expire(token)`,
`revoke(token, scope)` change a token.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

try:
    from tests.servers import meta_targeting as rules
    from tests.servers.meta import Call, GraphFailure, _multipart, _unsupported
except ImportError:  # tests/ itself on sys.path
    from servers import meta_targeting as rules
    from servers.meta import Call, GraphFailure, _multipart, _unsupported

WRITE = ("ads_management",)
READ = ("ads_read", "ads_management")
DATE_PRESETS = (
    "today yesterday this_month last_month this_quarter maximum data_maximum last_3d last_7d "
    "last_14d last_28d last_30d last_90d last_week_mon_sun last_week_sun_sat last_quarter "
    "last_year this_week_mon_today this_week_sun_today this_year"
).split()
INSIGHT_FIELDS = {
    "spend",
    "impressions",
    "reach",
    "clicks",
    "actions",
    "cost_per_action_type",
    "cpc",
    "ctr",
    "cpm",
    "frequency",
    "date_start",
    "date_stop",
    "account_id",
    "campaign_id",
    "adset_id",
    "ad_id",
    "campaign_name",
    "adset_name",
    "ad_name",
    "objective",
}
KINDS = ("campaigns", "adsets", "ads", "adcreatives")


@dataclass
class AdsToken:
    value: str
    accounts: tuple[str, ...]  # ad account ids (no act_ prefix) the token may use
    scopes: tuple[str, ...] = ("ads_management", "ads_read")
    expires_at: int = 0
    valid: bool = True


@dataclass
class Fault:
    method: str
    pattern: str
    code: int = 1
    subcode: int | None = None
    message: str = "An unknown error occurred"
    status: int = 400
    when: str = "before"
    action: str = "error"  # error | reset | slow
    regain_minutes: int | None = None
    user_title: str = ""
    user_msg: str = ""
    skip: int = 0
    delay: float = 3.0
    headers: dict = field(default_factory=dict)


def _json(call: Call, name: str, default: object = None) -> object:
    raw = call.params.get(name)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        raise GraphFailure(100, f"(#100) param {name} must be valid JSON") from None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())


def _required(call: Call, *names: str) -> None:
    for name in names:
        if not call.params.get(name):
            raise GraphFailure(100, f"(#100) The parameter {name} is required")


@dataclass
class MetaAds:
    """The Marketing API's state. `start()` serves it; `api` is the versioned base URL."""

    version: str = "v25.0"
    accounts: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, AdsToken] = field(default_factory=dict)
    campaigns: dict[str, dict] = field(default_factory=dict)
    adsets: dict[str, dict] = field(default_factory=dict)
    adcreatives: dict[str, dict] = field(default_factory=dict)
    ads: dict[str, dict] = field(default_factory=dict)
    created: list[tuple[str, str]] = field(default_factory=list)  # (kind, id) in order made
    page_posts: set[str] = field(default_factory=set)
    graph: object | None = None  # a tests.servers.meta.MetaGraph whose posts count too
    delivery: dict[str, dict] = field(default_factory=dict)  # ad id -> day ("": today) -> metrics
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    default_status: str = "ACTIVE"
    score_max: int | None = None  # ad-account score limit (dev tier: 60)
    scores: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    blocked_until: dict[str, float] = field(default_factory=dict)
    budget_changes: dict[str, list[float]] = field(default_factory=dict)
    app_usage: int = 3
    lock: threading.RLock = field(default_factory=threading.RLock)
    _next: int = 0

    # -- setup -------------------------------------------------------------------------
    def add_account(self, account_id: str, token: str, **kw) -> AdsToken:
        """An ad account (id without act_) and a token for it. `kw`: account fields or
        token fields (scopes, expires_at)."""
        token_kw = {k: kw.pop(k) for k in ("scopes", "expires_at") if k in kw}
        self.accounts[account_id] = {
            "id": f"act_{account_id}",
            "account_id": account_id,
            "name": kw.pop("name", "Loopback ads"),
            "account_status": 1,
            "currency": "EUR",
            "timezone_name": "Europe/Bucharest",
            "amount_spent": "0",
            "spend_cap": "0",
            "business_country_code": "RO",
            "default_dsa_payor": "",
            "default_dsa_beneficiary": "",
            **kw,
        }
        existing = self.tokens.get(token)
        owned = (existing.accounts if existing else ()) + (account_id,)
        self.tokens[token] = AdsToken(token, owned, **token_kw)
        return self.tokens[token]

    def add_post(self, page_id: str, post_id: str) -> str:
        self.page_posts.add(f"{page_id}_{post_id}")
        return f"{page_id}_{post_id}"

    def fail(self, method: str, pattern: str, **kw) -> Fault:
        fault = Fault(method, pattern, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def throttle(self, method: str, pattern: str, kind: str = "account", **kw) -> Fault:
        """Meta's rate-limit errors: ad-account score (17/2446079), business use case
        (80004) or app (4), each with its headers."""
        preset = {
            "account": dict(
                code=17,
                subcode=2446079,
                message="User request limit reached",
                user_title="Ad Account Has Too Many API Calls",
                user_msg="There have been too many calls from this ad-account. Please wait a bit and try again.",
            ),
            "buc": dict(
                code=80004,
                message="There have been too many calls to this ad-account. Wait a bit and try again. "
                "For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting#ads-management.",
            ),
            "app": dict(code=4, subcode=1504022, message="Application request limit reached"),
        }[kind]
        return self.fail(method, pattern, **{"regain_minutes": 5, **preset, **kw})

    def transient(self, method: str, pattern: str, when: str = "before") -> Fault:
        return self.fail(
            method,
            pattern,
            code=2,
            message="An unexpected error has occurred. Please retry your request later.",
            status=500,
            when=when,
        )

    def expire(self, token: str) -> None:
        self.tokens[token].expires_at = int(time.time()) - 60

    def revoke(self, token: str, scope: str) -> None:
        held = self.tokens[token]
        held.scopes = tuple(s for s in held.scopes if s != scope)

    def deliver(self, ad_id: str, date: str = "", **metrics) -> None:
        """Record delivery for an ad: spend (major units, str), impressions, reach, clicks,
        actions ({action_type: value}); on one day (`YYYY-MM-DD`, for `time_range`), else
        as today's."""
        with self.lock:
            self.delivery[ad_id] = {**self.delivery.get(ad_id, {}), date: metrics}

    # -- reading back ------------------------------------------------------------------
    def live(self, kind: str) -> list[dict]:
        """Objects of a kind ("campaigns", "adsets", "ads", "adcreatives") not DELETED."""
        return [o for o in getattr(self, kind).values() if o.get("status") != "DELETED"]

    def of(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.search(pattern, c.path)]

    def _id(self) -> str:
        self._next += 1
        return str(120_210_000_000_000_000 + self._next)

    # -- serving -----------------------------------------------------------------------
    def start(self) -> MetaAds:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{self.version}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> MetaAds:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def take_fault(self, call: Call) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == call.method and re.search(fault.pattern, call.path):
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    self.faults.remove(fault)
                    return fault
        return None

    def usage_headers(self, account: str, regain: int = 0) -> dict:
        if account not in self.accounts:
            return {}
        pct = self.app_usage
        if self.score_max:
            pct = min(100, round(100 * self._score(account) / self.score_max))
        tier = (
            "development_access" if self.score_max and self.score_max <= 60 else "standard_access"
        )
        buc = {
            account: [
                {
                    "type": "ads_management",
                    "call_count": pct,
                    "total_cputime": max(1, pct // 2),
                    "total_time": max(1, pct // 2),
                    "estimated_time_to_regain_access": regain,
                    "ads_api_access_tier": tier,
                }
            ]
        }
        usage = {"acc_id_util_pct": pct, "reset_time_duration": 300, "ads_api_access_tier": tier}
        return {
            "X-Ad-Account-Usage": json.dumps(usage),
            "X-Business-Use-Case-Usage": json.dumps(buc),
        }

    # -- the ad-account score ----------------------------------------------------------
    def _score(self, account: str) -> int:
        cutoff = time.time() - 300
        entries = [e for e in self.scores.get(account, []) if e[0] > cutoff]
        self.scores[account] = entries
        return sum(cost for _, cost in entries)

    def _charge(self, account: str, method: str) -> None:
        if not self.score_max or account not in self.accounts:
            return
        if self.blocked_until.get(account, 0) > time.time() or (
            self._score(account) + (1 if method == "GET" else 3) > self.score_max
        ):
            self.blocked_until.setdefault(account, time.time() + 300)
            raise GraphFailure(
                17,
                "User request limit reached",
                2446079,
                error_user_title="Ad Account Has Too Many API Calls",
                error_user_msg="There have been too many calls from this ad-account. Please wait a bit and try again.",
                regain=5,
            )
        self.scores.setdefault(account, []).append((time.time(), 1 if method == "GET" else 3))

    # -- auth --------------------------------------------------------------------------
    def _token(self, call: Call) -> AdsToken:
        value = call.params.get("access_token", "")
        if not value:
            raise GraphFailure(104, "An access token is required to request this resource.")
        token = self.tokens.get(value)
        if token is None or not token.valid:
            raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
        if token.expires_at and token.expires_at < time.time():
            stamp = time.strftime("%A, %d-%b-%y %H:%M:%S UTC", time.gmtime(token.expires_at))
            raise GraphFailure(
                190, f"Error validating access token: Session has expired on {stamp}.", 463
            )
        return token

    def _can(self, token: AdsToken, method: str) -> None:
        if method == "GET" and not set(READ) & set(token.scopes):
            raise GraphFailure(
                200, "(#200) Ad account owner has NOT grant ads_management or ads_read permission"
            )
        if method != "GET" and "ads_management" not in token.scopes:
            raise GraphFailure(
                294,
                "(#294) Managing advertisements requires the extended permission ads_management "
                "and an application that is in our allow list to access the Marketing API",
            )

    def _account(self, node: str, token: AdsToken, method: str) -> dict:
        account = node.removeprefix("act_")
        if not node.startswith("act_") or account not in self.accounts:
            raise _unsupported(method, node)
        if account not in token.accounts:
            raise _unsupported(method, node)
        self._can(token, method)
        return self.accounts[account]

    # -- routing -----------------------------------------------------------------------
    def route(self, call: Call) -> dict:
        token = self._token(call)
        parts = [p for p in call.path.strip("/").split("/") if p]
        method = call.method
        if parts == ["search"] and method == "GET":
            return self._search(call)
        if parts == ["me", "permissions"]:
            return {"data": [{"permission": s, "status": "granted"} for s in token.scopes]}
        if parts == ["me", "adaccounts"]:
            rows = [self.accounts[a] for a in token.accounts if a in self.accounts]
            return {"data": [self._pick(r, call, ("id", "account_id")) for r in rows]}
        if not parts:
            raise _unsupported(method, "")
        owner = self._owner(parts[0])
        if owner:
            self._charge(owner, method)
        if parts[0].startswith("act_"):
            account = self._account(parts[0], token, method)
            if len(parts) == 1 and method == "GET":
                return self._pick(account, call, ("id", "account_id"))
            if len(parts) == 2 and parts[1] in KINDS and method == "POST":
                return getattr(self, f"_create_{parts[1]}")(account, call)
            if len(parts) == 2 and parts[1] in KINDS and method == "GET":
                rows = [
                    o
                    for o in getattr(self, parts[1]).values()
                    if o["account_id"] == account["account_id"]
                ]
                return self._list(rows, call)
            if parts[1:] == ["insights"] and method == "GET":
                return self._insights(
                    account["id"], self._ads_of("account_id", account["account_id"]), call
                )
            raise _unsupported(method, parts[0])
        return self._node(parts, call, token)

    def _owner(self, node: str) -> str:
        if node.startswith("act_"):
            return node[4:]
        found = self._find(node)
        return found[1]["account_id"] if found else ""

    def _find(self, oid: str) -> tuple[str, dict] | None:
        for kind in KINDS:
            if oid in getattr(self, kind):
                return kind, getattr(self, kind)[oid]
        return None

    def _node(self, parts: list[str], call: Call, token: AdsToken) -> dict:
        found = self._find(parts[0])
        if found is None or found[1]["account_id"] not in token.accounts:
            raise _unsupported(call.method, parts[0])
        kind, obj = found
        self._can(token, call.method)
        if len(parts) == 1 and call.method == "GET":
            return self._pick(self._view(kind, obj), call, ("id", "name"))
        if len(parts) == 1 and call.method == "DELETE":
            obj["status"] = "DELETED"
            return {"success": True}
        if len(parts) == 1 and call.method == "POST":
            return self._update(kind, obj, call)
        if parts[1:] == ["insights"] and call.method == "GET":
            key = {"campaigns": "campaign_id", "adsets": "adset_id", "ads": "id"}.get(kind)
            if key is None:
                raise _unsupported("GET", parts[0])
            return self._insights(obj["id"], self._ads_of(key, obj["id"]), call)
        edges = {
            ("campaigns", "adsets"): "campaign_id",
            ("adsets", "ads"): "adset_id",
            ("campaigns", "ads"): "campaign_id",
        }
        if len(parts) == 2 and (kind, parts[1]) in edges and call.method == "GET":
            key = edges[(kind, parts[1])]
            return self._list(
                [o for o in getattr(self, parts[1]).values() if o[key] == obj["id"]], call
            )
        raise _unsupported(call.method, parts[0])

    # -- reading -----------------------------------------------------------------------
    def _fields(self, call: Call) -> list[str]:
        return [f.strip() for f in call.params.get("fields", "").split(",") if f.strip()]

    def _pick(self, node: dict, call: Call, default: tuple[str, ...]) -> dict:
        out = {}
        for name in self._fields(call) or list(default):
            if name not in node:
                raise GraphFailure(
                    100, f"(#100) Tried accessing nonexisting field ({name}) on node type"
                )
            out[name] = node[name]
        out.setdefault("id", node["id"])
        return out

    def _view(self, kind: str, obj: dict) -> dict:
        view = dict(obj)
        if kind in ("campaigns", "adsets", "ads"):
            view["configured_status"] = obj["status"]
            view["effective_status"] = self._effective(kind, obj)
        if kind == "ads":
            view["creative"] = {"id": obj["creative_id"]}
        return view

    def _effective(self, kind: str, obj: dict) -> str:
        if obj["status"] != "ACTIVE" or kind == "campaigns":
            return obj["status"]
        campaign = self.campaigns[obj["campaign_id"]]
        if campaign["status"] != "ACTIVE":
            return "CAMPAIGN_PAUSED" if campaign["status"] == "PAUSED" else campaign["status"]
        if kind == "ads":
            adset = self.adsets[obj["adset_id"]]
            if adset["status"] != "ACTIVE":
                return "ADSET_PAUSED" if adset["status"] == "PAUSED" else adset["status"]
        return "ACTIVE"

    def _list(self, rows: list[dict], call: Call) -> dict:
        kind = next((k for k in KINDS if rows and rows[0]["id"] in getattr(self, k)), "campaigns")
        views = [self._view(kind, r) for r in rows]
        wanted = _json(call, "effective_status")
        if wanted is None:
            views = [
                v
                for v in views
                if v.get("effective_status", v.get("status")) not in ("ARCHIVED", "DELETED")
            ]
        else:
            views = [v for v in views if v.get("effective_status", v.get("status")) in wanted]
        for rule in _json(call, "filtering", []) or []:
            views = [v for v in views if _matches(v, rule)]
        limit = int(call.params.get("limit") or 25)
        views.sort(key=lambda v: int(v["id"]), reverse=True)
        data = [self._pick(v, call, ("id",)) for v in views[:limit]]
        return {"data": data, "paging": {"cursors": {"before": "QVFIUmx", "after": "QVFIUmy"}}}

    def _ads_of(self, key: str, value: str) -> list[dict]:
        return [a for a in self.ads.values() if a[key] == value]

    def _insights(self, oid: str, ads: list[dict], call: Call) -> dict:
        fields = self._fields(call) or ["spend", "impressions", "date_start", "date_stop"]
        bad = [f for f in fields if f not in INSIGHT_FIELDS]
        if bad:
            raise GraphFailure(100, f"(#100) {bad[0]} is not valid for fields param.")
        preset = call.params.get("date_preset", "last_30d")
        if preset not in DATE_PRESETS:
            raise GraphFailure(
                100,
                f"(#100) date_preset must be one of the following values: {', '.join(DATE_PRESETS)}",
            )
        today = time.strftime("%Y-%m-%d", time.gmtime())
        since, until = _time_range(call)
        seen = [
            metrics
            for a in ads
            for day, metrics in self.delivery.get(a["id"], {}).items()
            if since <= (day or today) <= until
        ]
        if not seen:
            return {"data": [], "paging": {"cursors": {"before": "", "after": ""}}}
        row = _aggregate(seen)
        first = ads[0]
        names = {
            "date_start": today,
            "date_stop": today,
            "account_id": first["account_id"],
            "campaign_id": first["campaign_id"],
            "adset_id": first["adset_id"],
            "ad_id": first["id"],
            "campaign_name": self.campaigns[first["campaign_id"]]["name"],
            "adset_name": self.adsets[first["adset_id"]]["name"],
            "ad_name": first["name"],
            "objective": self.campaigns[first["campaign_id"]]["objective"],
        }
        out = {f: row[f] if f in row else names[f] for f in fields}
        return {"data": [out], "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}}

    def _search(self, call: Call) -> dict:
        kind = call.params.get("type", "")
        if kind not in ("adgeolocation", "adinterest", "adlocale"):
            raise GraphFailure(100, f"(#100) Unsupported search type: {kind}")
        _required(call, "q")
        types = _json(call, "location_types")
        allowed = (
            "country",
            "region",
            "city",
            "zip",
            "geo_market",
            "electoral_district",
            "country_group",
        )
        for t in types or []:
            if t not in allowed:
                raise GraphFailure(
                    100, f"(#100) param location_types[0] must be one of {{{', '.join(allowed)}}}"
                )
        params = {"location_types": types, "country_code": call.params.get("country_code")}
        limit = int(call.params.get("limit") or (8 if kind == "adgeolocation" else 25))
        return {"data": rules.search(kind, call.params["q"], params, limit)}

    # -- writing -----------------------------------------------------------------------
    def _status(self, call: Call) -> str:
        status = call.params.get("status", self.default_status)
        if status not in ("ACTIVE", "PAUSED"):
            raise GraphFailure(
                100, "(#100) Param status must be one of {ACTIVE, PAUSED} during creation"
            )
        return status

    def _store(self, kind: str, account: dict, call: Call, obj: dict) -> dict:
        if "validate_only" in (_json(call, "execution_options", []) or []):
            return {"success": True}
        oid = self._id()
        obj = {"id": oid, "account_id": account["account_id"], "created_time": _now(), **obj}
        obj["updated_time"] = obj["created_time"]
        getattr(self, kind)[oid] = obj
        self.created.append((kind, oid))
        return {"id": oid}

    def _create_campaigns(self, account: dict, call: Call) -> dict:
        _required(call, "name", "objective")
        objective = call.params["objective"]
        if objective not in rules.OBJECTIVES:
            raise GraphFailure(
                100,
                f"(#100) Objective {objective} is invalid. Use one of: {', '.join(rules.OBJECTIVES)}.",
                error_user_title="Objective Is Invalid",
                error_user_msg="Legacy objectives can no longer create campaigns; use an ODAX objective.",
            )
        if "special_ad_categories" not in call.params:
            raise GraphFailure(100, "(#100) The parameter special_ad_categories is required")
        categories = _json(call, "special_ad_categories")
        if not isinstance(categories, list) or any(c not in rules.CATEGORIES for c in categories):
            raise GraphFailure(
                100,
                f"(#100) Param special_ad_categories[0] must be one of {{{', '.join(rules.CATEGORIES)}}}",
            )
        countries = _json(call, "special_ad_category_country", []) or []
        if set(categories) - {"NONE"} and not countries:
            raise GraphFailure(100, "(#100) The parameter special_ad_category_country is required")
        if "ISSUES_ELECTIONS_POLITICS" in categories and set(countries) & rules.EU:
            raise rules.invalid(
                "Political Ads Not Allowed In The EU",
                "Ads about social issues, elections or politics cannot run in the EU.",
            )
        cbo = call.params.get("daily_budget") or call.params.get("lifetime_budget")
        sharing = call.params.get("is_adset_budget_sharing_enabled")
        if not cbo and sharing is None and int(self.version[1:].split(".")[0]) >= 24:
            raise rules.invalid(
                "Budget Sharing Flag Required",
                "You must specify True or False in is_adset_budget_sharing_enabled when not setting a campaign budget.",
                4834011,
            )
        buying = call.params.get("buying_type", "AUCTION")
        if buying not in ("AUCTION", "RESERVED"):
            raise GraphFailure(100, "(#100) Param buying_type must be one of {AUCTION, RESERVED}")
        obj = {
            "name": call.params["name"],
            "objective": objective,
            "status": self._status(call),
            "special_ad_categories": categories,
            "special_ad_category_country": countries,
            "buying_type": buying,
            "daily_budget": call.params.get("daily_budget", ""),
            "lifetime_budget": call.params.get("lifetime_budget", ""),
            "bid_strategy": call.params.get("bid_strategy", ""),
            "is_adset_budget_sharing_enabled": str(sharing).lower() == "true",
            "spend_cap": call.params.get("spend_cap", ""),
        }
        return self._store("campaigns", account, call, obj)

    def _create_adsets(self, account: dict, call: Call) -> dict:
        _required(call, "name", "campaign_id", "billing_event", "optimization_goal", "targeting")
        if len(call.params["name"]) > 400:
            raise GraphFailure(100, "(#100) Ad set name must be at most 400 characters")
        campaign = self.campaigns.get(call.params["campaign_id"])
        if (
            campaign is None
            or campaign["account_id"] != account["account_id"]
            or campaign["status"] == "DELETED"
        ):
            raise _unsupported("POST", call.params["campaign_id"])
        goal, billing = call.params["optimization_goal"], call.params["billing_event"]
        if billing not in rules.BILLING_EVENTS:
            raise GraphFailure(
                100,
                f"(#100) Param billing_event must be one of {{{', '.join(sorted(rules.BILLING_EVENTS))}}}",
            )
        destination = call.params.get("destination_type", "")
        allowed = (
            rules.ON_POST_GOALS if destination == "ON_POST" else rules.GOALS[campaign["objective"]]
        )
        if goal not in allowed or (
            destination == "ON_POST" and campaign["objective"] != "OUTCOME_ENGAGEMENT"
        ):
            raise rules.invalid(
                "Invalid Optimization Goal",
                f"{goal} is not available for {campaign['objective']} with destination {destination or 'default'}.",
            )
        budget = self._adset_budget(account, campaign, call, goal)
        targeting = _json(call, "targeting")
        reached = rules.check_targeting(
            targeting,
            campaign["special_ad_categories"],
            int(self.version[1:].split(".")[0]),
            {g["key"]: g for g in rules.GEO},
            {i["id"]: i for i in rules.INTERESTS},
            {row["key"] for row in rules.LOCALES},
        )
        dsa = self._dsa(account, call, reached)
        obj = {
            "name": call.params["name"],
            "campaign_id": campaign["id"],
            "status": self._status(call),
            "billing_event": billing,
            "optimization_goal": goal,
            "destination_type": destination,
            "bid_strategy": call.params.get("bid_strategy", campaign["bid_strategy"]),
            "bid_amount": call.params.get("bid_amount", ""),
            "targeting": targeting,
            "start_time": call.params.get("start_time", _now()),
            "end_time": call.params.get("end_time", ""),
            **budget,
            **dsa,
        }
        return self._store("adsets", account, call, obj)

    def _adset_budget(self, account: dict, campaign: dict, call: Call, goal: str) -> dict:
        daily, lifetime = call.params.get("daily_budget"), call.params.get("lifetime_budget")
        cbo = campaign["daily_budget"] or campaign["lifetime_budget"]
        if cbo:
            if daily or lifetime:
                raise rules.invalid(
                    "Budget Already Set", "The campaign has a budget; ad sets cannot set one."
                )
            return {"daily_budget": "", "lifetime_budget": ""}
        if bool(daily) == bool(lifetime):
            raise rules.invalid(
                "Budget Required", "Set either daily_budget or lifetime_budget (not both)."
            )
        if lifetime and not call.params.get("end_time"):
            raise rules.invalid(
                "End Time Required", "An ad set with lifetime_budget needs an end_time."
            )
        raw = daily or lifetime
        if not re.fullmatch(r"[0-9]+", raw) or int(raw) <= 0:
            raise GraphFailure(
                100, "(#100) Budget must be a positive integer in the currency's minor units"
            )
        if (
            not call.params.get("bid_strategy")
            and not call.params.get("bid_amount")
            and not campaign["bid_strategy"]
        ):
            raise rules.invalid(
                "Bid Amount Or Bid Constraints Required For Bid Strategy Provided",
                "Set a bid_strategy (e.g. LOWEST_COST_WITHOUT_CAP) or a bid_amount.",
                2490487,
            )
        strategy = call.params.get("bid_strategy")
        if strategy and strategy not in rules.BID_STRATEGIES:
            raise GraphFailure(
                100,
                f"(#100) Param bid_strategy must be one of {{{', '.join(sorted(rules.BID_STRATEGIES))}}}",
            )
        if strategy in ("LOWEST_COST_WITH_BID_CAP", "COST_CAP") and not call.params.get(
            "bid_amount"
        ):
            raise rules.invalid(
                "Bid Amount Required", "This bid strategy needs a bid_amount.", 2490487
            )
        floor = rules.min_daily(goal, account["currency"], account["business_country_code"])
        if daily and int(daily) < floor:
            shown = floor / (1 if account["currency"] in rules.OFFSET_ONE else 100)
            raise rules.invalid(
                "Your Budget Is Too Low",
                f"Your ad set budget must be more than {account['currency']} {shown:.2f} or your ads may not be delivered.",
                1885272,
            )
        return {"daily_budget": daily or "", "lifetime_budget": lifetime or ""}

    def _dsa(self, account: dict, call: Call, reached: set[str]) -> dict:
        payor = call.params.get("dsa_payor") or account["default_dsa_payor"]
        beneficiary = call.params.get("dsa_beneficiary") or account["default_dsa_beneficiary"]
        if reached & rules.EU or "EU?" in reached:
            if not beneficiary:
                raise rules.invalid(
                    "Beneficiary Required", "Ad sets reaching the EU need dsa_beneficiary.", 3858079
                )
            if not payor:
                raise rules.invalid(
                    "Payor Required", "Ad sets reaching the EU need dsa_payor.", 3858081
                )
        if len(payor) > 512 or len(beneficiary) > 512:
            raise GraphFailure(
                100, "(#100) dsa_payor and dsa_beneficiary are at most 512 characters"
            )
        return {"dsa_payor": payor, "dsa_beneficiary": beneficiary}

    def _create_adcreatives(self, account: dict, call: Call) -> dict:
        story = call.params.get("object_story_id", "")
        if not story and not call.params.get("object_story_spec"):
            raise GraphFailure(
                100, "(#100) The parameter object_story_id or object_story_spec is required"
            )
        if not story:
            raise GraphFailure(
                100, "(#100) this loopback server takes object_story_id creatives only"
            )
        name = call.params.get("name", "")
        if len(name) > 100:
            raise GraphFailure(100, "(#100) Creative name must be at most 100 characters")
        posts = set(self.page_posts)
        if self.graph is not None:
            posts |= {p["id"] for p in self.graph.live_posts()}
        if not re.fullmatch(r"[0-9]+_[0-9]+", story) or story not in posts:
            raise rules.invalid(
                "Invalid Post", f"The post {story} does not exist or is not available."
            )
        for existing in self.adcreatives.values():
            if existing["account_id"] == account["account_id"] and (
                existing["object_story_id"],
                existing["name"],
            ) == (story, name):
                return {"id": existing["id"]}
        obj = {
            "name": name,
            "object_story_id": story,
            "effective_object_story_id": story,
            "status": "ACTIVE",
        }
        return self._store("adcreatives", account, call, obj)

    def _create_ads(self, account: dict, call: Call) -> dict:
        _required(call, "name", "adset_id", "creative")
        adset = self.adsets.get(call.params["adset_id"])
        if (
            adset is None
            or adset["account_id"] != account["account_id"]
            or adset["status"] == "DELETED"
        ):
            raise _unsupported("POST", call.params["adset_id"])
        creative = _json(call, "creative")
        cid = str(creative.get("creative_id", "")) if isinstance(creative, dict) else ""
        if (
            cid not in self.adcreatives
            or self.adcreatives[cid]["account_id"] != account["account_id"]
        ):
            raise rules.invalid(
                "Invalid Creative", f"The creative {cid or creative!r} does not exist."
            )
        if (
            len(
                [
                    a
                    for a in self.ads.values()
                    if a["adset_id"] == adset["id"] and a["status"] not in ("ARCHIVED", "DELETED")
                ]
            )
            >= 50
        ):
            raise rules.invalid(
                "Too Many Ads In Ad Set", "An ad set can have at most 50 non-archived ads."
            )
        obj = {
            "name": call.params["name"],
            "adset_id": adset["id"],
            "campaign_id": adset["campaign_id"],
            "creative_id": cid,
            "status": self._status(call),
        }
        return self._store("ads", account, call, obj)

    def _update(self, kind: str, obj: dict, call: Call) -> dict:
        if obj["status"] == "DELETED":
            raise rules.invalid("Object Deleted", "A deleted object cannot be changed.")
        status = call.params.get("status")
        if status is not None:
            if status not in ("ACTIVE", "PAUSED", "ARCHIVED", "DELETED"):
                raise GraphFailure(
                    100, "(#100) Param status must be one of {ACTIVE, PAUSED, ARCHIVED, DELETED}"
                )
            obj["status"] = status
        for name in ("name", "daily_budget", "lifetime_budget", "end_time", "bid_amount"):
            if name in call.params:
                if name.endswith("budget") and kind == "adsets":
                    hour = [
                        t for t in self.budget_changes.get(obj["id"], []) if t > time.time() - 3600
                    ]
                    if len(hour) >= 4:
                        raise GraphFailure(
                            613, "Calls to this api have exceeded the rate limit.", 1487632
                        )
                    self.budget_changes[obj["id"]] = hour + [time.time()]
                obj[name] = call.params[name]
        obj["updated_time"] = _now()
        return {"success": True}


def _matches(view: dict, rule: dict) -> bool:
    field_name = str(rule.get("field", ""))
    op, value = rule.get("operator", ""), rule.get("value")
    have = view.get(field_name.replace(".", "_"))
    checks = {
        "EQUAL": lambda: have == value,
        "NOT_EQUAL": lambda: have != value,
        "CONTAIN": lambda: str(value) in str(have),
        "NOT_CONTAIN": lambda: str(value) not in str(have),
        "IN": lambda: have in (value or []),
        "NOT_IN": lambda: have not in (value or []),
    }
    if op not in checks:
        raise GraphFailure(100, f"(#100) Filtering operator {op!r} is not supported")
    return checks[op]()


def _time_range(call: Call) -> tuple[str, str]:
    """`time_range={"since": "YYYY-MM-DD", "until": "YYYY-MM-DD"}` (both days included);
    without it every day counts (the presets are not modelled by day)."""
    raw = call.params.get("time_range")
    if raw is None:
        return "", "9999-12-31"
    try:
        span = json.loads(raw)
        since, until = span["since"], span["until"]
        if not all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in (since, until)):
            raise ValueError
    except (ValueError, TypeError, KeyError):
        raise GraphFailure(
            100, "(#100) param time_range must be an object with since and until (YYYY-MM-DD)"
        ) from None
    if until < since:
        raise GraphFailure(100, "(#100) time_range: since must be before until")
    return since, until


def _aggregate(rows: list[dict]) -> dict:
    spend = sum(float(r.get("spend", 0)) for r in rows)
    impressions = sum(int(r.get("impressions", 0)) for r in rows)
    clicks = sum(int(r.get("clicks", 0)) for r in rows)
    reach = sum(int(r.get("reach", 0)) for r in rows)
    actions: dict[str, int] = {}
    for r in rows:
        for kind, value in (r.get("actions") or {}).items():
            actions[kind] = actions.get(kind, 0) + int(value)

    def money(x: float) -> str:
        return f"{x:.2f}".rstrip("0").rstrip(".") if x else "0"

    return {
        "spend": money(spend),
        "impressions": str(impressions),
        "reach": str(reach),
        "clicks": str(clicks),
        "frequency": f"{impressions / reach:.6f}" if reach else "0",
        "cpc": money(spend / clicks) if clicks else "0",
        "ctr": f"{100 * clicks / impressions:.6f}" if impressions else "0",
        "cpm": money(1000 * spend / impressions) if impressions else "0",
        "actions": [{"action_type": k, "value": str(v)} for k, v in actions.items()],
        "cost_per_action_type": [
            {"action_type": k, "value": money(spend / v)} for k, v in actions.items() if v
        ],
    }


def _handler(state: MetaAds) -> type[BaseHTTPRequestHandler]:
    version_re = re.compile(r"^/v(\d+)\.\d+(?=/)")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body: dict, headers: dict) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(raw)))
            usage = {"call_count": state.app_usage, "total_cputime": 1, "total_time": 1}
            self.send_header("X-App-Usage", json.dumps(usage))
            self.send_header("x-fb-trace-id", "LOOPBACK")
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def _error(self, failure: GraphFailure, account: str) -> None:
            error = {
                "message": failure.message,
                "type": "OAuthException",
                "code": failure.code,
                "fbtrace_id": "AbCdLoopback" + str(len(state.calls)),
            }
            if failure.subcode is not None:
                error["error_subcode"] = failure.subcode
            error["is_transient"] = failure.code in (1, 2, 4, 17, 80004, -1, -2)
            for key in ("error_user_title", "error_user_msg"):
                if failure.extra.get(key):
                    error[key] = failure.extra[key]
            regain = failure.extra.get("regain")
            headers = state.usage_headers(account, regain or 0) if account else {}
            if regain is not None and failure.code == 4:
                headers["X-App-Usage"] = json.dumps(
                    {"call_count": 100, "total_cputime": 100, "total_time": 100}
                )
            self._send(failure.status, {"error": error}, headers)

        def _drop(self) -> None:
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.close()
            self.close_connection = True

        def _parse(self) -> Call:
            split = urlsplit(self.path)
            match = version_re.match(split.path)
            version = split.path[1 : match.end()] if match else ""
            path = split.path[match.end() :] if match else split.path
            params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            kind = self.headers.get("Content-Type", "")
            files: dict = {}
            form: dict = {}
            if kind.startswith("multipart/form-data"):
                boundary = re.search(r"boundary=([^;]+)", kind).group(1).strip('"')
                form, files = _multipart(body, boundary.encode())
            elif kind.startswith("application/json") and body:
                loaded = json.loads(body)
                if not isinstance(loaded, dict):
                    raise ValueError("a JSON object is expected")
                form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()}
            elif body:
                form = {
                    k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()
                }
            params.update(form)
            auth = self.headers.get("Authorization", "")
            if auth.split(" ")[0] in ("Bearer", "OAuth") and "access_token" not in params:
                params["access_token"] = auth.split(" ", 1)[1]
            return Call(self.command, path, version, params, files, dict(self.headers), tuple(form))

        def _handle(self) -> None:
            try:
                call = self._parse()
            except ValueError:
                return self._send(
                    400,
                    {
                        "error": {
                            "message": "Malformed request",
                            "code": 100,
                            "type": "OAuthException",
                        }
                    },
                    {},
                )
            with state.lock:
                state.calls.append(call)
            fault = state.take_fault(call)
            account = (
                state._owner(call.path.strip("/").split("/")[0]) if call.path.strip("/") else ""
            )
            failure = None
            if fault:
                failure = GraphFailure(
                    fault.code,
                    fault.message,
                    fault.subcode,
                    fault.status,
                    regain=fault.regain_minutes,
                    error_user_title=fault.user_title,
                    error_user_msg=fault.user_msg,
                )
            if fault and fault.when == "before":
                if fault.action == "slow":
                    time.sleep(fault.delay)
                elif fault.action == "reset":
                    return self._drop()
                else:
                    return self._error(failure, account)
            try:
                with state.lock:
                    answer = state.route(call)
            except GraphFailure as exc:
                return self._error(exc, account)
            if fault and fault.when == "after":
                if fault.action == "reset":
                    return self._drop()
                if fault.action == "slow":
                    time.sleep(fault.delay)
                else:
                    return self._error(failure, account)
            self._send(200, answer, state.usage_headers(account) if account else {})

        do_GET = do_POST = do_DELETE = _handle

    return Handler
