"""Each check's spec: text within Prowler's and ASFF's limits, severity by status, reason and credentials."""

from __future__ import annotations

import pytest

from rootguard.models import Fact, NotEvaluatedReason, ResourceKind, Result, ResultResource, Status
from rootguard.rules import CHECK_IDS, all_rules, spec_for
from rootguard.rules.spec import CheckSpec

MEMBER = "iam_member_root_credentials_absent"


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_spec_text_fits_the_limits(check_id: str) -> None:
    spec = spec_for(check_id)
    assert spec.check_id == check_id and not spec.title.lower().startswith("ensure")
    assert len(spec.title) <= 150 and len(spec.description) <= 400 and len(spec.risk) <= 400
    assert len(spec.remediation.text) <= 512 and spec.remediation.url.startswith("https://")
    assert all(url.startswith("https://") for url in spec.urls)
    assert spec.needs and spec.needs <= set(Fact)


def test_positions_give_the_report_order() -> None:
    assert [rule.check_id for rule in all_rules()] == list(CHECK_IDS)
    positions = [rule.spec.position for rule in all_rules()]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


def test_a_title_prowler_would_refuse_is_refused() -> None:
    spec = spec_for(MEMBER)
    with pytest.raises(ValueError, match="Ensure"):
        CheckSpec(**{**spec.model_dump(by_alias=True), "title": "Ensure root has no keys"})
    with pytest.raises(ValueError):
        CheckSpec(**{**spec.model_dump(by_alias=True), "title": "x" * 151})


def _member(status: Status, details: dict | None = None, reason: NotEvaluatedReason | None = None) -> Result:
    return Result(
        check_id=MEMBER,
        status=status,
        reason=reason,
        resource=ResultResource(
            kind=ResourceKind.ACCOUNT, id="222233334444", arn="arn:aws:iam::222233334444:root"
        ),
        message="m",
        details=details or {},
    )


@pytest.mark.parametrize(
    ("details", "label"),
    [
        ({"kinds": ["password", "active access keys", "MFA devices"]}, "CRITICAL"),
        ({"kinds": ["password", "MFA devices"]}, "HIGH"),
        ({"kinds": ["inactive access keys"]}, "MEDIUM"),
        ({"kinds": ["signing certificates", "MFA devices"]}, "MEDIUM"),
        ({"kinds": ["MFA devices"]}, "LOW"),
        ({"kinds": ["access keys"]}, "CRITICAL"),  # status unknown: assume active
        ({"counts": {"inactive_access_keys": 2}}, "MEDIUM"),
        ({"password": True}, "HIGH"),
        ({}, "HIGH"),  # nothing recognisable: the check's FAIL default
    ],
)
def test_member_severity_follows_what_is_present(details: dict, label: str) -> None:
    assert spec_for(MEMBER).severity.label(_member(Status.FAIL, details)) == label


def test_pass_and_not_evaluated_severity() -> None:
    severity = spec_for(MEMBER).severity
    assert severity.label(_member(Status.PASS, {"kinds": ["password"]})) == "INFORMATIONAL"
    ne = _member(Status.NOT_EVALUATED, reason=NotEvaluatedReason.EXCLUDED)
    assert severity.label(ne) == "INFORMATIONAL"
    ne = _member(Status.NOT_EVALUATED, reason=NotEvaluatedReason.SCP_DENIED)
    assert severity.label(ne) == "MEDIUM"
    ne = _member(Status.NOT_EVALUATED, reason=NotEvaluatedReason.THROTTLED)
    assert severity.label(ne) == "LOW"


def test_org_level_fail_severities() -> None:
    assert spec_for("iam_org_root_sessions_enabled").severity.fail == "HIGH"
    assert spec_for("organizations_iam_trusted_access_enabled").severity.fail == "HIGH"
    assert spec_for("organizations_scps_allow_root_sessions").severity.fail == "MEDIUM"
    assert spec_for("organizations_iam_delegated_admin_allowed").severity.fail == "MEDIUM"


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_titles_say_what_should_hold(check_id: str) -> None:
    """The control style Security Hub users know: a FAILED finding titled "X should be Y" reads right."""
    assert " should " in spec_for(check_id).title
