"""AuditLog: an append-only JSON Lines record of every change remediation makes or would make.

One line per action: timestamp, caller ARN, action, account, target (masked), dry_run, outcome, error. Every
text field passes through :func:`rootguard.remediate.errors.redact`, so a full access key or certificate id
never reaches the file even when an AWS error message echoes one. Each line is also logged on the
``rootguard.remediate`` logger.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from rootguard.remediate.errors import redact

log = logging.getLogger("rootguard.remediate")

_FILE_MODE = 0o600  # the log names accounts and callers: readable by its owner only


class AuditRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    timestamp: datetime
    caller: str
    action: str
    account: str
    target: str = ""
    dry_run: bool
    outcome: str  # a StepStatus value, or REFUSED / CLEAN / NOT_CLEAN for plan and re-audit lines
    error: str = ""

    @field_validator("caller", "action", "target", "error")
    @classmethod
    def _redacted(cls, value: str) -> str:
        return redact(value)


class AuditLog:
    """Appends records to ``path`` (created with mode 0600 if missing; never truncated or rewritten)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

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
    ) -> AuditRecord:
        entry = AuditRecord(
            timestamp=datetime.now(UTC),
            caller=caller,
            action=action,
            account=account,
            target=target,
            dry_run=dry_run,
            outcome=outcome,
            error=error,
        )
        line = json.dumps(entry.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _FILE_MODE)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
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

    def read(self) -> list[AuditRecord]:
        """Every record in the file, oldest first (an absent file has none)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [AuditRecord.model_validate_json(line) for line in handle if line.strip()]
