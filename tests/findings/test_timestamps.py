"""ASFF timestamps compared exactly: the publisher decides with them whether a stored finding is newer."""

from __future__ import annotations

from rootguard.findings.timestamps import timestamp_ns


def test_timestamps_compare_exactly_across_precisions_and_offsets() -> None:
    assert timestamp_ns("2025-01-01T00:00:00Z") == timestamp_ns("2025-01-01T01:00:00+01:00")
    assert timestamp_ns("2025-01-01T00:00:00.000000001Z") - timestamp_ns("2025-01-01T00:00:00Z") == 1
    assert timestamp_ns("2025-01-01T00:00:00.5Z") == timestamp_ns("2025-01-01T00:00:00.500Z")
    assert timestamp_ns("yesterday") is None
    assert timestamp_ns("2025-13-01T00:00:00Z") is None
