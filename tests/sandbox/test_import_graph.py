"""The sandbox's imports: no module imports one that imports it back; nothing of rootguard but two modules.

Imports inside functions and under TYPE_CHECKING count: each is an edge a reader has to follow, and a cycle
through them is still a cycle. grimp comes with import-linter.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pytest

grimp = pytest.importorskip("grimp")

SANDBOX = "rootguard.sandbox"
ALLOWED_OUTSIDE = {"rootguard.models", "rootguard.files"}


@pytest.fixture(scope="module")
def graph() -> Any:
    return grimp.build_graph("rootguard", cache_dir=None)


def _sandbox_modules(graph: Any) -> list[str]:
    modules = sorted(m for m in graph.modules if m == SANDBOX or m.startswith(f"{SANDBOX}."))
    assert f"{SANDBOX}.sandbox" in modules and f"{SANDBOX}.iam.responses" in modules
    return modules


def test_no_sandbox_module_imports_one_that_imports_it_back(graph: Any) -> None:
    cycles = []
    for a, b in combinations(_sandbox_modules(graph), 2):
        there = graph.find_shortest_chain(importer=a, imported=b)
        back = graph.find_shortest_chain(importer=b, imported=a) if there else None
        if back:
            cycles.append(f"{' -> '.join(there)} | {' -> '.join(back)}")
    assert cycles == []


def test_the_sandbox_imports_nothing_of_rootguard_but_models_and_files(graph: Any) -> None:
    outside = {
        (module, imported)
        for module in _sandbox_modules(graph)
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.split(".")[0] == "rootguard" and not imported.startswith(SANDBOX)
    }
    assert {imported for _, imported in outside} <= ALLOWED_OUTSIDE, sorted(outside)
    for allowed in ALLOWED_OUTSIDE:  # and those two import nothing else of rootguard
        assert {m for m in graph.find_upstream_modules(allowed) if m.startswith("rootguard")} == set()
