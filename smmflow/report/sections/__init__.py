"""The sections of a report, in their order: each module here is one section.

A section module has `ORDER` (its place; gaps are left for new ones) and
`build(facts) -> Block | None`; it is found by being here, so the report grows by
adding a module and changes none of the others. Shared words: `names`.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType


@functools.cache
def modules() -> tuple[ModuleType, ...]:
    """Every section module, by `ORDER`."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "build", None)) and isinstance(
            getattr(module, "ORDER", None), int
        ):
            found.append(module)
    return tuple(sorted(found, key=lambda m: (m.ORDER, m.__name__)))
