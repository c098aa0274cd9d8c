"""The data rootguard passes between its stages.

collect -> :class:`OrgFacts`; rules -> :class:`Result`. These models are the boundary every stage agrees on:
rules never call AWS, findings never import Prowler. Nothing here may hold secret material: access key ids
are kept only as a masked suffix, no secret keys, passwords or session tokens are ever read.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

ROOT_CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"
ROOT_SESSIONS = "RootSessions"
IAM_SERVICE_PRINCIPAL = "iam.amazonaws.com"
# The home Region when neither the command line, the config nor the AWS profile names one.
DEFAULT_REGION = "us-east-1"
# The error Organizations answers a caller whose account is in no organization.
NOT_IN_USE = "AWSOrganizationsNotInUseException"

_ACCOUNT_ID = re.compile(r"^\d{12}$")


def account_id(value: object) -> str:
    """A 12-digit AWS account id as text. YAML reads an unquoted id as a number: a 12-digit int is taken, a
    shorter one (a leading zero lost) and anything else is refused with a hint."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{value!r} is not a 12-digit account id")
    text = str(value)
    if not _ACCOUNT_ID.match(text):
        hint = " (quote it in YAML: '012345678901')" if isinstance(value, int) else ""
        raise ValueError(f"{text!r} is not a 12-digit account id{hint}")
    return text


# The one account id type of every model and setting.
AccountId = Annotated[str, BeforeValidator(account_id)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ------------------------------------------------------------------------------------------------ errors


class ErrorKind(StrEnum):
    """What an AWS error means (decided by rootguard.aws.errors from botocore's lists)."""

    ACCESS_DENIED = "ACCESS_DENIED"
    THROTTLING = "THROTTLING"
    TRANSIENT = "TRANSIENT"  # server-side, timeout or connection: may pass later
    EXPIRED = "EXPIRED"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    OTHER = "OTHER"


class AwsError(_Model):
    """An AWS error as facts record it: never credentials, only the code, AWS's message and its kind."""

    code: str  # "" for a problem rootguard itself found (no AWS error code)
    message: str = ""
    kind: ErrorKind = ErrorKind.OTHER

    def __str__(self) -> str:
        if self.code and self.message:
            return f"{self.code}: {self.message}"
        return self.code or self.message


# ---------------------------------------------------------------------------------------------- results


class Status(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    NOT_EVALUATED = "NOT_EVALUATED"


class NotEvaluatedReason(StrEnum):
    """Why a resource got no verdict. Every member account gets a result; this names the gap."""

    MANAGEMENT_ACCOUNT = "MANAGEMENT_ACCOUNT"  # outside centralized root management by design
    SUSPENDED = "SUSPENDED"
    PENDING_CLOSURE = "PENDING_CLOSURE"
    EXCLUDED = "EXCLUDED"  # excluded by configuration
    # scanned from the IAM delegated administrator, which cannot read the management account's root user
    DELEGATED_ADMIN_SCAN = "DELEGATED_ADMIN_SCAN"
    SCP_DENIED = "SCP_DENIED"  # a deny-root SCP without the aws:AssumedRoot exemption blocks root sessions
    ACCESS_DENIED = "ACCESS_DENIED"
    THROTTLED = "THROTTLED"  # still throttled after retries
    ROOT_SESSIONS_UNAVAILABLE = "ROOT_SESSIONS_UNAVAILABLE"  # centralized root sessions not usable
    PREREQUISITE_MISSING = "PREREQUISITE_MISSING"  # organization facts needed by the rule are missing
    ERROR = "ERROR"

    @property
    def out_of_scope(self) -> bool:
        """Not evaluated by design or by nature, not for want of access: such a result never makes a run
        partial (an excluded or closed account, one the scanning account cannot see by AWS's rules)."""
        return self in _OUT_OF_SCOPE


_OUT_OF_SCOPE = frozenset(
    {
        NotEvaluatedReason.MANAGEMENT_ACCOUNT,
        NotEvaluatedReason.EXCLUDED,
        NotEvaluatedReason.SUSPENDED,
        NotEvaluatedReason.PENDING_CLOSURE,
        NotEvaluatedReason.DELEGATED_ADMIN_SCAN,
    }
)


class ResourceKind(StrEnum):
    ORGANIZATION = "ORGANIZATION"
    ACCOUNT = "ACCOUNT"


class ResultResource(_Model):
    kind: ResourceKind
    id: str  # organization id (o-...) or 12-digit account id
    arn: str
    name: str = ""


class Result(_Model):
    check_id: str
    status: Status
    reason: NotEvaluatedReason | None = None  # set exactly when status is NOT_EVALUATED
    resource: ResultResource
    message: str  # one or two sentences a person can act on
    details: dict[str, Any] = Field(default_factory=dict)  # structured, JSON-safe, no secrets


# ------------------------------------------------------------------------------------------------ facts


class Caller(_Model):
    account_id: AccountId
    arn: str
    partition: str = "aws"
    region: str = DEFAULT_REGION


class Organization(_Model):
    id: str
    arn: str
    feature_set: str  # ALL | CONSOLIDATED_BILLING
    management_account_id: str


class FeaturesState(StrEnum):
    """Outcome of iam:ListOrganizationsFeatures, one value per documented error."""

    OK = "OK"
    ORGANIZATION_NOT_FOUND = "ORGANIZATION_NOT_FOUND"
    NOT_ALL_FEATURES = "NOT_ALL_FEATURES"
    SERVICE_ACCESS_NOT_ENABLED = "SERVICE_ACCESS_NOT_ENABLED"
    NOT_MANAGEMENT_OR_DELEGATED_ADMIN = "NOT_MANAGEMENT_OR_DELEGATED_ADMIN"
    ACCESS_DENIED = "ACCESS_DENIED"
    ERROR = "ERROR"


class Account(_Model):
    id: AccountId
    name: str = ""
    email: str = ""
    arn: str = ""
    status: str = "ACTIVE"  # ACTIVE | SUSPENDED | PENDING_CLOSURE
    joined_method: str = "CREATED"  # CREATED | INVITED
    joined_timestamp: datetime | None = None
    parent_path: tuple[str, ...] = ()  # ids from the root down to the direct parent: (r-..., ou-..., ...)


class ManagementRoot(_Model):
    """What the management account's root user holds, read from the management account itself
    (iam:GetAccountSummary and iam:ListVirtualMFADevices): centralized root access does not cover it."""

    account_id: AccountId
    password: bool
    mfa: bool
    # virtual: a virtual MFA device is assigned to the root user; hardware: MFA is on and no virtual device is
    # assigned to it (a hardware TOTP token or a FIDO security key); none: no MFA.
    mfa_kind: Literal["virtual", "hardware", "none"]
    access_keys: bool
    signing_certificates: bool
    summary: dict[str, int] = Field(default_factory=dict)  # the four GetAccountSummary flags as read


class AccessKey(_Model):
    id_suffix: str  # last four characters of the access key id, never the whole id
    status: str  # Active | Inactive
    created: datetime | None = None


class MFADevice(_Model):
    kind: str  # virtual | hardware (U2F/FIDO security keys count as hardware)
    enabled: datetime | None = None


class SigningCertificate(_Model):
    id_suffix: str
    status: str


class RootCredentials(_Model):
    """What a member account's root user still holds. Flags come from GetAccountSummary; detail lists are
    filled only where a flag is set."""

    password: bool = False
    password_created: datetime | None = None
    access_keys: tuple[AccessKey, ...] = ()
    mfa_devices: tuple[MFADevice, ...] = ()
    signing_certificates: tuple[SigningCertificate, ...] = ()
    # Raw summary flags (AccountPasswordPresent, AccountAccessKeysPresent, AccountMFAEnabled,
    # AccountSigningCertificatesPresent) as read, for when detail calls were not possible.
    summary: dict[str, int] = Field(default_factory=dict)

    @property
    def kinds(self) -> list[str]:
        """The kinds of credential present, in a fixed order."""
        out: list[str] = []
        if self.password or self.summary.get("AccountPasswordPresent"):
            out.append("password")
        active = [k for k in self.access_keys if k.status == "Active"]
        inactive = [k for k in self.access_keys if k.status != "Active"]
        if active or (self.summary.get("AccountAccessKeysPresent") and not self.access_keys):
            out.append("active access keys" if active else "access keys")
        if inactive:
            out.append("inactive access keys")
        if self.mfa_devices or self.summary.get("AccountMFAEnabled"):
            out.append("MFA devices")
        if self.signing_certificates or self.summary.get("AccountSigningCertificatesPresent"):
            out.append("signing certificates")
        return out

    @property
    def present(self) -> bool:
        return bool(self.kinds)


class AuditOutcome(StrEnum):
    AUDITED = "AUDITED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


class MemberAudit(_Model):
    account_id: AccountId
    outcome: AuditOutcome
    reason: NotEvaluatedReason | None = None  # why not audited: set (and classified) when not AUDITED
    credentials: RootCredentials | None = None  # set exactly when outcome is AUDITED
    error: str = ""  # error code and short message, never credentials
    blocking_policies: tuple[str, ...] = ()  # SCP ids that explain an AccessDenied
    method: str = "AssumeRoot"  # AssumeRoot | AssumeRole (fallback)

    @model_validator(mode="after")
    def _reason_when_not_audited(self) -> MemberAudit:
        if self.outcome is not AuditOutcome.AUDITED and self.reason is None:
            raise ValueError(f"a {self.outcome.value} audit needs the reason it was not audited")
        return self


class ScpBlock(_Model):
    """An SCP that denies root actions without exempting aws:AssumedRoot, and where it is attached."""

    policy_id: str
    policy_name: str
    target_id: str  # r-..., ou-... or an account id
    target_kind: str  # ROOT | ORGANIZATIONAL_UNIT | ACCOUNT
    target_name: str = ""


class DelegatedAdmin(_Model):
    account_id: AccountId
    name: str = ""


class Fact(StrEnum):
    """A group of facts read together; each rule names the groups it judges (its spec's `needs`)."""

    ORGANIZATION = "organization"  # DescribeOrganization: id, feature set, management account
    TRUSTED_ACCESS = "trusted_access"  # ListAWSServiceAccessForOrganization
    DELEGATED_ADMINS = "delegated_admins"  # ListDelegatedAdministrators for iam.amazonaws.com
    FEATURES = "features"  # iam:ListOrganizationsFeatures
    ACCOUNTS = "accounts"  # every account with its OU path (ListRoots, the OU walk, ListAccounts)
    SCPS = "scps"  # service control policies that deny root sessions, and where they are attached
    MEMBER_AUDIT = "member_audit"  # each member account's root credentials (sts:AssumeRoot)
    MANAGEMENT_ROOT = "management_root"  # the management account's own root user (from that account)


# What reading a group takes first: the member audit needs the account list, the features (are root sessions
# usable?) and the SCPs (which policy explains an AccessDenied); the SCPs need the tree's roots.
FACT_PREREQUISITES: dict[Fact, frozenset[Fact]] = {
    Fact.ORGANIZATION: frozenset(),
    Fact.TRUSTED_ACCESS: frozenset({Fact.ORGANIZATION}),
    Fact.DELEGATED_ADMINS: frozenset({Fact.ORGANIZATION}),
    Fact.FEATURES: frozenset(),
    Fact.ACCOUNTS: frozenset({Fact.ORGANIZATION}),
    Fact.SCPS: frozenset({Fact.ORGANIZATION, Fact.ACCOUNTS}),
    Fact.MEMBER_AUDIT: frozenset({Fact.ORGANIZATION, Fact.FEATURES, Fact.ACCOUNTS, Fact.SCPS}),
    Fact.MANAGEMENT_ROOT: frozenset({Fact.ORGANIZATION}),
}


def with_prerequisites(needs: frozenset[Fact] | set[Fact]) -> frozenset[Fact]:
    """`needs` and everything they need first."""
    out: set[Fact] = set()
    pending = list(needs)
    while pending:
        fact = pending.pop()
        if fact not in out:
            out.add(fact)
            pending.extend(FACT_PREREQUISITES[fact])
    return frozenset(out)


class OrgFacts(_Model):
    """Everything the rules need, collected once per run (Prowler: group by group, as checks ask)."""

    caller: Caller
    collected: frozenset[Fact] = frozenset()  # the groups that were read (successfully or not)
    organization: Organization | None = None
    organization_error: AwsError | None = None  # why the organization could not be read, if it could not
    trusted_access_iam: bool | None = None  # None: could not be read
    delegated_admins: tuple[DelegatedAdmin, ...] | None = None  # None: could not be read
    features_state: FeaturesState = FeaturesState.ERROR
    features_error: AwsError | None = None
    enabled_features: frozenset[str] = frozenset()
    accounts: tuple[Account, ...] = ()
    scp_blocks: tuple[ScpBlock, ...] = ()
    scps_readable: bool = True
    member_audits: dict[str, MemberAudit] = Field(default_factory=dict)
    management_root: ManagementRoot | None = None  # None: not read (not the management account, or an error)
    # Fact groups that were read only in part or not at all, and why: a rule judging one of them never passes.
    unreadable: dict[Fact, AwsError] = Field(default_factory=dict)
    collected_at: datetime | None = None
