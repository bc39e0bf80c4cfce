"""`smmflow ads push` against the loopback Meta Marketing API and VK Ads servers: what is
created (campaign → ad set → creative → ad; ad plan → group → banner), paused unless the
group opts in, only for an approved post that is published, exactly once; refusals before
any call; failures with the platforms' own reasons; a lost answer found by name.

In-process (`run_push`), with real git and real HTTP; the SIGKILL and concurrency cases
are in test_ads_crash.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from adshelp import (
    ACT,
    FB_POST,
    NOW,
    PAGE,
    POST,
    POST_ID,
    VK_CLIENT,
    VK_WALL,
    commit_all,
    env,
    make_repo,
    mark_published,
    meta_server,
    publish_both,
    vk_server,
)
from repohelp import ledger, write

from smmflow.ads.session import Options, run_push
from smmflow.content.timeparse import parse_now
from smmflow.errors import ExitCode


@pytest.fixture(autouse=True)
def fast_http(monkeypatch):
    for key, value in {
        "SMMFLOW_RETRIES": "2",
        "SMMFLOW_BACKOFF": "0.01",
        "SMMFLOW_MAX_WAIT": "2",
        "SMMFLOW_TIMEOUT": "5",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def meta(serve):
    return serve(meta_server())


@pytest.fixture
def vk(serve):
    server = serve(vk_server())
    server.token = server.grant(VK_CLIENT)
    return server


def push(root: Path, meta, vk, now: str = NOW, **extra):
    return run_push(root, Options(now=parse_now(now), approvals="branch"), env(meta, vk, **extra))


def states(report) -> dict[str, str]:
    return {o.platform: o.state for o in report.outcomes}


def test_created_once_paused_with_the_compiled_targeting(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    publish_both(root)
    report = push(root, meta, vk)
    assert states(report) == {"meta": "created", "vk": "created"}, report.outcomes
    assert report.exit_code == ExitCode.OK
    # Meta: one of each, PAUSED, the published Page post as the creative
    assert [len(meta.live(k)) for k in ("campaigns", "adsets", "adcreatives", "ads")] == [1] * 4
    campaign, adset, ad = meta.live("campaigns")[0], meta.live("adsets")[0], meta.live("ads")[0]
    assert {campaign["status"], adset["status"], ad["status"]} == {"PAUSED"}
    assert campaign["objective"] == "OUTCOME_ENGAGEMENT"
    assert meta.live("adcreatives")[0]["object_story_id"] == f"{PAGE}_{FB_POST}"
    assert adset["daily_budget"] == "1000" and adset["optimization_goal"] == "POST_ENGAGEMENT"
    assert adset["targeting"]["geo_locations"]["custom_locations"][0]["name"] == "Piața Unirii"
    assert (adset["targeting"]["age_min"], adset["targeting"]["genders"]) == (25, [2])
    # VK: one plan with its group and banner, blocked (paused), the VK post as the link
    assert [len(vk.live(k)) for k in ("ad_plans", "ad_groups", "banners")] == [1, 1, 1]
    plan, group = vk.live("ad_plans")[0], vk.live("ad_groups")[0]
    assert plan["status"] == group["status"] == vk.live("banners")[0]["status"] == "blocked"
    assert group["budget_limit_day"] == "300.00" or group["budget_limit_day"]
    assert group["targetings"]["geo"]["local_geo"]["locations"][0]["radius"] == 2000
    link = vk.live("banners")[0]["urls"]["vk_post"]["id"]
    assert vk.urls[link]["url"] == VK_WALL
    # the ledger holds what was made; a second push makes nothing
    records = ledger(root)
    assert records[(POST_ID, "ads-meta")]["state"] == "published"
    assert f"campaign={campaign['id']}" in records[(POST_ID, "ads-meta")]["remote_id"]
    assert f"plan={plan['id']}" in records[(POST_ID, "ads-vk")]["remote_id"]
    again = push(root, meta, vk)
    assert states(again) == {"meta": "done", "vk": "done"}
    assert len(meta.created) == 4 and len(vk.created) == 3


def test_a_group_that_opts_in_gets_active_ads(tmp_path, meta, vk):
    root = make_repo(
        tmp_path / "r", meta, vk, platforms="[meta, vk]", group_extra="ads_activate: true\n"
    )
    publish_both(root)
    assert states(push(root, meta, vk)) == {"meta": "created", "vk": "created"}
    assert {o["status"] for k in ("campaigns", "adsets", "ads") for o in meta.live(k)} == {"ACTIVE"}
    assert {o["status"] for k in ("ad_plans", "ad_groups") for o in vk.live(k)} == {"active"}


def test_nothing_before_the_post_is_published(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    report = push(root, meta, vk, now="2026-12-10 08:00")
    assert states(report) == {"meta": "not-yet", "vk": "not-yet"}
    assert "not published on facebook yet" in report.outcomes[0].detail
    assert report.exit_code == ExitCode.OK
    assert meta.calls == [] and vk.calls == []


def test_a_budget_over_the_cap_is_refused_before_any_call(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta]", budget="50 EUR")
    publish_both(root)
    report = push(root, meta, vk)
    assert states(report) == {"meta": "refused"}
    assert "over its ads_budget_monthly of 300.00 EUR" in report.outcomes[0].detail
    assert report.exit_code == ExitCode.PROBLEMS
    assert meta.calls == [] and (POST_ID, "ads-meta") not in ledger(root)


def test_an_audience_changed_since_it_was_committed_is_held(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk)
    publish_both(root)
    path = root / "audiences/shop/unirii-women.yml"
    path.write_text(path.read_text().replace("25-40", "18-40"))
    report = push(root, meta, vk)
    assert states(report) == {"meta": "held"}
    assert (
        "audiences/shop/unirii-women.yml differs from the copy on main" in report.outcomes[0].detail
    )
    assert report.exit_code == ExitCode.NEEDS_PERSON and meta.calls == []
    commit_all(root, "the new audience, approved")
    assert states(push(root, meta, vk)) == {"meta": "created"}
    assert meta.live("adsets")[0]["targeting"]["age_min"] == 18


def test_a_promotion_whose_ads_would_end_before_the_push_is_missed(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk)
    publish_both(root)
    report = push(root, meta, vk, now="2026-12-18 10:00")
    assert states(report) == {"meta": "missed"} and meta.calls == []
    assert report.exit_code == ExitCode.PROBLEMS
    assert ledger(root)[(POST_ID, "ads-meta")]["state"] == "missed"
    again = push(root, meta, vk, now="2026-12-18 10:00")  # said once, then settled
    assert states(again) == {"meta": "settled"} and again.exit_code == ExitCode.OK


def test_meta_refusals_are_reported_with_meta_s_words(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk)
    publish_both(root)
    meta.fail(
        "POST",
        r"/adsets$",
        code=100,
        subcode=1815946,
        message="Invalid parameter",
        user_title="Invalid Radius",
        user_msg="custom_locations[0]: the radius must be between 1 and 80 kilometers.",
    )
    report = push(root, meta, vk)
    assert states(report) == {"meta": "failed"}
    detail = report.outcomes[0].detail
    assert "code 100/1815946" in detail and "Invalid Radius" in detail, detail
    record = ledger(root)[(POST_ID, "ads-meta")]
    assert record["state"] == "failed" and record["retryable"] is False
    assert record["remote_id"].startswith("campaign=")  # kept: the next try reuses it
    # the same promotion is not sent again; a changed one is, under the same campaign
    assert states(push(root, meta, vk)) == {"meta": "failed"}
    write(root, POST, (root / POST).read_text().replace("10 EUR", "12 EUR"))
    commit_all(root)
    mark_published(root, "facebook", "facebook", f"{PAGE}_{FB_POST}", "https://fb.test/p/1")
    assert states(push(root, meta, vk)) == {"meta": "created"}
    assert len(meta.live("campaigns")) == 1 and len(meta.live("ads")) == 1
    assert meta.live("adsets")[0]["daily_budget"] == "1200"


def test_missing_permission_and_expired_token(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    publish_both(root)
    meta.revoke(next(iter(meta.tokens)), "ads_management")
    vk.expire(vk.token)
    report = push(root, meta, vk)
    by = {o.platform: o for o in report.outcomes}
    assert by["meta"].state == "failed" and "lacks permission ads_management" in by["meta"].detail
    assert by["vk"].state == "failed" and "expired_token" in by["vk"].detail
    assert "check the token of vk_ads" in by["vk"].detail
    assert meta.live("campaigns") == [] and vk.live("ad_plans") == []


def test_rate_limits_fail_for_a_later_run_which_finishes(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    publish_both(root)
    meta.throttle("POST", r"/adsets$", kind="account", regain_minutes=30)
    vk.throttle("POST", r"/ad_plans\.json$", window="Hourly")
    report = push(root, meta, vk)
    by = {o.platform: o.detail for o in report.outcomes}
    assert "rate limit" in by["meta"] and "2446079" in by["meta"], by
    assert "rate limit" in by["vk"] and "rate_limit_exceeded" in by["vk"], by
    assert states(push(root, meta, vk)) == {"meta": "created", "vk": "created"}
    assert [len(meta.live(k)) for k in ("campaigns", "adsets", "ads")] == [1, 1, 1]
    assert len(vk.live("ad_plans")) == 1


def test_a_lost_answer_is_found_by_name_not_created_again(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    publish_both(root)
    meta.fail("POST", r"/campaigns$", when="after", action="reset")
    vk.fail("POST", r"/ad_plans\.json$", when="after", action="reset")
    report = push(root, meta, vk)
    assert states(report) == {"meta": "failed", "vk": "failed"}
    assert all("looks for it by name" in o.detail for o in report.outcomes)
    assert len(meta.live("campaigns")) == 1 and len(vk.live("ad_plans")) == 1
    assert states(push(root, meta, vk)) == {"meta": "created", "vk": "created"}
    assert [len(meta.live(k)) for k in ("campaigns", "adsets", "ads")] == [1, 1, 1]
    assert [len(vk.live(k)) for k in ("ad_plans", "ad_groups", "banners")] == [1, 1, 1]


def test_the_wrong_currency_creates_nothing(tmp_path, meta, vk):
    meta.accounts[ACT]["currency"] = "RON"
    root = make_repo(tmp_path / "r", meta, vk)
    publish_both(root)
    report = push(root, meta, vk)
    assert states(report) == {"meta": "failed"}
    assert "spends RON, but the group file says EUR" in report.outcomes[0].detail
    assert meta.created == []


def test_a_missing_token_is_named(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk)
    publish_both(root)
    environ = env(meta, vk)
    del environ["SHOP_META_ADS"]
    report = run_push(root, Options(now=parse_now(NOW), approvals="branch"), environ)
    assert states(report) == {"meta": "failed"}
    assert "SHOP_META_ADS is not set" in report.outcomes[0].detail
    assert meta.calls == []


def test_status_reads_delivery_and_spend(tmp_path, meta, vk):
    from repohelp import cli

    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    publish_both(root)
    push(root, meta, vk)
    meta.deliver(
        meta.live("ads")[0]["id"],
        spend="12.5",
        impressions=900,
        reach=700,
        clicks=31,
        actions={"post_engagement": 44},
    )
    vk.deliver(
        vk.live("banners")[0]["id"], "2026-12-11", shows=1200, clicks=40, spent="250.5", goals=9
    )
    result = cli(root, "ads", "status", "--format", "json", env=env(meta, vk))
    assert result.code == 0, str(result)
    rows = {r["platform"]: r for r in json.loads(result.out)}
    assert rows["meta"]["delivery"]["spend"] == "12.5 EUR"
    assert rows["meta"]["delivery"]["status"] == "PAUSED"
    assert rows["meta"]["delivery"]["results"] == {"post_engagement": "44"}
    assert rows["vk"]["delivery"]["spend"] == "250.50 RUB"
    assert rows["vk"]["delivery"]["results"] == {"goals": 9}
    text = cli(root, "ads", "status", env=env(meta, vk)).out
    assert "PAUSED: spent 12.5 EUR, 900 impressions, 31 clicks" in text


def test_with_github_approvals_the_audience_is_approved_with_the_post(tmp_path, meta, github):
    """The unit a client approves for an ad is the post with its audience and places
    files: an audience edited on main without a pull request holds the promotion, even
    though the post itself (which sync publishes) is still approved."""
    from adshelp import PAGE, UNIRII, group_file, promoted_post
    from repohelp import git

    bare, writer, job = tmp_path / "github.git", tmp_path / "writer", tmp_path / "job"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    server = github(bare)
    git(tmp_path, "clone", "-q", str(bare), str(writer))

    def push_to(branch: str, files: dict[str, str], message: str) -> None:
        for rel, text in files.items():
            write(writer, rel, text)
        git(writer, "add", "-A", ".")
        git(writer, "commit", "-q", "-m", message)
        git(writer, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")

    metro = (Path(__file__).parent.parent / "places" / "bucharest-metro.csv").read_text()
    group = group_file(meta, None).replace("max_delay: 30d", "max_delay: 30d\napprovers: [client]")
    push_to("main", {"schedules/shop.yml": group, "places/bucharest-metro.csv": metro}, "setup")
    git(writer, "checkout", "-q", "-b", "promo")
    push_to("promo", {"audiences/shop/unirii-women.yml": UNIRII, POST: promoted_post()}, "promo")
    number = server.open_pull("promo")
    server.review(number, "client")
    server.merge_pull(number)
    git(writer, "fetch", "-q", "origin")
    git(writer, "checkout", "-q", "-B", "main", "origin/main")
    push_to("main", {"audiences/shop/unirii-women.yml": UNIRII.replace("25-40", "18-40")}, "wider")
    git(tmp_path, "clone", "-q", str(bare), str(job))
    mark_published(job, "facebook", "facebook", f"{PAGE}_{FB_POST}", "https://fb.test/p/1")
    environ = {**env(meta, None), **server.env()}
    del environ["SMMFLOW_APPROVALS"]
    options = Options(now=parse_now(NOW))  # approvals: github, as in GitHub Actions

    report = run_push(job, options, environ)
    assert states(report) == {"meta": "held"}, report.outcomes
    assert "pushed to main without a pull request" in report.outcomes[0].detail
    assert meta.calls == []

    git(writer, "checkout", "-q", "-b", "fix")
    push_to("fix", {"audiences/shop/unirii-women.yml": UNIRII.replace("25-40", "21-40")}, "fix")
    number = server.open_pull("fix")
    server.review(number, "client")
    server.merge_pull(number)
    git(job, "pull", "-q", "origin", "main")
    assert states(run_push(job, options, environ)) == {"meta": "created"}
    assert meta.live("adsets")[0]["targeting"]["age_min"] == 21
