"""An optional organization-level finding: "x of y member accounts clean", built from the member findings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rootguard.rules import MEMBER_CHECK_ID

from .asff import (
    AsffCompliance,
    AsffFinding,
    AsffFindingProviderFields,
    AsffResource,
    AsffResourceDetails,
    AsffSeverity,
)
from .build import ASFF_PARTITIONS, iso_timestamp
from .ids import finding_id, generator_id, product_arn
from .validate import validate_finding

SUMMARY_CHECK_ID = "organization_member_root_credentials_summary"
SUMMARY_GENERATOR_ID = generator_id(SUMMARY_CHECK_ID)
_SEVERITY_ORDER = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
_ACCOUNT_PREFIX = "AWS::::Account:"
_DEFAULT_TYPE = "Software and Configuration Checks/AWS Security Best Practices"


def _member_account(finding: dict[str, Any]) -> str | None:
    for resource in finding.get("Resources") or []:
        rid = resource.get("Id", "")
        if resource.get("Type") == "AwsAccount" and rid.startswith(_ACCOUNT_PREFIX):
            return rid[len(_ACCOUNT_PREFIX) :]
    return (finding.get("ProductFields") or {}).get("rootguard/ResourceId")


def _organization_arn(findings: list[dict[str, Any]]) -> str | None:
    for finding in findings:
        for resource in finding.get("Resources") or []:
            if resource.get("Type") == "Other" and ":organization/o-" in resource.get("Id", ""):
                return resource["Id"]
    return None


def organization_summary(
    findings: Iterable[dict[str, Any]],
    *,
    account_id: str,
    region: str,
    partition: str,
    run_at: datetime,
) -> dict[str, Any] | None:
    """The summary as a validated ASFF finding filed under `account_id` in `region`, or None when no member
    finding is among `findings`. Compliance: FAILED when any member still has root credentials, PASSED when
    every member was evaluated clean, NOT_AVAILABLE otherwise; severity: the worst failing member's."""
    generator = generator_id(MEMBER_CHECK_ID)
    members = [
        f for f in findings if f.get("GeneratorId") == generator and f.get("RecordState") != "ARCHIVED"
    ]
    if not members:
        return None
    status_by_account: dict[str, str] = {}
    worst = "INFORMATIONAL"
    for finding in members:
        account = _member_account(finding)
        if account is None:
            continue
        status = (finding.get("Compliance") or {}).get("Status", "NOT_AVAILABLE")
        status_by_account[account] = status
        label = (finding.get("Severity") or {}).get("Label", "INFORMATIONAL")
        if status == "FAILED" and _SEVERITY_ORDER.index(label) > _SEVERITY_ORDER.index(worst):
            worst = label
    total = len(status_by_account)
    clean = sum(1 for s in status_by_account.values() if s == "PASSED")
    failing = sum(1 for s in status_by_account.values() if s == "FAILED")
    unknown = total - clean - failing
    org_id = next(
        (f["ProductFields"]["rootguard/OrganizationId"] for f in members
         if (f.get("ProductFields") or {}).get("rootguard/OrganizationId")),
        None,
    )  # fmt: skip
    scope = org_id or account_id
    org_arn = _organization_arn(members)
    compliance = "FAILED" if failing else ("PASSED" if unknown == 0 else "NOT_AVAILABLE")
    now = iso_timestamp(run_at)
    severity = AsffSeverity(Label=worst, Original=worst)
    types = list(members[0].get("Types") or [_DEFAULT_TYPE])[:50]
    counts = {"members_total": str(total), "clean": str(clean), "failing": str(failing),
              "not_evaluated": str(unknown)}  # fmt: skip
    fields = {
        "rootguard/CheckId": SUMMARY_CHECK_ID,
        "rootguard/MembersTotal": str(total),
        "rootguard/MembersClean": str(clean),
        "rootguard/MembersFailing": str(failing),
        "rootguard/MembersNotEvaluated": str(unknown),
    }
    if org_id:
        fields["rootguard/OrganizationId"] = org_id
    finding = AsffFinding(
        Id=finding_id(partition, scope, SUMMARY_CHECK_ID, scope),
        ProductArn=product_arn(partition, region, account_id),
        GeneratorId=SUMMARY_GENERATOR_ID,
        AwsAccountId=account_id,
        Types=types,
        FirstObservedAt=now,
        LastObservedAt=now,
        CreatedAt=now,
        UpdatedAt=now,
        Severity=severity,
        Title=f"{clean} of {total} member accounts have no root user credentials",
        Description=(
            f"{clean} of {total} member accounts have no root user credentials; {failing} still have some; "
            f"{unknown} could not be evaluated."
        ),
        ProductFields=fields,
        Resources=[
            AsffResource(
                Type="Other",
                Id=org_arn or f"{_ACCOUNT_PREFIX}{account_id}",
                Partition=partition if partition in ASFF_PARTITIONS else None,
                Region=region,
                Details=AsffResourceDetails(Other=counts),
            )
        ],
        Compliance=AsffCompliance(Status=compliance),
        FindingProviderFields=AsffFindingProviderFields(Severity=severity, Types=types),
    ).to_asff()
    validate_finding(finding)
    return finding
