"""Pacing: token buckets per hub and action."""

from __future__ import annotations

import pytest
from publisher_helpers import FakeClock

from rootguard.securityhub.pacing import (
    IMPORT_ACTION,
    READ_ACTION,
    RateLimiter,
    TokenBucket,
)


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
    clock.now += 0.5  # 5 tokens back: five go at once, the sixth waits a tenth of a second
    assert [bucket.reserve() for _ in range(6)] == pytest.approx([0, 0, 0, 0, 0, 0.1])
    clock.now += 3600  # an hour idle refills only the burst
    assert sum(bucket.reserve() == 0 for _ in range(100)) == 30


def test_bucket_reservations_queue_concurrent_callers_in_order() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, 1, clock=clock, sleep=clock.sleep)
    waits = [bucket.reserve() for _ in range(4)]  # four callers at the same instant
    assert waits == pytest.approx([0.0, 0.5, 1.0, 1.5])


def test_rate_limiter_keeps_one_bucket_per_account_region_and_action() -> None:
    clock = FakeClock()
    limiter = RateLimiter({IMPORT_ACTION: (10, 2), READ_ACTION: (3, 1)}, clock=clock, sleep=clock.sleep)
    for _ in range(2):
        limiter.bucket("111111111111", "us-east-1", IMPORT_ACTION).acquire()
        limiter.bucket("222222222222", "us-east-1", IMPORT_ACTION).acquire()
        limiter.bucket("111111111111", "eu-west-1", IMPORT_ACTION).acquire()
    assert clock.slept == []
    limiter.bucket("111111111111", "us-east-1", IMPORT_ACTION).acquire()
    assert clock.slept == [pytest.approx(0.1)]
    assert limiter.bucket("111111111111", "us-east-1", READ_ACTION) is not limiter.bucket(
        "111111111111", "us-east-1", IMPORT_ACTION
    )
    with pytest.raises(KeyError, match="no rate limit configured for CreateInsight"):
        limiter.bucket("111111111111", "us-east-1", "CreateInsight")


def test_bucket_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(0, 1)
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(1, 0)
