"""`rootguard demo` run twice in a row, as `make demo` is: the second run must not trip over the first's files
(Prowler appends to an output file of the same name)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_the_demo_runs_twice_in_the_same_folder(tmp_path: Path) -> None:
    for run in (1, 2):
        p = subprocess.run(
            [sys.executable, "-m", "rootguard", "demo", "--output-dir", str(tmp_path / "demo")],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert p.returncode == 0, f"run {run}: {p.stderr[-2000:]}"
        assert "Prowler and the standalone scan agree on 19 of 19 results" in p.stdout, p.stdout
        assert "Traceback" not in p.stderr
