"""GetFindings / insight filters and sort criteria, with Security Hub's documented semantics.

Source: Security Hub API reference, ``StringFilter.Comparison``:

- ``EQUALS``, ``PREFIX`` and ``CONTAINS`` filters on one field are joined by OR;
- ``NOT_EQUALS``, ``PREFIX_NOT_EQUALS`` and ``NOT_CONTAINS`` filters on one field are joined by AND;
- ``PREFIX`` may be combined with ``NOT_EQUALS``/``PREFIX_NOT_EQUALS`` (positive first, then negative);
- ``CONTAINS`` only with other ``CONTAINS``, ``NOT_CONTAINS`` only with other ``NOT_CONTAINS``, and
  ``EQUALS`` never with ``NOT_EQUALS``/``PREFIX_NOT_EQUALS``: such combinations are an input error;
- different fields are joined by AND.

A field that holds several values (``Type``, ``ResourceId``, ...) matches a positive filter when any value
matches, and passes a negative filter only when no value matches it. Filters are compiled once per request
into a predicate, so a sweep over 100,000 findings stays a single pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rootguard.sandbox.securityhub.api_model import filter_fields_by_kind
from rootguard.sandbox.securityhub.asff import shape_problem, timestamp_ns

Finding = Mapping[str, Any]
Predicate = Callable[[Finding], bool]

# Filter/sort field -> path into the finding; "*" steps into every element of a list.
FIELD_PATHS: dict[str, tuple[str, ...]] = {
    "ProductArn": ("ProductArn",),
    "AwsAccountId": ("AwsAccountId",),
    "AwsAccountName": ("AwsAccountName",),
    "Id": ("Id",),
    "GeneratorId": ("GeneratorId",),
    "Region": ("Region",),
    "Type": ("Types", "*"),
    "FirstObservedAt": ("FirstObservedAt",),
    "LastObservedAt": ("LastObservedAt",),
    "CreatedAt": ("CreatedAt",),
    "UpdatedAt": ("UpdatedAt",),
    "SeverityProduct": ("Severity", "Product"),
    "SeverityNormalized": ("Severity", "Normalized"),
    "SeverityLabel": ("Severity", "Label"),
    "Confidence": ("Confidence",),
    "Criticality": ("Criticality",),
    "Title": ("Title",),
    "Description": ("Description",),
    "RecommendationText": ("Remediation", "Recommendation", "Text"),
    "SourceUrl": ("SourceUrl",),
    "ProductFields": ("ProductFields",),
    "ProductName": ("ProductName",),
    "CompanyName": ("CompanyName",),
    "UserDefinedFields": ("UserDefinedFields",),
    "ResourceType": ("Resources", "*", "Type"),
    "ResourceId": ("Resources", "*", "Id"),
    "ResourcePartition": ("Resources", "*", "Partition"),
    "ResourceRegion": ("Resources", "*", "Region"),
    "ResourceTags": ("Resources", "*", "Tags"),
    "ResourceApplicationName": ("Resources", "*", "ApplicationName"),
    "ResourceApplicationArn": ("Resources", "*", "ApplicationArn"),
    "ComplianceStatus": ("Compliance", "Status"),
    "ComplianceSecurityControlId": ("Compliance", "SecurityControlId"),
    "ComplianceAssociatedStandardsId": ("Compliance", "AssociatedStandards", "*", "StandardsId"),
    "VerificationState": ("VerificationState",),
    "WorkflowState": ("WorkflowState",),
    "WorkflowStatus": ("Workflow", "Status"),
    "RecordState": ("RecordState",),
    "RelatedFindingsProductArn": ("RelatedFindings", "*", "ProductArn"),
    "RelatedFindingsId": ("RelatedFindings", "*", "Id"),
    "NoteText": ("Note", "Text"),
    "NoteUpdatedAt": ("Note", "UpdatedAt"),
    "NoteUpdatedBy": ("Note", "UpdatedBy"),
    "FindingProviderFieldsConfidence": ("FindingProviderFields", "Confidence"),
    "FindingProviderFieldsCriticality": ("FindingProviderFields", "Criticality"),
    "FindingProviderFieldsRelatedFindingsId": ("FindingProviderFields", "RelatedFindings", "*", "Id"),
    "FindingProviderFieldsRelatedFindingsProductArn": (
        "FindingProviderFields",
        "RelatedFindings",
        "*",
        "ProductArn",
    ),
    "FindingProviderFieldsSeverityLabel": ("FindingProviderFields", "Severity", "Label"),
    "FindingProviderFieldsSeverityOriginal": ("FindingProviderFields", "Severity", "Original"),
    "FindingProviderFieldsTypes": ("FindingProviderFields", "Types", "*"),
    "Sample": ("Sample",),
}

POSITIVE = frozenset({"EQUALS", "PREFIX", "CONTAINS"})
NEGATIVE = frozenset({"NOT_EQUALS", "PREFIX_NOT_EQUALS", "NOT_CONTAINS"})
_FORBIDDEN_PAIRS = (
    ("CONTAINS", "NOT_CONTAINS"),
    ("EQUALS", "NOT_EQUALS"),
    ("EQUALS", "PREFIX_NOT_EQUALS"),
)
_DAY_NS = 86_400 * 1_000_000_000


class FilterError(ValueError):
    """An invalid filter or sort request; the message is the InvalidInputException text."""


def field_values(finding: Finding, field: str) -> list[Any]:
    """Every value the named filter field has in a finding (empty when absent)."""
    values: list[Any] = [finding]
    for step in FIELD_PATHS[field]:
        following: list[Any] = []
        for value in values:
            if step == "*":
                if isinstance(value, list):
                    following.extend(value)
            elif isinstance(value, Mapping) and step in value:
                following.append(value[step])
        values = following
        if not values:
            break
    return values


def compile_filters(filters: Mapping[str, Any] | None, now_ns: int | None = None) -> Predicate:
    """Validate ``Filters`` and return the predicate a finding must satisfy."""
    if not filters:
        return _always
    problem = shape_problem(filters, "AwsSecurityFindingFilters", "Filters")
    if problem is not None:
        raise FilterError(problem)
    now = time.time_ns() if now_ns is None else now_ns
    kinds = filter_fields_by_kind()
    checks: list[Predicate] = []
    for field, conditions in filters.items():
        if not conditions:
            continue
        if field not in FIELD_PATHS:
            raise FilterError(f"Filter {field} is not supported by the rootguard sandbox")
        kind = kinds[field]
        if kind == "StringFilterList":
            checks.append(_string_check(field, conditions))
        elif kind == "DateFilterList":
            checks.append(_date_check(field, conditions, now))
        elif kind == "NumberFilterList":
            checks.append(_number_check(field, conditions))
        elif kind == "MapFilterList":
            checks.append(_map_check(field, conditions))
        elif kind == "BooleanFilterList":
            checks.append(_boolean_check(field, conditions))
        else:
            raise FilterError(f"Filter {field} is not supported by the rootguard sandbox")
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    return lambda finding: all(check(finding) for check in checks)


def compile_sort(criteria: Iterable[Mapping[str, Any]] | None) -> list[tuple[str, bool]]:
    """``SortCriteria`` -> [(field, descending)]; validated against the fields the sandbox knows."""
    result: list[tuple[str, bool]] = []
    for criterion in criteria or ():
        field = criterion.get("Field")
        order = criterion.get("SortOrder", "asc")
        if field not in FIELD_PATHS:
            raise FilterError(f"SortCriteria Field {field} is not a sortable finding attribute")
        if order not in ("asc", "desc"):
            raise FilterError("SortCriteria SortOrder must be asc or desc")
        result.append((field, order == "desc"))
    return result


def sort_key_value(finding: Finding, field: str) -> tuple[int, Any]:
    """A comparable key for one field: absent values sort first, timestamps by instant."""
    values = field_values(finding, field)
    if not values:
        return (0, "")
    value = values[0]
    if isinstance(value, str):
        instant = timestamp_ns(value) if field in _DATE_FIELDS else None
        return (1, instant if instant is not None else value)
    if isinstance(value, bool | int | float):
        return (1, value)
    return (1, str(value))


_DATE_FIELDS = frozenset(name for name, kind in filter_fields_by_kind().items() if kind == "DateFilterList")


def _always(_finding: Finding) -> bool:
    return True


def _string_matches(value: Any, comparison: str, target: str) -> bool:
    if not isinstance(value, str):
        value = str(value)
    if comparison in ("EQUALS", "NOT_EQUALS"):
        return value == target
    if comparison in ("PREFIX", "PREFIX_NOT_EQUALS"):
        return value.startswith(target)
    return target in value  # CONTAINS, NOT_CONTAINS


def _string_check(field: str, conditions: list[Mapping[str, str]]) -> Predicate:
    comparisons = {condition.get("Comparison") for condition in conditions}
    for condition in conditions:
        if "Comparison" not in condition or "Value" not in condition:
            raise FilterError(f"Filter {field} needs both Comparison and Value")
        if condition["Comparison"] not in POSITIVE | NEGATIVE:
            raise FilterError(
                f"Comparison {condition['Comparison']} is not supported for GetFindings filter {field}"
            )
    for first, second in _FORBIDDEN_PAIRS:
        if first in comparisons and second in comparisons:
            raise FilterError(f"Filter {field} cannot combine {first} and {second} comparisons")
    for exclusive in ("CONTAINS", "NOT_CONTAINS"):
        if exclusive in comparisons and len(comparisons) > 1:
            raise FilterError(
                f"Filter {field}: {exclusive} can only be combined with other {exclusive} filters"
            )
    positive = [(c["Comparison"], c["Value"]) for c in conditions if c["Comparison"] in POSITIVE]
    negative = [(c["Comparison"], c["Value"]) for c in conditions if c["Comparison"] in NEGATIVE]

    def check(finding: Finding) -> bool:
        values = field_values(finding, field)
        if positive and not any(
            _string_matches(value, comparison, target) for value in values for comparison, target in positive
        ):
            return False
        return not any(
            _string_matches(value, comparison, target) for value in values for comparison, target in negative
        )

    return check


def _date_check(field: str, conditions: list[Mapping[str, Any]], now_ns: int) -> Predicate:
    windows: list[tuple[int | None, int | None]] = []
    for condition in conditions:
        date_range = condition.get("DateRange")
        if date_range is not None:
            if "Start" in condition or "End" in condition:
                raise FilterError(f"Filter {field}: use either DateRange or Start/End")
            days = date_range.get("Value")
            if not isinstance(days, int) or days < 0 or date_range.get("Unit") != "DAYS":
                raise FilterError(f"Filter {field}: DateRange needs a non-negative Value and Unit DAYS")
            windows.append((now_ns - days * _DAY_NS, now_ns))
            continue
        start = _instant(field, condition.get("Start"))
        end = _instant(field, condition.get("End"))
        if start is None and end is None:
            raise FilterError(f"Filter {field} needs Start, End or DateRange")
        windows.append((start, end))

    def check(finding: Finding) -> bool:
        for value in field_values(finding, field):
            instant = timestamp_ns(value) if isinstance(value, str) else None
            if instant is None:
                continue
            for start, end in windows:
                if (start is None or instant >= start) and (end is None or instant <= end):
                    return True
        return False

    return check


def _instant(field: str, value: str | None) -> int | None:
    if value is None:
        return None
    instant = timestamp_ns(value)
    if instant is None:
        raise FilterError(f"Filter {field}: {value} is not an RFC 3339 timestamp")
    return instant


def _number_check(field: str, conditions: list[Mapping[str, float]]) -> Predicate:
    tests = {
        "Eq": lambda v, x: v == x,
        "Gte": lambda v, x: v >= x,
        "Lte": lambda v, x: v <= x,
        "Gt": lambda v, x: v > x,
        "Lt": lambda v, x: v < x,
    }
    compiled: list[list[tuple[Callable[[float, float], bool], float]]] = []
    for condition in conditions:
        if not condition:
            raise FilterError(f"Filter {field} needs at least one of Eq, Gte, Lte, Gt, Lt")
        compiled.append([(tests[name], bound) for name, bound in condition.items()])

    def check(finding: Finding) -> bool:
        for value in field_values(finding, field):
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if any(all(test(value, bound) for test, bound in bounds) for bounds in compiled):
                return True
        return False

    return check


def _map_check(field: str, conditions: list[Mapping[str, str]]) -> Predicate:
    for condition in conditions:
        if not {"Key", "Value", "Comparison"} <= condition.keys():
            raise FilterError(f"Filter {field} needs Key, Value and Comparison")
    positive = [c for c in conditions if c["Comparison"] in ("EQUALS", "CONTAINS")]
    negative = [c for c in conditions if c["Comparison"] in ("NOT_EQUALS", "NOT_CONTAINS")]

    def hit(maps: list[Any], condition: Mapping[str, str]) -> bool:
        exact = condition["Comparison"] in ("EQUALS", "NOT_EQUALS")
        for mapping in maps:
            if isinstance(mapping, Mapping) and condition["Key"] in mapping:
                value = mapping[condition["Key"]]
                if value == condition["Value"] if exact else condition["Value"] in value:
                    return True
        return False

    def check(finding: Finding) -> bool:
        maps = field_values(finding, field)
        if positive and not any(hit(maps, condition) for condition in positive):
            return False
        return not any(hit(maps, condition) for condition in negative)

    return check


def _boolean_check(field: str, conditions: list[Mapping[str, bool]]) -> Predicate:
    wanted = {condition.get("Value") for condition in conditions}

    def check(finding: Finding) -> bool:
        values = field_values(finding, field) or [False]
        return any(value in wanted for value in values)

    return check
