"""sts:AssumeRoot: endpoint, callers, targets, durations, task policies, feature gating, SCPs, expiry."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from sandbox_helpers import (
    ADMIN,
    AUDIT,
    BLOCKED,
    CLEAN,
    CREATE_PASSWORD,
    DELETE_CREDENTIALS,
    EXEMPT,
    MEMBER,
    MGMT,
    S3_UNLOCK,
    SUSPENDED,
    error_code,
    root_session,
    scenario,
)


def assume(sb, target: str = MEMBER, policy: str = AUDIT, caller: str = MGMT, **kwargs) -> dict:
    return (
        sb.session(caller)
        .client("sts")
        .assume_root(TargetPrincipal=target, TaskPolicyArn={"arn": policy}, **kwargs)
    )


def test_returns_short_lived_credentials_acting_as_the_target_root(unit_sandbox) -> None:
    before = datetime.now(UTC)
    out = assume(unit_sandbox, DurationSeconds=600)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"]
    assert 590 <= (creds["Expiration"] - before).total_seconds() <= 610
    ident = unit_sandbox.session_from(creds).client("sts").get_caller_identity()
    assert ident["Account"] == MEMBER
    assert ident["Arn"] == f"arn:aws:iam::{MEMBER}:root"


def test_default_duration_is_900_seconds_and_arn_target_is_accepted(unit_sandbox) -> None:
    before = datetime.now(UTC)
    creds = assume(unit_sandbox, target=f"arn:aws:iam::{MEMBER}:root")["Credentials"]
    assert 890 <= (creds["Expiration"] - before).total_seconds() <= 910


@pytest.mark.parametrize("duration", [901, 3600])
def test_duration_above_900_is_a_validation_error(unit_sandbox, duration: int) -> None:
    with pytest.raises(ClientError) as exc:
        assume(unit_sandbox, DurationSeconds=duration)
    assert error_code(exc) == "ValidationError"


def test_global_endpoint_fails(unit_sandbox) -> None:
    key, secret = unit_sandbox.credentials()
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        endpoint_url="https://sts.amazonaws.com",
    )
    assert sts.get_caller_identity()["Account"] == MGMT  # other calls work there
    with pytest.raises(ClientError) as exc:
        sts.assume_root(TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT})
    assert error_code(exc) == "InvalidAction"
    regional = boto3.client(
        "sts",
        region_name="eu-west-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )
    assert regional.assume_root(TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT})["Credentials"]


def test_delegated_admin_may_call_it(unit_sandbox) -> None:
    assert assume(unit_sandbox, caller=ADMIN)["Credentials"]["AccessKeyId"]


def test_other_member_account_may_not(unit_sandbox) -> None:
    creds = (
        unit_sandbox.session()
        .client("sts")
        .assume_role(
            RoleArn=f"arn:aws:iam::{CLEAN}:role/OrganizationAccountAccessRole", RoleSessionName="audit"
        )["Credentials"]
    )
    with pytest.raises(ClientError) as exc:
        unit_sandbox.session_from(creds).client("sts").assume_root(
            TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT}
        )
    assert error_code(exc) == "AccessDenied"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_root_credentials_may_not(unit_sandbox) -> None:
    unit_sandbox.root_user(MGMT).add_access_key("Active")
    sts = unit_sandbox.session(MGMT, principal="root").client("sts")
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{MGMT}:root"
    with pytest.raises(ClientError) as exc:
        sts.assume_root(TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT})
    assert error_code(exc) == "AccessDenied"


@pytest.mark.parametrize("target", [MGMT, "999999999999", SUSPENDED])
def test_target_must_be_an_active_member(unit_sandbox, target: str) -> None:
    with pytest.raises(ClientError) as exc:
        assume(unit_sandbox, target=target)
    assert error_code(exc) == "AccessDenied"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws-us-gov:iam::aws:policy/root-task/IAMAuditRootUserCredentials",  # wrong partition
        "arn:aws:iam::aws:policy/root-task/IAMFullAccess",
        "arn:aws:iam::aws:policy/IAMAuditRootUserCredentials",
    ],
)
def test_task_policy_must_be_a_root_task_policy_of_the_partition(unit_sandbox, arn: str) -> None:
    with pytest.raises(ClientError) as exc:
        assume(unit_sandbox, policy=arn)
    assert error_code(exc) == "ValidationError"


def test_gov_cloud_partition_uses_its_own_arns(sandbox_factory) -> None:
    sb = sandbox_factory(scenario(partition="aws-us-gov"))
    creds = (
        sb.session()
        .client("sts")
        .assume_root(
            TargetPrincipal=MEMBER,
            TaskPolicyArn={"arn": "arn:aws-us-gov:iam::aws:policy/root-task/IAMAuditRootUserCredentials"},
        )["Credentials"]
    )
    ident = sb.session_from(creds).client("sts").get_caller_identity()
    assert ident["Arn"] == f"arn:aws-us-gov:iam::{MEMBER}:root"


def test_root_sessions_feature_gates_every_task(sandbox_factory) -> None:
    sb = sandbox_factory(scenario(org={"root_access_features": ["RootCredentialsManagement"]}))
    for policy in (AUDIT, S3_UNLOCK):
        with pytest.raises(ClientError) as exc:
            assume(sb, policy=policy)
        assert error_code(exc) == "AccessDenied"


def test_credential_tasks_need_root_credentials_management(sandbox_factory) -> None:
    sb = sandbox_factory(scenario(org={"root_access_features": ["RootSessions"]}))
    for policy in (AUDIT, CREATE_PASSWORD, DELETE_CREDENTIALS):
        with pytest.raises(ClientError) as exc:
            assume(sb, policy=policy)
        assert error_code(exc) == "AccessDenied"
    assert assume(sb, policy=S3_UNLOCK)["Credentials"]


def test_gating_is_configurable(sandbox_factory) -> None:
    sb = sandbox_factory(
        scenario(
            org={"root_access_features": ["RootSessions"]},
            root_sessions={
                "require_root_sessions": True,
                "credential_tasks_require_root_credentials_management": False,
            },
        )
    )
    assert assume(sb, policy=AUDIT)["Credentials"]


def test_audit_session_allows_only_the_audit_actions(unit_sandbox) -> None:
    iam = root_session(unit_sandbox, MEMBER).client("iam")
    iam.get_account_summary()
    iam.list_access_keys()
    for call, kwargs in [
        ("list_users", {}),
        ("delete_login_profile", {}),
        ("create_login_profile", {}),
        ("list_access_keys", {"UserName": "someone"}),  # only the root user is a resource of the task
    ]:
        with pytest.raises(ClientError) as exc:
            getattr(iam, call)(**kwargs)
        assert error_code(exc) == "AccessDenied", call
        assert "session policy" in exc.value.response["Error"]["Message"]


def test_scp_without_exemption_denies_root_session_calls(unit_sandbox) -> None:
    session = root_session(
        unit_sandbox, BLOCKED
    )  # AssumeRoot itself runs in the management account: it works
    with pytest.raises(ClientError) as exc:
        session.client("iam").get_account_summary()
    assert error_code(exc) == "AccessDenied"
    assert "service control policy" in exc.value.response["Error"]["Message"]
    # GetCallerIdentity needs no permission
    assert session.client("sts").get_caller_identity()["Account"] == BLOCKED


def test_scp_with_assumed_root_exemption_lets_the_session_work(unit_sandbox) -> None:
    summary = root_session(unit_sandbox, EXEMPT).client("iam").get_account_summary()["SummaryMap"]
    assert summary["AccountPasswordPresent"] == 0


def test_scp_attached_to_the_account_itself_and_to_the_root(sandbox_factory) -> None:
    data = scenario()
    data["organization"]["scps"][0]["targets"] = [CLEAN]
    data["organization"]["scps"].append(
        {
            "name": "DenyRootSummary",
            "document": {
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Action": "iam:GetAccountSummary",
                        "Condition": {"Bool": {"aws:AssumedRoot": "true"}},
                    }
                ]
            },
            "targets": ["Root"],
        }
    )
    sb = sandbox_factory(data)
    with pytest.raises(ClientError):
        root_session(sb, CLEAN).client("iam").get_account_summary()
    with pytest.raises(ClientError):
        root_session(sb, MEMBER).client("iam").get_account_summary()  # inherited from the root
    root_session(sb, MEMBER).client("iam").list_access_keys()  # a different action is not denied


def test_expired_session_fails(unit_sandbox) -> None:
    session = root_session(unit_sandbox, MEMBER, DurationSeconds=0)
    time.sleep(0.01)
    with pytest.raises(ClientError) as exc:
        session.client("iam").get_account_summary()
    assert error_code(exc) == "ExpiredToken"
