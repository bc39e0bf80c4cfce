"""The VK Ads API conversation of ads (ads.vk.com, `/api/v2`, the former myTarget API):
one cabinet with its access token.

VK Ads answers validation errors as 400 `{"error": {"fields": {path: {"code",
"message"}}, "code": "validation_failed"}}`, a bad token as 401 `{"code", "message"}`,
a missing right as 403, too many requests as 429 with `X-RateLimit-*` headers. A campaign
(ad plan) is created with its ad group and banner in one request; it takes no idempotency
key and cannot be filtered by name, so a resumed push lists the cabinet's plans and looks
for the promotion's marker itself.
"""

from __future__ import annotations

from ..platforms.http import (
    FAIL,
    REAUTH,
    RETRY,
    UNKNOWN,
    Http,
    PublishError,
    Redact,
    default_classify,
    json_body,
    json_object,
)
from ..platforms.secrets import clip

DEFAULT_API = "https://ads.vk.com"
PAGE = 50  # the most a list gives at once


def _error_text(body: object) -> str:
    """VK Ads' own words: the message and each field's, `path: message`."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error", body)
    if not isinstance(error, dict):
        return str(body.get("error_description") or error)
    message, code = str(error.get("message") or ""), str(error.get("code") or "")
    words = [f"{message} ({code})" if message and code else message or code]
    for path, detail in (error.get("fields") or {}).items():
        if isinstance(detail, dict):
            words.append(f"{path}: {detail.get('message') or detail.get('code')}")
    return "; ".join(w for w in words if w)


def classify(response, idempotent: bool, redact: Redact) -> PublishError | None:
    """The kind of a VK Ads answer (None for success), decided on the status and body."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    body = json_body(response)
    text = clip(_error_text(body), redact) if body is not None else ""
    if not text:
        return default_classify(response, idempotent, redact)
    where = f"VK Ads (HTTP {status}): {text}"
    if status == 401:
        return PublishError(REAUTH, f"{where}; make a new access token")
    if status == 429:
        hourly = any(
            response.headers.get(f"X-RateLimit-{w}-Remaining") == "0" for w in ("Hourly", "Daily")
        )
        return PublishError(RETRY, f"rate limit: {where}", 3600.0 if hourly else 1.0)
    if status >= 500:
        return PublishError(RETRY if idempotent else UNKNOWN, where)
    return PublishError(FAIL, where)


class VkAds:
    def __init__(self, http: Http, token: str, api: str = ""):
        self.http = http
        self.api = (api or DEFAULT_API).rstrip("/")
        self.token = token

    def _call(self, method: str, path: str, *, publish: bool = False, **kwargs) -> object:
        response = self.http.request(
            method,
            f"{self.api}{path}",
            idempotent=not publish,
            classify=classify,
            headers={"Authorization": f"Bearer {self.token}"},
            **kwargs,
        )
        if response.status_code == 204:
            return {}
        body = json_body(response)
        if body is None:
            json_object(response, "VK Ads", UNKNOWN if publish else RETRY)
        return body

    def get(self, path: str, **params: str) -> dict:
        body = self._call("GET", path, params=params)
        return body if isinstance(body, dict) else {"items": body}

    def user(self) -> dict:
        return self.get("/api/v2/user.json")

    def url_id(self, url: str) -> int:
        found = self.get("/api/v1/urls/", url=url).get("id")
        if not isinstance(found, int):
            raise PublishError(FAIL, f"VK Ads did not accept the link {url}")
        return found

    def create_plan(self, body: dict) -> dict:
        answer = self._call("POST", "/api/v2/ad_plans.json", publish=True, json=body)
        if not isinstance(answer, dict) or not answer.get("id"):
            raise PublishError(UNKNOWN, "VK Ads answered without the new campaign's id")
        return answer

    def create_group(self, body: dict) -> dict:
        answer = self._call("POST", "/api/v2/ad_groups.json", publish=True, json=body)
        return answer if isinstance(answer, dict) else {}

    def add_banner(self, group: int, body: dict) -> int:
        answer = self._call(
            "POST", f"/api/v2/ad_groups/{group}/banners.json", publish=True, json=body
        )
        return int(answer.get("id") or 0) if isinstance(answer, dict) else 0

    def items(self, path: str, **params: str) -> list[dict]:
        """Every item of a list, page by page."""
        found: list[dict] = []
        while True:
            page = self.get(path, limit=str(PAGE), offset=str(len(found)), **params)
            rows = [r for r in page.get("items") or [] if isinstance(r, dict)]
            found += rows
            if len(rows) < PAGE or len(found) >= int(page.get("count") or 0):
                return found

    def find_plan(self, name: str) -> int | None:
        rows = self.items(
            "/api/v2/ad_plans.json", fields="id,name", _status__in="active,blocked", sorting="-id"
        )
        return next((int(r["id"]) for r in rows if r.get("name") == name), None)

    def children(self, kind: str, parent: str, oid: int) -> list[int]:
        rows = self.items(f"/api/v2/{kind}.json", fields="id", **{f"_{parent}": str(oid)})
        return [int(r["id"]) for r in rows if r.get("id")]

    def between(self, plan: int, first: str, last: str) -> dict:
        """An ad plan's base numbers from day `first` to day `last` (`YYYY-MM-DD`, both
        included; VK Ads counts days in Moscow time)."""
        page = self.get(
            "/api/v2/statistics/ad_plans/day.json",
            id=str(plan),
            date_from=first,
            date_to=last,
            metrics="base",
        )
        items = page.get("items") or []
        total = items[0].get("total", {}) if items and isinstance(items[0], dict) else {}
        return total.get("base", {}) if isinstance(total, dict) else {}

    def summary(self, plan: int) -> dict:
        page = self.get("/api/v2/statistics/ad_plans/summary.json", id=str(plan), metrics="base")
        items = page.get("items") or []
        total = items[0].get("total", {}) if items and isinstance(items[0], dict) else {}
        return total.get("base", {}) if isinstance(total, dict) else {}
