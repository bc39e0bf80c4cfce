"""The loopback Marketing API (tests/servers/meta_ads.py) behaves as Meta documents: driven
with `requests` the way the docs' curl examples do (form parameters, JSON as text)."""

from __future__ import annotations

import json

import pytest
import requests

try:  # `python -m pytest` from the repository root
    from tests.servers.meta import MetaGraph
    from tests.servers.meta_ads import MetaAds
except ImportError:  # pytest with tests/ itself on sys.path
    from servers.meta import MetaGraph
    from servers.meta_ads import MetaAds

ACT = "1234567890"
TOKEN = "EAAB-ads-token-0123456789"
PAGE, POST = "104857392016483", "9988776655"
UNIRII = {"latitude": 44.4268, "longitude": 26.1025, "radius": 2, "distance_unit": "kilometer"}
# "25–40, female, within 2 km of Piața Unirii metro station, Bucharest"
AUDIENCE = {
    "geo_locations": {"custom_locations": [UNIRII], "location_types": ["home", "recent"]},
    "age_min": 25,
    "age_max": 40,
    "genders": [2],
    "flexible_spec": [{"interests": [{"id": "6003107902433", "name": "Coffee"}]}],
    "locales": [31],
    "targeting_automation": {"advantage_audience": 0},
}


@pytest.fixture
def meta():
    server = MetaAds()
    server.add_account(
        ACT, TOKEN, default_dsa_payor="Clinic SRL", default_dsa_beneficiary="Clinic SRL"
    )
    server.add_post(PAGE, POST)
    with server:
        yield server


def post(meta: MetaAds, path: str, token: str = TOKEN, **params) -> requests.Response:
    form = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in params.items()}
    return requests.post(f"{meta.api}/{path}", data={**form, "access_token": token}, timeout=5)


def get(meta: MetaAds, path: str, token: str = TOKEN, **params) -> requests.Response:
    query = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in params.items()}
    return requests.get(f"{meta.api}/{path}", params={**query, "access_token": token}, timeout=5)


def campaign(meta: MetaAds, **kw) -> str:
    params = dict(
        name="smm:ab12cd34 clinic",
        objective="OUTCOME_ENGAGEMENT",
        status="PAUSED",
        special_ad_categories=[],
        is_adset_budget_sharing_enabled="false",
    )
    answer = post(meta, f"act_{ACT}/campaigns", **{**params, **kw})
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


def adset(meta: MetaAds, cid: str, **kw) -> requests.Response:
    params = dict(
        name="smm:ab12cd34 adset",
        campaign_id=cid,
        daily_budget="1000",
        billing_event="IMPRESSIONS",
        optimization_goal="POST_ENGAGEMENT",
        destination_type="ON_POST",
        bid_strategy="LOWEST_COST_WITHOUT_CAP",
        targeting=AUDIENCE,
        status="PAUSED",
    )
    return post(meta, f"act_{ACT}/adsets", **{**params, **kw})


def error(answer: requests.Response) -> tuple[int, int | None]:
    assert answer.status_code == 400, answer.text
    body = answer.json()["error"]
    assert body["type"] == "OAuthException" and body["fbtrace_id"]
    return body["code"], body.get("error_subcode")


def test_the_whole_chain_is_created_paused_and_read_back(meta):
    cid = campaign(meta)
    sid = adset(meta, cid).json()["id"]
    creative = post(meta, f"act_{ACT}/adcreatives", name="post", object_story_id=f"{PAGE}_{POST}")
    ad = post(
        meta,
        f"act_{ACT}/ads",
        name="ad",
        adset_id=sid,
        creative={"creative_id": creative.json()["id"]},
        status="PAUSED",
    )
    assert ad.status_code == 200, ad.text
    assert [k for k, _ in meta.created] == ["campaigns", "adsets", "adcreatives", "ads"]
    assert {o["status"] for k in ("campaigns", "adsets", "ads") for o in meta.live(k)} == {"PAUSED"}
    read = get(meta, sid, fields="name,status,effective_status,daily_budget,targeting").json()
    assert read["daily_budget"] == "1000" and read["effective_status"] == "PAUSED"
    assert read["targeting"]["geo_locations"]["custom_locations"][0]["radius"] == 2
    assert get(meta, ad.json()["id"], fields="creative").json()["creative"] == {
        "id": creative.json()["id"]
    }


def test_status_omitted_is_active_and_parents_show_in_effective_status(meta):
    cid = campaign(meta, status="ACTIVE")
    sid = adset(meta, cid, status="PAUSED").json()["id"]
    cre = post(meta, f"act_{ACT}/adcreatives", object_story_id=f"{PAGE}_{POST}").json()["id"]
    ad = post(
        meta, f"act_{ACT}/ads", name="ad", adset_id=sid, creative={"creative_id": cre}
    ).json()["id"]
    assert meta.ads[ad]["status"] == "ACTIVE"
    assert get(meta, ad, fields="effective_status").json()["effective_status"] == "ADSET_PAUSED"


@pytest.mark.parametrize(
    ("params", "code", "subcode"),
    [
        ({"special_ad_categories": None}, 100, None),
        ({"objective": "LINK_CLICKS"}, 100, None),
        ({"special_ad_categories": ["CREDIT"]}, 100, None),
        ({"special_ad_categories": ["HOUSING"]}, 100, None),  # no special_ad_category_country
        ({"is_adset_budget_sharing_enabled": None}, 100, 4834011),
        ({"status": "ARCHIVED"}, 100, None),
    ],
)
def test_campaign_refusals(meta, params, code, subcode):
    base = dict(
        name="c",
        objective="OUTCOME_ENGAGEMENT",
        special_ad_categories=[],
        is_adset_budget_sharing_enabled="false",
    )
    merged = {k: v for k, v in {**base, **params}.items() if v is not None}
    assert error(post(meta, f"act_{ACT}/campaigns", **merged)) == (code, subcode)
    assert meta.campaigns == {}


def custom(radius: float, unit: str) -> dict:
    return {
        **AUDIENCE,
        "geo_locations": {
            "custom_locations": [{**UNIRII, "radius": radius, "distance_unit": unit}]
        },
    }


@pytest.mark.parametrize(
    ("targeting", "subcode"),
    [
        (custom(0.5, "kilometer"), 1815946),
        (custom(81, "kilometer"), 1815946),
        (custom(0.6, "mile"), 1815946),
        (
            {
                **AUDIENCE,
                "geo_locations": {
                    "cities": [{"key": "2394011", "radius": 10, "distance_unit": "kilometer"}]
                },
            },
            1815946,
        ),
        ({**AUDIENCE, "geo_locations": {"custom_locations": [UNIRII] * 201}}, None),
        ({**AUDIENCE, "age_min": 10}, None),
        ({**AUDIENCE, "age_min": 16}, None),  # a minor in the EU
        ({**AUDIENCE, "genders": ["f"]}, None),
        ({**AUDIENCE, "targeting_automation": {}}, 1870227),
        ({**AUDIENCE, "targeting_automation": {"advantage_audience": 1}}, 1870189),
        ({**AUDIENCE, "flexible_spec": [{"interests": [{"id": "6002714398172"}]}]}, 1487694),
        (
            {**AUDIENCE, "geo_locations": {"countries": ["RO"], "cities": [{"key": "2394011"}]}},
            None,
        ),
        ({**AUDIENCE, "geo_locations": {}}, None),
    ],
)
def test_targeting_refusals(meta, targeting, subcode):
    cid = campaign(meta)
    assert error(adset(meta, cid, targeting=targeting)) == (100, subcode)
    assert meta.adsets == {}


def test_bounds_are_inclusive(meta):
    cid = campaign(meta)
    for radius, unit in ((1, "kilometer"), (80, "kilometer"), (0.63, "mile"), (50, "mile")):
        assert adset(meta, cid, targeting=custom(radius, unit)).status_code == 200
    city = {
        **AUDIENCE,
        "geo_locations": {
            "cities": [{"key": "2394011", "radius": 17, "distance_unit": "kilometer"}]
        },
    }
    assert adset(meta, cid, targeting=city).status_code == 200


def test_special_ad_category_forbids_gender_and_a_narrow_radius(meta):
    cid = campaign(meta, special_ad_categories=["EMPLOYMENT"], special_ad_category_country=["RO"])
    broad = {**AUDIENCE, "age_min": 18, "age_max": 65}
    assert error(adset(meta, cid, targeting=broad)) == (100, None)  # genders
    no_gender = {k: v for k, v in broad.items() if k != "genders"}
    assert error(adset(meta, cid, targeting=no_gender)) == (100, None)  # 2 km < 15 km
    wide = {**no_gender, "geo_locations": {"custom_locations": [{**UNIRII, "radius": 15}]}}
    assert adset(meta, cid, targeting=wide).status_code == 200


@pytest.mark.parametrize(
    ("params", "subcode"),
    [
        ({"daily_budget": "50"}, 1885272),
        ({"bid_strategy": None}, 2490487),
        ({"daily_budget": None, "lifetime_budget": "10000"}, None),  # no end_time
        ({"lifetime_budget": "10000"}, None),  # both budgets
        ({"daily_budget": "-5"}, None),
        ({"optimization_goal": "IMPRESSIONS"}, None),  # deprecated for ON_POST
    ],
)
def test_adset_budget_and_goal_refusals(meta, params, subcode):
    cid = campaign(meta)
    assert error(_without(meta, cid, params)) == (100, subcode)


def _without(meta, cid, params):
    form = dict(
        name="a",
        campaign_id=cid,
        daily_budget="1000",
        billing_event="IMPRESSIONS",
        optimization_goal="POST_ENGAGEMENT",
        destination_type="ON_POST",
        bid_strategy="LOWEST_COST_WITHOUT_CAP",
        targeting=AUDIENCE,
    )
    form.update(params)
    return post(meta, f"act_{ACT}/adsets", **{k: v for k, v in form.items() if v is not None})


def test_the_eu_needs_dsa_fields_unless_the_account_has_defaults(meta):
    meta.accounts[ACT].update(default_dsa_payor="", default_dsa_beneficiary="")
    cid = campaign(meta)
    assert error(adset(meta, cid)) == (100, 3858079)
    assert error(adset(meta, cid, dsa_beneficiary="Clinic SRL")) == (100, 3858081)
    assert adset(meta, cid, dsa_beneficiary="Clinic SRL", dsa_payor="Agency SRL").status_code == 200


def test_creatives_need_an_existing_post_and_repeat_to_the_same_id(meta):
    first = post(meta, f"act_{ACT}/adcreatives", name="p", object_story_id=f"{PAGE}_{POST}").json()[
        "id"
    ]
    again = post(meta, f"act_{ACT}/adcreatives", name="p", object_story_id=f"{PAGE}_{POST}").json()[
        "id"
    ]
    assert first == again and len(meta.adcreatives) == 1
    assert error(post(meta, f"act_{ACT}/adcreatives", object_story_id=f"{PAGE}_1")) == (100, None)


def test_posts_published_on_a_linked_graph_server_can_be_promoted(meta):
    graph = MetaGraph().start()
    try:
        graph.add_page(PAGE, "Clinic", "page-token")
        published = requests.post(
            f"{graph.api}/{PAGE}/feed",
            data={"message": "Open doors", "access_token": "page-token"},
            timeout=5,
        )
        meta.graph = graph
        story = published.json()["id"]
        assert post(meta, f"act_{ACT}/adcreatives", object_story_id=story).status_code == 200
    finally:
        graph.stop()


def test_a_campaign_is_found_by_name_after_a_crash_and_deleted_ones_hide(meta):
    keep, gone = campaign(meta, name="smm:11111111 a"), campaign(meta, name="smm:22222222 b")
    assert requests.delete(
        f"{meta.api}/{gone}", params={"access_token": TOKEN}, timeout=5
    ).json() == {"success": True}
    by_name = [{"field": "name", "operator": "EQUAL", "value": "smm:11111111 a"}]
    found = get(
        meta, f"act_{ACT}/campaigns", fields="id,name,effective_status", filtering=by_name
    ).json()
    assert found["data"] == [{"id": keep, "name": "smm:11111111 a", "effective_status": "PAUSED"}]
    assert [c["id"] for c in get(meta, f"act_{ACT}/campaigns").json()["data"]] == [keep]
    deleted = get(meta, f"act_{ACT}/campaigns", effective_status=["DELETED"]).json()["data"]
    assert [c["id"] for c in deleted] == [gone]


def test_insights_are_empty_until_delivery_then_strings(meta):
    cid = campaign(meta)
    sid = adset(meta, cid).json()["id"]
    cre = post(meta, f"act_{ACT}/adcreatives", object_story_id=f"{PAGE}_{POST}").json()["id"]
    ad = post(
        meta, f"act_{ACT}/ads", name="ad", adset_id=sid, creative={"creative_id": cre}
    ).json()["id"]
    fields = "spend,impressions,reach,clicks,actions"
    assert get(meta, f"{cid}/insights", fields=fields, date_preset="maximum").json()["data"] == []
    meta.deliver(
        ad, spend="12.5", impressions=1000, reach=800, clicks=30, actions={"post_engagement": 41}
    )
    row = get(meta, f"{cid}/insights", fields=fields, date_preset="maximum").json()["data"][0]
    assert row["spend"] == "12.5" and row["impressions"] == "1000" and row["clicks"] == "30"
    assert row["actions"] == [{"action_type": "post_engagement", "value": "41"}]
    assert error(get(meta, f"{cid}/insights", date_preset="last_2_weeks")) == (100, None)


def test_targeting_search_and_the_account_for_doctor(meta):
    cities = get(meta, "search", type="adgeolocation", q="bucha", location_types=["city"]).json()[
        "data"
    ]
    assert [(c["key"], c["type"], c["country_code"]) for c in cities] == [("2394011", "city", "RO")]
    assert (
        get(meta, "search", type="adgeolocation", q="chisinau").json()["data"][0]["name"]
        == "Chișinău"
    )
    assert (
        get(meta, "search", type="adinterest", q="coffee").json()["data"][0]["id"]
        == "6003107902433"
    )
    account = get(
        meta, f"act_{ACT}", fields="account_status,currency,timezone_name,amount_spent,spend_cap"
    ).json()
    assert account == {
        "account_status": 1,
        "currency": "EUR",
        "timezone_name": "Europe/Bucharest",
        "amount_spent": "0",
        "spend_cap": "0",
        "id": f"act_{ACT}",
    }


def test_tokens_and_permissions(meta):
    meta.add_account("999", "reader", scopes=("ads_read",))
    meta.add_account("555", "nobody", scopes=())
    assert error(post(meta, "act_999/campaigns", token="reader", name="c")) == (294, None)
    assert error(get(meta, "act_555/insights", token="nobody")) == (200, None)
    assert error(get(meta, "act_999", token=TOKEN)) == (100, 33)  # not this token's account
    meta.expire(TOKEN)
    assert error(get(meta, f"act_{ACT}")) == (190, 463)


def test_rate_limit_fault_carries_the_business_use_case_header(meta):
    meta.throttle("POST", r"/campaigns$", kind="account", regain_minutes=7)
    answer = post(
        meta,
        f"act_{ACT}/campaigns",
        name="c",
        objective="OUTCOME_ENGAGEMENT",
        special_ad_categories=[],
    )
    assert error(answer) == (17, 2446079) and answer.json()["error"]["is_transient"] is True
    buc = json.loads(answer.headers["X-Business-Use-Case-Usage"])
    assert (
        buc[ACT][0]["type"] == "ads_management"
        and buc[ACT][0]["estimated_time_to_regain_access"] == 7
    )
    assert "acc_id_util_pct" in json.loads(answer.headers["X-Ad-Account-Usage"])
    assert meta.campaigns == {}


def test_the_account_score_limit_blocks_writes(meta):
    meta.score_max = 7  # two writes (3 each) fit, the third does not
    campaign(meta)
    campaign(meta)
    assert error(post(meta, f"act_{ACT}/campaigns", name="c")) == (17, 2446079)
    assert len(meta.campaigns) == 2


def test_faults_after_the_work_and_transient_errors(meta):
    meta.fail("POST", r"/campaigns$", when="after", action="reset")
    with pytest.raises(requests.ConnectionError):
        campaign(meta)
    assert len(meta.campaigns) == 1  # created, answer lost
    meta.transient("POST", r"/campaigns$")
    answer = post(meta, f"act_{ACT}/campaigns", name="c")
    assert answer.status_code == 500 and answer.json()["error"]["code"] == 2
    assert answer.json()["error"]["is_transient"] is True and len(meta.campaigns) == 1


def test_more_than_four_budget_changes_an_hour_are_refused(meta):
    sid = adset(meta, campaign(meta)).json()["id"]
    for amount in ("1100", "1200", "1300", "1400"):
        assert post(meta, sid, daily_budget=amount).json() == {"success": True}
    assert error(post(meta, sid, daily_budget="1500")) == (613, 1487632)
    assert meta.adsets[sid]["daily_budget"] == "1400"
