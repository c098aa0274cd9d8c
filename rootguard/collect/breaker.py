"""A circuit breaker over the member audit: stop starting accounts when the endpoint is dead or saturated.

botocore retries each request, with back-off (and, in adaptive mode, a client-side rate limit after a
throttle). That is right for a busy endpoint, and wrong for a dead or saturated one: each of thousands of
accounts then spends its whole retry budget, and a run that should end in a minute with "not evaluated" takes
ten. The breaker watches every attempt the audit's clients make (botocore's `needs-retry` event, before its
own retry decision) over a sliding window; when nearly all of the last attempts were throttled, or failed on
the server or the connection, it opens: accounts not yet started are reported NOT_EVALUATED at once
(THROTTLED or ERROR, with why), while those in flight finish. A run that hits a bad minute is then partial, and
says so; the next run picks the accounts up.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from typing import Any

from botocore.client import BaseClient

from rootguard.aws import classify, classify_exception
from rootguard.models import ErrorKind

log = logging.getLogger("rootguard.collect")

_BAD = (ErrorKind.THROTTLING, ErrorKind.TRANSIENT)


class BreakerOpen(Exception):
    """Raised into a request whose attempt failed after the breaker opened: it is not retried."""


class AuditBreaker:
    """Open when at least `threshold` of the last `window` request attempts were throttled or transient
    failures; stays open for the rest of the run."""

    def __init__(self, window: int = 64, threshold: float = 0.85) -> None:
        if window < 1 or not 0 < threshold <= 1:
            raise ValueError("window must be at least 1 and threshold in (0, 1]")
        self.window = window
        self.threshold = threshold
        self._recent: deque[ErrorKind | None] = deque(maxlen=window)
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._kind: ErrorKind | None = None

    @property
    def open(self) -> bool:
        return self._reason is not None

    @property
    def reason(self) -> str:
        return self._reason or ""

    @property
    def kind(self) -> ErrorKind | None:
        """THROTTLING when throttling opened it, TRANSIENT when failures did."""
        return self._kind

    def observe(self, kind: ErrorKind | None) -> None:
        """One request attempt: None when it succeeded, else the kind of its error."""
        with self._lock:
            self._recent.append(kind)
            if self._reason is not None or len(self._recent) < self.window:
                return
            counts = Counter(k for k in self._recent if k in _BAD)
            bad = sum(counts.values())
            if bad < self.threshold * self.window:
                return
            self._kind = (
                ErrorKind.THROTTLING if counts[ErrorKind.THROTTLING] * 2 >= bad else ErrorKind.TRANSIENT
            )
            what = "throttled" if self._kind is ErrorKind.THROTTLING else "server or connection errors"
            self._reason = (
                f"{bad} of the last {self.window} requests: {what}; the audit stopped starting accounts "
                "to finish promptly; re-run later (or with fewer --max-workers)"
            )
        log.warning("member audit: %s", self._reason)

    def attach(self, client: BaseClient) -> None:
        """Watch every attempt `client` makes, ahead of botocore's own retry handler."""
        client.meta.events.register_first("needs-retry", self._on_attempt)

    def _on_attempt(
        self, response: Any = None, caught_exception: BaseException | None = None, **_: Any
    ) -> None:
        """Observe one attempt. While closed, leave the retry decision to botocore (return None); once open,
        a failed attempt is not retried: in-flight accounts end now instead of after their whole back-off."""
        if caught_exception is not None:
            kind: ErrorKind | None = classify_exception(caught_exception)
        elif response is not None:
            http, parsed = response
            code = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) else None
            kind = classify(str(code), getattr(http, "status_code", None)) if code else None
        else:
            return None
        self.observe(kind)
        if kind in _BAD and self.open:
            raise BreakerOpen(self.reason)
        return None
