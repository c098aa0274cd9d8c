"""Pacing: token buckets per hub and action, and every Security Hub request taking one as it leaves."""

from __future__ import annotations

from typing import Any

import pytest
from publisher_helpers import MGMT, REGION, RUN_1, FakeClock, central_findings, member_result

from rootguard.securityhub.pacing import (
    IMPORT_ACTION,
    READ_ACTION,
    Pacer,
    RateLimiter,
    TokenBucket,
    hub_limits,
)
from rootguard.securityhub.targets import Target
from rootguard.settings import PublishSettings


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


def test_limits_come_from_the_settings() -> None:
    settings = PublishSettings(rate_per_second=5, burst=7, read_rate_per_second=1, read_burst=2)
    assert hub_limits(settings) == {IMPORT_ACTION: (5.0, 7), READ_ACTION: (1.0, 2)}


# ------------------------------------------------------------------------------------------ the pacer


def paced_client(sandbox: Any, clock: FakeClock, *, rate: float, burst: int) -> tuple[Any, Pacer]:
    sandbox.clear_faults(quotas=True)  # the fake clock cannot drive the sandbox's own buckets
    limiter = RateLimiter(
        {IMPORT_ACTION: (rate, burst), READ_ACTION: (rate, burst)}, clock=clock, sleep=clock.sleep
    )
    return sandbox.session().client("securityhub"), Pacer(limiter)


def test_each_request_takes_one_token_of_its_hub_however_often_the_client_is_paced(hub_sandbox: Any) -> None:
    clock = FakeClock()
    client, pacer = paced_client(hub_sandbox, clock, rate=2, burst=2)
    hub = Target(MGMT, REGION)
    pacer.pace(client, hub)
    pacer.pace(client, hub)  # once hooked, pacing again changes nothing
    findings = central_findings([member_result(f"{900000000000 + i:012d}") for i in range(5)], RUN_1)
    for finding in findings:
        assert client.batch_import_findings(Findings=[finding])["SuccessCount"] == 1
    # five requests at 2/s after a burst of 2: three waits of half a second
    assert clock.slept == pytest.approx([0.5, 0.5, 0.5])


def test_reads_and_imports_draw_on_separate_buckets(hub_sandbox: Any) -> None:
    clock = FakeClock()
    client, pacer = paced_client(hub_sandbox, clock, rate=1, burst=1)
    pacer.pace(client, Target(MGMT, REGION))
    client.batch_import_findings(Findings=central_findings([member_result("222222222221")], RUN_1))
    client.get_findings(MaxResults=1)
    assert clock.slept == []
    client.get_findings(MaxResults=1)
    assert clock.slept == pytest.approx([1.0])


def test_clients_of_different_hubs_do_not_share_a_bucket(hub_sandbox: Any) -> None:
    clock = FakeClock()
    first, pacer = paced_client(hub_sandbox, clock, rate=1, burst=1)
    second = hub_sandbox.session().client("securityhub")
    pacer.pace(first, Target(MGMT, REGION))
    pacer.pace(second, Target(MGMT, "eu-west-1"))  # the bucket follows the target, not the endpoint
    first.get_findings(MaxResults=1)
    second.get_findings(MaxResults=1)
    assert clock.slept == []


def test_a_burst_refills_from_its_first_answer_not_from_its_first_send() -> None:
    """Security Hub's bucket starts refilling when the first request arrives: refilling from the send would
    run ahead of it by the transit time."""
    clock = FakeClock()
    bucket = TokenBucket(10, 3, clock=clock, sleep=clock.sleep)
    assert bucket.reserve() == 0  # the burst's first request leaves at 0 ...
    clock.now = 0.05
    assert bucket.reserve() == 0
    clock.now = 0.25  # ... and is answered at 0.25: what refilled since 0 is taken back
    bucket.settle()
    assert bucket.reserve() == 0  # the burst's third token
    assert bucket.reserve() == pytest.approx(0.1)  # then one every tenth of a second from the answer
    bucket.settle()  # later answers change nothing
    assert bucket.reserve() == pytest.approx(0.2)
    clock.now = 100.0  # idle: full again, and the next burst waits for its own first answer
    assert [bucket.reserve() for _ in range(3)] == [0, 0, 0]
    clock.now = 100.3
    bucket.settle()
    assert bucket.reserve() == pytest.approx(0.1)


def test_the_pacer_settles_a_bucket_on_every_answer(hub_sandbox: Any) -> None:
    clock = FakeClock()
    client, pacer = paced_client(hub_sandbox, clock, rate=10, burst=2)
    transit = {"first": True}

    def slow_first_answer(**_: Any) -> None:  # the first request takes 0.3 s to come back
        if transit.pop("first", False):
            clock.now += 0.3

    client.meta.events.register("before-send.securityhub.BatchImportFindings", slow_first_answer)
    pacer.pace(client, Target(MGMT, REGION))
    findings = central_findings([member_result(f"{900000000000 + i:012d}") for i in range(4)], RUN_1)
    for finding in findings:
        client.batch_import_findings(Findings=[finding])
    # burst of 2 at 0; the refill counts from the first answer at 0.3, not from 0: the third waits until
    # 0.4 (not 0.1, which Security Hub might not have reached), the fourth until 0.5
    assert clock.slept == pytest.approx([0.1, 0.1])
    assert clock.now == pytest.approx(0.5)
