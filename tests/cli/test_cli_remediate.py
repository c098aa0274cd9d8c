"""`rootguard remediate` through a subprocess against the served sandbox: dry run changes nothing, --apply removes
exactly the listed credentials and the re-audit passes, the management account is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rootguard.sandbox import DEMO_SCENARIO, Sandbox

pytestmark = pytest.mark.slow
DIRTY = "666666666661"  # password + active access key in the demo
OTHER_DIRTY = "666666666662"


@pytest.fixture
def served():
    with Sandbox(DEMO_SCENARIO).serve() as sb:
        yield sb


def run(sb: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **sb.env()}
    return subprocess.run(
        [sys.executable, "-m", "rootguard.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def flags(sb: Sandbox, account: str) -> dict[str, int]:
    return dict(sb.root_user(account).summary_flags())


def test_dry_run_changes_nothing_and_logs(served, tmp_path: Path) -> None:
    before = {a: flags(served, a) for a in (DIRTY, OTHER_DIRTY)}
    p = run(served, "remediate", "delete-root-credentials", "--account", DIRTY, "--output-dir", str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert "dry run" in p.stdout and DIRTY in p.stdout
    assert {a: flags(served, a) for a in (DIRTY, OTHER_DIRTY)} == before
    lines = [json.loads(x) for x in (tmp_path / "remediation-audit.jsonl").read_text().splitlines()]
    assert lines and all(line["dry_run"] for line in lines)


def test_apply_without_yes_and_without_terminal_is_refused(served, tmp_path: Path) -> None:
    before = flags(served, DIRTY)
    p = run(
        served,
        "remediate",
        "delete-root-credentials",
        "--account",
        DIRTY,
        "--apply",
        "--output-dir",
        str(tmp_path),
    )
    assert p.returncode == 2 and "--yes" in p.stderr
    assert flags(served, DIRTY) == before


def test_apply_removes_exactly_the_listed_account(served, tmp_path: Path) -> None:
    other_before = flags(served, OTHER_DIRTY)
    p = run(
        served,
        "remediate",
        "delete-root-credentials",
        "--account",
        DIRTY,
        "--apply",
        "--yes",
        "--output-dir",
        str(tmp_path),
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "re-audit: clean" in p.stdout
    assert not any(flags(served, DIRTY).values())
    assert flags(served, OTHER_DIRTY) == other_before
    scan = run(served, "scan", "--output-dir", str(tmp_path / "scan"), "--format", "json")
    results = {
        r["resource"]["id"]: r["status"]
        for r in json.loads(scan.stdout)["results"]
        if r["check_id"] == "iam_member_root_credentials_absent"
    }
    assert results[DIRTY] == "PASS" and results[OTHER_DIRTY] == "FAIL"


def test_management_account_is_refused(served, tmp_path: Path) -> None:
    p = run(
        served,
        "remediate",
        "delete-root-credentials",
        "--account",
        served.management_account_id,
        "--apply",
        "--yes",
        "--output-dir",
        str(tmp_path),
    )
    assert p.returncode == 3, p.stderr  # partial: nothing was remediated
    assert f"{served.management_account_id}: REFUSED" in p.stdout and "management account" in p.stdout


def test_all_failing_plans_exactly_the_accounts_the_scan_fails(served, tmp_path: Path) -> None:
    before = {a: flags(served, a) for a in (DIRTY, OTHER_DIRTY, "666666666663")}
    p = run(served, "remediate", "delete-root-credentials", "--all-failing", "--output-dir", str(tmp_path))
    assert p.returncode == 0, p.stderr
    for account in before:
        assert account in p.stdout
    assert {a: flags(served, a) for a in before} == before  # a dry run


def test_all_failing_without_credentials_is_one_line_exit_4(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_DEFAULT_REGION="us-east-1",
    )
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "rootguard.cli",
            "remediate",
            "delete-root-credentials",
            "--all-failing",
            "--output-dir",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert p.returncode == 4, p.stderr
    assert "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines()[-1].startswith("rootguard: error:")
