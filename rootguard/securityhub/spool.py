"""The spool: findings Security Hub CSPM did not take, kept on disk until a later run replays them.

One JSON object per line (JSON Lines), each carrying everything a replay needs: the ASFF finding and the
account, Region and partition it must be imported into (and, in per-member placement, the role to assume
there). Writes go through rootguard.files.write_atomic, durable (a temporary file in the same folder, fsync,
rename, fsync of the folder), and are serialized with an advisory lock, so a crash or a concurrent run never
leaves half a spool. The file is created 0600: findings carry no secrets, but they describe an
organization's weak spots. The replay itself is Publisher.resume; this module only reads and writes the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rootguard.files import write_atomic
from rootguard.findings.timestamps import timestamp_ns

SPOOL_VERSION = 1


class SpoolError(ValueError):
    """A spool file that cannot be read, as one line naming the file and line."""


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

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.account_id, self.region, str(self.finding.get("Id", "")))

    @property
    def updated_at(self) -> str:
        return str(self.finding.get("UpdatedAt", ""))


def read_spool(path: str | Path) -> list[SpoolEntry]:
    """Every entry of a spool file; a missing file is an empty spool."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise SpoolError(f"{p}: cannot read: {exc.strerror or exc}") from None
    entries: list[SpoolEntry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(SpoolEntry.model_validate_json(line))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(part) for part in err["loc"]) or "(line)"
            raise SpoolError(f"{p} line {number}: {where}: {err['msg']}") from None
    return entries


def _dump(entries: Iterable[SpoolEntry]) -> str:
    return "".join(entry.model_dump_json() + "\n" for entry in entries)


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


def write_spool(path: str | Path, entries: Iterable[SpoolEntry]) -> int:
    """Replace the spool with `entries` (atomically); an empty list removes the file. Returns the count."""
    p = Path(path)
    items = list(entries)
    with _locked(p):
        _replace(p, items)
    return len(items)


def _replace(path: Path, items: list[SpoolEntry]) -> None:
    if items:
        write_atomic(path, _dump(items), mode=0o600, durable=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


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
    """Merge `entries` into the spool (see merge_entries). Returns how many entries the spool now holds."""
    p = Path(path)
    items = list(entries)
    if not items:
        return len(read_spool(p))
    with _locked(p):
        merged = merge_entries(read_spool(p), items)
        _replace(p, merged)
    return len(merged)


def settle_spool(path: str | Path, outcomes: dict[tuple[str, str, str, str], SpoolEntry | None]) -> int:
    """Apply a replay's outcome: for each (account, Region, Id, UpdatedAt) replayed, None removes the entry
    (imported, or superseded), an entry replaces it (failed again, with its latest error). Entries not
    replayed, e.g. added meanwhile by another run, stay. Returns how many entries remain."""
    p = Path(path)
    with _locked(p):
        remaining: list[SpoolEntry] = []
        for entry in read_spool(p):
            marker = (*entry.key, entry.updated_at)
            if marker not in outcomes:
                remaining.append(entry)
            elif outcomes[marker] is not None:
                remaining.append(outcomes[marker])  # type: ignore[arg-type]
        _replace(p, remaining)
    return len(remaining)


def _ns(stamp: str) -> int:
    return timestamp_ns(stamp) or 0
