"""The report benchmark runs through the runner on a tiny organization and prints its ratio (no timing asserts)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_report_benchmark_runs_through_the_runner() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "report", "--accounts", "60", "--repeat", "1", "--no-browser"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    ratios = re.findall(
        r"^  ratio to the 2 s bound: (\d+\.\d+) \(target <= 1\.0\)$", proc.stdout, re.MULTILINE
    )
    assert len(ratios) == 2, proc.stdout
    assert "every member failing: 65 results, 60 accounts to fix" in proc.stdout
    assert "== bench_report: ok" in proc.stdout
