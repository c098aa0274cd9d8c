"""ASFF findings: model, schema, builders, Prowler output readers and the Security Hub publisher."""

from .asff import AsffFinding
from .build import Placement, build_finding, build_findings, cut, iso_timestamp, safe_details
from .ids import finding_id, generator_id, product_arn, result_finding_id
from .prowler_readers import (
    ProwlerImport,
    ProwlerOutputError,
    findings_from_prowler,
    read_prowler_asff,
    read_prowler_ocsf,
    read_prowler_output,
)
from .validate import FindingValidationError, schema_errors, validate_finding, validate_findings

__all__ = [
    "AsffFinding",
    "FindingValidationError",
    "Placement",
    "ProwlerImport",
    "ProwlerOutputError",
    "build_finding",
    "build_findings",
    "cut",
    "finding_id",
    "findings_from_prowler",
    "generator_id",
    "iso_timestamp",
    "product_arn",
    "read_prowler_asff",
    "read_prowler_ocsf",
    "read_prowler_output",
    "result_finding_id",
    "safe_details",
    "schema_errors",
    "validate_finding",
    "validate_findings",
]
