"""The shape of the house (ARCHITECTURE.md): stages that import only downwards, no circles,
no re-export shims, no function longer than a screen.

`STAGES` is the data flow, lowest first. A module may import its own stage and the stages
below it, never one above; the package root (`errors`, `model`, `outputs`) is below
everything. Adding a stage (`community/`, `metrics/`, `ads/`, `report/` come after
`publish`) is one line here. Every import counts, also one inside a function or under
`TYPE_CHECKING`: each is a dependency a reader must follow.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "smmflow"
STAGES = [
    "",  # the root: errors, model, outputs (and the version)
    "text",  # render, count, guard, escape, headline
    "platforms",  # limits as data, rendering styles, publishers and their API clients
    "content",  # reading schedules/ and content/ into frozen dataclasses
    "ledger",  # git: the publish branch, the ledger branch, a pair's state
    "check",  # the rules of `smmflow check` and their output
    "plan",  # the content plan: month, views, site, calendars, new and repeated posts
    "review",  # pull requests: previews, approvals of exact bytes, holds
    "publish",  # sync: decide, claim -> send -> record, outcomes, issues, doctor, run
    "ads",  # targeted ads: compile, plan, resolve, push (claim -> create -> record), status
    "community",  # inbox, moderation rules, answers: every action claimed and recorded once
    "metrics",  # page activity: each platform's numbers, kept on the ledger branch
    "report",  # the monthly client report: sections, charts, billing, formats
    "cli",  # the thin command line
]
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    """Dotted name under smmflow ("" for the package itself) -> file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def stage(module: str) -> int:
    if module == "__main__":
        return STAGES.index("cli")
    top = module.split(".")[0] if "." in module or f"{module}" in _packages() else ""
    return STAGES.index(top)


def _packages() -> set[str]:
    return {m for m, p in MODULES.items() if p.name == "__init__.py" and m}


def _imports(module: str) -> set[str]:
    """Every smmflow module `module` imports, anywhere in its file."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "smmflow" or alias.name.startswith("smmflow."):
                    found.add(alias.name[len("smmflow") :].lstrip("."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                source = ".".join([*base, *([node.module] if node.module else [])])
            elif node.module and (node.module + ".").startswith("smmflow."):
                source = node.module[len("smmflow") :].lstrip(".")
            else:
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}" if source else alias.name
                found.add(sub if sub in MODULES else source)
    found.discard(module)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(GRAPH[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def test_every_module_is_in_a_stage():
    for module in MODULES:
        top = module.split(".")[0]
        if module in ("", "__main__") or (top not in _packages() and "." not in module):
            continue  # the root's own modules
        assert top in STAGES, f"smmflow/{top}/ is in no stage: add it to STAGES (in order)"


def test_no_import_circles():
    assert _cycles() == [], "import circles (each a group of modules that import each other)"


def test_no_import_runs_back_up():
    upward = []
    for module, targets in GRAPH.items():
        for target in targets:
            if stage(target) > stage(module):
                upward.append(f"{module} ({STAGES[stage(module)] or 'root'}) imports {target}")
    assert upward == [], "\n".join(sorted(upward))


def test_the_checks_above_fail_on_a_circle_and_on_an_upward_import(monkeypatch):
    """The checks themselves can fail: a made-up edge back up is both an upward import
    and, with the edge down that exists, a circle."""
    assert "ledger.records" in GRAPH["ledger.branch"]
    monkeypatch.setitem(GRAPH, "ledger.records", {*GRAPH["ledger.records"], "ledger.branch"})
    assert ["ledger.branch", "ledger.records"] in _cycles()
    monkeypatch.setitem(GRAPH, "text.render", {*GRAPH["text.render"], "publish.engine"})
    with pytest.raises(AssertionError, match="text.render .text. imports publish.engine"):
        test_no_import_runs_back_up()


def test_no_re_export_shims():
    """A name is imported from the module that defines it: no module re-exports another's
    names (`noqa: F401`, `__all__`), so moving a rule leaves no second way in."""
    for path in MODULES.values():
        text = path.read_text(encoding="utf-8")
        assert "noqa: F401" not in text, f"smmflow/{path.relative_to(PACKAGE)} re-exports"
        assert "__all__" not in text, f"smmflow/{path.relative_to(PACKAGE)} re-exports"


def test_every_module_says_its_job():
    for path in MODULES.values():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and len(doc) > 20, f"smmflow/{path.relative_to(PACKAGE)} has no docstring"


def test_no_function_is_longer_than_a_screen():
    long = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} {lines}")
    assert long == [], f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_stages_are_reported_in_architecture_md():
    """ARCHITECTURE.md's table of stages has a row for every stage, in the order of STAGES."""
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    places = [text.find(f"| `{name}/` |") for name in STAGES[1:]]
    assert all(p >= 0 for p in places), dict(zip(STAGES[1:], places, strict=True))
    assert places == sorted(places), "ARCHITECTURE.md lists the stages in another order"


def summary() -> dict[str, object]:
    """Figures for a closing note: modules, circles, upward imports."""
    per_stage: dict[str, int] = defaultdict(int)
    for module in MODULES:
        per_stage[STAGES[stage(module)] or "root"] += 1
    return {"modules": len(MODULES), "per_stage": dict(per_stage), "circles": _cycles()}
