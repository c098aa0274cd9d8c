"""The fault engine alone: token buckets, targeted and random errors, latency; deterministic from the seed."""

from __future__ import annotations

from rootguard.sandbox.faults import ErrorRule, FaultEngine, FaultsSpec, QuotaRule


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_securityhub_default_quota_bursts_then_throttles_then_refills() -> None:
    clock = Clock()
    engine = FaultEngine(clock=clock)
    ok = [engine.decide("1", "us-east-1", "securityhub", "BatchImportFindings").error for _ in range(31)]
    assert ok[:30] == [None] * 30
    assert ok[30] is not None and (ok[30].code, ok[30].status) == ("TooManyRequestsException", 429)
    clock.t += 0.1  # 10/s refills one token in 0.1 s
    assert engine.decide("1", "us-east-1", "securityhub", "BatchImportFindings").error is None
    assert engine.decide("1", "us-east-1", "securityhub", "BatchImportFindings").error is not None
    # buckets are per account and Region
    assert engine.decide("2", "us-east-1", "securityhub", "BatchImportFindings").error is None
    assert engine.decide("1", "eu-west-1", "securityhub", "BatchImportFindings").error is None


def test_sts_and_iam_are_unlimited_unless_configured() -> None:
    engine = FaultEngine(clock=Clock())
    assert all(engine.decide("1", "r", "sts", "AssumeRoot").error is None for _ in range(500))
    engine.set_quota(QuotaRule(service="sts", action="AssumeRoot", rate=1, burst=2))
    errors = [engine.decide("1", "r", "sts", "AssumeRoot").error for _ in range(3)]
    assert errors[2] is not None and (errors[2].code, errors[2].status) == ("Throttling", 400)


def test_targeted_error_with_count() -> None:
    engine = FaultEngine()
    engine.inject(
        ErrorRule(service="sts", action="AssumeRoot", target="333333333333", code="AccessDenied", count=2)
    )
    assert engine.decide("1", "r", "sts", "AssumeRoot", target="444444444444").error is None
    hits = [engine.decide("1", "r", "sts", "AssumeRoot", target="333333333333").error for _ in range(3)]
    assert [h.code if h else None for h in hits] == ["AccessDenied", "AccessDenied", None]


def test_random_errors_repeat_with_the_seed() -> None:
    spec = FaultsSpec(errors=[ErrorRule(service="iam", code="ServiceFailure", status=500, rate=0.3)])

    def run(seed: int) -> list[bool]:
        engine = FaultEngine(spec, seed=seed)
        return [engine.decide("1", "r", "iam", "GetAccountSummary").error is not None for _ in range(200)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert 30 < sum(run(7)) < 90


def test_latency_fixed_plus_jitter() -> None:
    engine = FaultEngine(
        FaultsSpec.model_validate({"latency": [{"service": "iam", "fixed_ms": 20, "jitter_ms": 10}]})
    )
    delays = [engine.decide("1", "r", "iam", "GetUser").delay_s for _ in range(50)]
    assert all(0.020 <= d <= 0.030 for d in delays) and len(set(delays)) > 1
    assert engine.decide("1", "r", "sts", "GetCallerIdentity").delay_s == 0
