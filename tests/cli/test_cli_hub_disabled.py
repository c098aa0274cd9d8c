"""Publishing to a Region where Security Hub is off is a one-line error with the fix, exit 4."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rootguard.sandbox import DEMO_SCENARIO, Sandbox

pytestmark = pytest.mark.slow


def test_hub_disabled_is_a_clear_error(tmp_path: Path) -> None:
    scenario = yaml.safe_load(Path(DEMO_SCENARIO).read_text())
    scenario["securityhub"] = {"enabled": {}}
    with Sandbox(scenario).serve() as sb:
        env = {**os.environ, **sb.env()}
        p = subprocess.run(
            [sys.executable, "-m", "rootguard.cli", "scan", "--output-dir", str(tmp_path), "--publish"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert p.returncode == 4, p.stderr
    assert "Member accounts:" in p.stdout and f"results: {tmp_path}" in p.stdout, "the results still print"
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("rootguard: error:") and "enable-security-hub" in last
    assert "spooled to" in last
    assert p.stderr.count("not enabled") == 1, (
        "said once, by the command line, not again by the publisher's logs"
    )
    assert "Traceback" not in p.stderr
    assert (tmp_path / "securityhub-spool.jsonl").exists(), "nothing lost: the findings wait in the spool"
    assert (tmp_path / "findings.asff.json").exists(), "the collected findings are kept on disk"
