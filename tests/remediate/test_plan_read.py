"""How a plan reads one account, against botocore's Stubber (exact requests, AWS-shaped answers)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from rootguard.remediate import CredentialKind, RemediationError
from rootguard.remediate.errors import Refusal
from rootguard.remediate.plan import _read, mfa_items

ACCOUNT = "333333333333"


def _iam() -> tuple[object, Stubber]:
    client = boto3.session.Session().client(
        "iam", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return client, Stubber(client)


def _summary(**flags: int) -> dict[str, object]:
    keys = ("AccountPasswordPresent", "AccountAccessKeysPresent", "AccountMFAEnabled")
    full = {k: flags.get(k, 0) for k in (*keys, "AccountSigningCertificatesPresent")}
    return {"SummaryMap": {**full, "Users": 3}}


def test_reads_only_what_the_summary_flags_and_never_names_a_user() -> None:
    iam, stub = _iam()
    stub.add_response("get_account_summary", _summary(AccountPasswordPresent=1, AccountMFAEnabled=1), {})
    stub.add_response(
        "get_login_profile", {"LoginProfile": {"UserName": "root", "CreateDate": datetime.now(UTC)}}, {}
    )
    stub.add_response(
        "list_mfa_devices",
        {
            "MFADevices": [
                {"UserName": "root", "SerialNumber": "GAHT00001234", "EnableDate": datetime.now(UTC)}
            ]
        },
        {},  # expected params: none, so no UserName
    )
    with stub:
        found = _read(iam, ACCOUNT)
    stub.assert_no_pending_responses()
    assert [(c.kind, c.masked_id, c.mfa_type) for c in found] == [
        (CredentialKind.LOGIN_PROFILE, "", ""),
        (CredentialKind.MFA_DEVICE, "…1234", "hardware"),
    ]


def test_a_flag_without_listed_credentials_refuses_the_account() -> None:
    iam, stub = _iam()
    stub.add_response("get_account_summary", _summary(AccountMFAEnabled=1), {})
    stub.add_response("list_mfa_devices", {"MFADevices": []}, {})
    with stub, pytest.raises(RemediationError) as err:
        _read(iam, ACCOUNT)
    assert err.value.reason is Refusal.INCOMPLETE_READ
    assert ACCOUNT in str(err.value) and "mfa_device" in str(err.value)


def test_a_lagging_password_flag_is_not_a_credential() -> None:
    iam, stub = _iam()
    stub.add_response("get_account_summary", _summary(AccountPasswordPresent=1), {})
    stub.add_client_error(
        "get_login_profile", "NoSuchEntity", "Login Profile for User root cannot be found.", 404
    )
    with stub:
        assert _read(iam, ACCOUNT) == ()


def test_scp_denial_inside_the_session_is_named() -> None:
    iam, stub = _iam()
    stub.add_client_error(
        "get_account_summary",
        "AccessDenied",
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: iam:GetAccountSummary with an "
        "explicit deny in a service control policy",
        403,
    )
    with stub, pytest.raises(RemediationError) as err:
        _read(iam, ACCOUNT)
    assert err.value.reason is Refusal.SCP_DENIED
    assert str(err.value).startswith(
        f"account {ACCOUNT}: iam:GetAccountSummary denied by a service control policy"
    )


@pytest.mark.parametrize(
    ("serial", "shown"),
    [
        ("arn:aws:iam::333333333333:mfa/root-account-mfa-device", "mfa/root-account-mfa-device"),
        ("arn:aws-us-gov:iam::333333333333:mfa/backup-phone", "mfa/backup-phone"),
        ("arn:aws:iam::333333333333:u2f/root/ABCDEFGHIJKLMNOPQRST", "…QRST"),
        ("GAHT00001234", "…1234"),
    ],
)
def test_mfa_devices_are_shown_so_a_person_can_tell_them_apart(serial: str, shown: str) -> None:
    item = mfa_items([{"SerialNumber": serial, "EnableDate": datetime.now(UTC)}])[0]
    assert item.masked_id == shown
    assert item.label.endswith(f"MFA device {shown}")
    assert item.fingerprint and serial not in item.model_dump_json()
