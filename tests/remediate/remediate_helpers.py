"""Small scenarios and probes shared by the remediation tests."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import boto3
from scp_documents import DENY_ROOT

MGMT = "111111111111"
ADMIN = "222222222222"  # IAM delegated administrator, no root credentials
LEFTOVERS = "333333333333"  # INVITED: password, active + inactive keys, virtual MFA, certificate
HARDWARE = "333333333334"  # INVITED: password and a hardware MFA device only
CLEAN = "444444444444"  # CREATED after root credentials management: nothing to delete
BLOCKED = "555555555555"  # under a deny-root SCP without the aws:AssumedRoot exemption
SUSPENDED = "777777777777"
REGION = "us-east-1"

BASE: dict[str, Any] = {
    "name": "remediate",
    "seed": 11,
    "region": REGION,
    "organization": {
        "id": "o-remediate01",
        "management_account": {"id": MGMT, "root": {"password": True, "mfa": [{"type": "hardware"}]}},
        "feature_set": "ALL",
        "trusted_access": ["iam.amazonaws.com"],
        "delegated_administrators": {"iam.amazonaws.com": [ADMIN]},
        "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        "ous": ["Security", "Acquired", "Sandbox"],
        "scps": [{"name": "DenyRoot", "document": DENY_ROOT, "targets": ["Sandbox"]}],
    },
    "accounts": [
        {"id": ADMIN, "name": "security", "ou": "Security"},
        {
            "id": LEFTOVERS,
            "name": "acquired",
            "joined": "INVITED",
            "ou": "Acquired",
            "root": {
                "password": True,
                "access_keys": [{"status": "Active"}, {"status": "Inactive"}],
                "mfa": [{"type": "virtual"}],
                "signing_certificates": [{"status": "Active"}],
            },
        },
        {
            "id": HARDWARE,
            "name": "acquired-2",
            "joined": "INVITED",
            "ou": "Acquired",
            "root": {"password": True, "mfa": [{"type": "hardware"}]},
        },
        {"id": CLEAN, "name": "workload"},
        {"id": BLOCKED, "name": "sandbox", "joined": "INVITED", "ou": "Sandbox", "root": {"password": True}},
        {"id": SUSPENDED, "name": "old", "status": "SUSPENDED"},
    ],
}


def scenario(**organization: Any) -> dict[str, Any]:
    """BASE with organization fields replaced."""
    out = copy.deepcopy(BASE)
    out["organization"].update(organization)
    return out


def everything_off() -> dict[str, Any]:
    """An organization with all features but no trusted access for IAM, no features, no delegated admin."""
    return scenario(trusted_access=[], root_access_features=[], delegated_administrators={})


def root_state(sb: Any, account_id: str) -> dict[str, Any]:
    """A comparable snapshot of an account's root user in the sandbox."""
    root = sb.root_user(account_id)
    return {
        "password": root.password,
        "keys": sorted((k.access_key_id, k.status) for k in root.access_keys),
        "mfa": sorted(d.serial for d in root.mfa_devices),
        "certificates": sorted((c.certificate_id, c.status) for c in root.signing_certificates),
    }


@dataclass
class AssumeRootCalls:
    """Records the parameters of every sts:AssumeRoot a session's clients send."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def attach(self, session: boto3.Session) -> boto3.Session:
        session.events.register("provide-client-params.sts.AssumeRoot", self._record)
        return session

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(dict(params))

    @property
    def task_policies(self) -> list[str]:
        return [c["TaskPolicyArn"]["arn"].rsplit("/", 1)[-1] for c in self.calls]
