"""Money is spent once: `smmflow ads push` killed with SIGKILL at every step, and two pushes
at once, leave exactly one campaign, one ad set and one ad per promotion on the loopback
Meta server (one ad plan, group and banner on VK), all recorded on the ledger.

The kills come from `SMMFLOW_CRASH_AT=<point>:<n>`: the process kills itself the n-th time
it reaches the point. Run k of a chain dies at the k-th arrival (or, for `after-send`, at
the first: each resumed run first finds what the dead one made, then makes the next
object), so the chain walks through every step until a run gets to the end.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
from adshelp import (
    NOW,
    POST_ID,
    VK_CLIENT,
    make_repo,
    meta_server,
    publish_both,
    push_env,
    start_push,
    vk_server,
)
from repohelp import ledger

KILLED = -signal.SIGKILL
CHAINS = {  # point -> the n of run k (k = 1, 2, ...)
    "after-send": lambda k: 1,
    "before-send": lambda k: k,
    "before-record": lambda k: k,
    "after-record": lambda k: k,
}


@pytest.fixture
def meta(serve):
    return serve(meta_server())


@pytest.fixture
def vk(serve):
    server = serve(vk_server())
    server.token = server.grant(VK_CLIENT)
    return server


def run(root, environ) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "smmflow", "ads", "push", "--now", NOW, "--format", "json"]
    return subprocess.run(cmd, cwd=root, env=environ, capture_output=True, text=True, timeout=120)


def exactly_once(root, meta=None, vk=None) -> None:
    records = ledger(root)
    if meta is not None:
        made = [len(meta.live(k)) for k in ("campaigns", "adsets", "adcreatives", "ads")]
        assert made == [1, 1, 1, 1], (made, meta.created)
        record = records[(POST_ID, "ads-meta")]
        assert record["state"] == "published", record
        ids = dict(p.split("=") for p in record["remote_id"].split(";"))
        assert ids["campaign"] == meta.live("campaigns")[0]["id"]
        assert ids["ad"] == meta.live("ads")[0]["id"]
    if vk is not None:
        made = [len(vk.live(k)) for k in ("ad_plans", "ad_groups", "banners")]
        assert made == [1, 1, 1], (made, vk.created)
        record = records[(POST_ID, "ads-vk")]
        assert (
            record["state"] == "published"
            and f"plan={vk.live('ad_plans')[0]['id']}" in record["remote_id"]
        )


def chain(root, point: str, environ: dict) -> int:
    """Runs killed at `point` until one gets to the end; how many were killed."""
    kills = 0
    for k in range(1, 12):
        proc = run(root, {**environ, "SMMFLOW_CRASH_AT": f"{point}:{CHAINS[point](k)}"})
        assert "Traceback" not in proc.stderr, proc.stderr
        if proc.returncode != KILLED:
            assert proc.returncode == 0, proc.stdout + proc.stderr
            return kills
        kills += 1
    raise AssertionError(f"{point}: still killed after {kills} runs")


@pytest.mark.parametrize("point", sorted(CHAINS))
def test_killed_at_every_step_of_meta_then_finished(tmp_path, meta, point):
    root = make_repo(tmp_path / "r", meta, None)
    publish_both(root)
    environ = push_env(meta, None)
    kills = chain(root, point, environ)
    assert kills >= 2, f"{point}: the chain reached only {kills} steps"
    exactly_once(root, meta=meta)
    final = run(root, environ)
    assert final.returncode == 0 and json.loads(final.stdout)["outcomes"][0]["state"] == "done"
    exactly_once(root, meta=meta)


def test_killed_around_the_claim_then_finished(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    publish_both(root)
    environ = push_env(meta, vk)
    for spec in ("before-claim:1", "after-claim:1", "after-claim:2"):
        proc = run(root, {**environ, "SMMFLOW_CRASH_AT": spec})
        assert proc.returncode == KILLED and "Traceback" not in proc.stderr, proc.stderr
    assert run(root, environ).returncode == 0
    exactly_once(root, meta=meta, vk=vk)


def test_killed_at_every_step_of_vk_then_finished(tmp_path, vk):
    root = make_repo(tmp_path / "r", None, vk, platforms="[vk]", budget="300 RUB")
    publish_both(root)
    environ = push_env(None, vk)
    assert chain(root, "after-send", environ) == 1  # the plan, its group and banner: one call
    assert chain(root, "before-record", environ) == 0
    exactly_once(root, vk=vk)


def test_two_pushes_at_once_make_one_of_each(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    publish_both(root)
    meta.fail("POST", r"/campaigns$", action="slow", delay=1.5)  # keep the first one busy
    environ = push_env(meta, vk)
    first, second = start_push(root, environ), start_push(root, environ)
    outs = [p.communicate(timeout=120) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], [
        (o["state"], o["detail"]) for out, _ in outs for o in json.loads(out)["outcomes"]
    ]
    states = sorted(o["state"] for out, _ in outs for o in json.loads(out)["outcomes"])
    assert states.count("created") == 2, states  # meta and vk, each by one of the runs
    assert set(states) <= {"created", "busy", "done"}, states
    exactly_once(root, meta=meta, vk=vk)
