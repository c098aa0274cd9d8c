"""Shared by the sandbox tests: small scenarios and root sessions obtained the way a client does."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from scp_documents import DENY_ROOT, DENY_ROOT_EXEMPT

MGMT = "111111111111"
ADMIN = "222222222222"  # IAM delegated administrator
MEMBER = "333333333333"  # INVITED, holds every kind of root credential
CLEAN = "444444444444"  # CREATED after root credentials management: no root credentials
BLOCKED = "555555555555"  # under a deny-root SCP without the aws:AssumedRoot exemption
EXEMPT = "666666666666"  # under the deny-root SCP with the exemption
SUSPENDED = "777777777777"
AUDIT = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
CREATE_PASSWORD = "arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword"
DELETE_CREDENTIALS = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
S3_UNLOCK = "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy"

BASE: dict[str, Any] = {
    "name": "unit",
    "seed": 3,
    "organization": {
        "id": "o-unittest001",
        "management_account": {"id": MGMT, "root": {"password": True, "mfa": [{"type": "hardware"}]}},
        "feature_set": "ALL",
        "trusted_access": ["iam.amazonaws.com"],
        "delegated_administrators": {"iam.amazonaws.com": [ADMIN]},
        "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        "ous": ["Security", "Workloads", "Sandbox"],
        "scps": [
            {"name": "DenyRoot", "document": DENY_ROOT, "targets": ["Sandbox"]},
            {"name": "DenyRootExempt", "document": DENY_ROOT_EXEMPT, "targets": ["Workloads"]},
        ],
    },
    "accounts": [
        {"id": ADMIN, "name": "security", "ou": "Security"},
        {
            "id": MEMBER,
            "name": "acquired",
            "joined": "INVITED",
            "root": {
                "password": True,
                "access_keys": [{"status": "Active"}, {"status": "Inactive"}],
                "mfa": [{"type": "virtual"}],
                "signing_certificates": [{"status": "Active"}],
            },
        },
        {"id": CLEAN, "name": "clean"},
        {"id": BLOCKED, "name": "sandbox", "ou": "Sandbox", "joined": "INVITED", "root": {"password": True}},
        {"id": EXEMPT, "name": "workload", "ou": "Workloads"},
        {"id": SUSPENDED, "name": "closed", "status": "SUSPENDED"},
    ],
}


def scenario(**changes: Any) -> dict[str, Any]:
    """BASE with top-level keys replaced; `org` changes organization keys."""
    data = copy.deepcopy(BASE)
    for key, value in (changes.pop("org", None) or {}).items():
        data["organization"][key] = value
    data.update(changes)
    return data


def root_session(
    sb: Any, target: str, policy: str = AUDIT, caller: str = MGMT, **kwargs: Any
) -> boto3.Session:
    """AssumeRoot into `target` as the scanner of `caller`, as a client does; a Session on the credentials."""
    creds = (
        sb.session(caller)
        .client("sts")
        .assume_root(TargetPrincipal=target, TaskPolicyArn={"arn": policy}, **kwargs)["Credentials"]
    )
    return sb.session_from(creds)


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]
