"""The scenario format: an AWS organization described in YAML, as pydantic models and cross-field rules.

See docs/sandbox.md for the format. Every error is a :class:`ScenarioError` whose text is one line naming the
bad field, e.g. ``accounts[3].root.access_keys[0].status: Input should be 'Active' or 'Inactive'``; reading
files and expanding `generate` lines is rootguard.sandbox.scenarios.loader's job.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rootguard.models import IAM_SERVICE_PRINCIPAL
from rootguard.sandbox.faults import FaultsSpec

ACCOUNT_ID = re.compile(r"^\d{12}$")
ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
PARTITION_REGIONS = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}
ROOT_TARGET = "Root"


class ScenarioError(ValueError):
    """An invalid scenario, phrased as one line that names the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccessKeySpec(_Model):
    status: Literal["Active", "Inactive"] = "Active"


class MFASpec(_Model):
    type: Literal["virtual", "hardware", "fido"] = "virtual"


class CertificateSpec(_Model):
    status: Literal["Active", "Inactive"] = "Active"


class RootSpec(_Model):
    """The credentials an account's root user holds."""

    password: bool = False
    access_keys: list[AccessKeySpec] = Field(default_factory=list)
    mfa: list[MFASpec] = Field(default_factory=list)
    signing_certificates: list[CertificateSpec] = Field(default_factory=list)


def _account_id(value: Any) -> str:
    text = str(value)
    if not ACCOUNT_ID.match(text):
        raise ValueError(f"{text!r} is not a 12-digit account id (quote it in YAML)")
    return text


class ManagementAccountSpec(_Model):
    id: str
    name: str = "management"
    email: str = "management@example.com"
    root: RootSpec = Field(default_factory=lambda: RootSpec(password=True, mfa=[MFASpec(type="hardware")]))

    _check_id = field_validator("id", mode="before")(_account_id)


class AccountSpec(_Model):
    id: str
    name: str = ""
    email: str = ""
    status: Literal["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"] = "ACTIVE"
    joined: Literal["CREATED", "INVITED"] = "CREATED"
    joined_at: datetime | None = None  # default: spread over the past, in list order
    ou: str | None = None  # OU path from the root, e.g. Workloads/Prod; None: directly under the root
    # None: the default for how the account joined (CREATED: no credentials when RootCredentialsManagement is
    # on, else a password AWS set at creation; INVITED: a password)
    root: RootSpec | None = None

    _check_id = field_validator("id", mode="before")(_account_id)


class ScpSpec(_Model):
    name: str = Field(min_length=1, max_length=128)
    description: str = ""
    document: dict[str, Any]
    targets: list[str] = Field(default_factory=list)  # "Root", an OU path or an account id

    @field_validator("document")
    @classmethod
    def _statements(cls, value: dict[str, Any]) -> dict[str, Any]:
        stmts = value.get("Statement")
        if not isinstance(stmts, list | dict) or not stmts:
            raise ValueError("an SCP document needs a non-empty Statement")
        for stmt in [stmts] if isinstance(stmts, dict) else stmts:
            if not isinstance(stmt, dict) or stmt.get("Effect") not in ("Allow", "Deny"):
                raise ValueError("every statement needs Effect Allow or Deny")
            if "Action" not in stmt and "NotAction" not in stmt:
                raise ValueError("every statement needs Action or NotAction")
        return value


class OrganizationSpec(_Model):
    exists: bool = True  # false: the management account is a standalone account, not in an organization
    id: str | None = None  # generated from the seed when absent
    management_account: ManagementAccountSpec
    feature_set: Literal["ALL", "CONSOLIDATED_BILLING"] = "ALL"
    trusted_access: list[str] = Field(default_factory=list)
    delegated_administrators: dict[str, list[str]] = Field(default_factory=dict)
    root_access_features: list[Literal["RootCredentialsManagement", "RootSessions"]] = Field(
        default_factory=list
    )
    ous: list[str] = Field(default_factory=list)
    scps: list[ScpSpec] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _org_id(cls, value: str | None) -> str | None:
        if value is not None and not ORG_ID.match(value):
            raise ValueError(
                f"{value!r} is not an organization id (o- and 10 to 32 lowercase letters or digits)"
            )
        return value

    @field_validator("ous")
    @classmethod
    def _ou_paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path or path.startswith("/") or path.endswith("/") or "//" in path:
                raise ValueError(f"{path!r} is not an OU path like 'Workloads/Prod'")
        return value


class RootSessionsSpec(_Model):
    """Which features sts:AssumeRoot requires (AWS documents the features, not the exact gating)."""

    require_root_sessions: bool = True
    credential_tasks_require_root_credentials_management: bool = True


class StandInControlsSpec(_Model):
    """How many of each standard's other controls pass, fail or are unknown (stand-in findings in the
    administrator's account), so the security score counts more than the root-user controls."""

    passed: int = Field(default=0, ge=0, le=1000)
    failed: int = Field(default=0, ge=0, le=1000)
    unknown: int = Field(default=0, ge=0, le=1000)


class SecurityHubSpec(_Model):
    enabled: dict[str, list[str]] = Field(default_factory=dict)  # account id or "*" -> Regions
    # The Security Hub administrator, who sees and updates every member's findings. Default: the
    # organization's delegated administrator for securityhub.amazonaws.com, if any.
    administrator: str | None = None
    # Standards enabled in every enabled hub: ids (standards/pci-dss/v/3.2.1) or short (pci-dss/v/3.2.1).
    standards: list[str] = Field(default_factory=list)
    # How IAM.4, IAM.6 and IAM.9 judge a root user without credentials: NOT_APPLICABLE (archived
    # NOT_AVAILABLE findings, the AWS Config rules' documented behaviour) or FAILED (IAM.6 and IAM.9 fail).
    root_controls_without_credentials: Literal["NOT_APPLICABLE", "FAILED"] = "NOT_APPLICABLE"
    other_controls: StandInControlsSpec = Field(default_factory=StandInControlsSpec)

    @field_validator("administrator", mode="before")
    @classmethod
    def _admin(cls, value: Any) -> Any:
        return None if value is None else _account_id(value)

    def administrator_of(self, organization: OrganizationSpec) -> str | None:
        if self.administrator is not None:
            return self.administrator
        admins = organization.delegated_administrators.get("securityhub.amazonaws.com") or []
        return admins[0] if admins else None


class Scenario(_Model):
    name: str = "scenario"
    description: str = ""
    seed: int = 0
    partition: Literal["aws", "aws-us-gov", "aws-cn"] = "aws"
    region: str | None = None  # home Region; default: the partition's first Region
    organization: OrganizationSpec
    accounts: list[AccountSpec] = Field(default_factory=list)
    generate: str | None = None  # one-line generator spec, see rootguard.sandbox.scenarios.generator
    securityhub: SecurityHubSpec = Field(default_factory=SecurityHubSpec)
    root_sessions: RootSessionsSpec = Field(default_factory=RootSessionsSpec)
    faults: FaultsSpec = Field(default_factory=FaultsSpec)
    strict_credentials: bool = True  # unknown access keys fail with InvalidClientTokenId, as on AWS

    @property
    def home_region(self) -> str:
        return self.region or PARTITION_REGIONS[self.partition]

    @property
    def management_account_id(self) -> str:
        return self.organization.management_account.id


def check_references(s: Scenario) -> None:
    """Cross-field rules pydantic cannot see; raise ScenarioError naming the field."""
    org = s.organization
    mgmt = org.management_account.id
    seen: dict[str, str] = {mgmt: "organization.management_account.id"}
    for i, acct in enumerate(s.accounts):
        if acct.id in seen:
            raise ScenarioError(f"accounts[{i}].id: {acct.id} is already used by {seen[acct.id]}")
        seen[acct.id] = f"accounts[{i}].id"
    ous: set[str] = set()
    for i, path in enumerate(org.ous):
        parent = path.rsplit("/", 1)[0] if "/" in path else None
        if parent is not None and parent not in ous and parent not in org.ous:
            ous.add(parent)  # parents are implied by their children
        ous.add(path)
        if org.ous.count(path) > 1:
            raise ScenarioError(f"organization.ous[{i}]: {path!r} is listed twice")
    # every prefix of a listed path is an OU too
    for path in list(ous):
        parts = path.split("/")
        for n in range(1, len(parts)):
            ous.add("/".join(parts[:n]))
    for i, acct in enumerate(s.accounts):
        if acct.ou is not None and acct.ou not in ous:
            raise ScenarioError(f"accounts[{i}].ou: {acct.ou!r} is not an OU listed in organization.ous")
    members = {a.id for a in s.accounts}
    from rootguard.sandbox.organizations.backend import delegated_admin_services, trusted_access_services

    for j, service in enumerate(org.trusted_access):
        if service not in trusted_access_services():
            raise ScenarioError(
                f"organization.trusted_access[{j}]: {service!r} is not a service that supports trusted access"
            )
    for service, admins in org.delegated_administrators.items():
        if service not in delegated_admin_services():
            raise ScenarioError(
                f"organization.delegated_administrators.{service}: not a service that supports "
                "a delegated administrator"
            )
        for j, admin in enumerate(admins):
            where = f"organization.delegated_administrators.{service}[{j}]"
            if not ACCOUNT_ID.match(str(admin)):
                raise ScenarioError(f"{where}: {admin!r} is not a 12-digit account id")
            if admin == mgmt:
                raise ScenarioError(f"{where}: the management account cannot be a delegated administrator")
            if admin not in members:
                raise ScenarioError(f"{where}: {admin} is not a member account listed in accounts")
    names: set[str] = set()
    for i, scp in enumerate(org.scps):
        if scp.name in names or scp.name == "FullAWSAccess":
            raise ScenarioError(f"organization.scps[{i}].name: {scp.name!r} is already used")
        names.add(scp.name)
        for j, target in enumerate(scp.targets):
            if target != ROOT_TARGET and target not in ous and target not in members and target != mgmt:
                raise ScenarioError(
                    f"organization.scps[{i}].targets[{j}]: {target!r} is not 'Root', "
                    "an OU path or an account id"
                )
    if org.feature_set != "ALL" and org.scps:
        raise ScenarioError("organization.scps: service control policies need feature_set ALL")
    if not org.exists and (s.accounts or s.generate):
        raise ScenarioError(
            "accounts: a standalone account (organization.exists false) has no member accounts"
        )
    for key in s.securityhub.enabled:
        if key != "*" and key not in seen:
            raise ScenarioError(f"securityhub.enabled.{key}: not '*' or an account of the scenario")
    if s.securityhub.administrator is not None and s.securityhub.administrator not in seen:
        raise ScenarioError(
            f"securityhub.administrator: {s.securityhub.administrator} is not an account of the scenario"
        )
    from rootguard.sandbox.securityhub.controls import STANDARD_ALIASES, STANDARDS

    for i, standard in enumerate(s.securityhub.standards):
        if standard not in STANDARDS and standard not in STANDARD_ALIASES:
            raise ScenarioError(
                f"securityhub.standards[{i}]: {standard!r} is not one of {', '.join(STANDARD_ALIASES)}"
            )
    if (
        IAM_SERVICE_PRINCIPAL in org.delegated_administrators
        and IAM_SERVICE_PRINCIPAL not in org.trusted_access
    ):
        raise ScenarioError(
            f"organization.delegated_administrators.{IAM_SERVICE_PRINCIPAL}: "
            f"needs {IAM_SERVICE_PRINCIPAL} in organization.trusted_access"
        )
