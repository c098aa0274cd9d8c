"""Units under the sandbox's Security Hub: timestamps, filter compilation, model-derived names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rootguard.sandbox.securityhub.api_model import filter_fields_by_kind, string_filter_fields
from rootguard.sandbox.securityhub.asff import finding_error, timestamp_ns
from rootguard.sandbox.securityhub.filters import (
    FIELD_PATHS,
    FilterError,
    compile_filters,
    compile_sort,
    field_values,
)

NOW = timestamp_ns("2025-06-15T12:00:00Z")


@given(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2999, 12, 31)),
    st.integers(min_value=-23 * 60, max_value=23 * 60),
)
def test_timestamp_ns_agrees_with_datetime(moment, offset_minutes):
    zone = timezone(timedelta(minutes=offset_minutes))
    aware = moment.replace(tzinfo=zone)
    text = aware.isoformat()
    since_epoch = aware - datetime(1970, 1, 1, tzinfo=UTC)  # exact: a float timestamp() rounds far dates
    expected = since_epoch // timedelta(microseconds=1) * 1000
    assert timestamp_ns(text) == expected
    assert timestamp_ns(aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")) == expected


def test_timestamp_ns_keeps_nanoseconds_and_rejects_ten_digits():
    assert timestamp_ns("1970-01-01T00:00:00.000000001Z") == 1
    assert timestamp_ns("1970-01-01T00:00:00.0000000001Z") is None
    assert timestamp_ns("1970-01-01T01:00:00+01:00") == 0
    assert timestamp_ns("1970-01-01T00:00:00+24:00") is None


def test_every_filter_path_is_a_filter_field_of_the_model():
    assert set(FIELD_PATHS) <= set(filter_fields_by_kind())
    assert {"Id", "ProductArn", "ProductName", "GeneratorId", "AwsAccountId", "RecordState"} <= set(
        FIELD_PATHS
    )
    assert {"ComplianceStatus", "WorkflowStatus", "SeverityLabel", "ResourceId", "ResourceType"} <= set(
        FIELD_PATHS
    )
    assert {"Region", "Title", "Type"} <= string_filter_fields()


def test_field_values_steps_into_lists():
    finding = {"Resources": [{"Id": "a"}, {"Id": "b"}, {"Type": "Other"}], "Types": ["x"]}
    assert field_values(finding, "ResourceId") == ["a", "b"]
    assert field_values(finding, "Type") == ["x"]
    assert field_values(finding, "Title") == []


def eq(value: str, comparison: str = "EQUALS") -> dict[str, str]:
    return {"Comparison": comparison, "Value": value}


def test_negative_filters_pass_findings_without_the_field_and_positive_ones_do_not():
    finding = {"Title": "t"}
    assert compile_filters({"NoteText": [eq("x", "NOT_EQUALS")]})(finding)
    assert not compile_filters({"NoteText": [eq("x")]})(finding)


def test_empty_filters_match_everything():
    assert compile_filters(None)({})
    assert compile_filters({})({})
    assert compile_filters({"Title": []})({})


def test_date_range_counts_days_back_from_now():
    predicate = compile_filters({"UpdatedAt": [{"DateRange": {"Value": 7, "Unit": "DAYS"}}]}, now_ns=NOW)
    assert predicate({"UpdatedAt": "2025-06-10T00:00:00Z"})
    assert not predicate({"UpdatedAt": "2025-06-01T00:00:00Z"})


def test_map_filter_on_resource_tags():
    finding = {"Resources": [{"Tags": {"team": "security"}}, {"Tags": {"env": "prod"}}]}
    tag = {"Key": "env", "Value": "prod", "Comparison": "EQUALS"}
    assert compile_filters({"ResourceTags": [tag]})(finding)
    assert not compile_filters({"ResourceTags": [{**tag, "Comparison": "NOT_EQUALS"}]})(finding)
    assert compile_filters({"ResourceTags": [{**tag, "Value": "pr", "Comparison": "CONTAINS"}]})(finding)


def test_boolean_filter_defaults_absent_sample_to_false():
    assert compile_filters({"Sample": [{"Value": False}]})({})
    assert not compile_filters({"Sample": [{"Value": True}]})({})


@pytest.mark.parametrize(
    "filters",
    [
        {"Title": [eq("a", "CONTAINS"), eq("b", "PREFIX")]},
        {"Title": [eq("a"), eq("b", "PREFIX_NOT_EQUALS")]},
        {"Title": [{"Value": "a"}]},
        {"UpdatedAt": [{}]},
        {"UpdatedAt": [{"DateRange": {"Value": 1, "Unit": "WEEKS"}}]},
        {"SeverityNormalized": [{}]},
        {"NetworkSourceIpV4": [{"Cidr": "10.0.0.0/8"}]},  # in the model, not supported here
        {"NoSuchField": [eq("a")]},
    ],
)
def test_invalid_filters_raise(filters):
    with pytest.raises(FilterError):
        compile_filters(filters)


def test_compile_sort_validates_fields_and_order():
    assert compile_sort([{"Field": "UpdatedAt", "SortOrder": "desc"}]) == [("UpdatedAt", True)]
    with pytest.raises(FilterError):
        compile_sort([{"Field": "UpdatedAt", "SortOrder": "down"}])


def test_finding_error_on_non_objects():
    assert finding_error("a string") is not None
    assert finding_error([]) is not None
