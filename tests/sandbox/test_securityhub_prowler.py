"""Prowler 5.46's own Security Hub output path against the sandbox's Security Hub.

Prowler's ``SecurityHub`` class calls DescribeHub and ListEnabledProductsForImport per Region, sends
batches of 100 with BatchImportFindings under ``product/prowler/prowler``, then sweeps GetFindings
(ProductName, RecordState, AwsAccountId, Region filters) to archive findings it did not send this run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

pytest.importorskip("prowler")

from prowler.lib.outputs.asff.asff import (
    AWSSecurityFindingFormat,
    Compliance,
    ProductFields,
    Recommendation,
    Remediation,
    Resource,
    Severity,
)
from prowler.providers.aws.lib.security_hub.security_hub import SecurityHub

from rootguard.sandbox import Sandbox, securityhub

ACCOUNT = "111111111111"
REGION = "eu-west-1"
DISABLED_REGION = "us-east-1"
PROWLER_PRODUCT = f"arn:aws:securityhub:{REGION}::product/prowler/prowler"


def prowler_finding(
    check: str, resource: str, stamp: str, status: str = "FAILED"
) -> AWSSecurityFindingFormat:
    return AWSSecurityFindingFormat(
        Id=f"prowler-{check}-{ACCOUNT}-{REGION}-{abs(hash(resource)) % 10**8:08d}",
        ProductArn=PROWLER_PRODUCT,
        ProductFields=ProductFields(ProwlerResourceName=resource),
        GeneratorId=f"prowler-{check}",
        AwsAccountId=ACCOUNT,
        Types=["Software and Configuration Checks"],
        FirstObservedAt=stamp,
        UpdatedAt=stamp,
        CreatedAt=stamp,
        Severity=Severity(Label="high"),
        Title="Root credentials are absent from the member account",
        Description=f"{resource} has no root credentials.",
        Resources=[Resource(Id=resource, Type="Other", Partition="aws", Region=REGION)],
        Compliance=Compliance(Status=status, RelatedRequirements=[], AssociatedStandards=[]),
        Remediation=Remediation(Recommendation=Recommendation(Text="Remove root credentials.", Url="")),
    )


# Security Hub enabled in REGION only, with the sandbox's default Security Hub quotas.
SCENARIO: dict[str, Any] = {
    "name": "securityhub-prowler",
    "region": REGION,
    "organization": {"id": "o-prowlerhub1", "management_account": {"id": ACCOUNT}, "feature_set": "ALL"},
    "securityhub": {"enabled": {ACCOUNT: [REGION]}},
}


@pytest.fixture
def session(sandbox_factory: Callable[[dict[str, Any]], Sandbox]) -> boto3.session.Session:
    return sandbox_factory(SCENARIO).session()


def hub_for(session: boto3.session.Session, findings: list[AWSSecurityFindingFormat]) -> SecurityHub:
    return SecurityHub(
        aws_account_id=ACCOUNT,
        aws_partition="aws",
        aws_session=session,
        findings=findings,
        aws_security_hub_available_regions=[REGION, DISABLED_REGION],
    )


def test_prowler_skips_regions_without_hub_or_integration(session):
    findings = [
        prowler_finding(
            "iam_root_hardware_mfa_enabled", "arn:aws:iam::111111111111:root", "2025-01-01T00:00:00Z"
        )
    ]
    assert hub_for(session, findings)._enabled_regions == {}  # integration not enabled anywhere

    securityhub.enable_import_findings_for_product(ACCOUNT, REGION, PROWLER_PRODUCT)
    assert list(hub_for(session, findings)._enabled_regions) == [REGION]  # us-east-1 hub is off


def test_prowler_send_and_archive_sweep(session):
    securityhub.enable_import_findings_for_product(ACCOUNT, REGION, PROWLER_PRODUCT)
    check = "organizations_member_root_credentials_absent"
    resources = [f"arn:aws:organizations::222222222222:account/o-abc/{n:012d}" for n in range(150)]

    earlier = [prowler_finding(check, r, "2025-01-01T00:00:00Z") for r in resources]
    assert hub_for(session, earlier).batch_send_to_security_hub() == 150  # two batches: 100 + 50

    stored = securityhub.findings(ACCOUNT, REGION)
    assert len(stored) == 150
    assert {(f["ProductName"], f["CompanyName"], f["RecordState"]) for f in stored} == {
        ("Prowler", "Prowler", "ACTIVE")
    }

    # The next run still sees the first 40 resources; the sweep archives the other 110.
    later = [prowler_finding(check, r, "2025-02-01T00:00:00Z", status="PASSED") for r in resources[:40]]
    run = hub_for(session, later)
    assert run.batch_send_to_security_hub() == 40
    assert run.archive_previous_findings() == 110

    by_state: dict[str, int] = {}
    for item in securityhub.findings(ACCOUNT, REGION):
        by_state[item["RecordState"]] = by_state.get(item["RecordState"], 0) + 1
    assert by_state == {"ACTIVE": 40, "ARCHIVED": 110}
    kept = [f for f in securityhub.findings(ACCOUNT, REGION) if f["RecordState"] == "ACTIVE"]
    assert {f["Compliance"]["Status"] for f in kept} == {"PASSED"}
