"""Quotas, latency and injected errors: the sandbox's `faults:` section and its runtime engine.

Every request the sandbox serves is first shown to :class:`FaultEngine`, which answers with a delay and,
perhaps, an error to return instead of the real answer. Quotas are token buckets per
(account, Region, service, action) and fail with the service's real throttling error. Random choices come from
one seeded generator, so a seeded scenario fails the same calls on every run (given the same call order).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict, Field

# The error each service returns when a caller exceeds its request rate, and its HTTP status.
THROTTLING_ERRORS: dict[str, tuple[str, int]] = {
    "sts": ("Throttling", 400),
    "iam": ("Throttling", 400),
    "organizations": ("TooManyRequestsException", 400),
    "securityhub": ("TooManyRequestsException", 429),
}
DEFAULT_THROTTLING_ERROR = ("ThrottlingException", 400)
THROTTLING_MESSAGE = "Rate exceeded"


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str = "*"  # e.g. sts, iam, organizations, securityhub; shell-style wildcards
    action: str = "*"  # API operation name, e.g. AssumeRoot; wildcards
    account: str | None = None  # the calling account
    region: str | None = None

    def matches(self, account: str, region: str, service: str, action: str) -> bool:
        return (
            fnmatchcase(service, self.service)
            and fnmatchcase(action, self.action)
            and (self.account is None or self.account == account)
            and (self.region is None or self.region == region)
        )


class QuotaRule(_Rule):
    rate: float = Field(gt=0, description="requests per second refilled")
    burst: int = Field(ge=1, description="bucket size")


class LatencyRule(_Rule):
    fixed_ms: float = Field(default=0, ge=0)
    jitter_ms: float = Field(default=0, ge=0)


class ErrorRule(_Rule):
    # the wire error code, e.g. AccessDenied, InternalFailure, ServiceUnavailable; or ConnectionReset /
    # ConnectionRefused: no answer at all (rootguard.sandbox.errors.TransportFault)
    code: str
    message: str = "Injected by the rootguard sandbox"
    status: int | None = Field(default=None, ge=400, le=599)  # None: the status AWS's model gives the code
    target: str | None = None  # target account of the request (AssumeRoot TargetPrincipal, AccountId)
    rate: float = Field(default=1.0, ge=0, le=1)  # chance that a matching call fails
    count: int | None = Field(default=None, ge=1)  # fail at most this many calls, then stop


DEFAULT_QUOTAS: tuple[QuotaRule, ...] = (
    QuotaRule(service="securityhub", action="BatchImportFindings", rate=10, burst=30),
    QuotaRule(service="securityhub", action="GetFindings", rate=3, burst=6),
    QuotaRule(service="securityhub", action="BatchUpdateFindings", rate=10, burst=30),
)


class FaultsSpec(BaseModel):
    """The scenario's `faults:` section."""

    model_config = ConfigDict(extra="forbid")

    seed: int | None = None  # defaults to the scenario's seed
    default_quotas: bool = True  # Security Hub's documented rates; STS and IAM unlimited unless listed
    quotas: list[QuotaRule] = Field(default_factory=list)  # checked before the defaults; first match wins
    latency: list[LatencyRule] = Field(default_factory=list)
    errors: list[ErrorRule] = Field(default_factory=list)


@dataclass(frozen=True)
class InjectedError:
    code: str
    message: str
    status: int | None


@dataclass(frozen=True)
class Decision:
    delay_s: float = 0.0
    error: InjectedError | None = None


class _Bucket:
    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class FaultEngine:
    """Decides, per request, on latency and on an error to return. Thread-safe."""

    def __init__(
        self, spec: FaultsSpec | None = None, *, seed: int = 0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        spec = spec or FaultsSpec()
        self._lock = threading.Lock()
        self._clock = clock
        self._rng = random.Random(spec.seed if spec.seed is not None else seed)
        self._quotas: list[QuotaRule] = list(spec.quotas) + (
            list(DEFAULT_QUOTAS) if spec.default_quotas else []
        )
        self._latency: list[LatencyRule] = list(spec.latency)
        self._errors: list[ErrorRule] = list(spec.errors)
        self._fired: dict[int, int] = {}  # id(rule) -> times it failed a call
        self._buckets: dict[tuple[str, str, str, str], _Bucket] = {}

    # -------------------------------------------------------------------------------- runtime knobs

    def inject(self, rule: ErrorRule | dict) -> ErrorRule:
        rule = rule if isinstance(rule, ErrorRule) else ErrorRule.model_validate(rule)
        with self._lock:
            self._errors.insert(0, rule)  # runtime injections take precedence over the scenario's
        return rule

    def set_latency(self, rule: LatencyRule | dict) -> LatencyRule:
        rule = rule if isinstance(rule, LatencyRule) else LatencyRule.model_validate(rule)
        with self._lock:
            self._latency.insert(0, rule)
        return rule

    def set_quota(self, rule: QuotaRule | dict) -> QuotaRule:
        rule = rule if isinstance(rule, QuotaRule) else QuotaRule.model_validate(rule)
        with self._lock:
            self._quotas.insert(0, rule)
            self._buckets.clear()
        return rule

    def clear(self, *, quotas: bool = False) -> None:
        """Drop injected errors and latency (and, with quotas=True, every quota including the defaults)."""
        with self._lock:
            self._errors.clear()
            self._latency.clear()
            self._fired.clear()
            if quotas:
                self._quotas.clear()
                self._buckets.clear()

    # ------------------------------------------------------------------------------------- decision

    def decide(
        self, account: str, region: str, service: str, action: str, target: str | None = None
    ) -> Decision:
        with self._lock:
            delay = 0.0
            for lat in self._latency:
                if lat.matches(account, region, service, action):
                    jitter = self._rng.uniform(0, lat.jitter_ms) if lat.jitter_ms else 0.0
                    delay = (lat.fixed_ms + jitter) / 1000.0
                    break
            for quota in self._quotas:
                if quota.matches(account, region, service, action):
                    key = (account, region, service, action)
                    bucket = self._buckets.get(key)
                    now = self._clock()
                    if bucket is None:
                        bucket = self._buckets[key] = _Bucket(quota.rate, quota.burst, now)
                    if not bucket.take(now):
                        code, status = THROTTLING_ERRORS.get(service, DEFAULT_THROTTLING_ERROR)
                        return Decision(delay, InjectedError(code, THROTTLING_MESSAGE, status))
                    break
            for rule in self._errors:
                if not rule.matches(account, region, service, action):
                    continue
                if rule.target is not None and rule.target != target:
                    continue
                fired = self._fired.get(id(rule), 0)
                if rule.count is not None and fired >= rule.count:
                    continue
                if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                    continue
                self._fired[id(rule)] = fired + 1
                return Decision(delay, InjectedError(rule.code, rule.message, rule.status))
            return Decision(delay)
