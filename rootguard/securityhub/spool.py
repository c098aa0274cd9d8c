"""The spool: findings Security Hub CSPM did not take, kept on disk until a later run replays them.

One JSON object per line (JSON Lines), each carrying everything a replay needs: the ASFF finding and the
account, Region and partition it must be imported into (and, in per-member placement, the role to assume
there). Writes go through rootguard.files.open_atomic, durable (a temporary file in the same folder, fsync,
rename, fsync of the folder), and are serialized with an advisory lock, so a crash or a concurrent run never
leaves half a spool; a temporary file left by a writer that was killed is removed by the next write. The file
is created 0600: findings carry no secrets, but they describe an organization's weak spots.

Reading never fails on a bad line. A line cut short, bytes that are not UTF-8, anything that is not a spool
entry (wrong shape, nested too deeply, far too long, an entry whose finding lacks what a replay needs or names
another hub) is skipped; the next write moves it, byte for byte, to `<spool>.quarantine` beside the spool with
one warning naming the file, the line and the problem. The good entries still replay. Files are read line by
line and written entry by entry, so a spool of any size costs memory for one line at a time.

The replay itself is Publisher.resume; this module only reads and writes the file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rootguard.files import open_atomic
from rootguard.findings.timestamps import timestamp_ns
from rootguard.securityhub.hub import target_of

log = logging.getLogger(__name__)

SPOOL_VERSION = 1
QUARANTINE_SUFFIX = ".quarantine"
# One entry is one finding (<= 240 KB) and a little metadata; a longer line is not an entry.
MAX_LINE_BYTES = 1024 * 1024
_REQUIRED_FINDING_FIELDS = ("Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt")


class SpoolError(ValueError):
    """A spool file that cannot be used at all (unreadable, a folder, no usable entry), as one line."""


class SpoolEntry(BaseModel):
    """One finding waiting to be imported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = SPOOL_VERSION
    account_id: str = Field(pattern=r"^\d{12}$")
    region: str = Field(min_length=1)
    partition: str = "aws"
    role_name: str | None = None  # per-member placement: the role assumed in account_id to import
    kind: Literal["finding", "archive"] = "finding"
    finding: dict[str, Any]
    error_code: str = ""
    error_message: str = ""
    attempts: int = Field(default=0, ge=0)
    spooled_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @model_validator(mode="after")
    def _replayable(self) -> SpoolEntry:
        """A replay reads these fields and imports into the hub the finding names: an entry without them, or
        naming another hub than its own (Security Hub would refuse the whole request), is not an entry."""
        missing = [f for f in _REQUIRED_FINDING_FIELDS if not isinstance(self.finding.get(f), str)]
        if missing:
            raise ValueError(f"the finding has no {', '.join(missing)}")
        if timestamp_ns(self.finding["UpdatedAt"]) is None:
            raise ValueError(f"the finding's UpdatedAt {self.finding['UpdatedAt']!r} is not a timestamp")
        target = target_of(self.finding)
        if target is None:
            raise ValueError("the finding's AwsAccountId and ProductArn do not name a Security Hub")
        if target.account_id != self.account_id:
            raise ValueError(
                f"the finding's AwsAccountId {target.account_id} is not the entry's account_id {self.account_id}"
            )
        if target.region != self.region:
            raise ValueError(
                f"the finding's ProductArn names Region {target.region}, not the entry's region {self.region}"
            )
        return self

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.account_id, self.region, str(self.finding.get("Id", "")))

    @property
    def updated_at(self) -> str:
        return str(self.finding.get("UpdatedAt", ""))


@dataclass(frozen=True)
class BadLine:
    """A line of a spool file that is not an entry: its number, its bytes (at most MAX_LINE_BYTES) and why."""

    number: int
    raw: bytes
    problem: str


# ------------------------------------------------------------------------------------------------ reading


def quarantine_path(path: str | Path) -> Path:
    """Where bad lines of the spool `path` are moved: `<spool>.quarantine`, beside it."""
    p = Path(path)
    return p.with_name(p.name + QUARANTINE_SUFFIX)


def iter_spool(path: str | Path) -> Iterator[SpoolEntry | BadLine]:
    """Every line of a spool file, parsed into an entry or a BadLine; a missing file has none. SpoolError
    (one line) only when the file cannot be opened at all (a folder, no permission)."""
    p = Path(path)
    try:
        handle = p.open("rb")
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise SpoolError(f"{p}: is a folder, not a spool file") from None
    except OSError as exc:
        raise SpoolError(f"{p}: cannot read: {exc.strerror or exc}") from None
    with handle:
        for number, raw, complete in _lines(handle):
            if not raw.strip():
                continue
            yield _parse(number, raw, complete)


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes without the newline, whether the line fit in MAX_LINE_BYTES), one at a time."""
    number = 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        complete = raw.endswith(b"\n") or len(raw) <= MAX_LINE_BYTES
        if not complete:  # skip the rest of an overlong line without holding it
            while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            raw = raw[:MAX_LINE_BYTES]
        yield number, raw.removesuffix(b"\n"), complete


def _parse(number: int, raw: bytes, complete: bool) -> SpoolEntry | BadLine:
    if not complete:
        return BadLine(number, raw, f"longer than {MAX_LINE_BYTES // 1024} KB, which no entry is")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadLine(number, raw, f"not UTF-8 (byte {exc.start})")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if (
            exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()) - 1
        ):  # the line ends early
            return BadLine(number, raw, f"cut short, a torn line ({exc.msg}, column {exc.colno})")
        return BadLine(number, raw, f"not valid JSON ({exc.msg}, column {exc.colno})")
    except RecursionError:
        return BadLine(number, raw, "nested too deeply to be a spool entry")
    if not isinstance(doc, dict):
        return BadLine(number, raw, f"not a spool entry (a JSON {type(doc).__name__}, not an object)")
    try:
        return SpoolEntry.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        return BadLine(number, raw, " ".join(f"{where + ': ' if where else ''}{message}".split()))
    except RecursionError:
        return BadLine(number, raw, "nested too deeply to be a spool entry")


def read_spool(path: str | Path) -> list[SpoolEntry]:
    """Every usable entry of a spool file (bad lines are skipped: the next write moves them aside)."""
    return [item for item in iter_spool(path) if isinstance(item, SpoolEntry)]


@dataclass(frozen=True)
class SpoolSummary:
    entries: int
    bad: list[BadLine]


def inspect_spool(path: str | Path, *, keep: int = 3) -> SpoolSummary:
    """How many usable entries a spool holds and its first `keep` bad lines, reading one line at a time."""
    entries, bad = 0, []
    for item in iter_spool(path):
        if isinstance(item, SpoolEntry):
            entries += 1
        elif len(bad) < keep:
            bad.append(item)
    return SpoolSummary(entries, bad)


# ------------------------------------------------------------------------------------------------ writing


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `<spool>.lock` (no-op where fcntl does not exist)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _remove_stray_temporaries(path: Path) -> None:
    """Temporary files of writers killed before their rename. Called under the lock, when no writer of this
    spool can be half way (open_atomic names them `.<name>.<random>.tmp`)."""
    for stray in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stray.unlink()
            log.info("removed %s, left by a spool writer that was stopped", stray)


def tidy_spool(path: str | Path) -> None:
    """Remove what writers killed part way left beside the spool (their temporary files), under the lock.
    Every replay calls it, so a killed run's leftovers go even when no spool is left to rewrite."""
    p = Path(path)
    if not p.parent.is_dir():
        return
    with _locked(p):
        _remove_stray_temporaries(p)


def _quarantine(path: Path, bad: list[BadLine]) -> None:
    """Append bad lines, byte for byte, to `<spool>.quarantine` (0600, flushed to disk), one warning each."""
    if not bad:
        return
    target = quarantine_path(path)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"".join(b.raw + b"\n" for b in bad))
        os.fsync(fd)
    finally:
        os.close(fd)
    for b in bad:
        log.warning("spool %s line %d: %s; moved to %s", path, b.number, b.problem, target)


def _rewrite(path: Path, entries: Callable[[Iterator[SpoolEntry]], Iterable[SpoolEntry]]) -> tuple[int, int]:
    """Under the lock: replace the spool with `entries(<its current entries>)`, written one at a time; bad
    lines go to the quarantine first. An empty result removes the file. Returns (entries kept, lines moved)."""
    with _locked(path):
        _remove_stray_temporaries(path)
        bad: list[BadLine] = []

        def current() -> Iterator[SpoolEntry]:
            for item in iter_spool(path):
                if isinstance(item, BadLine):
                    bad.append(item)
                else:
                    yield item

        kept = 0
        with open_atomic(path, mode=0o600, durable=True) as handle:
            for entry in entries(current()):
                handle.write(entry.model_dump_json())
                handle.write("\n")
                kept += 1
            _quarantine(path, bad)  # before the rename: a kill now leaves a line in both, never in neither
        if not kept:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return kept, len(bad)


def write_spool(path: str | Path, entries: Iterable[SpoolEntry]) -> int:
    """Replace the spool with `entries` (atomically); an empty list removes the file. Returns the count."""
    return _rewrite(Path(path), lambda _current: entries)[0]  # the current entries are never read


def merge_entries(old: Iterable[SpoolEntry], new: Iterable[SpoolEntry]) -> list[SpoolEntry]:
    """One entry per (account, Region, finding Id): the one with the later UpdatedAt (the newer on a tie).
    Order: first appearance."""
    merged: dict[tuple[str, str, str], SpoolEntry] = {}
    for entry in [*old, *new]:
        current = merged.get(entry.key)
        if current is None or _ns(entry.updated_at) >= _ns(current.updated_at):
            merged[entry.key] = entry
    return list(merged.values())


def add_to_spool(path: str | Path, entries: Iterable[SpoolEntry]) -> int:
    """Merge `entries` into the spool (see merge_entries), streaming what is already there. Returns how many
    entries the spool now holds."""
    p = Path(path)
    incoming: dict[tuple[str, str, str], SpoolEntry] = {}
    for entry in merge_entries([], entries):
        incoming[entry.key] = entry
    if not incoming:
        return inspect_spool(p).entries

    def merged(old: Iterator[SpoolEntry]) -> Iterator[SpoolEntry]:
        for entry in old:
            newer = incoming.pop(entry.key, None)
            if newer is None or _ns(entry.updated_at) > _ns(newer.updated_at):
                yield entry
            else:
                yield newer
        yield from incoming.values()

    return _rewrite(p, merged)[0]


Marker = tuple[str, str, str, str]  # (account, Region, finding Id, UpdatedAt)


def settle_spool(path: str | Path, outcomes: dict[Marker, SpoolEntry | None]) -> int:
    """Apply a replay's outcome: for each (account, Region, Id, UpdatedAt) replayed, None removes the entry
    (imported, or superseded), an entry replaces it (failed again, with its latest error). Entries not
    replayed, e.g. added meanwhile by another run, stay; bad lines move to the quarantine. Returns how many
    entries remain."""
    return settle_spool_counts(path, outcomes)[0]


def settle_spool_counts(path: str | Path, outcomes: dict[Marker, SpoolEntry | None]) -> tuple[int, int]:
    """settle_spool, also returning how many bad lines were moved to the quarantine."""

    def settled(old: Iterator[SpoolEntry]) -> Iterator[SpoolEntry]:
        for entry in old:
            marker = (*entry.key, entry.updated_at)
            if marker not in outcomes:
                yield entry
            elif (replacement := outcomes[marker]) is not None:
                yield replacement

    return _rewrite(Path(path), settled)


def _ns(stamp: str) -> int:
    return timestamp_ns(stamp) or 0
