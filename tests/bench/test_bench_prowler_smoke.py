"""bench/bench_prowler.py: a smoke run on a tiny organization (exit 0, both ratio lines printed; no timing is
asserted, the figures depend on the machine's load), and the account-by-account comparison it reports."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from rootguard.models import NotEvaluatedReason, Status

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "bench_prowler.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_prowler", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_compare_names_every_account_that_differs() -> None:
    compare = _bench().compare
    same = {"111111111111": (Status.PASS, None), "222222222222": (Status.FAIL, None)}
    assert compare(same, dict(same)) == []
    scan = {
        "111111111111": (Status.NOT_EVALUATED, NotEvaluatedReason.SUSPENDED),
        "222222222222": (Status.FAIL, None),
        "333333333333": (Status.PASS, None),
    }
    assert compare(same, scan) == [
        "111111111111: prowler PASS, scan NOT_EVALUATED(SUSPENDED)",
        "333333333333: prowler missing, scan PASS",
    ]


def test_organization_counts_the_management_account() -> None:
    org = _bench().scenario(7)
    assert len(org.accounts) == 6
    assert org.organization.root_access_features == ["RootCredentialsManagement", "RootSessions"]


@pytest.mark.slow
def test_bench_prowler_runs_and_prints_ratios() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--accounts", "4"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-2000:])
    number = r"\d+\.\d+"
    assert re.search(rf"^ratio \(1\)/\(2\) .*: {number} ", proc.stdout, re.MULTILINE), proc.stdout
    assert re.search(rf"^ratio \(1\)/\(3\) .*: {number}x ", proc.stdout, re.MULTILINE), proc.stdout
