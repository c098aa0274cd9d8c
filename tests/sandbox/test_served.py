"""Served mode (rootguard's keep-alive HTTP server), reached by boto3 through AWS_ENDPOINT_URL."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import AUDIT, BLOCKED, MEMBER, MGMT, scenario

from rootguard.sandbox import Sandbox


@pytest.fixture
def served() -> Iterator[Sandbox]:
    with Sandbox(scenario()).serve() as sb:
        yield sb


def test_boto3_through_aws_endpoint_url(served: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in served.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert served.endpoint_url and served.endpoint_url.startswith("http://127.0.0.1:")
    session = boto3.Session()  # everything from the environment, as the AWS CLI and Prowler do
    assert session.client("sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{MGMT}:user/rootguard-scanner"
    assert session.client("iam").list_organizations_features()["EnabledFeatures"] == [
        "RootCredentialsManagement",
        "RootSessions",
    ]
    accounts = session.client("organizations").list_accounts()["Accounts"]
    assert len(accounts) == 7
    creds = session.client("sts").assume_root(TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT})[
        "Credentials"
    ]
    root = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    summary = root.client("iam").get_account_summary()["SummaryMap"]
    assert summary["AccountAccessKeysPresent"] == 1
    with pytest.raises(ClientError) as exc:
        root.client("iam").list_users()
    assert exc.value.response["Error"]["Code"] == "AccessDenied"


def test_sessions_from_the_sandbox_point_at_the_server(served: Sandbox) -> None:
    sts = served.session().client("sts")
    assert sts.meta.endpoint_url == served.endpoint_url
    creds = sts.assume_root(TargetPrincipal=BLOCKED, TaskPolicyArn={"arn": AUDIT})["Credentials"]
    with pytest.raises(ClientError) as exc:
        served.session_from(creds).client("iam").get_account_summary()
    assert "service control policy" in exc.value.response["Error"]["Message"]
