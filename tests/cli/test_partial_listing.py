"""A partial Organizations listing end to end: incomplete on screen, exit 3, and nothing archived."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rootguard.sandbox import generate_scenario
from rootguard.sandbox.scenarios.generator import default_base

MEMBER_CHECK = "iam_member_root_credentials_absent"
SCP_CHECK = "organizations_scps_allow_root_sessions"


def org(accounts: int, seed: int, hub: bool = False) -> Any:
    base = default_base(seed)
    if hub:
        base["securityhub"] = {"enabled": {"*": ["us-east-1"]}}
    return generate_scenario(f"accounts={accounts} seed={seed}", base)


@pytest.mark.slow
def test_a_partial_listing_never_archives_on_publish(cli: Any, tmp_path: Path) -> None:
    """The campaign's case end to end: a full run publishes 314 members' findings; a run whose listing cannot
    finish says the account list is incomplete, exits 3, and archives nothing."""
    scenario = org(314, seed=4, hub=True).model_dump(mode="json", exclude_none=True)
    config = tmp_path / "rootguard.yaml"
    config.write_text("max_attempts: 1\nretry_budget_seconds: 1\n", encoding="utf-8")
    rc, out, err = cli(scenario, "scan", "--publish", "--config", str(config))
    assert rc == 0 and "0 archived" in out, out + err
    first = json.loads((tmp_path / "out" / "results.json").read_text())["results"]
    assert sum(r["check_id"] == MEMBER_CHECK for r in first) == 314

    sandbox = cli.sandbox()
    sandbox.inject(service="organizations", action="ListRoots", code="AccessDeniedException")
    sandbox.inject(
        service="organizations", action="ListAccounts", code="ServiceUnavailable", status=503, rate=0.2
    )
    rc, out, err = cli(scenario, "scan", "--publish", "--config", str(config))
    assert rc == 3, out + err
    assert "account list INCOMPLETE" in out and " 0 archived" in out and "Traceback" not in err
    second = json.loads((tmp_path / "out" / "results.json").read_text())["results"]
    scp = [r for r in second if r["check_id"] == SCP_CHECK]
    assert [r["status"] for r in scp] == ["NOT_EVALUATED"]
    assert sum(r["check_id"] == MEMBER_CHECK for r in second) < 314
