"""The real Prowler, with checks/ as its custom checks folder, against the served sandbox: every account's status
equals what the scenario implies and what the standalone path finds, with the same finding ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rootguard.collect import collect_facts
from rootguard.findings.build import Placement, build_findings
from rootguard.models import NotEvaluatedReason, Status
from rootguard.prowler.readers import findings_from_prowler, read_prowler_ocsf
from rootguard.rules import CHECK_IDS, MEMBER_CHECK_ID, evaluate
from rootguard.sandbox import DEMO_SCENARIO, Sandbox, Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _blocking_targets(scenario: Scenario) -> set[str]:
    """OU paths under a deny-root SCP that does not exempt aws:AssumedRoot (how the demo is written)."""
    out: set[str] = set()
    for scp in scenario.organization.scps:
        text = json.dumps(scp.document)
        if "arn:aws:iam::*:root" in text and "aws:AssumedRoot" not in text:
            out.update(scp.targets)
    return out


def expected_members(scenario: Scenario) -> dict[str, tuple[Status, NotEvaluatedReason | None]]:
    blocked = _blocking_targets(scenario)
    out: dict[str, tuple[Status, NotEvaluatedReason | None]] = {}  # the management account is no member
    for acct in scenario.accounts:
        root = acct.root
        if acct.status != "ACTIVE":
            out[acct.id] = (Status.NOT_EVALUATED, NotEvaluatedReason(acct.status))
        elif acct.ou and any(acct.ou == t or acct.ou.startswith(t + "/") for t in blocked):
            out[acct.id] = (Status.NOT_EVALUATED, NotEvaluatedReason.SCP_DENIED)
        elif root and (root.password or root.access_keys or root.mfa or root.signing_certificates):
            out[acct.id] = (Status.FAIL, None)
        else:
            out[acct.id] = (Status.PASS, None)
    return out


def _prowler_tree() -> set[str]:
    import prowler

    services = Path(prowler.__file__).parent / "providers" / "aws" / "services"
    return {str(p.relative_to(services)) for p in services.glob("*/*") if p.is_dir()}


# Two ways Prowler finds the checks: the folder copied in for the run (-x), or the installed entry points
# (`prowler.checks.aws`) with nothing copied.
MODES = {"checks-folder": ["--checks-folder", str(ROOT / "checks")], "entry-points": []}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_prowler_matches_standalone_scan(tmp_path: Path, mode: str) -> None:
    before = _prowler_tree()
    with Sandbox(DEMO_SCENARIO).serve() as sb:
        env = {**os.environ, **sb.env()}
        env.pop("ROOTGUARD_CONFIG", None)
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "prowler"),
                "aws",
                *MODES[mode],
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

    # What the demo scenario implies, account by account and for the organization.
    assert {rid: v for (cid, rid), v in ours.items() if cid == MEMBER_CHECK_ID} == expected_members(
        load_scenario(DEMO_SCENARIO)
    )
    org_level = {cid: v[0] for (cid, _), v in ours.items() if cid != MEMBER_CHECK_ID}
    assert org_level == {
        "organizations_iam_trusted_access_enabled": Status.PASS,
        "iam_org_root_credentials_management_enabled": Status.PASS,
        "iam_org_root_sessions_enabled": Status.PASS,
        "iam_management_root_mfa_no_keys": Status.PASS,  # the demo's management root: hardware MFA, no keys
        "organizations_scps_allow_root_sessions": Status.FAIL,  # DenyRootUser on Sandbox
        "organizations_iam_delegated_admin_allowed": Status.FAIL,  # 222222222222, no allow-list
    }

    run_at = datetime.now(UTC)
    placement = Placement(account_id=caller, region="us-east-1")
    ids_standalone = {f["Id"] for f in build_findings(standalone, placement, run_at)}
    prowler_findings, _ = findings_from_prowler(ocsf, run_at, placement)
    ids_prowler = {f["Id"] for f in prowler_findings}
    assert ids_prowler == ids_standalone
