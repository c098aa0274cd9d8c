"""The Security Hub CSPM controls that judge a member account's root user, and the standards that hold them.

Sources (quoted in docs/score.md): the user guide's "Security Hub controls for IAM" and the standards pages.
IAM.4 "IAM root user access key should not exist" (AWS Config rule iam-root-access-key-check), IAM.6
"Hardware MFA should be enabled for the root user" (root-account-hardware-mfa-enabled) and IAM.9 "MFA should be
enabled for the root user" (root-account-mfa-enabled). They are the same controls in every standard: the
"consolidated controls view" gives each one `Compliance.SecurityControlId` across standards, and the CIS and
PCI DSS requirement numbers (CIS v1.2.0 1.12/1.14/1.13, v1.4.0 and v3.0.0 1.4/1.6/1.5, PCI.IAM.1/4/5) are
`Compliance.RelatedRequirements` of those findings, not other controls.

IAM.20 ("Avoid the use of the root user") and CloudWatch.1 (a metric filter and alarm for root usage) judge
root *use*, which rootguard's proof (no credentials) says nothing about: a root session is root use. They are
never reconciled.
"""

from __future__ import annotations

from typing import Final

ROOT_USER_CONTROLS: Final[dict[str, str]] = {
    "IAM.4": "IAM root user access key should not exist",
    "IAM.6": "Hardware MFA should be enabled for the root user",
    "IAM.9": "MFA should be enabled for the root user",
}

# StandardsId (Compliance.AssociatedStandards, the tail of a StandardsArn) -> the name people know.
STANDARD_NAMES: Final[dict[str, str]] = {
    "standards/aws-foundational-security-best-practices/v/1.0.0": "AWS Foundational Security Best Practices v1.0.0",
    "ruleset/cis-aws-foundations-benchmark/v/1.2.0": "CIS AWS Foundations Benchmark v1.2.0",
    "standards/cis-aws-foundations-benchmark/v/1.4.0": "CIS AWS Foundations Benchmark v1.4.0",
    "standards/cis-aws-foundations-benchmark/v/3.0.0": "CIS AWS Foundations Benchmark v3.0.0",
    "standards/cis-aws-foundations-benchmark/v/5.0.0": "CIS AWS Foundations Benchmark v5.0.0",
    "standards/nist-800-53/v/5.0.0": "NIST SP 800-53 Rev. 5",
    "standards/nist-800-171/v/2.0.0": "NIST SP 800-171 Rev. 2",
    "standards/pci-dss/v/3.2.1": "PCI DSS v3.2.1",
    "standards/pci-dss/v/4.0.1": "PCI DSS v4.0.1",
    "standards/service-managed-aws-control-tower/v/1.0.0": "Service-Managed Standard: AWS Control Tower",
}


def aws_product_arn(partition: str, region: str) -> str:
    """The product of Security Hub CSPM's own control findings in a Region."""
    return f"arn:{partition}:securityhub:{region}::product/aws/securityhub"


def standard_id(standards_arn: str) -> str:
    """`standards/pci-dss/v/3.2.1` from `arn:aws:securityhub:us-east-1::standards/pci-dss/v/3.2.1` (and
    `ruleset/...` from CIS v1.2.0's global ARN): the id control findings name in AssociatedStandards."""
    _, sep, tail = standards_arn.partition("::")
    return tail if sep else standards_arn


def standard_name(standard: str) -> str:
    return STANDARD_NAMES.get(standard, standard)
