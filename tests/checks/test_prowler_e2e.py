"""The real Prowler, with checks/ as its custom checks folder, against the served sandbox: every account's status
equals what the scenario implies and what the standalone path finds, with the same finding ids."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rootguard.findings.build import Placement, build_findings
from rootguard.findings.prowler_readers import findings_from_prowler, read_prowler_ocsf

from rootguard.collect import collect_facts
from rootguard.models import NotEvaluatedReason, Status
from rootguard.rules import CHECK_IDS, evaluate
from rootguard.sandbox import DEMO_SCENARIO, Sandbox, load_scenario

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _prowler_tree() -> set[str]:
    import prowler

    services = Path(prowler.__file__).parent / "providers" / "aws" / "services"
    return {str(p.relative_to(services)) for p in services.glob("*/*") if p.is_dir()}


def test_prowler_checks_folder_matches_standalone_scan(tmp_path: Path) -> None:
    before = _prowler_tree()
    with Sandbox(DEMO_SCENARIO).serve() as sb:
        env = {**os.environ, **sb.env()}
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "prowler"),
                "aws",
                "--checks-folder",
                str(ROOT / "checks"),
                "--checks",
                *CHECK_IDS,
                "--output-formats",
                "json-ocsf",
                "-o",
                str(tmp_path),
                "-F",
                "prowler",
                "--no-banner",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode in (0, 3), proc.stderr[-2000:]  # 3: Prowler found FAILs
        standalone = evaluate(collect_facts(sb.session()))
        caller = sb.session().client("sts").get_caller_identity()["Account"]
    assert _prowler_tree() == before, "Prowler's package was not left as it was"

    ocsf = tmp_path / "prowler.ocsf.json"
    imported = read_prowler_ocsf(ocsf)
    assert imported.dropped == 0, imported.problems
    prowler_status = {(r.check_id, r.resource.id): (r.status, r.reason) for r in imported.results}
    ours = {(r.check_id, r.resource.id): (r.status, r.reason) for r in standalone}
    assert prowler_status == ours

    # What the demo scenario implies for the member check.
    member = {rid: v for (cid, rid), v in ours.items() if cid == "iam_member_root_credentials_absent"}
    expected_accounts = {a.id for a in load_scenario(DEMO_SCENARIO).accounts} | {sb.management_account_id}
    assert set(member) == expected_accounts
    assert member[sb.management_account_id] == (Status.NOT_EVALUATED, NotEvaluatedReason.MANAGEMENT_ACCOUNT)
    assert sum(s is Status.FAIL for s, _ in member.values()) == 3
    assert sum(r is NotEvaluatedReason.SCP_DENIED for _, r in member.values()) == 2

    run_at = datetime.now(UTC)
    placement = Placement(account_id=caller, region="us-east-1")
    ids_standalone = {f["Id"] for f in build_findings(standalone, placement, run_at)}
    prowler_findings, _ = findings_from_prowler(ocsf, run_at, placement)
    ids_prowler = {f["Id"] for f in prowler_findings}
    assert ids_prowler == ids_standalone
