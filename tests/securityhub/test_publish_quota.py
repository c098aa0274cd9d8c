"""Thousands of findings under Security Hub's real quota (sandbox quotas on): nothing lost."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from publisher_helpers import (
    MEMBER_CHECK,
    MGMT,
    REGION,
    RUN_1,
    RUN_2,
    central_findings,
    member_result,
    synthetic_accounts,
)

from rootguard.models import Status
from rootguard.sandbox import securityhub as hub
from rootguard.securityhub import Publisher, PublishSettings

COUNT = 3000


@pytest.mark.slow
def test_3000_findings_under_the_quota_with_zero_loss(hub_sandbox: Any, tmp_path: Path) -> None:
    accounts = synthetic_accounts(COUNT)
    results = [member_result(a, Status.FAIL if i % 4 else Status.PASS) for i, a in enumerate(accounts)]
    settings = PublishSettings(spool_path=tmp_path / "spool.jsonl")
    publisher = Publisher(hub_sandbox.session(), settings)

    started = time.monotonic()
    first = publisher.publish(central_findings(results, RUN_1), checks_ran=[MEMBER_CHECK], run_at=RUN_1)
    elapsed = time.monotonic() - started
    assert (first.imported, first.spooled, first.throttled) == (COUNT, 0, 0)
    assert first.calls == COUNT // 100
    assert len(hub.findings(MGMT, REGION)) == COUNT
    print(f"first run: {COUNT} findings in {elapsed:.1f} s, {first.calls} calls")

    # Someone else shares the account's quota: Security Hub now throttles well before our bucket would.
    # botocore's adaptive retries and the publisher's retry rounds absorb it; nothing is lost.
    hub_sandbox.set_quota(service="securityhub", action="BatchImportFindings", rate=10, burst=4)
    started = time.monotonic()
    second = publisher.publish(central_findings(results, RUN_2), checks_ran=[MEMBER_CHECK], run_at=RUN_2)
    elapsed = time.monotonic() - started
    assert (second.updated, second.imported, second.spooled, second.archived) == (COUNT, 0, 0, 0)
    stored = hub.findings(MGMT, REGION)
    assert len(stored) == COUNT
    assert all(f["UpdatedAt"] == "2025-03-02T08:00:00.000Z" for f in stored)
    assert all(f["CreatedAt"] == "2025-03-01T08:00:00.000Z" for f in stored)
    print(f"second run (tight quota): {elapsed:.1f} s, {second.calls} calls, {second.throttled} throttled")


@pytest.mark.parametrize(("rate", "burst"), [(20, 5), (40, 2)])
def test_paced_at_the_quota_bound_no_request_is_refused_or_wasted(
    hub_sandbox: Any, tmp_path: Path, rate: float, burst: int
) -> None:
    """The sandbox's quota at `rate`/s with `burst`, the publisher's bucket the same: the burst goes at once,
    then exactly the rate. Security Hub's bucket starts when the first request arrives; pacing from the
    first answer keeps every request inside it: one request per 100 findings, none refused, none lost."""
    count = 1200
    hub_sandbox.set_quota(service="securityhub", action="BatchImportFindings", rate=rate, burst=burst)
    results = [member_result(a) for a in synthetic_accounts(count)]
    settings = PublishSettings(rate_per_second=rate, burst=burst, spool_path=tmp_path / "spool.jsonl")
    publisher = Publisher(hub_sandbox.session(), settings)
    hub_sandbox.clear_recorded_calls()
    started = time.monotonic()
    report = publisher.publish(central_findings(results, RUN_1), checks_ran=[MEMBER_CHECK], run_at=RUN_1)
    elapsed = time.monotonic() - started
    imports = {
        call.outcome: n
        for call, n in hub_sandbox.recorded_calls().items()
        if call.action == "securityhub:BatchImportFindings"
    }
    assert imports == {"ok": count // 100}  # no request refused, none sent twice
    assert (report.imported, report.spooled, report.calls) == (count, 0, count // 100)
    assert len(hub.findings(MGMT, REGION)) == count
    assert elapsed >= (count // 100 - burst) / rate  # and paced: never faster than the quota
