"""pytest fixtures for the sandbox: `sandbox_factory` and `demo_sandbox`.

Enable with ``pytest_plugins = ["rootguard.sandbox.pytest_plugin"]`` in a conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rootguard.sandbox import DEMO_SCENARIO, Sandbox, Scenario

ScenarioSource = Scenario | dict[str, Any] | str | Path


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[[ScenarioSource], Sandbox]]:
    """Start an in-process Sandbox from a scenario (dict, path or Scenario); stopped at teardown."""
    started: list[Sandbox] = []

    def make(scenario: ScenarioSource) -> Sandbox:
        sb = Sandbox(scenario).start()
        started.append(sb)
        return sb

    yield make
    for sb in reversed(started):
        sb.stop()


@pytest.fixture
def demo_sandbox(sandbox_factory: Callable[[ScenarioSource], Sandbox]) -> Sandbox:
    """The bundled demo scenario, running in-process."""
    return sandbox_factory(DEMO_SCENARIO)
