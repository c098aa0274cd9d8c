"""Per-finding ASFF checks that AWS Security Hub applies in BatchImportFindings.

``finding_error(finding)`` returns ``None`` for an acceptable finding, or the one-line reason AWS would put in
``FailedFindings[].ErrorMessage`` (code ``InvalidInput``). The structure (members, types, enums) is walked
against botocore's ``AwsSecurityFinding`` shape; the limits the model only states in prose are listed below
from the ASFF reference ("AWS Security Finding Format (ASFF)", required and optional attributes). AWS's own
messages come from a JSON-schema validator ("Finding does not adhere to Amazon Finding Format. data should
have required property 'X'"); the messages here keep that form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from rootguard.sandbox.securityhub.api_model import shape

PREFIX = "Finding does not adhere to Amazon Finding Format. "

SCHEMA_VERSION = "2018-10-08"
# BatchImportFindings prerequisites: send all twelve (AWS accepts FindingProviderFields in place of
# top-level Severity/Types; the sandbox insists on the top-level ones so publishers always send them).
REQUIRED = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "UpdatedAt",
    "Severity",
    "Title",
    "Description",
    "Resources",
)
TIMESTAMP_FIELDS = ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt", "ProcessedAt")
MAX_FINDING_BYTES = 240 * 1024
TYPE_NAMESPACES = frozenset(
    {
        "Software and Configuration Checks",
        "TTPs",
        "Effects",
        "Unusual Behaviors",
        "Sensitive Data Identifications",
    }
)
# Top-level string lengths stated in the ASFF reference.
MAX_LENGTH = {"Id": 512, "GeneratorId": 512, "Title": 256, "Description": 1024, "ProductArn": 2048}
MAX_PRODUCT_FIELDS = 50
MAX_FIELD_KEY = 128
MAX_FIELD_VALUE = 2048
MAX_TYPES = 50
MAX_RESOURCES = 32
MAX_RESOURCE_TYPE = 256
MAX_RELATED_REQUIREMENTS = 32
MAX_RECOMMENDATION_TEXT = 512
# Keys Security Hub itself writes into ProductFields; they do not count against the provider's 50.
RESERVED_PRODUCT_FIELD_PREFIX = "aws/securityhub/"

_ACCOUNT_ID = re.compile(r"\d{12}")
# RFC 3339 date-time: a T (or t) separator, optional fraction of at most nine digits, Z or +hh:mm offset.
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


class FindingInvalid(ValueError):
    """Raised internally with the AWS-style message of the first problem found."""


def finding_error(finding: Any, check_size: bool = True) -> str | None:
    """The InvalidInput message for a finding, or ``None``; ``check_size=False`` when the whole request
    is known to be smaller than one finding may be."""
    try:
        _check(finding, check_size)
    except FindingInvalid as problem:
        return PREFIX + str(problem)
    return None


def shape_problem(value: Any, shape_name: str, path: str) -> str | None:
    """Why ``value`` does not fit the named botocore shape (``None`` if it does); for request members."""
    try:
        _walk(value, shape_name, path)
    except FindingInvalid as problem:
        return str(problem)
    return None


@lru_cache(maxsize=8192)  # a scan stamps every finding with the same few instants
def timestamp_ns(value: str) -> int | None:
    """Nanoseconds since the epoch (UTC) of an RFC 3339 timestamp, ``None`` if it is not one."""
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
    if not (1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)):
        return None
    if hour > 23 or minute > 59 or second > 60:  # 60: RFC 3339 allows a leap second
        return None
    fraction = (match.group(7) or "").ljust(9, "0")
    offset = 0
    if match.group(8) is None:
        off_hours, off_minutes = int(match.group(10)), int(match.group(11))
        if off_hours > 23 or off_minutes > 59:
            return None
        offset = (off_hours * 60 + off_minutes) * 60 * (1 if match.group(9) == "+" else -1)
    days = _days_from_civil(year, month, day)
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
    return seconds * 1_000_000_000 + int(fraction)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    # Howard Hinnant's days_from_civil: proleptic Gregorian date -> days since 1970-01-01.
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _check(finding: Any, check_size: bool) -> None:
    if not isinstance(finding, Mapping):
        raise FindingInvalid("data should be object")
    for name in REQUIRED:
        if name not in finding:
            raise FindingInvalid(f"data should have required property '{name}'")
    _walk(finding, "AwsSecurityFinding", "data")
    _check_documented_limits(finding)
    if check_size and len(json.dumps(finding, separators=(",", ":"))) > MAX_FINDING_BYTES:
        raise FindingInvalid("data should NOT be longer than 240 KB")


def _check_documented_limits(finding: Mapping[str, Any]) -> None:
    if finding["SchemaVersion"] != SCHEMA_VERSION:
        raise FindingInvalid(f"data.SchemaVersion should be equal to constant '{SCHEMA_VERSION}'")
    for name, limit in MAX_LENGTH.items():
        value = finding.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise FindingInvalid(f"data.{name} should NOT be longer than {limit} characters")
    if not _ACCOUNT_ID.fullmatch(finding["AwsAccountId"]):
        raise FindingInvalid('data.AwsAccountId should match pattern "^[0-9]{12}$"')
    for name in TIMESTAMP_FIELDS:
        value = finding.get(name)
        if value is not None and timestamp_ns(value) is None:
            raise FindingInvalid(f'data.{name} should match format "date-time"')
    note = finding.get("Note")
    if note is not None and timestamp_ns(note["UpdatedAt"]) is None:
        raise FindingInvalid('data.Note.UpdatedAt should match format "date-time"')
    _check_types(finding["Types"], "data.Types")
    _check_severity(finding["Severity"], "data.Severity")
    provider = finding.get("FindingProviderFields") or {}
    if "Types" in provider:
        _check_types(provider["Types"], "data.FindingProviderFields.Types")
    resources = finding["Resources"]
    if not 1 <= len(resources) <= MAX_RESOURCES:
        raise FindingInvalid(f"data.Resources should have between 1 and {MAX_RESOURCES} items")
    for index, resource in enumerate(resources):
        if len(resource["Type"]) > MAX_RESOURCE_TYPE:
            raise FindingInvalid(
                f"data.Resources[{index}].Type should NOT be longer than {MAX_RESOURCE_TYPE} characters"
            )
    for name in ("ProductFields", "UserDefinedFields"):
        if name in finding:
            _check_field_map(finding[name], f"data.{name}")
    compliance = finding.get("Compliance") or {}
    if len(compliance.get("RelatedRequirements", ())) > MAX_RELATED_REQUIREMENTS:
        raise FindingInvalid(
            f"data.Compliance.RelatedRequirements should NOT have more than {MAX_RELATED_REQUIREMENTS} items"
        )
    text = ((finding.get("Remediation") or {}).get("Recommendation") or {}).get("Text")
    if text is not None and len(text) > MAX_RECOMMENDATION_TEXT:
        raise FindingInvalid(
            "data.Remediation.Recommendation.Text should NOT be longer than "
            f"{MAX_RECOMMENDATION_TEXT} characters"
        )


def _check_types(types: list[str], path: str) -> None:
    if not 1 <= len(types) <= MAX_TYPES:
        raise FindingInvalid(f"{path} should have between 1 and {MAX_TYPES} items")
    for index, value in enumerate(types):
        parts = value.split("/")
        if len(parts) > 3 or parts[0] not in TYPE_NAMESPACES or any(not part.strip() for part in parts):
            raise FindingInvalid(f'{path}[{index}] should match "namespace/category/classifier"')


def _check_severity(severity: Mapping[str, Any], path: str) -> None:
    if "Label" not in severity and "Normalized" not in severity:
        raise FindingInvalid(f"{path} should have required property 'Label'")
    normalized = severity.get("Normalized")
    if normalized is not None and not 0 <= normalized <= 100:
        raise FindingInvalid(f"{path}.Normalized should be <= 100 and >= 0")


def _check_field_map(fields: Mapping[str, str], path: str) -> None:
    own = [key for key in fields if not key.startswith(RESERVED_PRODUCT_FIELD_PREFIX)]
    if len(own) > MAX_PRODUCT_FIELDS:
        raise FindingInvalid(f"{path} should NOT have more than {MAX_PRODUCT_FIELDS} properties")
    for key in own:
        if len(key) > MAX_FIELD_KEY:
            raise FindingInvalid(f"{path} property name should NOT be longer than {MAX_FIELD_KEY} characters")
        if len(fields[key]) > MAX_FIELD_VALUE:
            raise FindingInvalid(f"{path}['{key}'] should NOT be longer than {MAX_FIELD_VALUE} characters")


_NON_EMPTY_PATTERN = ".*\\S.*"


@dataclass(frozen=True)
class _Node:
    """A botocore shape reduced to what validation needs; children are named, resolved lazily."""

    kind: str
    members: Mapping[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    enum: frozenset[str] = frozenset()
    non_empty: bool = False
    item: str | None = None  # list member or map value shape name


@cache
def _node(shape_name: str) -> _Node:
    model = shape(shape_name)
    kind = model.type_name
    if kind == "structure":
        members = {name: member.name for name, member in model.members.items()}
        return _Node(kind, members=members, required=tuple(model.required_members))
    if kind == "list":
        return _Node(kind, item=model.member.name)
    if kind == "map":
        return _Node(kind, item=model.value.name)
    if kind == "string":
        return _Node(
            kind,
            enum=frozenset(model.enum),
            non_empty=model.metadata.get("pattern") == _NON_EMPTY_PATTERN,
        )
    return _Node(kind)


class _Mismatch(Exception):
    """A shape mismatch; the path is assembled while the exception unwinds (free when data is valid)."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem
        self.segments: list[str] = []

    def message(self, root: str) -> str:
        return f"{root}{''.join(reversed(self.segments))} {self.problem}"


def _walk(value: Any, shape_name: str, path: str) -> None:
    """Check ``value`` against a botocore shape: members, types, enums, non-blank strings."""
    try:
        _match(value, shape_name)
    except _Mismatch as mismatch:
        raise FindingInvalid(mismatch.message(path)) from None


def _match(value: Any, shape_name: str) -> None:
    node = _node(shape_name)
    kind = node.kind
    if kind == "structure":
        if not isinstance(value, Mapping):
            raise _Mismatch("should be object")
        for name in node.required:
            if name not in value:
                raise _Mismatch(f"should have required property '{name}'")
        members = node.members
        for name, item in value.items():
            member = members.get(name)
            if member is None:
                raise _Mismatch(f"should NOT have additional properties ('{name}')")
            try:
                _match(item, member)
            except _Mismatch as mismatch:
                mismatch.segments.append(f".{name}")
                raise
    elif kind == "list":
        if not isinstance(value, list):
            raise _Mismatch("should be array")
        for index, item in enumerate(value):
            try:
                _match(item, node.item)
            except _Mismatch as mismatch:
                mismatch.segments.append(f"[{index}]")
                raise
    elif kind == "map":
        if not isinstance(value, Mapping):
            raise _Mismatch("should be object")
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Mismatch("property names should be string")
            try:
                _match(item, node.item)
            except _Mismatch as mismatch:
                mismatch.segments.append(f"['{key}']")
                raise
    elif kind == "string":
        if not isinstance(value, str):
            raise _Mismatch("should be string")
        if node.enum and value not in node.enum:
            raise _Mismatch(f"should be equal to one of the allowed values: {', '.join(sorted(node.enum))}")
        if node.non_empty and not value.strip():
            raise _Mismatch("should NOT be shorter than 1 characters")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Mismatch("should be integer")
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Mismatch("should be number")
    elif kind == "boolean" and not isinstance(value, bool):
        raise _Mismatch("should be boolean")
