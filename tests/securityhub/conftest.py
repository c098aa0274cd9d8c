"""Fixtures for the publisher tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from publisher_helpers import scenario

from rootguard.securityhub import PublishSettings


@pytest.fixture
def hub_sandbox(sandbox_factory: Any) -> Any:
    """Management account and three members, Security Hub enabled everywhere in us-east-1."""
    return sandbox_factory(scenario())


@pytest.fixture
def fast_settings(tmp_path: Path) -> PublishSettings:
    """Real quotas, but no waiting between retry rounds, and a spool in tmp_path."""
    return PublishSettings(spool_path=tmp_path / "spool.jsonl", backoff_base_s=0, backoff_cap_s=0)
