"""What the reports say about a check and a result beyond the result itself: title, severity, finding id.

The same sources as the ASFF findings (the check's spec, its mapping, the deterministic finding id), so a row
of the CSV, an OCSF event and a Security Hub finding of one result agree. A results file may name a check this
version does not know (written by another version): it is reported under its id, without severity.
"""

from __future__ import annotations

from functools import cache

from rootguard.findings.ids import result_finding_id
from rootguard.mappings import CheckMapping, load_mappings
from rootguard.models import Result
from rootguard.rules import CheckSpec, spec_for


@cache
def spec_or_none(check_id: str) -> CheckSpec | None:
    try:
        return spec_for(check_id)
    except KeyError:
        return None


@cache
def mapping_or_none(check_id: str) -> CheckMapping | None:
    return load_mappings().get(check_id)


def title_of(check_id: str) -> str:
    spec = spec_or_none(check_id)
    return spec.title if spec else check_id


def severity_of(result: Result) -> str:
    """The ASFF severity label of this result (INFORMATIONAL..CRITICAL); "" for an unknown check."""
    spec = spec_or_none(result.check_id)
    return spec.severity.label(result) if spec else ""


def partition_of(result: Result) -> str:
    """The AWS partition named in the resource's ARN (aws when the ARN names none)."""
    parts = result.resource.arn.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"


def account_of(result: Result) -> str:
    """The account a result's resource belongs to: the member account, or the organization's management
    account from the organization's ARN."""
    if result.resource.id.isdigit() and len(result.resource.id) == 12:
        return result.resource.id
    parts = result.resource.arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else ""


def finding_id_of(result: Result) -> str:
    """The id its Security Hub finding has (rootguard.findings.ids): the same on every path; "" when the
    result lacks what an id is made of."""
    try:
        return result_finding_id(result, partition_of(result))
    except ValueError:
        return ""


def framework_of(requirement: str) -> str:
    """`CIS AWS Foundations Benchmark v7.0.0/2.1.1` -> `CIS AWS Foundations Benchmark v7.0.0`;
    `NIST.800-53.r5 AC-2` -> `NIST.800-53.r5`."""
    head, sep, _ = requirement.rpartition("/")
    if sep:
        return head
    return requirement.split(" ", 1)[0]
