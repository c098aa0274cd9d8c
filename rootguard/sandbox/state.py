"""The sandbox's own state: what moto has no model for.

moto keeps organizations, IAM users and STS sessions in its backends. This module keeps, next to them, what
rootguard needs and moto lacks: each account's root user, the organization's centralized root access features,
a principal index (access key -> who is calling) that keeps account resolution O(1), and the runtime knobs
(feature gating of AssumeRoot, faults). One sandbox is active per process, as moto's backends are per process;
when none is active every extension falls back to moto's own behaviour.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from rootguard.sandbox.recorder import ActionRecorder

if TYPE_CHECKING:
    from rootguard.sandbox.faults import FaultEngine

PrincipalKind = Literal["user", "role", "root", "root-session"]

_ids = itertools.count(1)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RootAccessKey:
    access_key_id: str
    status: str  # Active | Inactive
    created: datetime
    secret: str = field(default="", repr=False)  # only so the sandbox can hand it to a client; never logged


@dataclass
class RootMFADevice:
    serial: str
    kind: str  # virtual | hardware | fido
    enabled: datetime


@dataclass
class RootSigningCertificate:
    certificate_id: str
    status: str
    uploaded: datetime


@dataclass
class RootUser:
    """One account's root user and the credentials it still holds."""

    account_id: str
    partition: str = "aws"
    password: bool = False
    password_created: datetime | None = None
    access_keys: list[RootAccessKey] = field(default_factory=list)
    mfa_devices: list[RootMFADevice] = field(default_factory=list)
    signing_certificates: list[RootSigningCertificate] = field(default_factory=list)
    unassigned_virtual_mfa: list[str] = field(default_factory=list)  # deactivated, not yet deleted

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def summary_flags(self) -> dict[str, int]:
        return {
            "AccountPasswordPresent": int(self.password),
            "AccountAccessKeysPresent": int(bool(self.access_keys)),
            "AccountMFAEnabled": int(bool(self.mfa_devices)),
            "AccountSigningCertificatesPresent": int(bool(self.signing_certificates)),
        }

    @property
    def has_credentials(self) -> bool:
        return any(self.summary_flags().values())

    # -- mutation helpers, used by seeding, tests and the delete/create root tasks --------------------

    def set_password(self, present: bool = True) -> None:
        self.password = present
        self.password_created = now() if present else None

    def add_access_key(self, status: str = "Active") -> RootAccessKey:
        from rootguard.sandbox.ids import root_access_key_id, secret_key

        key = RootAccessKey(root_access_key_id(self.account_id), status, now(), secret_key())
        self.access_keys.append(key)
        return key

    def add_mfa_device(self, kind: str = "virtual") -> RootMFADevice:
        n = next(_ids)
        if kind == "virtual":
            serial = f"arn:{self.partition}:iam::{self.account_id}:mfa/root-account-mfa-device"
            if any(d.serial == serial for d in self.mfa_devices):
                serial = f"{serial}-{n}"
        elif kind == "fido":
            serial = f"arn:{self.partition}:iam::{self.account_id}:u2f/root/rootguard-sandbox-{n:08d}"
        elif kind == "hardware":
            serial = f"GAHT{int(self.account_id) % 10**4:04d}{n:04d}"
        else:
            raise ValueError(f"unknown MFA device type {kind!r}: use virtual, hardware or fido")
        device = RootMFADevice(serial, kind, now())
        self.mfa_devices.append(device)
        return device

    def add_signing_certificate(self, status: str = "Active") -> RootSigningCertificate:
        from rootguard.sandbox.ids import certificate_id

        cert = RootSigningCertificate(certificate_id(), status, now())
        self.signing_certificates.append(cert)
        return cert

    def clear(self) -> None:
        self.password = False
        self.password_created = None
        self.access_keys.clear()
        self.mfa_devices.clear()
        self.signing_certificates.clear()
        self.unassigned_virtual_mfa.clear()


@dataclass(frozen=True)
class RootSession:
    """An sts:AssumeRoot session: root of `target_account`, scoped by a task policy, short-lived."""

    target_account: str
    task_policy: str  # the policy name, e.g. IAMAuditRootUserCredentials
    expires_at: datetime
    caller_arn: str
    caller_account: str


@dataclass(frozen=True)
class Principal:
    access_key_id: str
    account_id: str
    arn: str
    kind: PrincipalKind
    session: RootSession | None = None

    @property
    def is_root(self) -> bool:
        return self.kind in ("root", "root-session")


@dataclass
class Gating:
    """Which organization features sts:AssumeRoot requires (the scenario's `root_sessions`)."""

    require_root_sessions: bool = True
    credential_tasks_require_root_credentials_management: bool = True


@dataclass
class SandboxState:
    partition: str
    region: str
    management_account_id: str | None
    organization_id: str | None
    gating: Gating = field(default_factory=Gating)
    faults: FaultEngine | None = None
    strict_credentials: bool = True
    root_users: dict[str, RootUser] = field(default_factory=dict)
    features: dict[str, set[str]] = field(default_factory=dict)  # organization id -> enabled features
    principals: dict[str, Principal] = field(default_factory=dict)  # access key id -> principal
    accounts: dict[str, Any] = field(
        default_factory=dict
    )  # account id -> moto FakeAccount (members + management)
    scanners: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # account id -> scanner (key id, secret)
    recorder: ActionRecorder = field(default_factory=ActionRecorder, repr=False)
    securityhub: Any = None  # rootguard.sandbox.securityhub.controls.ControlsConfig, set when seeding
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def root_user(self, account_id: str) -> RootUser:
        with self.lock:
            user = self.root_users.get(account_id)
            if user is None:
                user = RootUser(account_id, self.partition)
                self.root_users[account_id] = user
            return user

    def register(self, principal: Principal) -> None:
        with self.lock:
            self.principals[principal.access_key_id] = principal

    def enabled_features(self, organization_id: str) -> set[str]:
        with self.lock:
            return self.features.setdefault(organization_id, set())


_active: SandboxState | None = None
_active_lock = threading.Lock()


def active() -> SandboxState | None:
    """The running sandbox's state, or None (then every extension behaves like plain moto)."""
    return _active


def activate(state: SandboxState) -> None:
    global _active
    with _active_lock:
        if _active is not None and _active is not state:
            raise RuntimeError("another Sandbox is already running in this process; stop it first")
        _active = state


def deactivate(state: SandboxState) -> None:
    global _active
    with _active_lock:
        if _active is state:
            _active = None
