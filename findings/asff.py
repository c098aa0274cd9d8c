"""Pydantic model of the ASFF subset rootguard emits (AwsSecurityFinding, schema version 2018-10-08).

Field names are ASFF's own, so `finding.to_asff()` is what BatchImportFindings takes. Limits documented by
Security Hub are enforced here too; the generated JSON Schema (findings/schema/asff.schema.json) is the
final gate before a finding leaves.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = "2018-10-08"

NonEmpty = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
Timestamp = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
]
SeverityLabel = Literal["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
ComplianceStatus = Literal["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"]
AsffType = Annotated[
    str,
    StringConstraints(
        max_length=256,
        pattern=r"^(Software and Configuration Checks|TTPs|Effects|Unusual Behaviors"
        r"|Sensitive Data Identifications)(/[^/]+){0,2}$",
    ),
]


class _Asff(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AsffSeverity(_Asff):
    Label: SeverityLabel
    Original: NonEmpty | None = None


class AsffStatusReason(_Asff):
    ReasonCode: NonEmpty
    Description: Annotated[str, StringConstraints(max_length=2048)] | None = None


class AsffAssociatedStandard(_Asff):
    StandardsId: NonEmpty


class AsffCompliance(_Asff):
    Status: ComplianceStatus
    StatusReasons: list[AsffStatusReason] | None = None
    RelatedRequirements: Annotated[list[NonEmpty], Field(max_length=32)] | None = None
    AssociatedStandards: Annotated[list[AsffAssociatedStandard], Field(max_length=20)] | None = None


class AsffRecommendation(_Asff):
    Text: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    Url: NonEmpty | None = None


class AsffRemediation(_Asff):
    Recommendation: AsffRecommendation


class AsffResourceDetails(_Asff):
    Other: Annotated[dict[Annotated[str, StringConstraints(max_length=128)], NonEmpty], Field(max_length=50)]


class AsffResource(_Asff):
    Type: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    Id: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    Partition: Literal["aws", "aws-cn", "aws-us-gov"] | None = None
    Region: NonEmpty | None = None
    Details: AsffResourceDetails | None = None


class AsffFindingProviderFields(_Asff):
    Severity: AsffSeverity
    Types: Annotated[list[AsffType], Field(min_length=1, max_length=50)]


class AsffFinding(_Asff):
    SchemaVersion: Literal["2018-10-08"] = SCHEMA_VERSION
    Id: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    ProductArn: NonEmpty
    GeneratorId: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    AwsAccountId: Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
    Types: Annotated[list[AsffType], Field(min_length=1, max_length=50)]
    FirstObservedAt: Timestamp | None = None
    LastObservedAt: Timestamp | None = None
    CreatedAt: Timestamp
    UpdatedAt: Timestamp
    Severity: AsffSeverity
    Title: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    Description: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    Remediation: AsffRemediation | None = None
    ProductFields: Annotated[
        dict[
            Annotated[str, StringConstraints(max_length=128)],
            Annotated[str, StringConstraints(max_length=2048)],
        ],
        Field(max_length=50),
    ] = Field(default_factory=dict)
    Resources: Annotated[list[AsffResource], Field(min_length=1, max_length=32)]
    Compliance: AsffCompliance | None = None
    RecordState: Literal["ACTIVE", "ARCHIVED"] = "ACTIVE"
    FindingProviderFields: AsffFindingProviderFields | None = None

    def to_asff(self) -> dict[str, Any]:
        """The finding as the plain dict BatchImportFindings takes (unset optional fields left out)."""
        return self.model_dump(mode="json", exclude_none=True)
