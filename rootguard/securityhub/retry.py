"""How long the publisher waits between rounds of re-sending what failed.

Which failures are worth another round is not decided here: rootguard.aws.errors classifies every AWS error
once (botocore's own throttling and transient lists plus the server-side codes Security Hub CSPM reports per
finding), so the publisher retries exactly what the rest of rootguard and botocore call transient.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


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
