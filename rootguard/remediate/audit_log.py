"""AuditLog: an append-only JSON Lines record of every change remediation makes or would make.

The log must tell the truth even when a run is killed, so it is written ahead of the changes it records:

- it is opened (and a ``rootguard:StartRun`` line written) before anything is read or changed, so a log that
  cannot be written stops the run with one line and nothing changed;
- before each change an ``INTENT`` line is written and flushed to disk, and the change's outcome (``DONE``,
  ``ALREADY_DONE``, ``FAILED``) is written, with the same ``change`` id, before the next change starts;
- a run killed between the two leaves an intent without an outcome. :meth:`AuditLog.open_intents` finds them;
  the next run reports them, re-audits the account and closes each with what it observed
  (``OBSERVED_DONE`` / ``OBSERVED_NOT_DONE``).

Every text field passes through :func:`rootguard.remediate.errors.redact`, so a full access key or
certificate id never reaches the file even when an AWS error message echoes one; credentials are named by
their mask and fingerprint only. Each line is also logged on the ``rootguard.remediate`` logger.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from rootguard.errors import UsageError
from rootguard.remediate.errors import redact

log = logging.getLogger("rootguard.remediate")

_FILE_MODE = 0o600  # the log names accounts and callers: readable by its owner only
INTENT = "INTENT"  # the outcome of a line written before a change
OBSERVED_DONE = "OBSERVED_DONE"  # a later run saw the intended end state of an unfinished change
OBSERVED_NOT_DONE = "OBSERVED_NOT_DONE"  # ... and saw that it does not hold
START_ACTION = "rootguard:StartRun"
END_ACTION = "rootguard:EndRun"
MAX_LINE_BYTES = 64 * 1024  # far above any record; a longer line is not one of ours


class AuditLogError(UsageError):
    """The audit log cannot be opened or written: one line naming the file. Raised before any change when the
    log is opened; raised mid-run when a write fails, after which nothing more is changed."""

    def __init__(self, message: str, *, changes_recorded: int = 0) -> None:
        super().__init__(message)
        self.changes_recorded = changes_recorded  # intents written before the failure (0: nothing changed)


class AuditRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    timestamp: datetime
    run: str = ""  # one id per invocation (empty in lines written before runs had ids)
    change: str = ""  # shared by a change's INTENT and outcome lines; empty for lines that change nothing
    caller: str
    action: str
    account: str
    target: str = ""
    fingerprint: str = ""  # the credential's fingerprint (rootguard.remediate.models.fingerprint); no secret
    dry_run: bool
    outcome: str  # INTENT, a StepStatus value, REFUSED / CLEAN / NOT_CLEAN, STARTED / FINISHED, OBSERVED_*
    error: str = ""
    note: str = ""

    @field_validator("caller", "action", "target", "error", "note")
    @classmethod
    def _redacted(cls, value: str) -> str:
        return redact(value)


@dataclass(frozen=True)
class Change:
    """A change announced with an intent line: what its outcome line must repeat."""

    id: str
    action: str
    account: str
    target: str
    fingerprint: str


def new_run_id() -> str:
    """Sortable and unique enough for one log: the UTC start time and six random hex digits."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


class AuditLog:
    """Appends records to ``path`` (created with mode 0600 if missing; never truncated or rewritten)."""

    def __init__(self, path: str | os.PathLike[str], *, caller: str = "") -> None:
        self.path = Path(path)
        self.run = new_run_id()
        self.caller = caller  # default caller of run lines; set once the caller is known
        self.changes_recorded = 0
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._next_change = 0

    # ------------------------------------------------------------------------------------------- opening

    def open(self) -> AuditLog:
        """Open the file for appending (its folder must exist or be creatable); idempotent.

        Raises AuditLogError, one line, when it cannot be: call it before anything is read or changed."""
        with self._lock:
            if self._fd is None:
                self._fd = self._open_fd()
        return self

    def _open_fd(self) -> int:
        p = self.path
        try:
            for parent in p.parents:
                if parent.exists():
                    if not parent.is_dir():
                        raise AuditLogError(f"audit log {p}: {parent} is a file, not a folder")
                    break
            p.parent.mkdir(parents=True, exist_ok=True)
            if p.is_dir():
                raise AuditLogError(f"audit log {p}: is a folder; name a file")
            fd = os.open(p, os.O_RDWR | os.O_APPEND | os.O_CREAT, _FILE_MODE)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":  # a line torn by a full disk: end it
                    _write_all(fd, b"\n")
            except OSError:
                os.close(fd)
                raise
            return fd
        except OSError as exc:
            raise AuditLogError(f"audit log {p}: cannot open for appending: {exc.strerror or exc}") from None

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> AuditLog:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------- writing

    def record(
        self,
        *,
        caller: str,
        action: str,
        account: str,
        dry_run: bool,
        outcome: str,
        target: str = "",
        error: str = "",
        change: str = "",
        fingerprint: str = "",
        note: str = "",
    ) -> AuditRecord:
        """Append one line and flush it to disk; AuditLogError (one line) when that fails."""
        entry = AuditRecord(
            timestamp=datetime.now(UTC),
            run=self.run,
            change=change,
            caller=caller,
            action=action,
            account=account,
            target=target,
            fingerprint=fingerprint,
            dry_run=dry_run,
            outcome=outcome,
            error=error,
            note=note,
        )
        line = json.dumps(entry.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")) + "\n"
        self.open()
        with self._lock:
            assert self._fd is not None
            try:
                _write_all(self._fd, line.encode("utf-8"))
                os.fsync(self._fd)
            except OSError as exc:
                raise AuditLogError(
                    f"audit log {self.path}: cannot write: {exc.strerror or exc}",
                    changes_recorded=self.changes_recorded,
                ) from None
        level = logging.WARNING if entry.error else logging.INFO
        log.log(
            level,
            "%s%s %s %s: %s%s",
            "[dry run] " if dry_run else "",
            entry.action,
            entry.account,
            entry.target,
            entry.outcome,
            f" ({entry.error})" if entry.error else "",
            extra={"audit": entry.model_dump(mode="json")},
        )
        return entry

    def intent(
        self, *, caller: str, action: str, account: str, target: str = "", fingerprint: str = ""
    ) -> Change:
        """Write the INTENT line of a change about to be made; its outcome goes to :meth:`outcome`."""
        with self._lock:
            self._next_change += 1
            change = Change(f"{self.run}/{self._next_change}", action, account, target, fingerprint)
        self.record(
            caller=caller,
            action=action,
            account=account,
            target=target,
            fingerprint=fingerprint,
            dry_run=False,
            outcome=INTENT,
            change=change.id,
        )
        self.changes_recorded += 1
        return change

    def outcome(self, change: Change, *, caller: str, outcome: str, error: str = "", note: str = "") -> None:
        """Write the outcome line of `change` (DONE, ALREADY_DONE, FAILED, OBSERVED_*)."""
        self.record(
            caller=caller,
            action=change.action,
            account=change.account,
            target=change.target,
            fingerprint=change.fingerprint,
            dry_run=False,
            outcome=outcome,
            error=error,
            change=change.id,
            note=note,
        )

    def start(self, what: str, *, dry_run: bool) -> None:
        """The run's first line: proves the log is writable before anything else happens."""
        self.record(
            caller=self.caller,
            action=START_ACTION,
            account="",
            target=what,
            dry_run=dry_run,
            outcome="STARTED",
        )

    def end(self, outcome: str, *, dry_run: bool, error: str = "") -> None:
        """The run's last line: a run without one was killed (or its log stopped taking writes)."""
        self.record(
            caller=self.caller, action=END_ACTION, account="", dry_run=dry_run, outcome=outcome, error=error
        )

    # ------------------------------------------------------------------------------------------- reading

    def read(self) -> list[AuditRecord]:
        """Every record in the file, oldest first (an absent file has none; unreadable lines are skipped)."""
        return list(self._records())

    def _records(self) -> Iterator[AuditRecord]:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AuditLogError(f"audit log {self.path}: cannot read: {exc.strerror or exc}") from None
        with handle:
            for number, raw in enumerate(_lines(handle), start=1):
                if not raw.strip():
                    continue
                try:
                    yield AuditRecord.model_validate_json(raw)
                except (ValidationError, ValueError, RecursionError):
                    log.warning("audit log %s line %d: not an audit record; skipped", self.path, number)

    def open_intents(self) -> list[AuditRecord]:
        """INTENT lines without an outcome line: changes a killed run may or may not have made."""
        pending: dict[str, AuditRecord] = {}
        for record in self._records():
            if not record.change:
                continue
            if record.outcome == INTENT:
                pending[record.change] = record
            else:
                pending.pop(record.change, None)
        return list(pending.values())

    def close_observed(self, intent: AuditRecord, *, caller: str, done: bool, note: str) -> None:
        """Close an open intent of an earlier run with what a re-audit observed."""
        self.outcome(
            Change(intent.change, intent.action, intent.account, intent.target, intent.fingerprint),
            caller=caller,
            outcome=OBSERVED_DONE if done else OBSERVED_NOT_DONE,
            note=note,
        )


def _write_all(fd: int, data: bytes) -> None:
    """os.write until everything is written: a nearly full disk writes part of a line, then fails."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _lines(handle: object) -> Iterator[bytes]:
    """Lines of a binary file, each at most MAX_LINE_BYTES (a longer one is cut into pieces that do not
    parse and are skipped), so a hostile file cannot make a reader hold it whole."""
    read = handle.readline  # type: ignore[attr-defined]
    while True:
        raw = read(MAX_LINE_BYTES)
        if not raw:
            return
        yield raw
