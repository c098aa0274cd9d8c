"""Progress of the member audit: a one-line counter on a terminal, sparse log lines otherwise."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

log = logging.getLogger("rootguard.collect")

# progress(done, total): called after every member account, from worker threads (calls are serialized).
ProgressCallback = Callable[[int, int], None]


class TerminalCounter:
    """``member audit  1234/10000  12%  85 accounts/s`` rewritten in place, at most ten times a second."""

    def __init__(self, stream: TextIO, min_interval: float = 0.1) -> None:
        self._stream = stream
        self._min_interval = min_interval
        self._started = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < self._min_interval:
            return
        self._last = now
        rate = done / max(now - self._started, 1e-6)
        pct = 100 * done // total if total else 100
        self._stream.write(f"\rmember audit  {done}/{total}  {pct:3d}%  {rate:,.0f} accounts/s ")
        if done >= total:
            self._stream.write("\n")
        self._stream.flush()


class LogProgress:
    """An INFO line at every tenth of the way (and at the end); nothing per account."""

    def __init__(self) -> None:
        self._next_tenth = 1

    def __call__(self, done: int, total: int) -> None:
        if total and (done * 10 >= self._next_tenth * total or done == total):
            log.info("member audit: %d/%d accounts", done, total)
            self._next_tenth = done * 10 // total + 1


def default_progress(stream: TextIO | None = None) -> ProgressCallback:
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return TerminalCounter(stream) if isatty is not None and isatty() else LogProgress()


class SerializedProgress:
    """Counts finished accounts and calls the user's callback under a lock; a failing callback is logged
    once and then ignored, never ending the audit."""

    def __init__(self, callback: ProgressCallback, total: int) -> None:
        self._callback = callback
        self._total = total
        self._done = 0
        self._lock = threading.Lock()
        self._broken = False

    def start(self) -> None:
        self._report()

    def step(self) -> None:
        with self._lock:
            self._done += 1
            self._report()

    def _report(self) -> None:
        if self._broken:
            return
        try:
            self._callback(self._done, self._total)
        except Exception as exc:
            self._broken = True
            log.warning("progress callback failed and is disabled: %s", type(exc).__name__)
