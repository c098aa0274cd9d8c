"""The findings benchmark and the bench runner: inputs, discovery, and a tiny end-to-end run (no timing asserts)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from rootguard.findings import Placement, build_findings
from rootguard.mappings import load_mappings
from rootguard.models import ResourceKind, Status

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclass/pydantic lookups need the module registered
    spec.loader.exec_module(module)
    return module


bench_findings = _load("rootguard_bench_findings", BENCH / "bench_findings.py")
runner = _load("rootguard_bench_runner", BENCH / "__main__.py")


# ----------------------------------------------------------------------------------- result mix


def test_results_have_the_requested_count_and_a_realistic_mix() -> None:
    results = bench_findings.make_results(2000, seed=3)
    assert len(results) == 2000
    org = [r for r in results if r.resource.kind is ResourceKind.ORGANIZATION]
    members = [r for r in results if r.resource.kind is ResourceKind.ACCOUNT]
    assert len(org) == 5 and len({r.check_id for r in org}) == 5
    assert {r.check_id for r in members} == {bench_findings.MEMBER_CHECK}
    statuses = {s: sum(1 for r in members if r.status is s) for s in Status}
    assert statuses[Status.PASS] > statuses[Status.FAIL] > statuses[Status.NOT_EVALUATED] > 0
    kinds = {tuple(r.details["kinds"]) for r in members if r.status is Status.FAIL}
    assert kinds == set(bench_findings.FAIL_KINDS)
    reasons = {r.reason for r in members if r.status is Status.NOT_EVALUATED}
    assert reasons == set(bench_findings.NOT_EVALUATED_REASONS)
    assert len({r.resource.id for r in members}) == len(members)


def test_results_are_deterministic_per_seed() -> None:
    assert bench_findings.make_results(300, seed=5) == bench_findings.make_results(300, seed=5)
    assert bench_findings.make_results(300, seed=5) != bench_findings.make_results(300, seed=6)


def test_tiny_counts_keep_the_first_results_and_reject_zero() -> None:
    assert [r.check_id for r in bench_findings.make_results(2)] == [
        "organizations_iam_trusted_access_enabled",
        "iam_org_root_credentials_management_enabled",
    ]
    with pytest.raises(ValueError, match="at least 1"):
        bench_findings.make_results(0)


def test_fail_severities_follow_the_credentials_in_the_mix() -> None:
    results = [r for r in bench_findings.make_results(600, seed=1) if r.status is Status.FAIL]
    findings = build_findings(
        results, Placement(account_id=bench_findings.MGMT, region="eu-west-1"), bench_findings.RUN_AT
    )
    labels = {f["Severity"]["Label"] for f in findings}
    assert {"CRITICAL", "HIGH", "MEDIUM", "LOW"} <= labels
    # Access key ids in the details are suffixes only: nothing longer than four characters after the mask.
    assert not any(re.search(r"AKIA[A-Z0-9]{12}", str(f)) for f in findings)


def test_prowler_compliance_groups_requirements_by_framework() -> None:
    mapping = load_mappings()[bench_findings.MEMBER_CHECK]
    compliance = bench_findings.prowler_compliance(mapping)
    assert compliance["CIS AWS Foundations Benchmark v7.0.0"] == ["2.1.1", "2.4", "2.7"]
    assert compliance["NIST.800-53.r5"][:2] == ["AC-2", "AC-6(2)"]
    assert sum(map(len, compliance.values())) == len(mapping.related_requirements)


# ---------------------------------------------------------------------------------------- runner


def test_runner_discovers_bench_scripts_by_name(tmp_path: Path) -> None:
    (tmp_path / "bench_alpha.py").write_text("print('alpha')\n")
    (tmp_path / "bench_beta.py").write_text("raise SystemExit(3)\n")
    (tmp_path / "helper.py").write_text("")
    found = runner.discover(tmp_path)
    assert list(found) == ["alpha", "beta"]
    assert runner.run(found["alpha"]) == 0
    assert runner.run(found["beta"]) == 3
    assert "findings" in runner.discover()


def test_runner_rejects_an_unknown_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.main(["no_such_bench"]) == 2
    assert "no benchmark 'no_such_bench'" in capsys.readouterr().err


def test_runner_lists_benchmarks(capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.main(["--list"]) == 0
    assert "findings" in capsys.readouterr().out.split()


# ------------------------------------------------------------------------------------ end to end


@pytest.mark.slow
def test_findings_benchmark_runs_through_the_runner() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "findings", "--count", "40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(rf"^{re.escape(bench_findings.RATIO_LINE)}: \d+\.\d+x$", proc.stdout, re.MULTILINE), (
        proc.stdout
    )
    assert "peak memory (tracemalloc)" in proc.stdout
    assert "== bench_findings: ok" in proc.stdout


@pytest.mark.slow
def test_publish_memory_benchmark_runs_through_the_runner() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "publish_memory", "--count", "1000", "--bound", "100"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for case in ("first", "second", "disabled", "resume"):
        assert re.search(
            rf"^ *{case}: one copy .* ratio \d+\.\d+ \(bound <= 100\)", proc.stdout, re.MULTILINE
        ), proc.stdout
    assert "worst ratio" in proc.stdout and "== bench_publish_memory: ok" in proc.stdout
