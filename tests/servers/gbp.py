"""A loopback Google Business Profile (local posts, and the listings `doctor` needs).

Sources: developers.google.com/my-business reference/rest/v4/accounts.locations.localPosts
(+ create, list, get, patch, delete: "If successful, the response body is empty";
NOT_FOUND when the post does not exist), content/limits (300 QPM per API; "If your quota
limit ... is 0, you have not yet been granted access"), content/faq; the discovery
documents mybusinessaccountmanagement.v1 (accounts.list, pageSize ≤ 20) and
mybusinessbusinessinformation.v1 (accounts.locations.list: readMask required, pageSize ≤
100). Bodies Google really sent, from public reports: the v4 ValidationError envelope
(spotonlive/php-google-my-business#26: code 2, field "topic_type", "Topic type is required
for post creation."), the HTML 404 for a path without the account segment
(gitroomhq/postiz-app#1964), SERVICE_DISABLED "... has not been used in project N before or
it is disabled" (googleapis/google-api-php-client#2215). Limits probed by others (summary ≤
1500, event title ≤ 58, CALL without url, full event schedule, VIDEO media → 500): the
[3P-probe] notes in /work/notes/research-tiktok-youtube-gbp.md.

What it does like Google (one host; `server.url` stands for mybusiness.googleapis.com,
mybusinessaccountmanagement.googleapis.com, mybusinessbusinessinformation.googleapis.com and
oauth2.googleapis.com):
- `POST /v4/accounts/{a}/locations/{l}/localPosts`: topicType STANDARD|EVENT|OFFER|ALERT
  (required), summary ≤ 1500 characters, callToAction {actionType BOOK|ORDER|SHOP|
  LEARN_MORE|SIGN_UP|GET_OFFER|CALL, url} (url required, except CALL which must have none;
  ignored on OFFER), event {title ≤ 58, schedule {startDate, startTime, endDate, endTime}}
  required for EVENT and OFFER, offer {couponCode, redeemOnlineUrl, termsConditions} only on
  OFFER, media [{mediaFormat PHOTO, sourceUrl}] (at most one, fetched by the server: JPEG or
  PNG, 10 KB–5 MB; VIDEO answers 500). Semantic errors: 400 INVALID_ARGUMENT with the
  `google.mybusiness.v4.ValidationError` `errorDetails` (all problems at once); JSON-shape
  errors (unknown field, bad enum value, wrong type): 400 with `google.rpc.BadRequest`
  `fieldViolations`. → the LocalPost with name, createTime, updateTime, state, searchUrl,
  media[].googleUrl. State PROCESSING in the create's answer and for `polls` reads
  (get/list; 0 by default), then LIVE; REJECTED
  when the summary carries a phone number (a policy Google states) or `reject_next()`.
- `GET .../localPosts` (pageSize default 20, coerced to ≤ 100, pageToken; newest first;
  `{}` when there is none — Google omits empty lists), `GET .../localPosts/{id}`,
  `PATCH .../localPosts/{id}?updateMask=summary,...` (mask required; media cannot be
  patched), `DELETE .../localPosts/{id}` → 200 `{}`, then 404 NOT_FOUND.
- `GET /v1/accounts` (pageSize ≤ 20), `GET /v1/accounts/{a}/locations?readMask=name,title`
  (readMask required: 400 with fieldViolations; only the masked fields come back).
- Access: 401 UNAUTHENTICATED (no/invalid/expired token), 403 PERMISSION_DENIED (scope
  business.manage missing, or a location the token's user does not manage), 404 NOT_FOUND
  (a location that is not under that account), Google's HTML 404 for other paths
  (e.g. `/v4/locations/{l}/localPosts`).
- Project state: `enabled` (set of services) → 403 SERVICE_DISABLED with Google's message;
  `approved = False` (Basic API Access not granted) → 429 RESOURCE_EXHAUSTED, quota limit
  value "0"; 300 requests per minute per service (`qpm`) → 429 RESOURCE_EXHAUSTED.
- OAuth (googleapi.py): `POST /token` refresh_token grant, `GET /tokeninfo`.

Read back: `server.posts` (name → the LocalPost plus "photo" bytes, "deleted"),
`server.live(location)`, `server.fetched` (media URLs the server downloaded),
`server.calls`.

Faults (`server.fail(route, *faults)`, routes "create", "list", "get", "patch", "delete",
"accounts", "locations", "token", "tokeninfo"): "429" (RESOURCE_EXHAUSTED), "401"
(UNAUTHENTICATED), "403" (PERMISSION_DENIED), "disabled" (SERVICE_DISABLED), "500"
(INTERNAL), "503" (UNAVAILABLE), "502" (HTML gateway page).

What it does not do: insights, reviews, media uploads (sourceUrl only), scheduledTime and
recurring posts, alert posts beyond COVID_19, the per-profile edits-per-minute limit (no
limit is printed for localPosts).
(unconfirmed): the errorDetails codes and messages other than topic_type's (code 2 used
for all, 1000 "Fetching image failed." for media); one photo at most; the messages for bad
image type/size; newest-first list order; pageSize coerced rather than refused; the
fields a PATCH may change; PROCESSING → LIVE timing (Google gives none).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from .googleapi import GoogleAuth, google_error
from .loopback import (
    JPEG,
    PNG,
    Answer,
    Call,
    FetchError,
    Loopback,
    Window,
    fetch,
    html_404,
    html_502,
)

SCOPES = (
    "https://www.googleapis.com/auth/business.manage",
    "https://www.googleapis.com/auth/plus.business.manage",
)
SERVICES = {
    "v4": ("mybusiness.googleapis.com", "Google My Business API"),
    "accounts": (
        "mybusinessaccountmanagement.googleapis.com",
        "My Business Account Management API",
    ),
    "info": (
        "mybusinessbusinessinformation.googleapis.com",
        "My Business Business Information API",
    ),
}
TOPICS = ("STANDARD", "EVENT", "OFFER", "ALERT")
ACTIONS = ("BOOK", "ORDER", "SHOP", "LEARN_MORE", "SIGN_UP", "GET_OFFER", "CALL")
POST_FIELDS = {
    "name",
    "languageCode",
    "summary",
    "callToAction",
    "createTime",
    "updateTime",
    "event",
    "state",
    "media",
    "searchUrl",
    "topicType",
    "alertType",
    "offer",
    "scheduledTime",
}
PATCHABLE = {"summary", "callToAction", "event", "offer", "languageCode"}
LOCATION_FIELDS = {
    "name",
    "title",
    "languageCode",
    "storeCode",
    "phoneNumbers",
    "categories",
    "storefrontAddress",
    "websiteUri",
    "regularHours",
    "metadata",
    "profile",
}
PHONE = re.compile(r"(?:\+?\d[\s.-]?){9,}")
PROJECT = "83172312488"


def _now_text(when: float) -> str:
    return dt.datetime.fromtimestamp(when, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _url(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"https?://[^\s/]+\S*", value) is not None


@dataclass
class Account:
    name: str  # accounts/123
    account_name: str
    members: set[str]  # token users (emails) who manage it
    type: str = "PERSONAL"
    role: str = "PRIMARY_OWNER"


@dataclass
class Location:
    name: str  # locations/456 (v1 form)
    account: str  # accounts/123
    title: str
    extra: dict = field(default_factory=dict)


class Invalid(Exception):
    """Semantic problems, gathered: (field, message, code)."""

    def __init__(self, problems: list[tuple[str, str, int]]):
        super().__init__(problems)
        self.problems = problems


@dataclass
class GbpServer(GoogleAuth, Loopback):
    accounts: dict[str, Account] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    posts: dict[str, dict] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)
    enabled: set[str] = field(default_factory=lambda: set(SERVICES))
    approved: bool = True
    qpm: int = 300
    polls: int = 0  # reads (get/list) after the create that still show PROCESSING
    rejects: int = 0
    window: Window = field(default_factory=Window)
    _next: int = 0

    # -- setting up ----------------------------------------------------------------------
    def add_account(self, account_id: str, name: str, users: tuple[str, ...], **kw) -> Account:
        account = Account(f"accounts/{account_id}", name, set(users), **kw)
        self.accounts[account.name] = account
        return account

    def add_location(self, account_id: str, location_id: str, title: str, **extra) -> Location:
        location = Location(f"locations/{location_id}", f"accounts/{account_id}", title, extra)
        self.locations[location.name] = location
        return location

    def add_user_token(self, token: str, user: str, scopes: tuple[str, ...] = SCOPES[:1], **kw):
        return self.add_token(token, user, scopes, **kw)

    def reject_next(self, count: int = 1) -> None:
        """The next posts are REJECTED by Google's review (as a policy violation would be)."""
        self.rejects += count

    def live(self, location: str | None = None) -> list[dict]:
        """Posts not deleted, optionally of one location ("accounts/a/locations/l")."""
        return [
            p
            for n, p in self.posts.items()
            if not p["deleted"] and (location is None or n.startswith(location + "/"))
        ]

    # -- plumbing ------------------------------------------------------------------------
    def route(self, call: Call):
        path, m = call.path, call.method
        base = r"/v4/accounts/([^/]+)/locations/([^/]+)/localPosts"
        if re.fullmatch(base, path) and m in ("POST", "GET"):
            name = "create" if m == "POST" else "list"
        elif re.fullmatch(base + r"/([^/]+)", path) and m in ("GET", "PATCH", "DELETE"):
            name = {"GET": "get", "PATCH": "patch", "DELETE": "delete"}[m]
        elif path == "/v1/accounts" and m == "GET":
            name = "accounts"
        elif re.fullmatch(r"/v1/accounts/([^/]+)/locations", path) and m == "GET":
            name = "locations"
        elif (m, path) == ("POST", "/token"):
            return "token", self.oauth_token
        elif m == "GET" and path in ("/tokeninfo", "/oauth2/v3/tokeninfo"):
            return "tokeninfo", self.tokeninfo
        else:
            raise html_404(path)
        return name, getattr(self, "_" + name)

    def _service(self, call: Call) -> str:
        key = (
            "v4"
            if call.path.startswith("/v4/")
            else "accounts"
            if call.route == "accounts"
            else "info"
        )
        return key

    def service_name(self, call: Call) -> str:
        return SERVICES[self._service(call)][0]

    def fault_answer(self, name: str, call: Call) -> Answer:
        if name == "429":
            return self._exhausted(call, str(self.qpm))
        if name == "disabled":
            return self._disabled(call)
        if name == "502":
            return html_502()
        known = {
            "401": (
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            ),
            "403": (403, "The caller does not have permission"),
            "500": (500, "Internal error encountered."),
            "503": (503, "The service is currently unavailable."),
        }
        if name not in known:
            raise ValueError(f"unknown GBP fault {name!r}")
        return google_error(*known[name])

    def _disabled(self, call: Call) -> Answer:
        host, title = SERVICES[self._service(call)]
        message = (
            f"{title} has not been used in project {PROJECT} before or it is disabled. Enable it by "
            f"visiting https://console.developers.google.com/apis/api/{host}/overview?project={PROJECT} "
            "then retry. If you enabled this API recently, wait a few minutes for the action to "
            "propagate to our systems and retry."
        )
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Google developers console API activation",
                        "url": f"https://console.developers.google.com/apis/api/{host}/overview?project={PROJECT}",
                    }
                ],
            },
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {"service": host, "consumer": f"projects/{PROJECT}"},
            },
        ]
        return google_error(403, message, details=details)

    def _exhausted(self, call: Call, limit: str) -> Answer:
        host = SERVICES[self._service(call)][0]
        message = (
            f"Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service "
            f"'{host}' for consumer 'project_number:{PROJECT}'."
        )
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "service": host,
                    "consumer": f"projects/{PROJECT}",
                    "quota_metric": f"{host}/default_requests",
                    "quota_limit": "DefaultRequestsPerMinutePerProject",
                    "quota_limit_value": limit,
                },
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Request a higher quota limit.",
                        "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                    }
                ],
            },
        ]
        return google_error(429, message, details=details)

    def _gate(self, call: Call) -> str:
        """Project, quota and token checks every API call goes through; the token's user."""
        service = self._service(call)
        if service not in self.enabled:
            raise self._disabled(call)
        token = self.bearer(call, SCOPES, reason_401=False)
        if not self.approved:
            raise self._exhausted(call, "0")
        if not self.window.take(service, self.qpm, self.now()):
            raise self._exhausted(call, str(self.qpm))
        return token.user

    def _location(self, call: Call, user: str) -> str:
        parts = call.path.split("/")
        account, location = f"accounts/{parts[3]}", f"locations/{parts[5]}"
        place = self.locations.get(location)
        if place is None or place.account != account or account not in self.accounts:
            raise google_error(404, "Requested entity was not found.")
        if user not in self.accounts[account].members:
            raise google_error(403, "The caller does not have permission")
        return f"{account}/{location}"

    def _invalid(self, problems: list[tuple[str, str, int]]) -> Answer:
        details = [
            {
                "@type": "type.googleapis.com/google.mybusiness.v4.ValidationError",
                "errorDetails": [
                    {"code": code, "field": f, "message": msg} for f, msg, code in problems
                ],
            }
        ]
        message = "Request contains an invalid argument."
        return google_error(400, message, "badRequest", details=details)

    def _shape_error(self, field_path: str, description: str) -> Answer:
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field_path, "description": description}],
            }
        ]
        return google_error(400, description, details=details)

    # -- local posts ---------------------------------------------------------------------
    def _shape(self, body: object) -> dict:
        if not isinstance(body, dict):
            raise self._shape_error("", "Invalid JSON payload received. Expected an object.")
        for key in body:
            if key not in POST_FIELDS:
                raise self._shape_error(
                    "", f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.'
                )
        enums = {"topicType": TOPICS, "alertType": ("COVID_19",)}
        for key, values in enums.items():
            if key in body and body[key] not in values:
                snake = re.sub(r"([A-Z])", r"_\1", key).lower()
                raise self._shape_error(
                    f"local_post.{snake}",
                    f"Invalid value at 'local_post.{snake}' (type.googleapis.com/google.mybusiness.v4.LocalPost{key[0].upper() + key[1:]}), \"{body[key]}\"",
                )
        cta = body.get("callToAction")
        action = cta.get("actionType") if isinstance(cta, dict) else cta
        if cta is not None and action not in ACTIONS:
            where = "local_post.call_to_action.action_type"
            kind = "type.googleapis.com/google.mybusiness.v4.CallToAction.ActionType"
            raise self._shape_error(where, f"Invalid value at '{where}' ({kind}), \"{action}\"")
        for key in ("summary", "languageCode"):
            if key in body and not isinstance(body[key], str):
                raise self._shape_error(
                    f"local_post.{key}",
                    f"Invalid value at 'local_post.{key}' (TYPE_STRING), {body[key]}",
                )
        return body

    def _schedule_problems(self, schedule: object) -> list[tuple[str, str, int]]:
        if not isinstance(schedule, dict):
            return [("event.schedule", "Schedule is required.", 2)]
        problems = []
        for key in ("startDate", "startTime", "endDate", "endTime"):
            if not isinstance(schedule.get(key), dict):
                snake = re.sub(r"([A-Z])", r"_\1", key).lower()
                problems.append((f"event.schedule.{snake}", "This field is required.", 2))
        if problems:
            return problems
        try:
            moments = []
            for day, time_of_day in (("startDate", "startTime"), ("endDate", "endTime")):
                d, t = schedule[day], schedule[time_of_day]
                moments.append(
                    dt.datetime(
                        d["year"], d["month"], d["day"], t.get("hours", 0), t.get("minutes", 0)
                    )
                )
        except (KeyError, TypeError, ValueError):
            return [("event.schedule", "Invalid date or time.", 2)]
        if moments[1] <= moments[0]:
            return [("event.schedule.end_date", "End time must be after start time.", 2)]
        return []

    def _problems(self, post: dict) -> list[tuple[str, str, int]]:
        problems = []
        topic = post.get("topicType")
        if not topic:
            problems.append(("topic_type", "Topic type is required for post creation.", 2))
        if topic == "ALERT" and post.get("alertType") != "COVID_19":
            problems.append(("alert_type", "Alert type is required for alert posts.", 2))
        if len(post.get("summary", "")) > 1500:
            problems.append(("summary", "Must be at most 1500 characters", 2))
        cta = post.get("callToAction")
        if cta and topic != "OFFER":
            if cta["actionType"] == "CALL" and "url" in cta:
                problems.append(
                    ("call_to_action.url", "Url must be empty for action type CALL.", 2)
                )
            if cta["actionType"] != "CALL" and not _url(cta.get("url")):
                problems.append(("call_to_action.url", "A valid url is required.", 2))
        event = post.get("event")
        if topic in ("EVENT", "OFFER"):
            if not isinstance(event, dict):
                problems.append(("event", "Event is required for this topic type.", 2))
            else:
                title = event.get("title")
                if not isinstance(title, str) or not title.strip():
                    problems.append(("event.title", "This field is required.", 2))
                elif len(title) > 58:
                    problems.append(("event.title", "Must be at most 58 characters", 2))
                problems += self._schedule_problems(event.get("schedule"))
        offer = post.get("offer")
        if offer is not None and topic != "OFFER":
            problems.append(("offer", "Offer is only allowed for topic type OFFER.", 2))
        if (
            isinstance(offer, dict)
            and "redeemOnlineUrl" in offer
            and not _url(offer["redeemOnlineUrl"])
        ):
            problems.append(("offer.redeem_online_url", "A valid url is required.", 2))
        return problems

    def _photo(self, media: object) -> tuple[dict | None, bytes, list]:
        if media in (None, []):
            return None, b"", []
        if not isinstance(media, list) or len(media) > 1 or not isinstance(media[0], dict):
            return None, b"", [("media", "At most one photo is supported.", 2)]
        item = media[0]
        if item.get("mediaFormat") == "VIDEO":
            raise google_error(500, "Internal error encountered.")
        if item.get("mediaFormat") != "PHOTO":
            return None, b"", [("media.media_format", "Media format must be PHOTO.", 2)]
        url = item.get("sourceUrl")
        if not _url(url):
            return None, b"", [("media.source_url", "A valid source url is required.", 2)]
        self.fetched.append(url)
        try:
            data = fetch(url, 5 * 1024 * 1024)
        except FetchError:
            return None, b"", [("media.source_url", "Fetching image failed.", 1000)]
        if not data.startswith((JPEG, PNG)):
            return (
                None,
                b"",
                [("media.source_url", "Unsupported image format: JPG or PNG required.", 2)],
            )
        if len(data) < 10 * 1024:
            return None, b"", [("media.source_url", "Image is too small: at least 10 KB.", 2)]
        return item, data, []

    def _create(self, call: Call):
        user = self._gate(call)
        location = self._location(call, user)
        body = self._shape(call.json)
        problems = self._problems(body)
        item, data, media_problems = self._photo(body.get("media"))
        if problems + media_problems:
            raise self._invalid(problems + media_problems)
        self._next += 1
        post_id = str(1_000_000_000_000_000_000 + self._next * 7919)
        name = f"{location}/localPosts/{post_id}"
        now = _now_text(self.now())
        post = {
            k: v
            for k, v in body.items()
            if k not in ("name", "createTime", "updateTime", "state", "searchUrl", "media")
        }
        if post.get("topicType") == "OFFER":
            post.pop("callToAction", None)  # "Ignored for topic type OFFER"
        if item:
            google = "https://lh3.googleusercontent.com/p/AF1Qip" + secrets.token_urlsafe(16)
            post["media"] = [
                {
                    "name": f"{location}/media/localPosts/{post_id}",
                    "mediaFormat": "PHOTO",
                    "googleUrl": google,
                    "sourceUrl": item["sourceUrl"],
                }
            ]
        cid = int(location.split("/")[-1]) if location.split("/")[-1].isdigit() else 1
        post.update(
            name=name,
            createTime=now,
            updateTime=now,
            state="PROCESSING",
            searchUrl=f"https://local.google.com/place?id={cid}&use=posts&lpsid={post_id}",
        )
        rejected = bool(PHONE.search(post.get("summary", ""))) or self.rejects > 0
        self.rejects = max(0, self.rejects - 1)
        self.posts[name] = {
            **post,
            "photo": data,
            "deleted": False,
            "reads": 0,
            "rejected": rejected,
        }
        return 200, post, {}

    def _view(self, stored: dict) -> dict:
        if stored["state"] == "PROCESSING":
            stored["reads"] += 1
            if stored["reads"] > self.polls:
                stored["state"] = "REJECTED" if stored["rejected"] else "LIVE"
        return {k: v for k, v in stored.items() if k in POST_FIELDS}

    def _list(self, call: Call):
        location = self._location(call, self._gate(call))
        size, offset = self._paging(call, 20, 100)
        posts = sorted(self.live(location), key=lambda p: p["createTime"], reverse=True)
        body: dict = {}
        page = [self._view(p) for p in posts[offset : offset + size]]
        if page:
            body["localPosts"] = page
        if offset + size < len(posts):
            body["nextPageToken"] = (
                base64.urlsafe_b64encode(f"o{offset + size}".encode()).decode().rstrip("=")
            )
        return 200, body, {}

    def _paging(self, call: Call, default: int, most: int) -> tuple[int, int]:
        raw = call.query.get("pageSize", "")
        if raw and not raw.lstrip("-").isdigit():
            raise self._shape_error(
                "page_size", f"Invalid value at 'page_size' (TYPE_INT32), \"{raw}\""
            )
        size = int(raw) if raw else default
        size = default if size <= 0 else min(size, most)
        offset = 0
        if call.query.get("pageToken"):
            try:
                offset = int(base64.urlsafe_b64decode(call.query["pageToken"] + "==").decode()[1:])
            except ValueError:
                raise google_error(
                    400,
                    "Request contains an invalid argument.",
                    details=[
                        {
                            "@type": "type.googleapis.com/google.rpc.BadRequest",
                            "fieldViolations": [
                                {"field": "page_token", "description": "Invalid page token."}
                            ],
                        }
                    ],
                ) from None
        return size, offset

    def _stored(self, call: Call) -> dict:
        location = self._location(call, self._gate(call))
        name = f"{location}/localPosts/{call.path.split('/')[-1]}"
        stored = self.posts.get(name)
        if stored is None or stored["deleted"]:
            raise google_error(404, "Requested entity was not found.")
        return stored

    def _get(self, call: Call):
        return 200, self._view(self._stored(call)), {}

    def _patch(self, call: Call):
        stored = self._stored(call)
        mask = [m.strip() for m in call.query.get("updateMask", "").split(",") if m.strip()]
        if not mask:
            raise self._invalid([("update_mask", "Update mask is required.", 2)])
        camel = [re.sub(r"_([a-z])", lambda m: m[1].upper(), m) for m in mask]
        wrong = [m for m in camel if m not in PATCHABLE]
        if wrong:
            raise self._invalid([("update_mask", f"Field {wrong[0]} cannot be updated.", 2)])
        body = self._shape(call.json)
        merged = {k: v for k, v in stored.items() if k in POST_FIELDS}
        for key in camel:
            if key in body:
                merged[key] = body[key]
            else:
                merged.pop(key, None)
        problems = self._problems(merged)
        if problems:
            raise self._invalid(problems)
        stored.update({k: merged[k] for k in camel if k in merged})
        for key in camel:
            if key not in merged:
                stored.pop(key, None)
        stored.update(
            updateTime=_now_text(self.now()),
            state="PROCESSING",
            reads=0,
            rejected=bool(PHONE.search(stored.get("summary", ""))),
        )
        return 200, {k: v for k, v in stored.items() if k in POST_FIELDS}, {}

    def _delete(self, call: Call):
        self._stored(call)["deleted"] = True
        return 200, {}, {}

    # -- account management and business information (v1) -------------------------------
    def _accounts(self, call: Call):
        user = self._gate(call)
        size, offset = self._paging(call, 20, 20)
        mine = [a for a in self.accounts.values() if user in a.members]
        body: dict = {}
        rows = [
            {
                "name": a.name,
                "accountName": a.account_name,
                "type": a.type,
                "role": a.role,
                "verificationState": "VERIFIED",
                "vettedState": "NOT_VETTED",
            }
            for a in mine[offset : offset + size]
        ]
        if rows:
            body["accounts"] = rows
        if offset + size < len(mine):
            body["nextPageToken"] = (
                base64.urlsafe_b64encode(f"o{offset + size}".encode()).decode().rstrip("=")
            )
        return 200, body, {}

    def _locations(self, call: Call):
        user = self._gate(call)
        account = "accounts/" + call.path.split("/")[3]
        mask = [m.strip() for m in call.query.get("readMask", "").split(",") if m.strip()]
        if not mask:
            raise google_error(
                400,
                "Request contains an invalid argument.",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [
                            {"field": "read_mask", "description": "Field is required"}
                        ],
                    }
                ],
            )
        bad = [m for m in mask if m not in LOCATION_FIELDS]
        if bad:
            raise google_error(
                400,
                f"Invalid field mask provided: {bad[0]}",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [
                            {
                                "field": "read_mask",
                                "description": f"Invalid field mask provided: {bad[0]}",
                            }
                        ],
                    }
                ],
            )
        if account not in self.accounts:
            raise google_error(404, "Requested entity was not found.")
        if user not in self.accounts[account].members:
            raise google_error(403, "The caller does not have permission")
        size, offset = self._paging(call, 10, 100)
        mine = [loc for loc in self.locations.values() if loc.account == account]
        rows = []
        for loc in mine[offset : offset + size]:
            full = {"name": loc.name, "title": loc.title, **loc.extra}
            rows.append({k: full[k] for k in mask if k in full})
        body: dict = {}
        if rows:
            body["locations"] = rows
        if offset + size < len(mine):
            body["nextPageToken"] = (
                base64.urlsafe_b64encode(f"o{offset + size}".encode()).decode().rstrip("=")
            )
        return 200, body, {}
