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


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def progress_text(done: int, total: int, elapsed: float) -> str:
    """``1234/1985 62% 85 accounts/s, about 0:09 left``."""
    pct = 100 * done // total if total else 100
    rate = done / elapsed if elapsed > 0 else 0.0
    left = f", about {_clock((total - done) / rate)} left" if rate and done < total else ""
    took = f", took {_clock(elapsed)}" if done >= total else ""
    return f"{done}/{total} {pct:3d}% {rate:,.0f} accounts/s{left}{took}"


class TerminalCounter:
    """``member audit  1234/1985  62%  85 accounts/s, about 0:09 left`` rewritten in place, at most ten times
    a second, ended with a newline when the audit is done."""

    def __init__(
        self, stream: TextIO, min_interval: float = 0.1, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._stream = stream
        self._min_interval = min_interval
        self._clock = clock
        self._started = clock()
        self._last = -1e9

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if done == 0:  # the audit starts now: the organization read before it is not part of its rate
            self._started = now
        if done < total and now - self._last < self._min_interval:
            return
        self._last = now
        self._stream.write(f"\rmember audit  {progress_text(done, total, now - self._started)} ")
        if done >= total:
            self._stream.write("\n")
        self._stream.flush()


class PlainProgress:
    """One plain line at every tenth of the way or every `interval` seconds, whichever comes first, and at
    the end: readable in CI and CodeBuild logs, where a rewritten line is noise."""

    def __init__(
        self, stream: TextIO, interval: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._last = self._started
        self._next_tenth = 1

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if done == 0:  # the audit starts now: the organization read before it is not part of its rate
            self._started = self._last = now
            return
        tenth = total and done * 10 >= self._next_tenth * total
        if not (tenth or done >= total or now - self._last >= self._interval):
            return
        self._last = now
        if total:
            self._next_tenth = done * 10 // total + 1
        self._stream.write(f"rootguard: member audit {progress_text(done, total, now - self._started)}\n")
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
    """A live line on a terminal, plain lines otherwise."""
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return TerminalCounter(stream) if isatty is not None and isatty() else PlainProgress(stream)


class SerializedProgress:
    """Counts finished accounts and calls the user's callback under a lock; a failing callback is logged
    once and then ignored, never ending the audit.

    With `final=False` the total is still growing (accounts are audited while the organization is being
    read): finished accounts are counted but not reported until :meth:`finalize`, which then reports each of
    them against the total known at that point, so the callback still sees (0, total), (1, total), ...
    """

    def __init__(self, callback: ProgressCallback, total: int, *, final: bool = True) -> None:
        self._callback = callback
        self._total = total
        self._done = 0
        self._lock = threading.Lock()
        self._broken = False
        self._final = final
        self._started = False

    def start(self) -> None:
        with self._lock:
            if self._final and not self._started:
                self._started = True
                self._report()

    def grow(self, count: int = 1) -> None:
        """More accounts to audit than the total said."""
        with self._lock:
            self._total += count

    def finalize(self) -> None:
        """The total is known: report every account finished so far against it, then each one as it comes."""
        with self._lock:
            if self._final:
                return
            self._final = self._started = True
            done = self._done
            for self._done in range(done + 1):
                self._report()

    def step(self) -> None:
        with self._lock:
            self._done += 1
            if self._final:
                self._report()

    def _report(self) -> None:
        if self._broken:
            return
        try:
            self._callback(self._done, self._total)
        except Exception as exc:
            self._broken = True
            log.warning("progress callback failed and is disabled: %s", type(exc).__name__)
