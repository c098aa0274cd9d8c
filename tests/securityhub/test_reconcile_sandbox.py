"""Reconciliation of the standard root-user controls, end to end on the sandbox's Security Hub CSPM.

The organization of the issue's acceptance test: 50 member accounts without root credentials, 5 with some,
standards enabled, control findings judged FAILED for root users without credentials. The scanner runs in the
account that is both the IAM and the Security Hub delegated administrator.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from rootguard.cli import main
from rootguard.sandbox import securityhub as hub
from rootguard.sandbox.securityhub.controls import security_score

MGMT = "111111111111"
ADMIN = "222222222222"
CLEAN = [f"3000000000{n:02d}" for n in range(50)]
# four with a password and a hardware MFA device (they pass every root control), one with a virtual device
# only (fails IAM.6): with the clean members suppressed, IAM.9 passes and the CIS score moves.
DIRTY = [f"4000000000{n:02d}" for n in range(5)]
REGION = "us-east-1"
CIS = "standards/cis-aws-foundations-benchmark/v/1.4.0"
FSBP = "standards/aws-foundational-security-best-practices/v/1.0.0"
AWS_PRODUCT = f"arn:aws:securityhub:{REGION}::product/aws/securityhub"
PROWLER = f"arn:aws:securityhub:{REGION}::product/prowler/prowler"
ROOT_CONTROLS = ("IAM.4", "IAM.6", "IAM.9")


def scenario(mode: str = "FAILED") -> dict[str, Any]:
    dirty_roots = [{"password": True, "mfa": [{"type": "hardware"}]}] * 4 + [
        {"password": True, "mfa": [{"type": "virtual"}]}
    ]
    return {
        "name": "score-reconcile",
        "seed": 12,
        "region": REGION,
        "organization": {
            "id": "o-reconcile01",
            "management_account": {"id": MGMT},
            "trusted_access": ["iam.amazonaws.com", "securityhub.amazonaws.com"],
            "delegated_administrators": {"iam.amazonaws.com": [ADMIN], "securityhub.amazonaws.com": [ADMIN]},
            "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        },
        "accounts": [{"id": ADMIN, "name": "security"}]
        + [{"id": a} for a in CLEAN[1:]]
        + [{"id": a, "joined": "INVITED", "root": r} for a, r in zip(DIRTY, dirty_roots, strict=True)],
        "securityhub": {
            "enabled": {"*": [REGION]},
            "standards": [CIS, FSBP],
            "root_controls_without_credentials": mode,
            "other_controls": {"passed": 10, "failed": 2},
        },
        "faults": {"default_quotas": False},
    }


# ADMIN itself is one of the 50 clean members (it holds no root credentials either).
CLEAN[0] = ADMIN


def root_findings(account: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """(account, control) -> the root-control finding, from the stored state of every hub."""
    out = {}
    for acct in [MGMT, *CLEAN, *DIRTY] if account is None else [account]:
        for f in hub.findings(acct, REGION):
            control = (f.get("Compliance") or {}).get("SecurityControlId")
            if f["ProductArn"] == AWS_PRODUCT and control in ROOT_CONTROLS:
                out[(f["AwsAccountId"], control)] = f
    return out


def admin_findings() -> list[dict[str, Any]]:
    return [s.data for h in hub.state(ADMIN, REGION).visible() for s in h.findings.values()]


def run(sb: Any, monkeypatch: Any, tmp_path: Path, *argv: str, config: str | None = None) -> tuple[int, str]:
    for key, value in sb.env(ADMIN).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    args = [*argv, "--output-dir", str(tmp_path)]
    if config is not None:
        cfg = tmp_path / "rootguard.yaml"
        cfg.write_text(config)
        args += ["--config", str(cfg)]
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        rc = main(args)
    return rc, buffer.getvalue()


RECONCILE = "securityhub:\n  reconcile_controls: true\n"
# The scan exits 0: FAILED members are news, not a broken run, and reconciliation adds nothing to the exit
# status unless a change fails to land.
SCAN_OK = (0,)


@pytest.fixture
def org(sandbox_factory: Any) -> Any:
    return sandbox_factory(scenario())


def test_scan_publish_reconciles_exactly_the_clean_members(
    org: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    sb = org
    # Before: a person suppressed one clean member's IAM.6 by hand; Prowler reports root MFA too.
    person = root_findings(CLEAN[3])[(CLEAN[3], "IAM.6")]
    admin = sb.session(ADMIN).client("securityhub")
    admin.batch_update_findings(
        FindingIdentifiers=[{"Id": person["Id"], "ProductArn": AWS_PRODUCT}],
        Workflow={"Status": "SUPPRESSED"},
        Note={"Text": "accepted risk", "UpdatedBy": "alice"},
    )
    hub.enable_import_findings_for_product(ADMIN, REGION, PROWLER)
    prowler = {
        **person,
        "Id": "prowler-iam_root_hardware_mfa_enabled-x",
        "ProductArn": PROWLER,
        "AwsAccountId": ADMIN,
        "GeneratorId": "iam_root_hardware_mfa_enabled",
        "Compliance": {"Status": "FAILED", "SecurityControlId": "IAM.6"},
        "Resources": [{"Type": "AwsAccount", "Id": f"AWS::::Account:{ADMIN}"}],
    }
    for name in ("Workflow", "WorkflowState", "Note", "ProductName", "CompanyName", "ProcessedAt", "Region"):
        prowler.pop(name, None)
    assert admin.batch_import_findings(Findings=[prowler])["FailedCount"] == 0
    others_before = {
        f["Id"]: f for f in admin_findings() if f["Id"] not in {x["Id"] for x in root_findings().values()}
    }
    scores_before = {s: security_score(admin_findings(), s) for s in (CIS, FSBP)}

    rc, out = run(sb, monkeypatch, tmp_path, "scan", "--publish", config=RECONCILE)
    assert rc in SCAN_OK and "error" not in out, out

    after = root_findings()
    for (account, control), finding in after.items():
        workflow = finding["Workflow"]["Status"]
        if account in CLEAN and finding["Compliance"]["Status"] == "FAILED":
            if (account, control) == (CLEAN[3], "IAM.6"):
                assert workflow == "SUPPRESSED" and finding["Note"]["UpdatedBy"] == "alice"
                assert "UserDefinedFields" not in finding  # never touched
                continue
            assert workflow == "SUPPRESSED", (account, control)
            assert finding["UserDefinedFields"]["rootguard/reconcile"] == "suppressed"
            fid = f"rootguard/aws/o-reconcile01/iam_member_root_credentials_absent/{account}"
            assert fid in finding["Note"]["Text"] and finding["UserDefinedFields"]["rootguard/finding"] == fid
            assert finding["UserDefinedFields"]["rootguard/run"] in finding["Note"]["Text"]
        else:
            assert workflow in ("NEW", "RESOLVED") and "UserDefinedFields" not in finding, (account, control)
    assert after[(DIRTY[4], "IAM.6")]["Workflow"]["Status"] == "NEW"  # still FAILED, still NEW
    suppressed = [k for k, f in after.items() if f.get("UserDefinedFields", {}).get("rootguard/reconcile")]
    assert len(suppressed) == 2 * 50 - 1  # IAM.6 and IAM.9 of every clean member, less the person's one
    # another product's finding, rootguard's own findings and the other controls are exactly as they were
    for fid, before in others_before.items():
        now = next(f for f in admin_findings() if f["Id"] == fid)
        assert now.get("Workflow") == before.get("Workflow") and "UserDefinedFields" not in now, fid

    # the printed score is the documented formula on the findings as they now stand
    scores_after = {s: security_score(admin_findings(), s) for s in (CIS, FSBP)}
    assert scores_before[CIS] != scores_after[CIS]
    assert f"CIS AWS Foundations Benchmark v1.4.0: {scores_before[CIS]}% -> {scores_after[CIS]}%" in out
    assert f"AWS Foundational Security Best Practices v1.0.0: {scores_after[FSBP]}%" in out
    assert "IAM.9 Failed -> Passed" in out and f"IAM.6 Failed (failing in {DIRTY[4]})" in out
    assert "suppressed 99 FAILED finding(s) in 50 account(s) proved clean" in out
    audit = [json.loads(line) for line in (tmp_path / "remediation-audit.jsonl").read_text().splitlines()]
    assert (
        len(audit) == 99
        and {a["outcome"] for a in audit} == {"DONE"}
        and not any(a["dry_run"] for a in audit)
    )

    # Nothing changed: a second run sends no BatchUpdateFindings at all.
    sb.clear_recorded_calls()
    rc, out = run(sb, monkeypatch, tmp_path, "scan", "--publish", config=RECONCILE)
    assert rc in SCAN_OK and "suppressed 0 FAILED finding(s)" in out
    assert "securityhub:BatchUpdateFindings" not in sb.recorded_actions("scanner")

    # A root password comes back in one clean member: its findings return to NEW, with a note.
    sb.root_user(CLEAN[7]).set_password(True)
    rc, out = run(sb, monkeypatch, tmp_path, "scan", "--publish", config=RECONCILE)
    assert rc in SCAN_OK, out
    back = root_findings(CLEAN[7])
    for control in ("IAM.6", "IAM.9"):
        finding = back[(CLEAN[7], control)]
        assert finding["Workflow"]["Status"] == "NEW"
        assert finding["UserDefinedFields"]["rootguard/reconcile"] == "released"
        assert "can no longer prove" in finding["Note"]["Text"] and "password" in finding["Note"]["Text"]
    assert f"returned IAM.9 in {CLEAN[7]} to NEW: root credentials present (password)" in out
    assert sum(f["Workflow"]["Status"] == "SUPPRESSED" for f in root_findings().values()) == 2 * 49 - 1 + 1


def test_reconcile_command_is_a_dry_run_unless_applied(org: Any, monkeypatch: Any, tmp_path: Path) -> None:
    sb = org
    sb.clear_recorded_calls()
    rc, out = run(sb, monkeypatch, tmp_path, "securityhub", "reconcile")
    assert rc == 0, out
    assert "would suppress 100 FAILED finding(s) in 50 account(s) proved clean" in out and "dry run" in out
    assert f"would suppress IAM.6, IAM.9 in {CLEAN[1]}: root user holds no credentials" in out
    assert "securityhub:BatchUpdateFindings" not in sb.recorded_actions("scanner")
    assert all(f["Workflow"]["Status"] != "SUPPRESSED" for f in root_findings().values())
    audit = [json.loads(line) for line in (tmp_path / "remediation-audit.jsonl").read_text().splitlines()]
    assert (
        len(audit) == 100
        and {a["outcome"] for a in audit} == {"WOULD_RUN"}
        and all(a["dry_run"] for a in audit)
    )

    # --apply without a terminal and without --yes is refused, nothing changed
    rc, _ = run(sb, monkeypatch, tmp_path, "securityhub", "reconcile", "--apply")
    assert rc == 2

    rc, out = run(sb, monkeypatch, tmp_path, "securityhub", "reconcile", "--apply", "--yes")
    assert rc == 0 and "suppressed 100 FAILED finding(s)" in out
    sb.clear_recorded_calls()
    rc, out = run(sb, monkeypatch, tmp_path, "securityhub", "reconcile", "--apply", "--yes")
    assert rc == 0 and "suppressed 0 FAILED" in out
    changing = {
        a
        for a in sb.recorded_actions("scanner")
        if not a.split(":")[1].startswith(("Get", "List", "Describe"))
    }
    assert changing == {"sts:AssumeRoot"}  # the read-only audit sessions; nothing that changes a finding


def test_not_applicable_findings_need_nothing_and_regressions_are_released(
    sandbox_factory: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    """With the documented NOT_APPLICABLE behaviour, clean members' findings are archived: nothing to suppress.
    A finding rootguard suppressed that Security Hub archived and re-activates stays SUPPRESSED by AWS's rules:
    rootguard returns it to NEW as soon as the credentials are back."""
    sb = sandbox_factory(scenario("NOT_APPLICABLE"))
    rc, out = run(sb, monkeypatch, tmp_path, "securityhub", "reconcile", "--apply", "--yes")
    assert rc == 0 and "suppressed 0 FAILED finding(s)" in out
    assert "archived" in out
    # simulate a suppression from an earlier run (before AWS judged these NOT_APPLICABLE)
    finding = root_findings(CLEAN[5])[(CLEAN[5], "IAM.9")]
    sb.session(ADMIN).client("securityhub").batch_update_findings(
        FindingIdentifiers=[{"Id": finding["Id"], "ProductArn": AWS_PRODUCT}],
        Workflow={"Status": "SUPPRESSED"},
        UserDefinedFields={"rootguard/reconcile": "suppressed"},
    )
    sb.root_user(CLEAN[5]).set_password(True)
    hub.run_security_checks(REGION, [CLEAN[5]])
    assert root_findings(CLEAN[5])[(CLEAN[5], "IAM.9")]["Workflow"]["Status"] == "SUPPRESSED"
    rc, out = run(sb, monkeypatch, tmp_path, "securityhub", "reconcile", "--apply", "--yes")
    assert rc == 0 and f"returned IAM.9 in {CLEAN[5]} to NEW" in out
    assert root_findings(CLEAN[5])[(CLEAN[5], "IAM.9")]["Workflow"]["Status"] == "NEW"


def test_updates_are_batched_paced_and_retried(org: Any, monkeypatch: Any, tmp_path: Path) -> None:
    sb = org
    sb.inject(service="securityhub", action="BatchUpdateFindings", code="TooManyRequestsException", count=1)
    rc, out = run(sb, monkeypatch, tmp_path, "securityhub", "reconcile", "--apply", "--yes")
    assert rc == 0, out
    calls = sum(n for c, n in sb.recorded_calls().items() if c.action == "securityhub:BatchUpdateFindings")
    # one request per account (each note names its account's finding) plus the throttled retry
    assert calls == 50 + 1
    assert sum(f["Workflow"]["Status"] == "SUPPRESSED" for f in root_findings().values()) == 100


def test_a_change_that_does_not_land_makes_the_scan_partial(
    org: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    """Reconciliation changes that Security Hub refuses are like spooled findings: the hub lacks them, so the
    scan exits 3 by default, and `--fail-on failed` (which leaves spooled out) exits 0."""
    sb = org
    sb.inject(service="securityhub", action="BatchUpdateFindings", code="AccessDeniedException")
    rc, out = run(sb, monkeypatch, tmp_path, "scan", "--publish", config=RECONCILE)
    assert rc == 3, out
    assert (
        "failed" in out
        and sum(f["Workflow"]["Status"] == "SUPPRESSED" for f in root_findings().values()) == 0
    )
    rc, out = run(sb, monkeypatch, tmp_path, "scan", "--publish", "--fail-on", "failed", config=RECONCILE)
    assert rc == 1, out  # the scenario has members with root credentials: failed is listed, so 1


def test_under_security_hubs_quotas_updates_are_paced_and_nothing_is_lost(
    sandbox_factory: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    """50 BatchUpdateFindings requests against the documented quota (10/s, burst 30; GetFindings 3/s, burst 6):
    the token bucket spaces the 20 beyond the burst at least 0.1 s apart, and whatever Security Hub still refuses
    (the client's bucket runs at the quota itself, so a late request can meet an empty server bucket) is retried:
    every change lands."""
    quoted = scenario()
    quoted.pop("faults")
    sb = sandbox_factory(quoted)
    started = time.monotonic()
    rc, out = run(sb, monkeypatch, tmp_path, "securityhub", "reconcile", "--apply", "--yes")
    elapsed = time.monotonic() - started
    assert rc == 0 and "suppressed 100 FAILED finding(s)" in out and "failed" not in out
    assert sum(f["Workflow"]["Status"] == "SUPPRESSED" for f in root_findings().values()) == 100
    sent = sum(n for c, n in sb.recorded_calls().items() if c.action == "securityhub:BatchUpdateFindings")
    assert sent >= 50 and elapsed >= (50 - 30) / 10


def test_a_hub_that_is_not_the_administrator_sees_no_member_findings(
    org: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    sb = org
    for key, value in sb.env(MGMT).items():
        monkeypatch.setenv(key, value)
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        rc = main(["securityhub", "reconcile", "--output-dir", str(tmp_path)])
    out = buffer.getvalue()
    assert rc == 0 and "would suppress 0 FAILED finding(s)" in out
    assert "no IAM.4/IAM.6/IAM.9 finding of another member account is visible in account 111111111111" in out


def test_hub_disabled_is_a_one_line_setup_error(
    org: Any, monkeypatch: Any, tmp_path: Path, capsys: Any
) -> None:
    hub.disable_hub(ADMIN, REGION)
    rc, _ = run(org, monkeypatch, tmp_path, "securityhub", "reconcile")
    assert rc == 4
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("rootguard: error: Security Hub CSPM is not enabled for account 222222222222")
        and "\n" not in err
    )
