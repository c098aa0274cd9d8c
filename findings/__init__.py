"""ASFF findings: model, ids, builders, validation and the generated schema. Pure: no boto3, no I/O."""

from .asff import AsffFinding
from .build import Placement, build_finding, build_findings, cut, iso_timestamp, safe_details
from .ids import finding_id, generator_id, product_arn, result_finding_id
from .validate import FindingValidationError, schema_errors, validate_finding, validate_findings

__all__ = [
    "AsffFinding",
    "FindingValidationError",
    "Placement",
    "build_finding",
    "build_findings",
    "cut",
    "finding_id",
    "generator_id",
    "iso_timestamp",
    "product_arn",
    "result_finding_id",
    "safe_details",
    "schema_errors",
    "validate_finding",
    "validate_findings",
]
