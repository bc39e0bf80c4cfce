"""The Meta Marketing API conversation of ads: one ad account, through the shared Graph
client (`platforms.meta_api`: its error codes, rate-limit waits and redaction).

Nothing Meta creates takes an idempotency key, so every object is named with the
promotion's marker and looked up by that exact name (`filtering` on `name`, every
effective status but DELETED) before it is created; an identical creative answers the
existing one, as Meta documents.
"""

from __future__ import annotations

import json

from ..platforms.http import FAIL, Http, PublishError
from ..platforms.meta_api import DEFAULT_API, Graph

LIVE = [
    "ACTIVE",
    "PAUSED",
    "ARCHIVED",
    "IN_PROCESS",
    "WITH_ISSUES",
    "CAMPAIGN_PAUSED",
    "ADSET_PAUSED",
    "PENDING_REVIEW",
    "DISAPPROVED",
    "PREAPPROVED",
    "PENDING_BILLING_INFO",
]
INSIGHTS = "spend,impressions,reach,clicks,actions"
MANAGER = "https://adsmanager.facebook.com/adsmanager/manage/campaigns"


def _form(data: dict) -> dict:
    """Graph takes JSON-valued parameters as JSON text."""
    return {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in data.items()}


class MetaAds:
    """One ad account (`act_<id>`) with its token."""

    def __init__(self, http: Http, account: str, token: str, api: str = ""):
        self.graph = Graph(http, api or DEFAULT_API, token, "Meta Marketing API")
        self.account = account.removeprefix("act_")

    @property
    def act(self) -> str:
        return f"act_{self.account}"

    def manager_url(self, campaign: str) -> str:
        return f"{MANAGER}?act={self.account}&selected_campaign_ids={campaign}"

    def info(self) -> dict:
        return self.graph.get(self.act, fields="account_status,currency,name")

    def check_currency(self, currency: str) -> None:
        found = str(self.info().get("currency") or "")
        if found and found != currency:
            raise PublishError(
                FAIL,
                f"ad account {self.act} spends {found}, but the group file says {currency} "
                "(`meta_ads.currency`): nothing was created",
            )

    def find(self, edge: str, name: str, statuses: bool = True) -> str | None:
        """The id of the object named exactly `name` under `edge`, if there is one (in
        every effective status but DELETED; creatives have none)."""
        rule = [{"field": "name", "operator": "EQUAL", "value": name}]
        params = {"fields": "id,name", "filtering": json.dumps(rule), "limit": "5"}
        if statuses:
            params["effective_status"] = json.dumps(LIVE)
        rows = self.graph.get(edge, **params).get("data")
        for row in rows if isinstance(rows, list) else ():
            if isinstance(row, dict) and row.get("name") == name and row.get("id"):
                return str(row["id"])
        return None

    def create(self, kind: str, data: dict) -> str:
        """POST act_<id>/<kind>; the new object's id."""
        answer = self.graph.post(f"{self.act}/{kind}", _form(data), publish=True)
        made = str(answer.get("id") or "")
        if not made:
            raise PublishError("unknown", f"Meta answered without the new {kind[:-1]}'s id")
        return made

    def node(self, oid: str, fields: str) -> dict:
        return self.graph.get(oid, fields=fields)

    def insights(self, oid: str, since: str = "", until: str = "") -> dict:
        """The object's numbers over its life, or between two days (`YYYY-MM-DD`, both
        included, in the ad account's timezone: Meta's `time_range`)."""
        if since:
            span = {"time_range": json.dumps({"since": since, "until": until or since})}
        else:
            span = {"date_preset": "maximum"}
        rows = self.graph.get(f"{oid}/insights", fields=INSIGHTS, **span).get("data")
        return rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}

    def search(self, kind: str, query: str, **params: str) -> list[dict]:
        rows = self.graph.get("search", type=kind, q=query, **params).get("data")
        return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
