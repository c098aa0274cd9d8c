"""What a publish (or a replay) tells its caller: the counts, one summary line, and the error that ends it
when the publishing account's own hub is off."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rootguard.errors import AwsSetupError
from rootguard.securityhub.outcome import HubOutcome
from rootguard.securityhub.targets import Target


class PublishReport(BaseModel):
    """What one publish (or resume) did. The CLI exits non-zero when `spooled > 0`."""

    model_config = ConfigDict(extra="forbid")

    imported: int = 0  # new findings Security Hub took
    updated: int = 0  # findings already in Security Hub, updated in place
    archived: int = 0  # resolved findings re-imported as ARCHIVED
    failed_retried: int = 0  # findings that failed with a retriable error and were sent again
    spooled: int = 0  # findings written to the spool (not in Security Hub yet)
    skipped: int = 0  # not sent: refused (foreign account), duplicate id, or superseded by a newer version
    rejected: int = 0  # of the spooled: failed with a non-retriable code (e.g. InvalidInput)
    replayed: int = 0  # spool entries of earlier runs that landed (or were superseded) in this run
    quarantined: int = 0  # bad spool lines moved to <spool>.quarantine (not entries: they cannot replay)
    calls: int = 0  # BatchImportFindings requests made
    throttled: int = 0  # requests that still failed with a throttling error after botocore's retries
    targets: int = 0  # hubs (account and Region) published to
    errors: list[str] = Field(default_factory=list)  # one line each
    spool_path: str | None = None
    dry_run: bool = False
    written: int = 0  # dry run: findings written to output_path
    output_path: str | None = None
    duration_s: float = 0.0

    def add(self, outcome: HubOutcome) -> None:
        """Count one hub's outcome in."""
        self.targets += 1
        landed = outcome.landed_counts()
        self.imported += landed["new"]
        self.updated += landed["updated"]
        self.archived += landed["archive"]
        self.skipped += len(outcome.skipped)
        self.failed_retried += outcome.retried
        self.calls += outcome.calls
        self.throttled += outcome.throttled
        self.rejected += sum(1 for f in outcome.failures if not f.retriable and f.attempts)
        if outcome.error:
            self.errors.append(outcome.error)

    def merge(self, other: PublishReport) -> None:
        """Count in another report of the same run (the replay of the spool before a publish)."""
        for name in ("imported", "updated", "archived", "failed_retried", "spooled", "skipped", "rejected",
                     "replayed", "quarantined", "calls", "throttled"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.targets = max(self.targets, other.targets)
        self.errors.extend(other.errors)

    @property
    def partial(self) -> bool:
        """Something is not in Security Hub because of this run: spooled, or set aside as unreadable."""
        return bool(self.spooled or self.quarantined)

    def summary(self) -> str:
        if self.dry_run:
            return f"dry run: {self.written} findings written to {self.output_path}; nothing sent"
        line = (
            f"Security Hub CSPM: {self.imported} imported, {self.updated} updated, {self.archived} archived, "
            f"{self.skipped} skipped, {self.failed_retried} retried, {self.spooled} spooled"
        )
        if self.replayed:
            line += f", {self.replayed} replayed from the spool"
        if self.spooled and self.spool_path:
            line += f" (replay with `rootguard publish --resume {self.spool_path}`)"
        if self.quarantined and self.spool_path:
            line += f"; {self.quarantined} unreadable spool line(s) moved to {self.spool_path}.quarantine"
        return line


def hub_not_enabled_message(target: Target) -> str:
    """One line naming the account and Region and the command that fixes it."""
    return (
        f"Security Hub CSPM is not enabled for account {target.account_id} in {target.region}: run "
        f"`aws securityhub enable-security-hub --region {target.region}` in that account, then publish again"
    )


class SecurityHubNotEnabledError(AwsSetupError):
    """The publishing account's own hub is off in its Region (CLI exit 4); `report` holds what was done,
    including what went to the spool."""

    def __init__(self, message: str, report: PublishReport | None = None) -> None:
        super().__init__(message)
        self.report = report
