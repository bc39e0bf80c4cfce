"""The publisher contract (docs/platforms/writing-a-publisher.md) holds for every platform.

These fail when a platform is registered without a docs page, when pyproject.toml's entry
points and the registry's built-in list disagree, when a publisher's methods leave the
contract's shape, or when a publisher reads media, parses JSON or opens `doctor` its own
way instead of through the shared helpers.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import tomllib
from repohelp import base_env, cli, commit, group_yaml, init_repo, post_md, write

from smmflow.model import Account, Group
from smmflow.platforms import registry
from smmflow.platforms.base import Attempt, Context, Limits, Platform, Publisher
from smmflow.platforms.http import Http, default_classify

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ROOT / "smmflow" / "platforms"
GUIDE = ROOT / "docs" / "platforms" / "writing-a-publisher.md"
NAMES = sorted(registry.classes())
PUBLISHERS = [n for n in NAMES if issubclass(registry.get(n), Publisher)]


def test_pyproject_entry_points_and_the_built_in_list_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = project["project"]["entry-points"]["smmflow.platforms"]
    assert declared == registry.BUILTIN


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_platform_has_its_docs_page(name):
    cls = registry.get(name)
    assert cls.name == name and cls.title
    assert cls.docs == f"docs/platforms/{name}.md", "the page is named after the platform"
    page = ROOT / cls.docs
    assert page.is_file(), f"{name}: {cls.docs} does not exist"
    text = page.read_text(encoding="utf-8")
    for setting in cls.required:
        assert f"`{setting}`" in text, f"{cls.docs} does not explain `{setting}`"
    if not issubclass(cls, Publisher):
        assert "limits only" in text.lower(), f"{cls.docs} must say smmflow cannot publish there"


def test_the_contract_test_fails_for_a_platform_without_a_page(monkeypatch):
    class Nowhere(Platform):
        name = "nowhere"
        title = "Nowhere"
        docs = "docs/platforms/nowhere.md"

    monkeypatch.setitem(registry.classes(), "nowhere", Nowhere)
    with pytest.raises(AssertionError, match="does not exist"):
        test_every_registered_platform_has_its_docs_page("nowhere")


def _parameters(function) -> list[tuple[str, object]]:
    return [(p.name, p.kind) for p in inspect.signature(function).parameters.values()]


@pytest.mark.parametrize("name", PUBLISHERS)
def test_publishers_keep_the_contracts_method_shapes(name):
    cls = registry.get(name)
    for method in ("payload", "publish", "verify", "delete", "edit", "comment", "find_comment"):
        mine, base = getattr(cls, method), getattr(Publisher, method)
        assert _parameters(mine) == _parameters(base), f"{name}.{method}"
    assert cls.doctor is Publisher.doctor, f"{name}: override doctor_account, not doctor"
    if cls.can_verify:
        assert cls.verify is not Publisher.verify, f"{name} says can_verify but has no verify"
    if cls.can_delete:
        assert cls.delete is not Publisher.delete, f"{name} says can_delete but has no delete"
    # after publishing (the guide's "Edits and first comments")
    assert (cls.edit is not Publisher.edit) == cls.can_edit, f"{name}: can_edit and edit disagree"
    has_comments = cls.comment_limit is not None
    assert (cls.comment is not Publisher.comment) == has_comments, f"{name}: comment_limit"
    if cls.can_find_comment:
        assert cls.find_comment is not Publisher.find_comment, f"{name}: no find_comment"
    if has_comments:  # a comment that may have gone out is deduplicated or found again
        assert cls.comment_idempotent or cls.can_find_comment, name


def test_the_platforms_that_edit_and_comment_are_the_documented_ones():
    editing = sorted(n for n in PUBLISHERS if registry.get(n).can_edit)
    commenting = sorted(n for n in PUBLISHERS if registry.get(n).comment_limit is not None)
    assert editing == ["facebook", "feed", "linkedin", "mastodon", "telegram", "vk"]
    assert commenting == ["bluesky", "facebook", "instagram", "linkedin", "mastodon", "vk"]
    guide = GUIDE.read_text(encoding="utf-8")
    for name in ("can_edit", "comment_limit", "comment_idempotent", "can_find_comment"):
        assert f"`{name}`" in guide, f"the guide does not explain {name}"


@pytest.mark.parametrize("name", PUBLISHERS)
def test_a_publisher_is_told_nothing_from_outside_but_its_attempt(name):
    """The engine hands an `Attempt` to each call; it never sets attributes on a publisher."""
    cls = registry.get(name)
    account = Account(name, name, ())
    group = Group("g", "G", "UTC", "schedules/g.yml", (account,))
    publisher = cls(account, Context(ROOT, group, Http(), {}))
    assert not {"prior_remote_id", "checkpoint", "media_bytes"} & set(vars(publisher))
    assert {f.name for f in Attempt.__dataclass_fields__.values()} >= {
        "key",
        "remote_id",
        "checkpoint",
        "media",
    }


def _classifiers() -> list[tuple[str, object]]:
    import importlib

    found = []
    for path in sorted(PLATFORMS.glob("*.py")):
        module = importlib.import_module(f"smmflow.platforms.{path.stem}")
        for name, function in vars(module).items():
            if inspect.isfunction(function) and function.__module__ == module.__name__:
                if name == "classify" or name.endswith("_classify") or name == "accept_all":
                    found.append((f"{path.stem}.{name}", function))
    return found


@pytest.mark.parametrize(
    ("where", "function"), _classifiers(), ids=[where for where, _ in _classifiers()]
)
def test_every_classify_has_one_shape(where, function):
    """(response, idempotent, redact), then only keyword arguments (a platform's context,
    bound with functools.partial): what `Http.request` calls."""
    params = list(inspect.signature(function).parameters.values())
    base = _parameters(default_classify)
    assert [(p.name, p.kind) for p in params[:3]] == base, where
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[3:]), where


def _calls(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            found.add(node.func.attr)
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(PLATFORMS.glob("*.py")) if p.stem not in ("base", "http", "feedsite")],
    ids=lambda p: p.name,
)
def test_publishers_use_the_shared_helpers(path):
    """Media through `Attempt.read_media`/`upload` (the publish branch's bytes, errors
    classified), JSON answers through `http.json_object`/`json_body`."""
    calls = _calls(path)
    assert "read_bytes" not in calls and "guess_type" not in calls, path.name
    assert "json" not in calls, f"{path.name}: parse answers with http.json_object/json_body"


def test_the_guide_lists_every_place_a_new_publisher_touches():
    text = GUIDE.read_text(encoding="utf-8")
    for place in (
        "smmflow/platforms/",
        "docs/platforms/",
        "pyproject.toml",
        "BUILTIN",
        "tests/servers/",
        "tests/faultproxy.py",
        "tests/test_faults_all.py",
        "Attempt",
        "classify",
        "doctor_account",
        "idempotent",
        "can_verify",
        "can_delete",
        "key_ttl",
    ):
        assert place in text, f"the guide does not mention {place}"


def test_no_registered_platform_is_limits_only():
    """Issue #16: every platform smmflow registers publishes (VK, X and LinkedIn were limits
    only; Threads was unknown)."""
    limits_only = [n for n in NAMES if not issubclass(registry.get(n), Publisher)]
    assert not limits_only, f"limits only, no publisher: {limits_only}"
    assert {"vk", "x", "linkedin", "threads"} <= set(PUBLISHERS)


class LimitsOnly(Platform):
    """A platform a third-party package might register before it has a publisher."""

    name = "limitsonly"
    title = "Limits Only"
    limits = Limits(text=20)
    required = ("token_env",)
    docs = "docs/platforms/limitsonly.md"


def test_a_limits_only_platform_is_checked_but_never_sent_to(tmp_path, monkeypatch):
    """What smmflow promises a third-party platform without a publisher: `check` holds
    posts to its limits; `sync` records the due post as failed, says why, and sends
    nothing; `doctor` says the same."""
    monkeypatch.setitem(registry.classes(), "limitsonly", LimitsOnly)
    settings = {"platform": "limitsonly", "token_env": "LIMITS_ONLY_TOKEN"}
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", {"limitsonly": settings}))
    write(root, "content/shop/2026-12-04-long.md", post_md("2026-12-04 10:00", "x" * 21))
    commit(root, "a post too long for it")
    checked = cli(root, "check", "--format", "json")
    assert checked.code == 1 and "too-long" in checked.out, str(checked)
    write(root, "content/shop/2026-12-04-long.md", post_md("2026-12-04 10:00", "Short."))
    commit(root, "short now")
    env = base_env(LIMITS_ONLY_TOKEN="t0ken-for-limits-only")
    ran = cli(root, "sync", "--now", "2026-12-04 11:00", "--format", "json", env=env)
    [outcome] = ran.json["outcomes"]
    assert ran.code == 1 and outcome["state"] == "failed", str(ran)
    assert "smmflow cannot publish to limitsonly yet" in outcome["detail"]
    doctor = cli(root, "doctor", "--format", "json", env=env)
    assert doctor.code == 1 and "cannot publish to limitsonly yet" in doctor.out, str(doctor)
