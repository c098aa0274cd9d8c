"""Pacing: rootguard stays under Security Hub CSPM's request quota instead of leaning on throttling errors.

A token bucket per (account, Region, action) (BatchImportFindings 10 requests/s, burst 30 by default;
GetFindings far lower), and a :class:`Pacer` that makes every request of a Security Hub client take a token
of its hub's bucket at the moment it leaves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.client import BaseClient

from rootguard.securityhub.targets import Target
from rootguard.settings import PublishSettings

Clock = Callable[[], float]
Sleep = Callable[[float], None]

IMPORT_ACTION = "BatchImportFindings"
READ_ACTION = "GetFindings"
UPDATE_ACTION = "BatchUpdateFindings"
STANDARDS_ACTION = "GetEnabledStandards"


class TokenBucket:
    """`rate` tokens per second, at most `burst` stored; starts full. Thread-safe.

    `acquire()` reserves a token and sleeps until it is due, so concurrent callers are paced in order
    rather than retrying in a loop. The clock and sleep are injectable for tests.

    Security Hub's own bucket for the quota starts refilling when the first request of a burst *arrives*,
    later than this bucket saw it leave; refilling from the send, this bucket would run ahead by that much and
    send a request into an empty bucket there (throttled: a wasted request and a back-off). :meth:`settle`,
    told of each answer, takes back what this bucket refilled between a burst's first send and its first
    answer, which comes after the arrival: the burst goes at once, then exactly `rate` requests a second,
    from a point Security Hub has certainly passed.
    """

    def __init__(
        self, rate: float, burst: int, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._stamp = clock()
        self._unanswered = False  # a burst started from a full bucket and nothing has answered yet
        self._credited = 0.0  # tokens refilled since that burst started

    def _refill(self, now: float) -> None:
        before = self._tokens
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._unanswered:
            self._credited += self._tokens - before

    def reserve(self) -> float:
        """Take a token now (possibly going into debt); return the seconds to wait before using it."""
        with self._lock:
            self._refill(self._clock())
            if self._tokens >= self.burst:  # a full bucket: a burst starts here
                self._unanswered, self._credited = True, 0.0
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def settle(self) -> None:
        """A request was answered. The first answer of a burst moves the refill to start from now."""
        with self._lock:
            if self._unanswered:
                self._refill(self._clock())
                self._tokens -= self._credited
                self._unanswered = False

    def acquire(self) -> float:
        """Block until a token is available; return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


class RateLimiter:
    """Token buckets created on first use, keyed by (account, Region, action)."""

    def __init__(
        self,
        limits: dict[str, tuple[float, int]],
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._limits = dict(limits)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}

    def bucket(self, account_id: str, region: str, action: str) -> TokenBucket:
        key = (account_id, region, action)
        with self._lock:
            found = self._buckets.get(key)
            if found is None:
                if action not in self._limits:
                    raise KeyError(f"no rate limit configured for {action}")
                rate, burst = self._limits[action]
                found = self._buckets[key] = TokenBucket(rate, burst, clock=self._clock, sleep=self._sleep)
            return found


def hub_limits(settings: PublishSettings) -> dict[str, tuple[float, int]]:
    """(rate per second, burst) per paced action, from the settings."""
    return {
        IMPORT_ACTION: (settings.rate_per_second, settings.burst),
        READ_ACTION: (settings.read_rate_per_second, settings.read_burst),
    }


def _token_taker(bucket: TokenBucket) -> Callable[..., None]:
    def take_token(**_: Any) -> None:  # returning None lets the request go on
        bucket.acquire()

    return take_token


def _settler(bucket: TokenBucket) -> Callable[..., None]:
    def answered(**_: Any) -> None:  # returning None leaves the retry decision to botocore
        bucket.settle()

    return answered


class Pacer:
    """Makes each request of a Security Hub client take a token of its hub's bucket.

    The token is taken in botocore's before-send event: after the request is serialized and signed, for every
    attempt (botocore's own retries included), so requests reach Security Hub spaced as the bucket spaced
    them, not jittered by serialization time.
    """

    def __init__(self, limiter: RateLimiter, actions: tuple[str, ...] = (IMPORT_ACTION, READ_ACTION)) -> None:
        self._limiter = limiter
        self._actions = actions  # each needs a limit in the limiter
        self._paced: set[int] = set()  # clients already hooked: a second hook would take two tokens
        self._lock = threading.Lock()

    def pace(self, client: BaseClient, target: Target) -> None:
        """Hook `client` (once) to the buckets of `target`."""
        with self._lock:
            if id(client) in self._paced:
                return
            self._paced.add(id(client))
        for action in self._actions:
            bucket = self._limiter.bucket(target.account_id, target.region, action)
            client.meta.events.register_first(f"before-send.securityhub.{action}", _token_taker(bucket))
            # every attempt's answer (or failure), before botocore decides on a retry
            client.meta.events.register_first(f"needs-retry.securityhub.{action}", _settler(bucket))
