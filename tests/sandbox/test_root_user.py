"""The root user: summary flags for any principal; detail and the credential tasks in root sessions."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import (
    CLEAN,
    CREATE_PASSWORD,
    DELETE_CREDENTIALS,
    MEMBER,
    MGMT,
    error_code,
    root_session,
)

FLAGS = (
    "AccountPasswordPresent",
    "AccountAccessKeysPresent",
    "AccountMFAEnabled",
    "AccountSigningCertificatesPresent",
)


def flags(summary: dict) -> dict:
    return {k: summary[k] for k in FLAGS}


def test_summary_flags_in_a_root_session_keep_motos_other_keys(unit_sandbox) -> None:
    summary = root_session(unit_sandbox, MEMBER).client("iam").get_account_summary()["SummaryMap"]
    assert flags(summary) == dict.fromkeys(FLAGS, 1)
    assert summary["UsersQuota"] == 5000 and "Roles" in summary
    clean = root_session(unit_sandbox, CLEAN).client("iam").get_account_summary()["SummaryMap"]
    assert flags(clean) == dict.fromkeys(FLAGS, 0)


def test_summary_flags_from_any_principal_in_the_account(unit_sandbox) -> None:
    creds = (
        unit_sandbox.session()
        .client("sts")
        .assume_role(
            RoleArn=f"arn:aws:iam::{MEMBER}:role/OrganizationAccountAccessRole", RoleSessionName="audit"
        )["Credentials"]
    )
    summary = unit_sandbox.session_from(creds).client("iam").get_account_summary()["SummaryMap"]
    assert flags(summary) == dict.fromkeys(FLAGS, 1)
    mgmt = unit_sandbox.session().client("iam").get_account_summary()["SummaryMap"]
    assert flags(mgmt) == {**dict.fromkeys(FLAGS, 0), "AccountPasswordPresent": 1, "AccountMFAEnabled": 1}


def test_audit_detail_calls_answer_for_the_root_user(unit_sandbox) -> None:
    iam = root_session(unit_sandbox, MEMBER).client("iam")
    user = iam.get_user()["User"]
    assert user["Arn"] == f"arn:aws:iam::{MEMBER}:root" and user["UserId"] == MEMBER
    assert iam.get_login_profile()["LoginProfile"]["CreateDate"]
    keys = iam.list_access_keys()["AccessKeyMetadata"]
    assert sorted(k["Status"] for k in keys) == ["Active", "Inactive"]
    assert all(k["AccessKeyId"].startswith("AKIA") for k in keys)
    devices = iam.list_mfa_devices()["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [f"arn:aws:iam::{MEMBER}:mfa/root-account-mfa-device"]
    certs = iam.list_signing_certificates()["Certificates"]
    assert [c["Status"] for c in certs] == ["Active"]


def test_hardware_and_fido_devices_have_distinct_serials(unit_sandbox) -> None:
    unit_sandbox.root_user(CLEAN).add_mfa_device("hardware")
    unit_sandbox.root_user(CLEAN).add_mfa_device("fido")
    serials = [
        d["SerialNumber"]
        for d in root_session(unit_sandbox, CLEAN).client("iam").list_mfa_devices()["MFADevices"]
    ]
    assert serials[0].startswith("GAHT") and ":u2f/root/" in serials[1]


def test_no_password_is_no_such_entity(unit_sandbox) -> None:
    with pytest.raises(ClientError) as exc:
        root_session(unit_sandbox, CLEAN).client("iam").get_login_profile()
    assert error_code(exc) == "NoSuchEntity"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_delete_credentials_task_removes_everything(unit_sandbox) -> None:
    iam = root_session(unit_sandbox, MEMBER, DELETE_CREDENTIALS).client("iam")
    iam.delete_login_profile()
    for key in iam.list_access_keys()["AccessKeyMetadata"]:
        iam.delete_access_key(AccessKeyId=key["AccessKeyId"])
    for cert in iam.list_signing_certificates()["Certificates"]:
        iam.delete_signing_certificate(CertificateId=cert["CertificateId"])
    for device in iam.list_mfa_devices()["MFADevices"]:
        with pytest.raises(ClientError) as exc:
            iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])
        assert error_code(exc) == "DeleteConflict"  # still assigned
        iam.deactivate_mfa_device(SerialNumber=device["SerialNumber"])
        iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])
    with pytest.raises(ClientError) as exc:
        iam.get_account_summary()  # not part of the delete task
    assert error_code(exc) == "AccessDenied"
    summary = root_session(unit_sandbox, MEMBER).client("iam").get_account_summary()["SummaryMap"]
    assert flags(summary) == dict.fromkeys(FLAGS, 0)
    with pytest.raises(ClientError) as exc:
        iam.delete_login_profile()
    assert error_code(exc) == "NoSuchEntity"


def test_deleted_root_access_key_no_longer_authenticates(unit_sandbox) -> None:
    key = unit_sandbox.root_user(MEMBER).access_keys[0]
    sts = unit_sandbox.session(MEMBER, principal="root").client("sts")
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{MEMBER}:root"
    root_session(unit_sandbox, MEMBER, DELETE_CREDENTIALS).client("iam").delete_access_key(
        AccessKeyId=key.access_key_id
    )
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert error_code(exc) == "InvalidClientTokenId"


def test_create_password_task(unit_sandbox) -> None:
    iam = root_session(unit_sandbox, CLEAN, CREATE_PASSWORD).client("iam")
    assert iam.create_login_profile()["LoginProfile"]["PasswordResetRequired"] is False
    assert iam.get_login_profile()["LoginProfile"]
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile()
    assert error_code(exc) == "EntityAlreadyExists"
    assert unit_sandbox.root_user(CLEAN).password is True


def test_iam_users_are_unaffected(unit_sandbox) -> None:
    iam = unit_sandbox.session().client("iam")
    assert iam.get_user()["User"]["UserName"] == "rootguard-scanner"
    assert iam.list_access_keys()["AccessKeyMetadata"][0]["UserName"] == "rootguard-scanner"
    assert unit_sandbox.root_user(MGMT).mfa_devices[0].kind == "hardware"


def test_default_root_credentials_follow_how_the_account_joined(sandbox_factory) -> None:
    from sandbox_helpers import scenario

    off = sandbox_factory(
        scenario(
            org={"root_access_features": ["RootSessions"]},
            root_sessions={"credential_tasks_require_root_credentials_management": False},
        )
    )
    summary = root_session(off, CLEAN).client("iam").get_account_summary()["SummaryMap"]
    assert (
        summary["AccountPasswordPresent"] == 1
    )  # created before root credentials management: AWS's password
    off.stop()
    on = sandbox_factory(scenario())
    summary = root_session(on, CLEAN).client("iam").get_account_summary()["SummaryMap"]
    assert summary["AccountPasswordPresent"] == 0


def test_sessions_exist_only_for_seeded_principals(unit_sandbox) -> None:
    with pytest.raises(ValueError, match="no scanner in 444444444444"):
        unit_sandbox.session(CLEAN)
    with pytest.raises(ValueError, match="has no Active access key"):
        unit_sandbox.session(CLEAN, principal="root")
