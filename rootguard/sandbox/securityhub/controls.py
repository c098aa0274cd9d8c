"""Security Hub CSPM's own side for the root user: standards, the root-user control findings, control status
and the security score.

AWS Security Hub CSPM evaluates three controls on each account's root user, through AWS Config managed rules
(user guide, "Security Hub controls for IAM"): IAM.4 (iam-root-access-key-check), IAM.6
(root-account-hardware-mfa-enabled) and IAM.9 (root-account-mfa-enabled). Each is periodic and produces one
finding per account (consolidated control findings: product ``aws/securityhub``, GeneratorId
``security-control/<id>``, ``Compliance.SecurityControlId`` and ``Compliance.AssociatedStandards``).

How a member account whose root user holds no credentials is evaluated changed over time, so a scenario
chooses (``securityhub.root_controls_without_credentials``):

- ``NOT_APPLICABLE`` (default; the AWS Config rule pages today: "This rule returns NOT_APPLICABLE if root user
  credentials are not present"): the finding becomes ``NOT_AVAILABLE`` and Security Hub archives it ("If the
  AWS Config evaluation result was NOT_APPLICABLE, Security Hub automatically archives the finding").
- ``FAILED`` (what teams reported after centralizing root access, and what the rule pages described before
  that note): IAM.6 and IAM.9 fail (no MFA device to find), IAM.4 passes (no access key).

With credentials present: IAM.4 fails when the root user has an access key (active or not: the rule reads
``AccountAccessKeysPresent``); IAM.9 fails without an MFA device; IAM.6 fails without a hardware MFA device or
when a virtual one is present ("NON_COMPLIANT if any virtual MFA devices are permitted"; TOTP and U2F tokens
count as hardware).

Workflow on (re-)evaluation ("Setting the workflow status of findings", "Evaluating compliance status and
control status"): a new FAILED finding is NEW, a new PASSED one RESOLVED; PASSED sets NEW or NOTIFIED to
RESOLVED; NOTIFIED or RESOLVED go back to NEW when the compliance status leaves PASSED or the record is
re-activated; SUPPRESSED never changes by itself (AWS's API reference: "The finding is no longer updated";
whether PASSED also resolves a SUPPRESSED finding is not documented: the sandbox keeps it SUPPRESSED).

Control status and score follow "Evaluating compliance status and control status" and "Calculating security
scores": archived and SUPPRESSED findings are ignored; Failed if any finding FAILED, else Unknown if any is
WARNING or NOT_AVAILABLE, else Passed if any is PASSED, else No data; a standard's score is Passed controls over
controls with data, as a whole percentage. An administrator sees its members' findings, so its statuses and
scores aggregate them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

STANDARDS: dict[str, str] = {
    # StandardsId (as in Compliance.AssociatedStandards) -> name
    "standards/aws-foundational-security-best-practices/v/1.0.0": "AWS Foundational Security Best Practices v1.0.0",
    "ruleset/cis-aws-foundations-benchmark/v/1.2.0": "CIS AWS Foundations Benchmark v1.2.0",
    "standards/cis-aws-foundations-benchmark/v/1.4.0": "CIS AWS Foundations Benchmark v1.4.0",
    "standards/cis-aws-foundations-benchmark/v/3.0.0": "CIS AWS Foundations Benchmark v3.0.0",
    "standards/nist-800-53/v/5.0.0": "NIST Special Publication 800-53 Revision 5",
    "standards/pci-dss/v/3.2.1": "PCI DSS v3.2.1",
}
STANDARD_ALIASES = {standard.split("/", 1)[1]: standard for standard in STANDARDS}  # name/v/version -> id


@dataclass(frozen=True)
class RootControl:
    control_id: str
    title: str
    description: str
    config_rule: str
    standards: tuple[str, ...]  # StandardsIds that include the control
    requirements: tuple[str, ...]  # Compliance.RelatedRequirements


_FSBP, _CIS12, _CIS14, _CIS30, _NIST, _PCI = STANDARDS
ROOT_CONTROLS: dict[str, RootControl] = {
    c.control_id: c
    for c in (
        RootControl(
            "IAM.4",
            "IAM root user access key should not exist",
            "This AWS control checks whether the root user access key is available.",
            "iam-root-access-key-check",
            (_FSBP, _CIS12, _CIS14, _CIS30, _NIST, _PCI),
            ("CIS AWS Foundations Benchmark v1.2.0/1.12", "CIS AWS Foundations Benchmark v1.4.0/1.4",
             "CIS AWS Foundations Benchmark v3.0.0/1.4", "PCI DSS v3.2.1/2.1", "PCI DSS v3.2.1/2.2",
             "PCI DSS v3.2.1/7.2.1"),
        ),
        RootControl(
            "IAM.6",
            "Hardware MFA should be enabled for the root user",
            "This AWS control checks whether your AWS account is enabled to use a hardware multi-factor "
            "authentication (MFA) device to sign in with root user credentials.",
            "root-account-hardware-mfa-enabled",
            (_FSBP, _CIS12, _CIS14, _CIS30, _NIST, _PCI),
            ("CIS AWS Foundations Benchmark v1.2.0/1.14", "CIS AWS Foundations Benchmark v1.4.0/1.6",
             "CIS AWS Foundations Benchmark v3.0.0/1.6", "PCI DSS v3.2.1/8.3.1"),
        ),
        RootControl(
            "IAM.9",
            "MFA should be enabled for the root user",
            "This AWS control checks whether users of your AWS account require a multi-factor authentication "
            "(MFA) device to sign in with root user credentials.",
            "root-account-mfa-enabled",
            (_CIS12, _CIS14, _CIS30, _NIST, _PCI),
            ("CIS AWS Foundations Benchmark v1.2.0/1.13", "CIS AWS Foundations Benchmark v1.4.0/1.5",
             "CIS AWS Foundations Benchmark v3.0.0/1.5", "PCI DSS v3.2.1/8.3.1"),
        ),
    )
}  # fmt: skip

WITHOUT_CREDENTIALS = ("NOT_APPLICABLE", "FAILED")
STAND_IN_PREFIX = "Sandbox."  # other controls of a standard, stood in for by account-level findings
TYPES = ["Software and Configuration Checks/Industry and Regulatory Standards"]
_ID_NAMESPACE = uuid.UUID("5b0f3f4e-8a38-4f3c-9a59-1b51c0d1e7a2")


@dataclass
class ControlsConfig:
    """The scenario's Security Hub controls: who administers, which standards, how root controls evaluate."""

    administrator: str | None = None
    standards: tuple[str, ...] = ()
    without_credentials: str = "NOT_APPLICABLE"
    stand_ins: dict[str, int] = field(default_factory=dict)  # PASSED/FAILED/WARNING -> how many controls


def standard_arn(partition: str, region: str, standard_id: str) -> str:
    """The standard's ARN (CIS v1.2.0 is a global ruleset; the others are Regional)."""
    if standard_id.startswith("ruleset/"):
        return f"arn:{partition}:securityhub:::{standard_id}"
    return f"arn:{partition}:securityhub:{region}::{standard_id}"


def standard_id_of_arn(arn: str) -> str | None:
    for standard in STANDARDS:
        if arn.endswith(f"::{standard}"):
            return standard
    return None


def subscription_arn(partition: str, region: str, account: str, standard_id: str) -> str:
    return f"arn:{partition}:securityhub:{region}:{account}:subscription/{standard_id.split('/', 1)[1]}"


def product_arn(partition: str, region: str) -> str:
    return f"arn:{partition}:securityhub:{region}::product/aws/securityhub"


def evaluate(control_id: str, summary: dict[str, int], mfa_kinds: list[str], without_credentials: str) -> str:
    """The compliance status of a root control, from the root user's summary flags and MFA device kinds;
    "NOT_APPLICABLE" when the rule does not apply (the caller archives a NOT_AVAILABLE finding)."""
    present = any(summary.values())
    if not present and without_credentials == "NOT_APPLICABLE":
        return "NOT_APPLICABLE"
    if control_id == "IAM.4":
        return "FAILED" if summary.get("AccountAccessKeysPresent") else "PASSED"
    if control_id == "IAM.9":
        return "PASSED" if summary.get("AccountMFAEnabled") else "FAILED"
    hardware = [k for k in mfa_kinds if k in ("hardware", "fido")]
    return "PASSED" if hardware and "virtual" not in mfa_kinds else "FAILED"


def finding_id(partition: str, region: str, account: str, control_id: str) -> str:
    suffix = uuid.uuid5(_ID_NAMESPACE, f"{account}/{region}/{control_id}")
    return f"arn:{partition}:securityhub:{region}:{account}:security-control/{control_id}/finding/{suffix}"


def control_finding(
    *,
    partition: str,
    region: str,
    account: str,
    control_id: str,
    title: str,
    description: str,
    status: str,
    standards: list[str],
    requirements: list[str],
    config_rule: str | None,
    now: str,
) -> dict[str, Any]:
    """A consolidated control finding as Security Hub CSPM generates it (the shape of real IAM.9 findings)."""
    compliance_status = "NOT_AVAILABLE" if status == "NOT_APPLICABLE" else status
    fields = {"Resources:0/Id": f"arn:{partition}:iam::{account}:root"}
    if config_rule:
        fields["RelatedAWSResources:0/name"] = f"securityhub-{config_rule}-{account[-6:]}"
        fields["RelatedAWSResources:0/type"] = "AWS::Config::ConfigRule"
    compliance: dict[str, Any] = {
        "Status": compliance_status,
        "SecurityControlId": control_id,
        "AssociatedStandards": [{"StandardsId": s} for s in standards],
    }
    if requirements:
        compliance["RelatedRequirements"] = list(requirements)
    if status == "NOT_APPLICABLE":
        compliance["StatusReasons"] = [
            {
                "ReasonCode": "CONFIG_EVALUATIONS_EMPTY",
                "Description": "AWS Config evaluated your resources based on the rule. The rule did not apply "
                "to the AWS resources in its scope, the specified resources were deleted, or the evaluation "
                "results were deleted.",
            }
        ]
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id(partition, region, account, control_id),
        "ProductArn": product_arn(partition, region),
        "ProductName": "Security Hub",
        "CompanyName": "AWS",
        "Region": region,
        "GeneratorId": f"security-control/{control_id}",
        "AwsAccountId": account,
        "Types": list(TYPES),
        "FirstObservedAt": now,
        "LastObservedAt": now,
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": {"Label": "CRITICAL", "Normalized": 90, "Original": "CRITICAL"},
        "Title": title,
        "Description": description,
        "Remediation": {
            "Recommendation": {
                "Text": "For information on how to correct this issue, consult the AWS Security Hub controls "
                "documentation.",
                "Url": f"https://docs.aws.amazon.com/console/securityhub/{control_id}/remediation",
            }
        },
        "ProductFields": fields,
        "Resources": [
            {
                "Type": "AwsAccount",
                "Id": f"AWS::::Account:{account}",
                "Partition": partition,
                "Region": region,
            }
        ],
        "Compliance": compliance,
        "WorkflowState": "NEW",
        "Workflow": {"Status": "NEW" if compliance_status != "PASSED" else "RESOLVED"},
        "RecordState": "ARCHIVED" if status == "NOT_APPLICABLE" else "ACTIVE",
        "FindingProviderFields": {
            "Severity": {"Label": "CRITICAL", "Original": "CRITICAL"},
            "Types": list(TYPES),
        },
    }


def next_workflow(old: dict[str, Any], new: dict[str, Any]) -> str:
    """The workflow status after Security Hub re-evaluates a control finding (see the module docstring)."""
    status = (old.get("Workflow") or {}).get("Status", "NEW")
    if status == "SUPPRESSED":
        return status
    old_compliance = (old.get("Compliance") or {}).get("Status")
    new_compliance = (new.get("Compliance") or {}).get("Status")
    reactivated = old.get("RecordState") == "ARCHIVED" and new.get("RecordState") == "ACTIVE"
    left_passed = old_compliance == "PASSED" and new_compliance in ("FAILED", "WARNING", "NOT_AVAILABLE")
    if status in ("NOTIFIED", "RESOLVED") and (reactivated or left_passed):
        return "NEW"
    if new_compliance == "PASSED" and status in ("NEW", "NOTIFIED"):
        return "RESOLVED"
    return status


# ------------------------------------------------------------------------------- control status and score


def control_statuses(findings: list[dict[str, Any]], standard_id: str) -> dict[str, str]:
    """Control id -> Passed | Failed | Unknown | No data for the controls of `standard_id` that have findings."""
    seen: dict[str, list[str]] = {}
    for finding in findings:
        compliance = finding.get("Compliance") or {}
        control = compliance.get("SecurityControlId")
        standards = {s.get("StandardsId") for s in compliance.get("AssociatedStandards") or []}
        if not control or standard_id not in standards:
            continue
        bucket = seen.setdefault(control, [])
        if finding.get("RecordState", "ACTIVE") != "ACTIVE":
            continue
        if (finding.get("Workflow") or {}).get("Status") == "SUPPRESSED":
            continue
        bucket.append(compliance.get("Status", ""))
    out: dict[str, str] = {}
    for control, statuses in seen.items():
        if "FAILED" in statuses:
            out[control] = "Failed"
        elif "WARNING" in statuses or "NOT_AVAILABLE" in statuses:
            out[control] = "Unknown"
        elif "PASSED" in statuses:
            out[control] = "Passed"
        else:
            out[control] = "No data"
    return out


def security_score(findings: list[dict[str, Any]], standard_id: str) -> int | None:
    """Passed controls over controls with data, as a whole percentage; None when no control has data."""
    statuses = control_statuses(findings, standard_id)
    with_data = [s for s in statuses.values() if s != "No data"]
    if not with_data:
        return None
    passed = sum(s == "Passed" for s in with_data)
    return (200 * passed + len(with_data)) // (2 * len(with_data))  # nearest whole number, halves up
