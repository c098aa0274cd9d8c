"""`rootguard demo` shows the Security Hub score before and after reconciling the root-user controls."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_demo_reconciles_and_shows_the_score_move(tmp_path: Path) -> None:
    # In a subprocess like the other CLI tests: pytest's log capture would format every botocore debug record.
    cmd = [sys.executable, "-m", "rootguard.cli", "demo", "--no-prowler", "--output-dir", str(tmp_path)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    text = p.stdout
    section = text[text.index("== Security Hub CSPM score") :]
    # the seven clean members' IAM.6 and IAM.9 (FAILED: no MFA to find) are suppressed with the proof
    assert "suppressed 14 FAILED finding(s) in 7 account(s) proved clean" in section
    assert "suppressed IAM.6, IAM.9 in 444444444441: root user holds no credentials" in section
    # after remediation IAM.4 passes everywhere; the Sandbox OU (not auditable) still fails IAM.6 and IAM.9
    assert "IAM.4 Passed" in section and "IAM.6 Failed (failing in 555555555551, 555555555552)" in section
    assert (
        "Security score since the demo began (administrator's view): AWS Foundational Security Best Practices "
        "v1.0.0 74% -> 76%, CIS AWS Foundations Benchmark v1.4.0 72% -> 74%"
    ) in section
    assert (tmp_path / "remediation-audit.jsonl").is_file()
