"""The management account's root user, read from the management account on the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from rootguard.collect import collect_facts
from rootguard.models import ErrorKind, Fact
from rootguard.sandbox import Sandbox

MGMT = "111111111111"
ADMIN = "222222222222"
NEEDS = {Fact.ORGANIZATION, Fact.MANAGEMENT_ROOT}


def scenario(root: dict[str, Any] | None = None) -> dict[str, Any]:
    management: dict[str, Any] = {"id": MGMT}
    if root is not None:
        management["root"] = root
    return {
        "organization": {
            "management_account": management,
            "trusted_access": ["iam.amazonaws.com"],
            "delegated_administrators": {"iam.amazonaws.com": [ADMIN]},
            "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        },
        "accounts": [{"id": ADMIN, "name": "security"}],
    }


def read(sb: Sandbox, account: str = MGMT) -> Any:
    return collect_facts(sb.session(account), needs=NEEDS)


@pytest.mark.parametrize(
    ("root", "mfa", "kind", "keys", "certificates"),
    [
        (None, True, "hardware", False, False),  # the scenario default: a password and a hardware MFA device
        ({"password": True, "mfa": [{"type": "virtual"}]}, True, "virtual", False, False),
        ({"password": True, "mfa": [{"type": "fido"}]}, True, "hardware", False, False),
        ({"password": True}, False, "none", False, False),
        ({"password": True, "mfa": [{"type": "hardware"}], "access_keys": [{"status": "Inactive"}]}, True,
         "hardware", True, False),
        ({"password": True, "mfa": [{"type": "virtual"}], "signing_certificates": [{}]}, True, "virtual",
         False, True),
    ],
)  # fmt: skip
def test_what_the_root_user_holds(sandbox_factory, root, mfa, kind, keys, certificates) -> None:
    facts = read(sandbox_factory(scenario(root)))
    got = facts.management_root
    assert got is not None and Fact.MANAGEMENT_ROOT not in facts.unreadable
    assert (got.account_id, got.mfa, got.mfa_kind, got.access_keys, got.signing_certificates) == (
        MGMT, mfa, kind, keys, certificates,
    )  # fmt: skip


def test_a_virtual_device_of_an_iam_user_is_not_the_root_users(sandbox_factory) -> None:
    sb = sandbox_factory(scenario({"password": True, "mfa": [{"type": "hardware"}]}))
    iam = sb.session().client("iam")
    iam.create_user(UserName="alice")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")  # fmt: skip
    assert read(sb).management_root.mfa_kind == "hardware"


def test_from_the_delegated_administrator_it_is_not_read(sandbox_factory) -> None:
    sb = sandbox_factory(scenario())
    sb.clear_recorded_calls()
    facts = read(sb, ADMIN)
    assert facts.management_root is None and Fact.MANAGEMENT_ROOT not in facts.unreadable
    assert "iam:GetAccountSummary" not in sb.recorded_actions("scanner")


def test_a_denied_read_is_recorded_as_unreadable(sandbox_factory) -> None:
    sb = sandbox_factory(scenario())
    sb.inject(service="iam", action="GetAccountSummary", code="AccessDenied")
    facts = read(sb)
    assert facts.management_root is None
    assert facts.unreadable[Fact.MANAGEMENT_ROOT].kind is ErrorKind.ACCESS_DENIED
