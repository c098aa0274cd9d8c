"""Findings from per-check templates, as plain data: the fast path of `build_findings`.

Most of a finding is the same for every result of a check in one run: product, generator, account, types,
timestamps, title, remediation, the compliance requirements, the severity of each label. A
:class:`CheckTemplate` holds that constant part once (the same objects in every finding it builds) and each
finding adds only what varies: its id, description, product fields, resources and compliance status.

Validation follows the same split. The first finding of each (template, severity label) goes through the whole
compiled ASFF schema, which validates every constant part it shares with the findings after it; each of those
is then validated against the schema minus the shared values (`findings.validate.partial_validator`), and its
serialized size is computed from the template's precomputed sizes plus one serialization of what varies. The
output is byte for byte what the model-based builder (`findings.build.build_finding`) makes, which stays the
reference: tests compare the two, and `strict=True` also runs the whole schema on every finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rootguard.mappings import CheckMapping
from rootguard.models import ResourceKind, Result, Status
from rootguard.rules import CheckSpec

from .ids import MAX_ID, _part, finding_id, generator_id, organization_id_of, product_arn, scope_id
from .validate import (
    SizedFinding,
    check_size,
    compiled_validator,
    json_size,
    partial_validator,
    schema_rejection,
)

ELLIPSIS = "\u2026"
ASFF_PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov"})
COMPLIANCE_STATUS = {Status.PASS: "PASSED", Status.FAIL: "FAILED", Status.NOT_EVALUATED: "NOT_AVAILABLE"}
MAX_OTHER_FIELDS = 50
_SECRET_KEY = re.compile(r"(?i)(secret|token|passphrase|private.?key|session.?key|credentials?_value)")
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")
_ORG_ARN_FROM_ACCOUNT = re.compile(r"^(arn:[a-z-]+:organizations::\d{12}:)account/(o-[a-z0-9]+)/\d{12}$")
_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

# The parts of a finding a template shares between its findings, validated once with the first finding of
# each severity label; everything else is validated on every finding.
SHARED_PATHS: frozenset[tuple[str, ...]] = frozenset(
    {
        ("SchemaVersion",),
        ("ProductArn",),
        ("GeneratorId",),
        ("AwsAccountId",),
        ("Types",),
        ("LastObservedAt",),
        ("CreatedAt",),
        ("UpdatedAt",),
        ("Severity",),
        ("Title",),
        ("Remediation",),
        ("RecordState",),
        ("FindingProviderFields",),
        ("Compliance", "RelatedRequirements"),
        ("Compliance", "AssociatedStandards"),
    }
)


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, ending in an ellipsis when it had to be shortened."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def iso_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and Z; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    elif moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year >= 1000:  # isoformat and strftime agree (strftime does not pad smaller years)
        return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ------------------------------------------------------------------------------------ details -> Other


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso_timestamp(value)
    return str(value)


def _is_container(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return False
    if kind is dict or kind is list or kind is tuple:
        return True
    return isinstance(value, Mapping | list | tuple)


def flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    """Nested details as `a.b.0.c` keys with string values; lists of scalars joined with ", "."""
    kind = type(value)
    if kind is str:
        out[prefix] = value
    elif kind is int or kind is float:
        out[prefix] = str(value)
    elif kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
        for key, item in value.items():
            flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif kind is list or kind is tuple or isinstance(value, list | tuple | set | frozenset):
        if not any(_is_container(v) for v in value):
            out[prefix] = ", ".join(_scalar(v) for v in value if v is not None)
        else:
            for i, item in enumerate(value):
                flatten(f"{prefix}.{i}", item, out)
    elif value is not None:
        out[prefix] = _scalar(value)


# What safe_details makes of a flattened key (None: a key that looks like a secret, or empty) and of a value
# ("" when nothing is left): pure functions of the text, remembered because the same keys and most values
# repeat on every finding. Bounded: cleared when full.
_KEYS: dict[str, str | None] = {}
_VALUES: dict[str, str] = {}
_CACHE_LIMIT = 65536
_CACHED_VALUE_LENGTH = 256


def _safe_key(key: str) -> str | None:
    safe = _KEYS.get(key, "")
    if safe != "":
        return safe
    safe = None if _SECRET_KEY.search(key) else (cut(key, 128) or None)
    if len(_KEYS) >= _CACHE_LIMIT:
        _KEYS.clear()
    _KEYS[key] = safe
    return safe


def _mask(match: re.Match[str]) -> str:
    return "****" + match.group(0)[-4:]


def _safe_value(value: str) -> str:
    safe = _VALUES.get(value)
    if safe is not None:
        return safe
    safe = cut(_ACCESS_KEY_ID.sub(_mask, value).strip(), 1024)
    if len(value) <= _CACHED_VALUE_LENGTH:
        if len(_VALUES) >= _CACHE_LIMIT:
            _VALUES.clear()
        _VALUES[value] = safe
    return safe


def safe_details(details: Mapping[str, Any]) -> dict[str, str]:
    """Result details as ASFF `Details.Other`: flat string pairs, no secret-looking keys, access key ids
    masked to their last four characters, empty values dropped, at most 50 pairs within the field limits."""
    flat: dict[str, str] = {}
    flatten("", details, flat)
    out: dict[str, str] = {}
    for key, value in flat.items():
        safe_key = _safe_key(key)
        if safe_key is None:
            continue
        safe = _safe_value(value)
        if not safe:
            continue
        out[safe_key] = safe
        if len(out) == MAX_OTHER_FIELDS:
            break
    return out


# ------------------------------------------------------------------------------------------- templates


def _entry_size(key: str, value_size: int) -> int:
    """Bytes of `"key":value` in compact JSON (the key is ASCII)."""
    return len(key) + 3 + value_size


_VARYING_KEYS = sum(
    _entry_size(key, 0)
    for key in ("Id", "FirstObservedAt", "Description", "ProductFields", "Resources", "Compliance")
)
_REASONS_ENTRY = _entry_size("StatusReasons", 0)


class CheckTemplate:
    """The constant part of one check's findings for one placement and run, and the builder of each."""

    def __init__(
        self,
        check_id: str,
        mapping: CheckMapping,
        spec: CheckSpec,
        account_id: str,
        region: str,
        partition: str,
        now: str,
    ) -> None:
        self.check_id = check_id
        self.spec = spec
        self.account_id = account_id
        self.region = region
        self.partition = partition
        self.asff_partition = partition if partition in ASFF_PARTITIONS else None
        self.now = now
        self.product_arn = product_arn(partition, region, account_id)
        self.generator_id = generator_id(check_id)
        self.types = list(mapping.types)
        self.title = cut(spec.title, 256)
        self.title_description = cut(spec.title, 1024)
        recommendation: dict[str, Any] = {"Text": cut(spec.remediation.text, 512)}
        if spec.remediation.url is not None:
            recommendation["Url"] = spec.remediation.url
        self.remediation = {"Recommendation": recommendation}
        self.related = mapping.related_requirements[:32] or None
        standards = [{"StandardsId": s} for s in mapping.associated_standards[:20]]
        self.standards = standards or None
        self._severities: dict[str, tuple[dict[str, str], dict[str, Any], int]] = {}
        self._validated_labels: set[str] = set()
        self._id_prefixes: dict[str, str] = {}
        self._org_resources: dict[str, tuple[dict[str, str], ...]] = {}
        self._check_part = _part(check_id)
        self._partition_part = _part(partition)
        # Compact JSON bytes of the entries every finding of this template has, whatever varies.
        self._fixed_size = sum(
            _entry_size(key, json_size(value))
            for key, value in (
                ("SchemaVersion", "2018-10-08"),
                ("ProductArn", self.product_arn),
                ("GeneratorId", self.generator_id),
                ("AwsAccountId", account_id),
                ("Types", self.types),
                ("LastObservedAt", now),
                ("CreatedAt", now),
                ("UpdatedAt", now),
                ("Title", self.title),
                ("Remediation", self.remediation),
                ("RecordState", "ACTIVE"),
            )
        )
        self._compliance_fixed = 0
        self._compliance_keys = 1  # Status
        if self.related is not None:
            self._compliance_fixed += _entry_size("RelatedRequirements", json_size(self.related))
            self._compliance_keys += 1
        if self.standards is not None:
            self._compliance_fixed += _entry_size("AssociatedStandards", json_size(self.standards))
            self._compliance_keys += 1
        # The bytes of every finding but its severity and what varies: the braces and the 18 commas between
        # its 19 entries, the fixed entries, the keys of the varying ones, and Compliance without its reasons.
        compliance = 2 + self._compliance_keys - 1 + self._compliance_fixed + len("Status") + 3
        self._base_size = 20 + self._fixed_size + _VARYING_KEYS + compliance

    # ---------------------------------------------------------------------------------- shared parts

    def _severity(self, label: str) -> tuple[dict[str, str], dict[str, Any], int]:
        """The Severity and FindingProviderFields dicts of `label` (shared), and their entries' bytes."""
        found = self._severities.get(label)
        if found is None:
            severity = {"Label": label, "Original": label}
            provider = {"Severity": severity, "Types": self.types}
            size = _entry_size("Severity", json_size(severity)) + _entry_size(
                "FindingProviderFields", json_size(provider)
            )
            found = self._severities[label] = (severity, provider, size)
        return found

    def _id_prefix(self, scope: str) -> str:
        prefix = self._id_prefixes.get(scope)
        if prefix is None:
            parts = [self.partition, scope, self.check_id]
            if not all(p and p.strip() for p in parts):
                raise ValueError(f"finding_id needs four non-empty parts, got {parts!r}")
            prefix = f"rootguard/{self._partition_part}/{_part(scope)}/{self._check_part}/"
            self._id_prefixes[scope] = prefix
        return prefix

    def _org_resource(self, arn: str) -> tuple[dict[str, str], ...]:
        """The organization resource a member account's finding carries after the account: one shared dict
        per organization (an account ARN ends in `/<12-digit account id>`; anything else is matched whole)."""
        head, _, tail = arn.rpartition("/")
        if len(tail) != 12 or not tail.isdecimal():
            return self._org_resource_of(_ORG_ARN_FROM_ACCOUNT.match(arn))
        found = self._org_resources.get(head)
        if found is None:
            found = self._org_resources[head] = self._org_resource_of(_ORG_ARN_FROM_ACCOUNT.match(arn))
        return found

    def _org_resource_of(self, match: re.Match[str] | None) -> tuple[dict[str, str], ...]:
        if match is None:
            return ()
        org: dict[str, str] = {"Type": "Other", "Id": f"{match.group(1)}organization/{match.group(2)}"}
        if self.asff_partition is not None:
            org["Partition"] = self.asff_partition
        org["Region"] = self.region
        return (org,)

    # --------------------------------------------------------------------------------------- a finding

    def finding(self, result: Result, first_observed_at: str | None) -> SizedFinding:
        """One Result as a validated ASFF finding (a SizedFinding: its size travels with it)."""
        res = result.resource
        status = result.status
        organization = organization_id_of(result)
        scope = organization or scope_id(result)
        fid = self._id_prefix(scope) + _part(res.id)
        if len(fid) > MAX_ID or not res.id.strip():
            fid = finding_id(self.partition, scope, self.check_id, res.id)  # hashed, or the error
        label = self.spec.severity.label(result)
        severity, provider, severity_size = self._severity(label)
        description = cut(result.message, 1024) or self.title_description
        first = first_observed_at or self.now

        fields = {
            "rootguard/CheckId": result.check_id,
            "rootguard/Status": status.value,
            "rootguard/Reason": result.reason.value if result.reason else "",
            "rootguard/ResourceKind": res.kind.value,
            "rootguard/ResourceId": res.id,
            "rootguard/ResourceName": res.name,
            "rootguard/OrganizationId": organization or "",
        }
        product_fields = {}
        for key, value in fields.items():
            value = cut(value, 2048)
            if value:
                product_fields[key] = value

        is_account = res.kind is ResourceKind.ACCOUNT
        if is_account:
            other: dict[str, str] = {"name": res.name, "arn": res.arn}
        else:
            other = {"id": res.id, "name": res.name}
        other.update(safe_details(result.details))
        if len(other) > MAX_OTHER_FIELDS:
            other = dict(list(other.items())[:MAX_OTHER_FIELDS])
        other = {k: v for k, v in other.items() if v.strip()}
        primary: dict[str, Any] = {
            "Type": "AwsAccount" if is_account else "Other",
            "Id": f"AWS::::Account:{res.id}" if is_account else cut(res.arn or res.id, 512),
        }
        if self.asff_partition is not None:
            primary["Partition"] = self.asff_partition
        primary["Region"] = self.region
        primary["Details"] = {"Other": other}
        resources = [primary, *self._org_resource(res.arn)] if is_account else [primary]

        compliance: dict[str, Any] = {"Status": COMPLIANCE_STATUS[status]}
        reasons = None
        if status is Status.NOT_EVALUATED:
            code = result.reason.value if result.reason else "NOT_EVALUATED"
            reasons = [{"ReasonCode": code, "Description": cut(result.message, 2048) or code}]
            compliance["StatusReasons"] = reasons
        if self.related is not None:
            compliance["RelatedRequirements"] = self.related
        if self.standards is not None:
            compliance["AssociatedStandards"] = self.standards

        # The size: what the template fixed, plus one serialization of what varies.
        varying = [fid, first, description, product_fields, resources, compliance["Status"]]
        if reasons is not None:
            varying.append(reasons)
        text = _DUMPS(varying)
        varying_size = (len(text) if text.isascii() else len(text.encode("utf-8"))) - 1 - len(varying)
        size = self._base_size + severity_size + varying_size
        if reasons is not None:  # one more Compliance entry, and its comma
            size += _REASONS_ENTRY + 1

        finding = SizedFinding(
            SchemaVersion="2018-10-08",
            Id=fid,
            ProductArn=self.product_arn,
            GeneratorId=self.generator_id,
            AwsAccountId=self.account_id,
            Types=self.types,
            FirstObservedAt=first,
            LastObservedAt=self.now,
            CreatedAt=self.now,
            UpdatedAt=self.now,
            Severity=severity,
            Title=self.title,
            Description=description,
            Remediation=self.remediation,
            ProductFields=product_fields,
            Resources=resources,
            Compliance=compliance,
            RecordState="ACTIVE",
            FindingProviderFields=provider,
            size=size,
        )
        if label in self._validated_labels:
            valid = partial_validator(SHARED_PATHS)(finding)
        else:
            valid = compiled_validator()(finding)
            if valid:
                self._validated_labels.add(label)
        if not valid:
            raise schema_rejection(finding)
        check_size(finding, size)
        return finding
