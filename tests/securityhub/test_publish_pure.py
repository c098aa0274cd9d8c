"""The parts of the publisher that need no AWS: batching, token buckets, retry classification."""

from __future__ import annotations

import json
import random

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from hypothesis import given, settings
from hypothesis import strategies as st
from rootguard.findings.validate import serialized_size

from rootguard.aws.errors import is_retriable, is_retriable_exception, is_throttling
from rootguard.securityhub.batching import MAX_REQUEST_BYTES, batches
from rootguard.securityhub.pacing import RateLimiter, TokenBucket
from rootguard.securityhub.retry import Backoff


def fake(i: int, pad: int = 0) -> dict:
    return {"Id": f"f-{i}", "Description": "x" * pad}


def request_bytes(batch: list[dict]) -> int:
    return len(json.dumps({"Findings": batch}, separators=(",", ":"), ensure_ascii=False).encode())


# ------------------------------------------------------------------------------------------ batching


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


# ------------------------------------------------------------------------------------------ token bucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_bucket_allows_the_burst_then_paces_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, 30, clock=clock, sleep=clock.sleep)
    for _ in range(30):
        assert bucket.acquire() == 0
    assert clock.now == 0
    for _ in range(70):
        bucket.acquire()
    # 100 calls at 10/s with a burst of 30: the last starts after (100 - 30) / 10 = 7 s, not earlier
    assert clock.now == pytest.approx(7.0)


def test_bucket_refills_while_idle_but_not_above_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, 30, clock=clock, sleep=clock.sleep)
    for _ in range(30):
        bucket.acquire()
    assert not bucket.try_acquire()
    clock.now += 0.5  # 5 tokens back
    assert sum(bucket.try_acquire() for _ in range(10)) == 5
    clock.now += 3600
    assert sum(bucket.try_acquire() for _ in range(100)) == 30


def test_bucket_reservations_queue_concurrent_callers_in_order() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, 1, clock=clock, sleep=clock.sleep)
    waits = [bucket.reserve() for _ in range(4)]  # four callers at the same instant
    assert waits == pytest.approx([0.0, 0.5, 1.0, 1.5])


def test_rate_limiter_keeps_one_bucket_per_account_region_and_action() -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        {"BatchImportFindings": (10, 2), "GetFindings": (3, 1)}, clock=clock, sleep=clock.sleep
    )
    for _ in range(2):
        limiter.acquire("111111111111", "us-east-1", "BatchImportFindings")
        limiter.acquire("222222222222", "us-east-1", "BatchImportFindings")
        limiter.acquire("111111111111", "eu-west-1", "BatchImportFindings")
    assert clock.slept == []
    limiter.acquire("111111111111", "us-east-1", "BatchImportFindings")
    assert clock.slept == [pytest.approx(0.1)]
    with pytest.raises(KeyError, match="no rate limit configured for CreateInsight"):
        limiter.acquire("111111111111", "us-east-1", "CreateInsight")


def test_bucket_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(0, 1)
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(1, 0)


# ------------------------------------------------------------------------------------------ retries


# Security Hub CSPM reports a failed finding by code (FailedFindings[].ErrorCode) and a failed call by a
# ClientError; the publisher retries exactly what rootguard.aws.errors calls throttling or transient.


def test_throttling_is_retried() -> None:
    assert all(
        is_retriable(c) for c in ("TooManyRequestsException", "LimitExceededException", "ThrottlingException")
    )


def test_server_side_5xx_errors_are_retried() -> None:
    assert all(is_retriable(c) for c in ("InternalException", "InternalFailure", "ServiceUnavailable"))


def test_invalid_input_is_not_retried() -> None:
    assert not any(is_retriable(c) for c in ("InvalidInput", "InvalidInputException"))


def test_access_denied_is_not_retried() -> None:
    assert not any(is_retriable(c) for c in ("AccessDenied", "AccessDeniedException"))


def test_hub_not_enabled_is_not_retried() -> None:
    assert not is_retriable("InvalidAccessException")


def test_codes_outside_the_lists_are_not_retried_however_they_read() -> None:
    assert not any(is_retriable(c) for c in ("SomethingThrottled", "TooManyRequests", "UnknownThing"))


def test_throttling_is_told_apart_from_internal_errors() -> None:
    assert is_throttling("TooManyRequestsException") and is_throttling("LimitExceededException")
    assert not is_throttling("InternalException")


def test_exceptions_are_classified_by_code_status_and_transport() -> None:
    throttled = ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, "X")
    invalid = ClientError({"Error": {"Code": "InvalidInputException", "Message": "bad"}}, "X")
    gateway = ClientError({"Error": {"Code": "Unknown"}, "ResponseMetadata": {"HTTPStatusCode": 502}}, "X")
    assert is_retriable_exception(throttled) and is_retriable_exception(gateway)
    assert not is_retriable_exception(invalid)
    assert is_retriable_exception(EndpointConnectionError(endpoint_url="https://securityhub.example"))
    assert not is_retriable_exception(ValueError("not an AWS error"))


def test_backoff_grows_and_is_capped() -> None:
    backoff = Backoff(base=0.5, cap=4.0, rng=random.Random(1))
    assert backoff.delay(0) == 0
    assert 0.25 <= backoff.delay(1) <= 0.5
    assert 1.0 <= backoff.delay(3) <= 2.0
    assert all(2.0 <= backoff.delay(n) <= 4.0 for n in range(4, 12))
