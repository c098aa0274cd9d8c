"""Fixtures for the sandbox tests."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import scenario


@pytest.fixture
def unit_sandbox(sandbox_factory: Any) -> Any:
    """The unit scenario (tests/sandbox/sandbox_helpers.py), running in-process."""
    return sandbox_factory(scenario())
