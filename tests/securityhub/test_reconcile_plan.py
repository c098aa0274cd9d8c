"""Reconciliation decisions, proofs and the score formula, on hand-built findings and results (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from rootguard.models import NotEvaluatedReason, ResourceKind, Result, ResultResource, Status
from rootguard.securityhub.proof import NEEDED_CHECKS, proofs_from_results
from rootguard.securityhub.reconcile import (
    BY_A_PERSON,
    CHANGED_SINCE,
    HAS_CREDENTIALS,
    KEPT,
    MARKER,
    NOT_FAILED,
    NOT_NEW,
    applied,
    plan_changes,
    root_control,
)
from rootguard.securityhub.score import Score, control_statuses, score_of, standard_scores

ORG = "o-plan000001"
CLEAN, DIRTY, BLOCKED, GONE = "333333333331", "333333333332", "333333333333", "333333333334"
REGION = "us-east-1"
PRODUCT = f"arn:aws:securityhub:{REGION}::product/aws/securityhub"
CIS = "standards/cis-aws-foundations-benchmark/v/1.4.0"
RUN = "2025-03-01T08:00:00.000Z"


def result(check: str, status: Status, resource: str = ORG, **extra: Any) -> Result:
    kind = ResourceKind.ACCOUNT if resource.isdigit() else ResourceKind.ORGANIZATION
    arn = (
        f"arn:aws:organizations::111111111111:account/{ORG}/{resource}"
        if kind is ResourceKind.ACCOUNT
        else f"arn:aws:organizations::111111111111:organization/{ORG}"
    )
    return Result(
        check_id=check,
        status=status,
        resource=ResultResource(kind=kind, id=resource, arn=arn),
        message="m",
        details={"organization_id": ORG, **extra.pop("details", {})},
        **extra,
    )


def results(features: Status = Status.PASS) -> list[Result]:
    member, credentials, sessions = NEEDED_CHECKS
    return [
        result(credentials, features),
        result(sessions, Status.PASS),
        result(member, Status.PASS, CLEAN),
        result(member, Status.FAIL, DIRTY, details={"kinds": ["password", "MFA devices"]}),
        result(member, Status.NOT_EVALUATED, BLOCKED, reason=NotEvaluatedReason.SCP_DENIED),
    ]


def control(
    account: str, control_id: str = "IAM.9", status: str = "FAILED", **changes: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "Id": f"arn:aws:securityhub:{REGION}:{account}:security-control/{control_id}/finding/x",
        "ProductArn": PRODUCT,
        "AwsAccountId": account,
        "Resources": [{"Type": "AwsAccount", "Id": f"AWS::::Account:{account}"}],
        "Compliance": {
            "Status": status,
            "SecurityControlId": control_id,
            "AssociatedStandards": [{"StandardsId": CIS}],
        },
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE",
    }
    data.update(changes)
    return data


def test_proofs_need_the_member_check_and_both_features() -> None:
    proofs = proofs_from_results(results(), partition="aws")
    assert proofs.incomplete is None and proofs.clean == [CLEAN]
    assert (
        proofs.accounts[CLEAN].finding_id == f"rootguard/aws/{ORG}/iam_member_root_credentials_absent/{CLEAN}"
    )
    assert proofs.accounts[DIRTY].reason == "root credentials present (password, MFA devices)"
    assert proofs.accounts[BLOCKED].reason == "not evaluated (SCP_DENIED)"
    # a feature that is off proves nothing about any account
    off = proofs_from_results(results(features=Status.FAIL), partition="aws")
    assert (
        off.clean == [] and "iam_org_root_credentials_management_enabled FAIL" in off.accounts[CLEAN].reason
    )
    # a run without one of the checks decides nothing at all
    partial = proofs_from_results(results()[1:], partition="aws")
    assert (
        partial.incomplete and "iam_org_root_credentials_management_enabled did not run" in partial.incomplete
    )
    assert plan_changes([control(CLEAN)], partial, run_at=RUN).changes == []


def test_suppress_only_failed_new_findings_of_accounts_proved_clean() -> None:
    proofs = proofs_from_results(results(), partition="aws")
    plan = plan_changes(
        [
            control(CLEAN, "IAM.9"),
            control(CLEAN, "IAM.6"),
            control(CLEAN, "IAM.4", status="PASSED", Workflow={"Status": "RESOLVED"}),
            control(CLEAN, "IAM.9", Workflow={"Status": "NOTIFIED"}, Id="notified"),
            control(DIRTY),
            control(BLOCKED),
        ],
        proofs,
        run_at=RUN,
    )
    assert [(c.account_id, c.control_id, c.action) for c in plan.changes] == [
        (CLEAN, "IAM.9", "SUPPRESS"),
        (CLEAN, "IAM.6", "SUPPRESS"),
    ]
    change = plan.changes[0]
    assert change.update()["Workflow"] == {"Status": "SUPPRESSED"}
    assert change.user_defined_fields[MARKER] == "suppressed"
    assert proofs.accounts[CLEAN].finding_id in change.note and RUN in change.note and len(change.note) <= 512
    assert plan.left_alone == {NOT_FAILED: 1, NOT_NEW: 1, HAS_CREDENTIALS: 2}


def test_release_what_rootguard_suppressed_when_proof_fails_never_what_a_person_did() -> None:
    proofs = proofs_from_results(results(), partition="aws")
    ours = {"Workflow": {"Status": "SUPPRESSED"}, "UserDefinedFields": {MARKER: "suppressed", "team": "x"}}
    plan = plan_changes(
        [
            control(CLEAN, **ours),  # still clean: kept
            control(DIRTY, **ours),  # credentials now: back to NEW
            control(BLOCKED, **ours),  # no longer provable: back to NEW
            control(GONE, **ours),  # not in this run (left the organization?): back to NEW
            control(DIRTY, Workflow={"Status": "SUPPRESSED"}),  # suppressed by a person
            control(DIRTY, Workflow={"Status": "SUPPRESSED"}, UserDefinedFields={MARKER: "released"}),
            control(CLEAN, UserDefinedFields={MARKER: "suppressed"}),  # reopened by someone since
        ],
        proofs,
        run_at=RUN,
    )
    assert [(c.account_id, c.action) for c in plan.changes] == [
        (DIRTY, "RELEASE"),
        (BLOCKED, "RELEASE"),
        (GONE, "RELEASE"),
    ]
    released = plan.changes[0]
    assert released.update()["Workflow"] == {"Status": "NEW"}
    assert released.user_defined_fields == {MARKER: "released", "team": "x", "rootguard/run": RUN}
    assert "password" in released.note and "not evaluated (SCP_DENIED)" in plan.changes[1].note
    assert plan.left_alone == {KEPT: 1, BY_A_PERSON: 2, CHANGED_SINCE: 1}


def test_only_security_hubs_own_root_control_findings_about_their_account() -> None:
    assert root_control(control(CLEAN)) == "IAM.9"
    assert root_control(control(CLEAN, "IAM.20")) is None  # root use, not credentials
    assert (
        root_control(control(CLEAN, ProductArn=f"arn:aws:securityhub:{REGION}::product/prowler/prowler"))
        is None
    )
    elsewhere = [{"Type": "AwsAccount", "Id": f"AWS::::Account:{DIRTY}"}]
    assert root_control(control(CLEAN, Resources=elsewhere)) is None


def test_score_formula_and_applied_changes() -> None:
    findings = [
        control(CLEAN, "IAM.9"),
        control(DIRTY, "IAM.6"),
        control(CLEAN, "IAM.4", status="PASSED"),
        control(CLEAN, "X.1", status="WARNING"),
        control(CLEAN, "X.2", status="FAILED", RecordState="ARCHIVED"),
    ]
    assert control_statuses(findings, CIS) == {
        "IAM.4": "Passed",
        "IAM.6": "Failed",
        "IAM.9": "Failed",
        "X.1": "Unknown",
        "X.2": "No data",
    }
    assert score_of(control_statuses(findings, CIS)) == Score(passed=1, with_data=4)
    assert Score(passed=1, with_data=8).percent == 13  # 12.5 rounds half up
    assert Score(passed=0, with_data=0).percent is None

    proofs = proofs_from_results(results(), partition="aws")
    plan = plan_changes(findings, proofs, run_at=RUN)
    after = applied(findings, plan.changes)
    [line] = standard_scores([CIS], findings, after, changed_accounts={CLEAN})
    assert (line.before.percent, line.after.percent) == (25, 33)
    assert [c.text() for c in line.root_controls] == [
        "IAM.4 Passed",
        f"IAM.6 Failed (failing in {DIRTY})",
        "IAM.9 Failed -> No data",
    ]
    assert line.members[CLEAN][1].percent == 50  # the clean account's own score: IAM.4 passed, X.1 unknown


@pytest.mark.parametrize("workflow", ["RESOLVED", "NOTIFIED"])
def test_a_rootguard_suppression_changed_by_someone_is_left_alone(workflow: str) -> None:
    proofs = proofs_from_results(results(), partition="aws")
    finding = control(CLEAN, Workflow={"Status": workflow}, UserDefinedFields={MARKER: "suppressed"})
    assert plan_changes([finding], proofs, run_at=RUN).left_alone == {CHANGED_SINCE: 1}
