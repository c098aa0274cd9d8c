"""Results -> validated ASFF findings (the one builder every source goes through).

`build_findings` builds from per-check templates (findings.templates): plain data, the constant part of each
check's findings validated once, each finding's size computed once. `build_finding` is the reference it is
held to, byte for byte: the pydantic model of findings.asff, then the whole compiled schema and the size
check, one finding at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from rootguard.mappings import CheckMapping, load_mappings
from rootguard.models import AccountId, ResourceKind, Result, Status
from rootguard.rules import CheckSpec, spec_for

from .asff import (
    AsffCompliance,
    AsffFinding,
    AsffFindingProviderFields,
    AsffRecommendation,
    AsffRemediation,
    AsffResource,
    AsffResourceDetails,
    AsffSeverity,
    AsffStatusReason,
)
from .ids import generator_id, organization_id_of, product_arn, result_finding_id
from .templates import (
    _ACCESS_KEY_ID,
    _ORG_ARN_FROM_ACCOUNT,
    _SECRET_KEY,
    ASFF_PARTITIONS,
    MAX_OTHER_FIELDS,
    CheckTemplate,
    _scalar,
    cut,
    iso_timestamp,
)
from .templates import COMPLIANCE_STATUS as _COMPLIANCE
from .validate import (
    FindingValidationError,
    SizedFinding,
    check_size,
    compiled_validator,
    json_size,
    schema_rejection,
    validate_finding,
)


class Placement(BaseModel):
    """Where a finding is filed: the importing account (AwsAccountId and its default product) and Region."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: AccountId
    region: str
    partition: str = "aws"


# Exact types whose text is str(value); bool, enums and other subclasses take the general path.
_PLAIN = frozenset({str, int, float})


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if type(value) in _PLAIN:  # the common case first, ahead of the slower ABC checks below
        out[prefix] = str(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list | tuple | set | frozenset):
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            out[prefix] = ", ".join(_scalar(v) for v in value if v is not None)
        else:
            for i, item in enumerate(value):
                _flatten(f"{prefix}.{i}", item, out)
    elif value is not None:
        out[prefix] = _scalar(value)


def safe_details(details: Mapping[str, Any]) -> dict[str, str]:
    """Result details as ASFF `Details.Other`: flat string pairs, no secret-looking keys, access key ids
    masked to their last four characters, empty values dropped, at most 50 pairs within the field limits."""
    flat: dict[str, str] = {}
    _flatten("", details, flat)
    out: dict[str, str] = {}
    for key, value in flat.items():
        if _SECRET_KEY.search(key):
            continue
        value = _ACCESS_KEY_ID.sub(lambda m: "****" + m.group(0)[-4:], value).strip()
        key = cut(key, 128)
        if not value or not key:
            continue
        out[key] = cut(value, 1024)
        if len(out) == MAX_OTHER_FIELDS:
            break
    return out


def _resources(result: Result, placement: Placement) -> list[AsffResource]:
    partition = placement.partition if placement.partition in ASFF_PARTITIONS else None
    res = result.resource
    is_account = res.kind is ResourceKind.ACCOUNT
    head = {"name": res.name, "arn": res.arn} if is_account else {"id": res.id, "name": res.name}
    other = {**head, **safe_details(result.details)}
    primary = AsffResource(
        Type="AwsAccount" if is_account else "Other",
        Id=f"AWS::::Account:{res.id}" if is_account else cut(res.arn or res.id, 512),
        Partition=partition,
        Region=placement.region,
        Details=AsffResourceDetails(
            Other={k: v for k, v in list(other.items())[:MAX_OTHER_FIELDS] if v.strip()}
        ),
    )
    out = [primary]
    org_arn = _ORG_ARN_FROM_ACCOUNT.match(res.arn) if is_account else None
    if org_arn:
        out.append(
            AsffResource(
                Type="Other",
                Id=f"{org_arn.group(1)}organization/{org_arn.group(2)}",
                Partition=partition,
                Region=placement.region,
            )
        )
    return out


def _product_fields(result: Result) -> dict[str, str]:
    fields = {
        "rootguard/CheckId": result.check_id,
        "rootguard/Status": result.status.value,
        "rootguard/Reason": result.reason.value if result.reason else "",
        "rootguard/ResourceKind": result.resource.kind.value,
        "rootguard/ResourceId": result.resource.id,
        "rootguard/ResourceName": result.resource.name,
        "rootguard/OrganizationId": organization_id_of(result) or "",
    }
    out = {k: cut(v, 2048) for k, v in fields.items()}
    return {k: v for k, v in out.items() if v}


def build_finding(
    result: Result,
    placement: Placement,
    run_at: datetime,
    *,
    mapping: CheckMapping | None = None,
    spec: CheckSpec | None = None,
    first_observed_at: datetime | None = None,
) -> dict[str, Any]:
    """One Result as a validated ASFF finding dict, ready for BatchImportFindings.

    The title, remediation and severity come from the check's spec (rootguard.rules), the types and
    compliance requirements from its mapping (mappings/rootguard.yaml). CreatedAt/UpdatedAt/LastObservedAt
    are `run_at`; FirstObservedAt is `first_observed_at` or `run_at` (the publisher keeps the first sighting of
    findings already in Security Hub).
    """
    if mapping is None:
        mappings = load_mappings()
        if result.check_id not in mappings:
            raise ValueError(f"no mapping for check id {result.check_id!r}")
        mapping = mappings[result.check_id]
    if spec is None:
        try:
            spec = spec_for(result.check_id)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None
    label = spec.severity.label(result)
    severity = AsffSeverity(Label=label, Original=label)
    types = list(mapping.types)
    now = iso_timestamp(run_at)
    reasons = None
    if result.status is Status.NOT_EVALUATED:
        code = result.reason.value if result.reason else "NOT_EVALUATED"
        reasons = [AsffStatusReason(ReasonCode=code, Description=cut(result.message, 2048) or code)]
    finding = AsffFinding(
        Id=result_finding_id(result, placement.partition),
        ProductArn=product_arn(placement.partition, placement.region, placement.account_id),
        GeneratorId=generator_id(result.check_id),
        AwsAccountId=placement.account_id,
        Types=types,
        FirstObservedAt=iso_timestamp(first_observed_at) if first_observed_at else now,
        LastObservedAt=now,
        CreatedAt=now,
        UpdatedAt=now,
        Severity=severity,
        Title=cut(spec.title, 256),
        Description=cut(result.message, 1024) or cut(spec.title, 1024),
        Remediation=AsffRemediation(
            Recommendation=AsffRecommendation(Text=cut(spec.remediation.text, 512), Url=spec.remediation.url)
        ),
        ProductFields=_product_fields(result),
        Resources=_resources(result, placement),
        Compliance=AsffCompliance(
            Status=_COMPLIANCE[result.status],
            StatusReasons=reasons,
            RelatedRequirements=mapping.related_requirements[:32] or None,
            AssociatedStandards=[{"StandardsId": s} for s in mapping.associated_standards[:20]] or None,
        ),
        FindingProviderFields=AsffFindingProviderFields(Severity=severity, Types=types),
    ).to_asff()
    validate_finding(finding)
    return finding


PlacementFor = Placement | Callable[[Result], Placement]


def build_findings(
    results: Iterable[Result],
    placement: PlacementFor,
    run_at: datetime,
    *,
    first_observed: Mapping[str, datetime] | None = None,
    strict: bool = False,
) -> list[dict[str, Any]]:
    """Every Result as a validated ASFF finding (a :class:`~findings.validate.SizedFinding`: a dict that
    carries its serialized size). `placement` is one Placement (central mode) or a function of the Result
    (per-member mode: the member account). `first_observed` maps finding Id -> first sighting. `strict`:
    also run the whole ASFF schema on every finding and measure its size by serializing it."""
    mappings = load_mappings()
    now = iso_timestamp(run_at)
    templates: dict[tuple[str, Placement], CheckTemplate] = {}
    out: list[dict[str, Any]] = []
    for result in results:
        where = placement(result) if callable(placement) else placement
        key = (result.check_id, where)
        template = templates.get(key)
        if template is None:
            template = templates[key] = _template(result.check_id, where, now, mappings)
        first = None
        if first_observed:
            seen = first_observed.get(result_finding_id(result, where.partition))
            first = iso_timestamp(seen) if seen else None
        finding = template.finding(result, first)
        if strict:
            validate_strictly(finding)
        out.append(finding)
    return out


def _template(
    check_id: str, where: Placement, now: str, mappings: Mapping[str, CheckMapping]
) -> CheckTemplate:
    mapping = mappings.get(check_id)
    if mapping is None:
        raise ValueError(f"no mapping for check id {check_id!r}")
    try:
        spec = spec_for(check_id)
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None
    return CheckTemplate(check_id, mapping, spec, where.account_id, where.region, where.partition, now)


def validate_strictly(finding: dict[str, Any]) -> None:
    """The whole schema on one finding, and its size measured by serializing it (which must also be the size
    the builder computed)."""
    if not compiled_validator()(finding):
        raise schema_rejection(finding)
    measured = json_size(finding)
    if isinstance(finding, SizedFinding) and finding.size != measured:
        raise FindingValidationError(
            f"finding {finding.get('Id', '?')}: computed size {finding.size} is not its {measured} bytes"
        )
    check_size(finding, measured)
