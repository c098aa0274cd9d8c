"""Plans and outcomes of remediation: pydantic, JSON-safe, with no secret material and no full credential ids.

A plan names each credential by kind, a masked id (the last four characters) and a fingerprint (a truncated
SHA-256 of the full id). Applying a plan deletes a credential only when a credential listed at apply time has
the same fingerprint, so exactly the planned credentials are removed and a plan file can be stored, reviewed
and shown without holding a usable id.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from rootguard.remediate.errors import Refusal, mask

FINGERPRINT_LENGTH = 16


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CredentialKind(StrEnum):
    ACCESS_KEY = "access_key"
    SIGNING_CERTIFICATE = "signing_certificate"
    LOGIN_PROFILE = "login_profile"
    MFA_DEVICE = "mfa_device"


# Deletion order: what an attacker can use without anything else first (access keys, certificates, the
# password), MFA devices last, so a run that stops half way never leaves a password without its MFA device.
DELETION_ORDER: tuple[CredentialKind, ...] = (
    CredentialKind.ACCESS_KEY,
    CredentialKind.SIGNING_CERTIFICATE,
    CredentialKind.LOGIN_PROFILE,
    CredentialKind.MFA_DEVICE,
)


def fingerprint(kind: CredentialKind, identifier: str) -> str:
    """A stable, non-reversible handle of a credential id (the login profile has no id)."""
    if not identifier:
        return ""
    return hashlib.sha256(f"{kind.value}:{identifier}".encode()).hexdigest()[:FINGERPRINT_LENGTH]


def mask_mfa_serial(serial: str) -> str:
    """How an MFA device is shown: a virtual device's name (``mfa/root-account-mfa-device``: a name, not a
    secret, and the only thing that tells a root user's devices apart), else ``…`` and the last four characters
    (hardware serials, FIDO security key ids)."""
    if serial.startswith("arn:"):
        resource = serial.split(":", 5)[-1]
        if resource.startswith("mfa/") and "/" not in resource[4:]:
            return resource
    return mask(serial)


class PlannedCredential(_Model):
    kind: CredentialKind
    masked_id: str = ""  # "…AB12", "mfa/<virtual device name>"; empty for the login profile
    fingerprint: str = ""  # see fingerprint(); empty for the login profile
    status: str = ""  # Active | Inactive (access keys, signing certificates)
    mfa_type: str = ""  # virtual | hardware (MFA devices; FIDO security keys count as hardware)
    created: datetime | None = None

    @classmethod
    def of(cls, kind: CredentialKind, identifier: str = "", **fields: object) -> PlannedCredential:
        shown = mask_mfa_serial(identifier) if kind is CredentialKind.MFA_DEVICE else mask(identifier)
        return cls(kind=kind, masked_id=shown, fingerprint=fingerprint(kind, identifier), **fields)

    @property
    def label(self) -> str:
        """``access key …AB12 (Active)``: what a person reads in a plan or a log."""
        name = self.kind.value.replace("_", " ")
        if self.kind is CredentialKind.LOGIN_PROFILE:
            return "login profile (root password)"
        if self.kind is CredentialKind.MFA_DEVICE:
            return (
                f"{self.mfa_type} MFA device {self.masked_id}"
                if self.mfa_type
                else f"MFA device {self.masked_id}"
            )
        return f"{name} {self.masked_id} ({self.status})" if self.status else f"{name} {self.masked_id}"


class AccountPlanStatus(StrEnum):
    READY = "READY"  # credentials to delete
    CLEAN = "CLEAN"  # nothing to delete
    REFUSED = "REFUSED"  # must not or cannot be remediated; see reason and error


class AccountPlan(_Model):
    account_id: str
    name: str = ""
    status: AccountPlanStatus
    credentials: tuple[PlannedCredential, ...] = ()  # in deletion order
    reason: Refusal | None = None  # set exactly when REFUSED
    error: str = ""  # one line naming the account and what to do, when REFUSED


class RemediationPlan(_Model):
    """What deleting root credentials would remove, account by account. Changes nothing by itself."""

    created_at: datetime
    caller_arn: str
    partition: str
    region: str
    organization_id: str
    management_account_id: str
    accounts: tuple[AccountPlan, ...]

    def account(self, account_id: str) -> AccountPlan | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)

    @property
    def ready(self) -> tuple[AccountPlan, ...]:
        return tuple(a for a in self.accounts if a.status is AccountPlanStatus.READY)

    @property
    def refused(self) -> tuple[AccountPlan, ...]:
        return tuple(a for a in self.accounts if a.status is AccountPlanStatus.REFUSED)


class StepStatus(StrEnum):
    WOULD_RUN = "WOULD_RUN"  # dry run
    DONE = "DONE"
    ALREADY_DONE = "ALREADY_DONE"  # the credential was gone, or the setting on, before the step ran
    FAILED = "FAILED"
    NOT_RUN = "NOT_RUN"  # an earlier failure stopped the account


class Step(_Model):
    action: str  # the AWS action, e.g. iam:DeleteAccessKey
    account_id: str
    target: str = ""  # masked: "access key …AB12", "login profile", "iam.amazonaws.com"
    status: StepStatus
    error: str = ""


class AccountResultStatus(StrEnum):
    DRY_RUN = "DRY_RUN"
    REMEDIATED = "REMEDIATED"  # every planned step done and the re-audit found no root credentials
    INCOMPLETE = "INCOMPLETE"  # steps done, but the re-audit still found credentials (or could not run)
    FAILED = "FAILED"  # a step failed
    REFUSED = "REFUSED"
    NOTHING_TO_DO = "NOTHING_TO_DO"


class AccountOutcome(_Model):
    account_id: str
    status: AccountResultStatus
    steps: tuple[Step, ...] = ()
    clean: bool | None = None  # re-audit: no root credentials left; None when not re-audited
    remaining: tuple[str, ...] = ()  # credential kinds the re-audit still found
    error: str = ""


class RemediationOutcome(_Model):
    dry_run: bool
    caller_arn: str
    started_at: datetime
    finished_at: datetime
    accounts: tuple[AccountOutcome, ...] = Field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when nothing failed and, after a real run, every remediated account re-audits clean."""
        bad = {AccountResultStatus.FAILED, AccountResultStatus.INCOMPLETE, AccountResultStatus.REFUSED}
        return not any(a.status in bad for a in self.accounts)


class PasswordRecoveryOutcome(_Model):
    account_id: str
    dry_run: bool
    step: Step


class EnableOutcome(_Model):
    dry_run: bool
    caller_arn: str
    organization_id: str
    steps: tuple[Step, ...]

    @property
    def changed(self) -> bool:
        return any(s.status is StepStatus.DONE for s in self.steps)
