"""The publisher's own retry rounds, on top of botocore's retries: how many, and how long to wait.

Which failures are worth another round is not decided here: rootguard.aws.errors classifies every AWS error
once (botocore's own throttling and transient lists plus the server-side codes Security Hub CSPM reports per
finding), so the publisher retries exactly what the rest of rootguard and botocore call transient.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws.errors import error_code, is_retriable_exception
from rootguard.securityhub.pacing import Sleep

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Backoff:
    """Exponential backoff with jitter: round n waits between half and all of min(cap, base * 2**(n-1))."""

    base: float = 0.5
    cap: float = 8.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, round_number: int) -> float:
        if round_number <= 0:
            return 0.0
        ceiling = min(self.cap, self.base * (2 ** (round_number - 1)))
        return self.rng.uniform(ceiling / 2, ceiling)


@dataclass
class RetryRounds:
    """Up to `rounds` more attempts after the first, each after a backoff delay."""

    rounds: int
    backoff: Backoff
    sleep: Sleep

    def wait(self, round_number: int) -> None:
        """Sleep before round `round_number` (round 0, the first attempt, does not wait)."""
        if round_number:
            self.sleep(self.backoff.delay(round_number))

    def call(self, call: Callable[[], T], what: str) -> T:
        """`call()`, made again after a retriable error until the rounds run out; other errors, and the last
        retriable one, are raised. `what` names the call in the warning logged per retry."""
        for attempt in range(self.rounds + 1):
            self.wait(attempt)
            try:
                return call()
            except (ClientError, BotoCoreError) as exc:
                if attempt == self.rounds or not is_retriable_exception(exc):
                    raise
                log.warning("%s: %s, retrying", what, error_code(exc))
        raise AssertionError("unreachable")  # pragma: no cover
