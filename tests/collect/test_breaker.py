"""The member audit's circuit breaker: a dead or saturated endpoint ends the audit promptly, with every account
still getting its one result; a merely busy one does not trip it."""

from __future__ import annotations

from collections import Counter

import pytest

from rootguard.collect import CollectConfig, collect_facts
from rootguard.collect.breaker import AuditBreaker
from rootguard.models import AuditOutcome, ErrorKind, NotEvaluatedReason
from rootguard.sandbox import generate_scenario

T, X = ErrorKind.THROTTLING, ErrorKind.TRANSIENT


def test_it_waits_for_a_full_window() -> None:
    breaker = AuditBreaker(window=10, threshold=0.8)
    for _ in range(9):
        breaker.observe(T)
    assert not breaker.open  # nine bad attempts, but the window is not full yet
    breaker.observe(None)
    assert breaker.open and breaker.kind is T  # 9 of 10


def test_threshold_and_kind() -> None:
    breaker = AuditBreaker(window=10, threshold=0.8)
    for kind in [None, None, None, T, T, T, T, T, T, T]:
        breaker.observe(kind)
    assert not breaker.open  # 7 of 10
    breaker.observe(X)  # slides out a None: 8 bad of 10
    assert breaker.open and breaker.kind is T and "8 of the last 10 requests: throttled" in breaker.reason
    failing = AuditBreaker(window=4, threshold=1.0)
    for _ in range(4):
        failing.observe(X)
    assert failing.kind is X and "server or connection errors" in failing.reason


def test_access_denied_never_trips_it() -> None:
    breaker = AuditBreaker(window=4, threshold=0.5)
    for _ in range(10):
        breaker.observe(ErrorKind.ACCESS_DENIED)
    assert not breaker.open


@pytest.mark.parametrize(("code", "reason"), [("Throttling", NotEvaluatedReason.THROTTLED),
                                               ("ServiceUnavailable", NotEvaluatedReason.ERROR)])  # fmt: skip
def test_a_saturated_or_failing_endpoint_ends_the_audit_early(sandbox_factory, code, reason) -> None:
    sb = sandbox_factory(generate_scenario("accounts=150 seed=11"))
    sb.inject(service="sts", action="AssumeRoot", code=code)
    sb.clear_recorded_calls()
    facts = collect_facts(
        sb.session(), CollectConfig(max_workers=8, max_attempts=3), progress=lambda d, t: None
    )
    audits = facts.member_audits
    assert len(audits) == 150 and all(a.outcome is AuditOutcome.FAILED for a in audits.values())
    assert {a.reason for a in audits.values()} == {reason}
    not_attempted = [a for a in audits.values() if a.error.startswith("not attempted")]
    assert len(not_attempted) >= 50, "accounts are not even started once the breaker is open"
    calls = Counter()
    for call, count in sb.recorded_calls().items():
        calls[call.action] += count
    assert calls["sts:AssumeRoot"] < 150, "fewer attempts than accounts: no retries after it opened"


def test_a_busy_endpoint_does_not_trip_it(sandbox_factory) -> None:
    sb = sandbox_factory(generate_scenario("accounts=60 seed=12"))
    sb.inject(service="sts", action="AssumeRoot", code="Throttling", rate=0.3)
    facts = collect_facts(sb.session(), CollectConfig(max_workers=8), progress=lambda d, t: None)
    assert all(a.outcome is AuditOutcome.AUDITED for a in facts.member_audits.values())
