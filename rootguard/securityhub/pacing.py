"""Client-side token buckets, one per (account, Region, action), so rootguard stays under Security Hub's quota
(BatchImportFindings 10 requests/s, burst 30) instead of leaning on throttling errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class TokenBucket:
    """`rate` tokens per second, at most `burst` stored; starts full. Thread-safe.

    `acquire()` reserves a token and sleeps until it is due, so concurrent callers are paced in order
    rather than retrying in a loop. The clock and sleep are injectable for tests.
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

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def reserve(self) -> float:
        """Take a token now (possibly going into debt); return the seconds to wait before using it."""
        with self._lock:
            self._refill(self._clock())
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> float:
        """Block until a token is available; return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def try_acquire(self) -> bool:
        """Take a token only if one is available now."""
        with self._lock:
            self._refill(self._clock())
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


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

    def acquire(self, account_id: str, region: str, action: str) -> float:
        return self.bucket(account_id, region, action).acquire()
