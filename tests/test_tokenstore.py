"""The one store of rotated tokens (platforms/tokenstore.py): X's and TikTok's newest
refresh tokens survive run after run under the one state folder, a GitHub-hosted runner
(which forgets that folder) is refused before a token is spent, and the folder is never
inside the repository — against the loopback X and TikTok."""

from __future__ import annotations

import json
import time

import pytest
from publishhelp import make_repo, run
from servers.tiktok import TikTokServer
from servers.x import XServer

from smmflow.platforms.base import Finding
from smmflow.platforms.http import FAIL, PublishError
from smmflow.platforms.tokenstore import TokenStore

USER, TT_REFRESH, X_REFRESH = "1460000000000000001", "rft.brutaria-0001", "x-refresh-0001"
SECRETS = {
    "X_TOKEN": "expired",
    "X_REFRESH": X_REFRESH,
    "TT_KEY": "aw1loopbackkey",
    "TT_SECRET": "loopback-client-secret",
    "TT_REFRESH": TT_REFRESH,
}


@pytest.fixture
def both(serve, tmp_path):
    x = serve(XServer())
    x.add_account(USER, "brutariadulce", "Brutăria Dulce")
    x.add_client("client-abc")
    x.add_token("expired", USER, expires_at=time.time() - 10)
    x.add_refresh_token(X_REFRESH, USER, "client-abc")
    tiktok = serve(TikTokServer())
    tiktok.add_creator("open-brutaria", "brutaria.sibiu", "act.unused")
    tiktok.add_refresh_token(TT_REFRESH, "open-brutaria")
    accounts = {
        "x": {
            "platform": "x",
            "token_env": "X_TOKEN",
            "refresh_token_env": "X_REFRESH",
            "client_id": "client-abc",
            "api": x.url,
        },
        "tiktok": {
            "platform": "tiktok",
            "client_key_env": "TT_KEY",
            "client_secret_env": "TT_SECRET",
            "refresh_token_env": "TT_REFRESH",
            "api": tiktok.url,
        },
    }
    repo = make_repo(tmp_path / "repo", accounts, {"2026-12-04-a": ("Azi.", [])}, {})
    return x, tiktok, repo


def x_run(repo, env) -> str:
    """One run of X: the user it answers for (refreshing first when the token ran out)."""
    client = run(repo, "x", env).publisher._client()
    return client.request("GET", "/2/users/me", what="me")["data"]["username"]


def tiktok_run(repo, env) -> str:
    return run(repo, "tiktok", env).publisher._api().creator_info()["creator_username"]


def test_rotated_tokens_of_x_and_tiktok_survive_run_after_run_in_the_one_store(both, tmp_path):
    x, tiktok, repo = both
    env = {**SECRETS, "SMMFLOW_STATE_DIR": str(tmp_path / "state")}
    for _ in range(3):  # the first run spends the environment's tokens; two more follow
        x.clock += 3 * 3600  # X's access token (2 h) ran out since: each run refreshes
        assert x_run(repo, env) == "brutariadulce"
        assert tiktok_run(repo, env) == "brutaria.sibiu"
    assert len(x.of("token")) == 3 and len(tiktok.of("token")) == 3
    assert X_REFRESH not in x.refresh_tokens and TT_REFRESH not in tiktok.refresh_tokens
    files = sorted((tmp_path / "state/tokens").iterdir())
    assert len(files) == 2 and all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    kept_x = TokenStore(env, repo.root, "x").load("client-abc", X_REFRESH)
    kept_tt = TokenStore(env, repo.root, "tiktok").load("aw1loopbackkey", TT_REFRESH)
    assert kept_x and kept_x.refresh_token in x.refresh_tokens
    assert kept_tt and kept_tt.refresh_token in tiktok.refresh_tokens
    assert {f.name for f in files} == {
        TokenStore(env, repo.root, p).file(c, o).name
        for p, c, o in (("x", "client-abc", X_REFRESH), ("tiktok", "aw1loopbackkey", TT_REFRESH))
    }


def test_another_machine_without_the_store_holds_a_spent_token(both, tmp_path):
    x, tiktok, repo = both
    x_run(repo, {**SECRETS, "SMMFLOW_STATE_DIR": str(tmp_path / "state")})
    with pytest.raises(PublishError, match="work once"):
        x_run(repo, {**SECRETS, "SMMFLOW_STATE_DIR": str(tmp_path / "elsewhere")})


def test_a_github_hosted_runner_is_refused_before_a_token_is_spent(both, tmp_path):
    x, tiktok, repo = both
    env = {**SECRETS, "RUNNER_ENVIRONMENT": "github-hosted", "HOME": str(tmp_path / "home")}
    env["XDG_STATE_HOME"] = str(tmp_path / "xdg")
    for once in (x_run, tiktok_run):
        with pytest.raises(PublishError) as refused:
            once(repo, env)
        assert refused.value.kind == FAIL and "GitHub-hosted runner forgets" in str(refused.value)
    assert x.of("token") == [] and tiktok.of("token") == []
    assert X_REFRESH in x.refresh_tokens and TT_REFRESH in tiktok.refresh_tokens
    assert not (tmp_path / "xdg").exists()
    for account in ("x", "tiktok"):
        found: list[Finding] = run(repo, account, env).publisher.doctor()
        errors = [f.message for f in found if f.level == "error"]
        assert any("GitHub-hosted runner forgets" in m and "self-hosted" in m for m in errors)
    assert x.of("token") == [] and tiktok.of("token") == []
    # a state folder the workflow brings back itself is that person's choice
    kept = {**env, "SMMFLOW_STATE_DIR": str(tmp_path / "restored")}
    assert x_run(repo, kept) == "brutariadulce" and tiktok_run(repo, kept) == "brutaria.sibiu"


def test_the_store_is_never_inside_the_repository(both):
    x, tiktok, repo = both
    env = {**SECRETS, "SMMFLOW_STATE_DIR": str(repo.root / ".state")}
    with pytest.raises(PublishError, match="inside the repository"):
        tiktok_run(repo, env)
    assert not (repo.root / ".state").exists()


def test_a_damaged_file_falls_back_to_the_environments_token(both, tmp_path):
    x, tiktok, repo = both
    env = {**SECRETS, "SMMFLOW_STATE_DIR": str(tmp_path / "state")}
    file = TokenStore(env, repo.root, "tiktok").file("aw1loopbackkey", TT_REFRESH)
    file.parent.mkdir(parents=True)
    file.write_text("{not json")
    assert tiktok_run(repo, env) == "brutaria.sibiu"
    assert json.loads(file.read_text())["refresh_token"] in tiktok.refresh_tokens
