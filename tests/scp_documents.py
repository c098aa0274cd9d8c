"""Deny-root SCP documents shared by the sandbox, collect and remediation tests (importable from any test: tests/
is on sys.path through tests/conftest.py)."""

from __future__ import annotations

from typing import Any


def deny_root_policy(*, exempt_root_sessions: bool = False) -> dict[str, Any]:
    """The classic 'deny everything to the root user' SCP; with the exemption, root sessions
    (sts:AssumeRoot, where aws:AssumedRoot is present) are left alone."""
    condition: dict[str, Any] = {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}
    if exempt_root_sessions:
        condition["Null"] = {"aws:AssumedRoot": "true"}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyRoot", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}
        ],
    }


DENY_ROOT = deny_root_policy()
DENY_ROOT_EXEMPT = deny_root_policy(exempt_root_sessions=True)
