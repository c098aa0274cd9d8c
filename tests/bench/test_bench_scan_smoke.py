"""bench_scan: the latency-bound ideal it compares a scan with, and one tiny end-to-end run (no timing asserts)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "bench") not in sys.path:  # as when run as a script: it imports its sibling bench_audit
    sys.path.insert(0, str(ROOT / "bench"))
spec = importlib.util.spec_from_file_location("rootguard_bench_scan", ROOT / "bench" / "bench_scan.py")
assert spec and spec.loader
bench_scan = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_scan)


def test_the_ideal_spreads_the_audit_over_the_workers_and_overlaps_the_listings() -> None:
    calls = {
        ("sts:AssumeRoot", "user"): 100,
        ("iam:GetAccountSummary", "root-session"): 100,
        ("iam:ListAccessKeys", "root-session"): 8,
        ("organizations:ListAccounts", "user"): 6,
        ("organizations:ListAccountsForParent", "user"): 9,
        ("organizations:ListOrganizationalUnitsForParent", "user"): 3,
        ("organizations:DescribeOrganization", "user"): 1,
        ("sts:GetCallerIdentity", "user"): 1,
        ("iam:GetAccountSummary", "user"): 1,  # the management account's own root user, not the audit
    }
    seconds, audit, other = bench_scan.ideal(calls, 0.03, 16)
    assert (audit, other) == (208, 3)
    assert seconds == pytest.approx(0.03 * (208 / 16 + 3))


@pytest.mark.slow
def test_the_scan_benchmark_runs_through_the_runner() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "scan", "--accounts", "30", "--latency-ms", "1", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(r"^rootguard scan: median \d+\.\d s .* ideal/scan \d\.\d\d", proc.stdout, re.MULTILINE)
    assert re.search(r"^member audit alone .* scan/audit \d+\.\d\d", proc.stdout, re.MULTILINE), proc.stdout
    assert re.search(r"^peak RSS of the scan: median \d+ MB", proc.stdout, re.MULTILINE)
    assert "== bench_scan: ok" in proc.stdout
