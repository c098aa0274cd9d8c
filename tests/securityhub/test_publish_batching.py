"""Cutting findings into BatchImportFindings requests: at most 100 findings and 6 MB each, order kept."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rootguard.findings.validate import serialized_size
from rootguard.securityhub.batching import MAX_REQUEST_BYTES, batches


def fake(i: int, pad: int = 0) -> dict:
    return {"Id": f"f-{i}", "Description": "x" * pad}


def request_bytes(batch: list[dict]) -> int:
    return len(json.dumps({"Findings": batch}, separators=(",", ":"), ensure_ascii=False).encode())


def test_batches_cut_at_100_findings_in_order() -> None:
    out = list(batches(fake(i) for i in range(250)))
    assert [len(b) for b in out] == [100, 100, 50]
    assert [f["Id"] for b in out for f in b] == [f"f-{i}" for i in range(250)]


def test_batches_cut_by_measured_size() -> None:
    findings = [fake(i, pad=200 * 1024) for i in range(70)]  # ~200 KB each: 30 fit in 6 MB, not 100
    out = list(batches(findings))
    assert sum(len(b) for b in out) == 70
    assert len(out) == 3
    assert all(request_bytes(b) <= MAX_REQUEST_BYTES for b in out)
    assert request_bytes(out[0] + out[1][:1]) > MAX_REQUEST_BYTES  # each batch is as full as it can be


def test_size_counts_multibyte_characters_as_utf8() -> None:
    assert serialized_size({"T": "é"}) == len('{"T":"é"}'.encode())
    assert serialized_size({"T": "é"}) == 10


def test_a_finding_too_large_for_any_request_is_named() -> None:
    with pytest.raises(ValueError, match="finding big:"):
        list(batches([{"Id": "big", "D": "x" * 200}], max_bytes=100))


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=400), min_size=0, max_size=60),
    max_findings=st.integers(min_value=1, max_value=100),
    max_bytes=st.integers(min_value=600, max_value=4000),
)
def test_batches_respect_both_limits_and_lose_nothing(
    sizes: list[int], max_findings: int, max_bytes: int
) -> None:
    findings = [fake(i, pad) for i, pad in enumerate(sizes)]
    out = list(batches(findings, max_findings=max_findings, max_bytes=max_bytes))
    assert [f for b in out for f in b] == findings
    for batch in out:
        assert 1 <= len(batch) <= max_findings
        assert request_bytes(batch) <= max_bytes
