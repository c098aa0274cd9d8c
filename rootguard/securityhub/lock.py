"""One publisher at a time per output folder: an advisory lock that a second run waits on.

Two runs publishing from the same folder at once would read the same spool, import the same findings and race
each other's GetFindings pages (one answered an expired NextToken and spooled everything). So `scan --publish`,
`publish` and `publish --resume` hold an exclusive `fcntl.flock` on `<folder>/publish.lock` for their
publishing part. The kernel releases it when the holder exits or is killed (`kill -9` included), so a dead run
never blocks the next one. A second run waits, polling, up to a timeout, and says once what it waits for (the
holder's pid and start time, written into the lock file).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILE = "publish.lock"
POLL_S = 0.2


class PublishLockTimeout(Exception):
    """Another run held the lock for longer than the timeout: one line naming the folder and the holder."""


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = os.pread(fd, 200, 0).decode("utf-8").strip()
        if text:
            return text
    return "another rootguard run"


@contextlib.contextmanager
def publish_lock(
    folder: str | Path,
    timeout_s: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold the publish lock of `folder` for the block; wait for it up to `timeout_s` seconds, else raise
    PublishLockTimeout. A no-op where fcntl does not exist."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path = Path(folder) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = clock() + timeout_s
        said = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if clock() >= deadline:
                    raise PublishLockTimeout(
                        f"{path} is held by {holder} for more than {timeout_s:g} s; let it finish, then run again"
                    ) from None
                if not said:
                    log.warning(
                        "%s is held by %s: waiting up to %g s for it to finish", path, holder, timeout_s
                    )
                    said = True
                sleep(POLL_S)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"rootguard pid {os.getpid()} since {started}\n".encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
