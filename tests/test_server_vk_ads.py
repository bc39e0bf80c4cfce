"""The loopback VK Ads API (tests/servers/vk_ads.py) behaves as ads.vk.com documents:
driven with `requests` the way the docs' examples do (OAuth2 form, JSON bodies, Bearer)."""

from __future__ import annotations

import pytest
import requests

try:  # `python -m pytest` from the repository root
    from tests.servers.vk_ads import VkAds
except ImportError:  # pytest with tests/ itself on sys.path
    from servers.vk_ads import VkAds

CLIENT, SECRET, USER = "vk-client-1", "vk-secret-XYZ", "clinic@example.ro"
POST_URL = "https://vk.com/wall-22822305_1042"
# "25–40, female, within 2 km of Piața Unirii metro station"
TARGETINGS = {
    "sex": ["female"],
    "age": {"age_list": list(range(25, 41))},
    "geo": {
        "local_geo": {
            "visit_type": "usual",
            "loc_type": ["home", "work"],
            "locations": [
                {"lat": 44.4268, "lng": 26.1025, "radius": 2000, "label": "Piața Unirii"}
            ],
        }
    },
    "interests": [13612],
}


@pytest.fixture
def vk():
    server = VkAds()
    server.add_client(CLIENT, SECRET, USER)
    with server:
        server.token = server.grant(CLIENT)
        yield server


def call(vk: VkAds, method: str, path: str, token: str | None = None, **kw) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or vk.token}"}
    return requests.request(method, f"{vk.url}{path}", headers=headers, timeout=5, **kw)


def url_id(vk: VkAds, url: str = POST_URL) -> int:
    return call(vk, "GET", "/api/v1/urls/", params={"url": url}).json()["id"]


def plan(vk: VkAds, **over) -> dict:
    group = {
        "name": "smm:ab12cd34 group",
        "package_id": 3194,
        "objective": "socialengagement",
        "budget_limit_day": "300",
        "date_start": "2026-12-10",
        "targetings": TARGETINGS,
        "banners": [{"name": "smm:ab12cd34 banner", "urls": {"vk_post": {"id": url_id(vk)}}}],
    }
    body = {
        "name": "smm:ab12cd34 clinic",
        "status": "blocked",
        "objective": "socialengagement",
        "date_start": "2026-12-10",
        "ad_groups": [{**group, "status": "blocked", **over.pop("group", {})}],
        **over,
    }
    return body


def fields(answer: requests.Response) -> dict:
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["message"]) == ("validation_failed", "Validation failed")
    return {path: value["code"] for path, value in error["fields"].items()}


def test_the_token_endpoint_issues_refreshes_and_limits_tokens():
    with VkAds() as vk:
        vk.add_client(CLIENT, SECRET, USER)
        form = {"grant_type": "client_credentials", "client_id": CLIENT, "client_secret": SECRET}
        first = requests.post(f"{vk.url}/api/v2/oauth2/token.json", data=form, timeout=5).json()
        assert (
            first["token_type"] == "Bearer"
            and first["expires_in"] == 86400
            and first["tokens_left"] == 4
        )
        for _ in range(4):
            assert (
                requests.post(
                    f"{vk.url}/api/v2/oauth2/token.json", data=form, timeout=5
                ).status_code
                == 200
            )
        assert (
            requests.post(f"{vk.url}/api/v2/oauth2/token.json", data=form, timeout=5).status_code
            == 403
        )
        refresh = {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": CLIENT,
            "client_secret": SECRET,
        }
        renewed = requests.post(
            f"{vk.url}/api/v2/oauth2/token.json", data=refresh, timeout=5
        ).json()
        assert (
            call(vk, "GET", "/api/v2/ad_plans.json", token=renewed["access_token"]).status_code
            == 200
        )
        stale = call(vk, "GET", "/api/v2/ad_plans.json", token=first["access_token"])
        assert stale.status_code == 401 and stale.json() == {
            "code": "invalid_token",
            "message": "Unknown access token",
        }
        assert 'error="invalid_token"' in stale.headers["WWW-Authenticate"]
        gone = requests.post(
            f"{vk.url}/api/v2/oauth2/token/delete.json",
            data={"client_id": CLIENT, "client_secret": SECRET},
            timeout=5,
        )
        assert gone.status_code == 204 and vk.tokens == {}
        bad = requests.post(
            f"{vk.url}/api/v2/oauth2/token.json", data={**form, "client_secret": "x"}, timeout=5
        )
        assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"


@pytest.mark.parametrize("change", ["expire", "revoke", "block"])
def test_token_standing_errors(vk, change):
    {
        "expire": lambda: vk.expire(vk.token),
        "revoke": lambda: vk.revoke(vk.token),
        "block": lambda: vk.block(USER),
    }[change]()
    answer = call(vk, "GET", "/api/v2/ad_plans.json")
    code = {"expire": "expired_token", "revoke": "revoked_token", "block": "invalid_user"}[change]
    assert answer.status_code == 401 and answer.json()["code"] == code


def test_a_campaign_with_group_and_banner_is_created_once_and_read_back(vk):
    made = call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk))
    assert made.status_code == 200, made.text
    body = made.json()
    group_id = body["ad_groups"][0]["id"]
    banner_id = body["ad_groups"][0]["banners"][0]["id"]
    assert [k for k, _ in vk.created] == ["ad_plans", "ad_groups", "banners"]
    assert {o["status"] for k in ("ad_plans", "ad_groups", "banners") for o in vk.live(k)} == {
        "blocked",
        "active",
    }
    assert (
        vk.banners[banner_id]["status"] == "active"
    )  # the banner had no status: active by default
    group = call(
        vk,
        "GET",
        f"/api/v2/ad_groups/{group_id}.json",
        params={"fields": "id,status,targetings,budget_limit_day,delivery"},
    ).json()
    assert group["targetings"]["geo"]["local_geo"]["locations"][0]["radius"] == 2000
    assert (group["status"], group["budget_limit_day"], group["delivery"]) == (
        "blocked",
        "300.00",
        "not_delivering",
    )
    banner = call(
        vk,
        "GET",
        f"/api/v2/banners/{banner_id}.json",
        params={"fields": "urls,moderation_status,issues"},
    ).json()
    assert (
        banner["moderation_status"] == "pending"
        and {"code": "AD_PLAN_STOPPED", "message": "Ad plan stopped"} in banner["issues"]
    )


def test_status_omitted_is_active(vk):
    body = plan(vk)
    del body["status"]
    plan_id = call(vk, "POST", "/api/v2/ad_plans.json", json=body).json()["id"]
    assert vk.ad_plans[plan_id]["status"] == "active"


def points(radius: object) -> dict:
    local = {
        **TARGETINGS["geo"]["local_geo"],
        "locations": [{"lat": 44.4, "lng": 26.1, "radius": radius}],
    }
    return {**TARGETINGS, "geo": {"local_geo": local}}


RADIUS = "ad_groups.0.targetings.geo.local_geo.locations.0.radius"


@pytest.mark.parametrize(
    ("group", "path", "code"),
    [
        ({"targetings": points(499)}, RADIUS, "min_value"),
        ({"targetings": points(10001)}, RADIUS, "max_value"),
        ({"targetings": points(2.5)}, RADIUS, "required"),
        (
            {
                "targetings": {
                    **TARGETINGS,
                    "geo": {"regions": [1], "local_geo": TARGETINGS["geo"]["local_geo"]},
                }
            },
            "ad_groups.0.targetings.geo",
            "bad_value",
        ),
        (
            {"targetings": {**TARGETINGS, "geo": {"regions": [999999]}}},
            "ad_groups.0.targetings.geo.regions",
            "bad_items",
        ),
        (
            {"targetings": {**TARGETINGS, "sex": ["f"]}},
            "ad_groups.0.targetings.sex",
            "unallowed_value",
        ),
        (
            {"targetings": {**TARGETINGS, "age": {"age_list": [25, 80]}}},
            "ad_groups.0.targetings.age.age_list",
            "max_value",
        ),
        (
            {"targetings": {**TARGETINGS, "stations": [1]}},
            "ad_groups.0.targetings.stations",
            "unallowed_field",
        ),
        ({"package_id": 1}, "ad_groups.0.package_id", "invalid_package"),
        ({"budget_limit_day": "50"}, "ad_groups.0.budget_limit_day", "min_value"),
        (
            {"date_start": "2026-12-01"},
            "ad_groups.0.date_start",
            "bad_value",
        ),  # before the campaign
    ],
)
def test_group_refusals(vk, group, path, code):
    assert (
        fields(call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk, group=group)))[path] == code
    )
    assert vk.ad_plans == {} and vk.ad_groups == {}


def test_every_problem_is_reported_at_once_and_links_must_fit_their_role(vk):
    group_url = url_id(vk, "https://vk.com/club22822305")
    banner = {"urls": {"vk_post": {"id": group_url}}}
    body = plan(vk, name="", group={"banners": [banner], "targetings": points(100)})
    errors = fields(call(vk, "POST", "/api/v2/ad_plans.json", json=body))
    assert errors == {
        "name": "required",
        RADIUS: "min_value",
        "ad_groups.0.banners.0.urls.vk_post": "url_not_valid",
    }
    assert fields(call(vk, "POST", "/api/v2/ad_plans.json", json={"name": "x"})) == {
        "ad_groups": "required"
    }


def test_lists_hide_deleted_objects_and_refuse_undocumented_filters(vk):
    keep = call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk, name="smm:1 a")).json()["id"]
    gone = call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk, name="smm:2 b")).json()["id"]
    assert call(vk, "DELETE", f"/api/v2/ad_plans/{gone}.json").status_code == 204
    listed = call(vk, "GET", "/api/v2/ad_plans.json", params={"fields": "id,name,status"}).json()
    assert listed["count"] == 1 and listed["items"] == [
        {"id": keep, "name": "smm:1 a", "status": "blocked"}
    ]
    deleted = call(vk, "GET", "/api/v2/ad_plans.json", params={"_status": "deleted"}).json()[
        "items"
    ]
    assert [p["id"] for p in deleted] == [gone]
    assert fields(call(vk, "GET", "/api/v2/ad_plans.json", params={"_name": "smm:1 a"})) == {
        "_name": "unallowed_field"
    }
    assert fields(call(vk, "GET", "/api/v2/ad_plans.json", params={"fields": "id,ad_groups"})) == {
        "fields": "unallowed_value"
    }
    assert call(vk, "GET", "/api/v2/ad_plans.json", params={"limit": 250}).json()["limit"] == 50


def test_groups_and_banners_are_added_to_existing_objects(vk):
    plan_id = call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk)).json()["id"]
    group = {
        "ad_plan_id": plan_id,
        "name": "g2",
        "package_id": 3194,
        "targetings": TARGETINGS,
        "budget_limit_day": "300",
    }
    group_id = call(vk, "POST", "/api/v2/ad_groups.json", json=group).json()["id"]
    banner = {"name": "b2", "urls": {"vk_post": {"id": url_id(vk)}}}
    assert (
        call(vk, "POST", f"/api/v2/ad_groups/{group_id}/banners.json", json=banner).status_code
        == 200
    )
    missing = call(vk, "POST", "/api/v2/ad_groups/1/banners.json", json=banner)
    assert fields(missing) == {"ad_group_id": "invalid_ad_group"}


def test_mass_action_and_single_updates(vk):
    plan_id = call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk)).json()["id"]
    assert (
        call(
            vk,
            "POST",
            "/api/v2/ad_plans/mass_action.json",
            json=[{"id": plan_id, "status": "active"}],
        ).status_code
        == 204
    )
    assert vk.ad_plans[plan_id]["status"] == "active"
    unknown = call(
        vk, "POST", "/api/v2/ad_plans/mass_action.json", json=[{"id": 144, "status": "blocked"}]
    )
    assert unknown.status_code == 400 and unknown.json() == {
        "error": {"message": "Unknown ad_plans: 144", "code": "unknown_ad_plans"}
    }
    assert (
        call(vk, "POST", f"/api/v2/ad_plans/{plan_id}.json", json={"status": "blocked"}).status_code
        == 204
    )
    assert call(vk, "GET", "/api/v2/ad_plans/1.json").status_code == 404


def test_statistics_roll_banners_up_to_the_campaign(vk):
    body = call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk)).json()
    banner_id = body["ad_groups"][0]["banners"][0]["id"]
    query = {
        "id": body["id"],
        "date_from": "2026-12-10",
        "date_to": "2026-12-11",
        "metrics": "base",
    }
    empty = call(vk, "GET", "/api/v2/statistics/ad_plans/day.json", params=query).json()
    assert empty["items"][0]["rows"] == [] and empty["total"]["base"]["spent"] == "0.00"
    vk.deliver(banner_id, "2026-12-10", shows=900, clicks=12, spent="100.5")
    vk.deliver(banner_id, "2026-12-12", shows=5, clicks=0, spent="1")  # outside the range
    rows = call(vk, "GET", "/api/v2/statistics/ad_plans/day.json", params=query).json()["items"][0][
        "rows"
    ]
    assert rows == [
        {
            "date": "2026-12-10",
            "base": {
                "shows": 900,
                "clicks": 12,
                "goals": 0,
                "spent": "100.50",
                "cpm": "111.67",
                "cpc": "8.38",
                "cpa": "0",
                "ctr": 100 * 12 / 900,
                "cr": 0,
            },
        }
    ]
    assert (
        call(vk, "GET", "/api/v2/statistics/ad_plans/day.json", params={"id": body["id"]}).json()[
            "error"
        ]["code"]
        == "ERR_WRONG_DATE"
    )
    assert (
        call(vk, "GET", "/api/v2/statistics/banners/summary.json", params={"id": 1}).json()[
            "error"
        ]["code"]
        == "ERR_WRONG_BANNERS"
    )


def test_rate_limit_headers_and_429(vk):
    vk.limits["Hourly"] = 3
    first = call(vk, "GET", "/api/v2/regions.json", params={"_q": "bucha"})
    assert first.json()["items"][0]["id"] == 20002
    assert (
        first.headers["X-RateLimit-Hourly-Limit"] == "3"
        and first.headers["X-RateLimit-Hourly-Remaining"] == "2"
    )
    call(vk, "GET", "/api/v2/user.json")
    call(vk, "GET", "/api/v2/user.json")
    over = call(vk, "GET", "/api/v2/user.json")
    assert over.status_code == 429 and over.headers["X-RateLimit-Hourly-Remaining"] == "0"


def test_faults(vk):
    vk.throttle("POST", r"/ad_plans\.json$")
    assert (
        call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk)).status_code == 429
        and vk.ad_plans == {}
    )
    vk.fail("POST", r"/ad_plans\.json$", when="after", action="reset")
    with pytest.raises(requests.ConnectionError):
        call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk))
    assert len(vk.ad_plans) == 1  # made, answer lost
    vk.fail("POST", r"/ad_plans\.json$", action="html")
    gateway = call(vk, "POST", "/api/v2/ad_plans.json", json=plan(vk))
    assert (
        gateway.status_code == 502
        and gateway.headers["Content-Type"] == "text/html"
        and len(vk.ad_plans) == 1
    )


def test_rights_and_dictionaries(vk):
    reader = vk.grant(CLIENT, scopes=("read_ads",))
    denied = call(vk, "POST", "/api/v2/ad_plans.json", token=reader, json=plan(vk))
    assert denied.status_code == 403 and vk.ad_plans == {}
    tree = call(
        vk, "GET", "/api/v2/targetings_tree.json", params={"targetings": "interests"}
    ).json()
    assert list(tree[0]) == ["interests"] and tree[0]["interests"][1]["id"] == 13612
    assert call(vk, "GET", "/api/v2/user.json").json()["currency"] == "RUB"
    checked = call(vk, "GET", f"/api/v2/urls/{url_id(vk)}.json").json()
    assert "vk_post" in checked["url_types"] and checked["url_object_id"] == "-22822305_1042"
