"""The request pipeline at the wire: credentials, injected errors, latency, throttling codes, O(1) lookups."""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from sandbox_helpers import AUDIT, CLEAN, MEMBER, MGMT, error_code, root_session, scenario

NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


def test_unknown_access_key_is_rejected(unit_sandbox) -> None:
    sts = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x"
    )
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert error_code(exc) == "InvalidClientTokenId"


def test_inactive_root_key_does_not_authenticate(unit_sandbox) -> None:
    inactive = next(k for k in unit_sandbox.root_user(MEMBER).access_keys if k.status == "Inactive")
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=inactive.access_key_id,
        aws_secret_access_key=inactive.secret,
    )
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert error_code(exc) == "InvalidClientTokenId"


def test_targeted_assume_root_denial(unit_sandbox) -> None:
    unit_sandbox.inject(service="sts", action="AssumeRoot", target=MEMBER, code="AccessDenied", status=403)
    sts = unit_sandbox.session().client("sts")
    with pytest.raises(ClientError) as exc:
        sts.assume_root(TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT})
    assert error_code(exc) == "AccessDenied"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert sts.assume_root(TargetPrincipal=CLEAN, TaskPolicyArn={"arn": AUDIT})["Credentials"]


def test_injected_5xx_is_retried_by_botocore_then_succeeds(unit_sandbox) -> None:
    unit_sandbox.inject(service="iam", action="GetAccountSummary", code="ServiceFailure", status=500, count=1)
    iam = unit_sandbox.session().client("iam", config=Config(retries={"max_attempts": 3, "mode": "standard"}))
    out = iam.get_account_summary()
    assert out["ResponseMetadata"]["RetryAttempts"] == 1


def test_sts_throttling_code_through_boto3(unit_sandbox) -> None:
    unit_sandbox.set_quota(service="sts", action="AssumeRoot", rate=0.001, burst=2)
    sts = unit_sandbox.session().client("sts", config=NO_RETRY)
    for _ in range(2):
        sts.assume_root(TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT})
    with pytest.raises(ClientError) as exc:
        sts.assume_root(TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT})
    assert error_code(exc) == "Throttling"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_organizations_throttling_code_through_boto3(unit_sandbox) -> None:
    unit_sandbox.set_quota(service="organizations", rate=0.001, burst=1)
    org = unit_sandbox.session().client("organizations", config=NO_RETRY)
    org.list_roots()
    with pytest.raises(ClientError) as exc:
        org.list_roots()
    assert error_code(exc) == "TooManyRequestsException"


def test_securityhub_throttling_code_through_boto3(sandbox_factory) -> None:
    # the default rates (3/s burst 6 here) are checked with a fake clock in test_faults_engine.py
    sb = sandbox_factory(scenario(securityhub={"enabled": {MGMT: ["us-east-1"]}}))
    sb.set_quota(service="securityhub", action="GetFindings", rate=0.001, burst=6)
    hub = sb.session().client("securityhub", config=NO_RETRY)
    codes = []
    for _ in range(8):
        try:
            hub.get_findings(MaxResults=1)
            codes.append("ok")
        except ClientError as exc:
            codes.append(
                f"{exc.response['Error']['Code']}/{exc.response['ResponseMetadata']['HTTPStatusCode']}"
            )
    assert codes[:6] == ["ok"] * 6  # burst 6
    assert "TooManyRequestsException/429" in codes[6:]


def test_scenario_faults_section(sandbox_factory) -> None:
    sb = sandbox_factory(
        scenario(
            faults={
                "latency": [{"service": "iam", "action": "GetAccountSummary", "fixed_ms": 60}],
                "errors": [
                    {
                        "service": "organizations",
                        "action": "ListRoots",
                        "code": "ServiceException",
                        "status": 500,
                        "rate": 1.0,
                    }
                ],
            }
        )
    )
    iam = sb.session().client("iam")
    start = time.perf_counter()
    iam.get_account_summary()
    assert time.perf_counter() - start >= 0.06
    with pytest.raises(ClientError) as exc:
        sb.session().client("organizations", config=NO_RETRY).list_roots()
    assert error_code(exc) == "ServiceException"


def test_account_resolution_does_not_scan_every_account(sandbox_factory, monkeypatch) -> None:
    from moto.iam import models as iam_models

    from rootguard.sandbox import generate_scenario

    sb = sandbox_factory(generate_scenario("accounts=300 password=0.5 seed=4"))

    def forbidden(access_key: str) -> str:
        raise AssertionError("moto's O(accounts) key scan was used")

    monkeypatch.setattr(iam_models, "get_account_id_from", forbidden)
    target = sb.scenario.accounts[-1].id
    session = root_session(sb, target)
    assert session.client("iam").get_account_summary()["SummaryMap"]["AccountPasswordPresent"] in (0, 1)
    creds = (
        sb.session()
        .client("sts")
        .assume_role(
            RoleArn=f"arn:aws:iam::{target}:role/OrganizationAccountAccessRole", RoleSessionName="audit"
        )["Credentials"]
    )
    assert sb.session_from(creds).client("sts").get_caller_identity()["Account"] == target
    assert sb.session().client("sts").get_caller_identity()["Account"] == MGMT
