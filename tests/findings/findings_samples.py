"""Shared sample data for the findings tests."""

from __future__ import annotations

from datetime import UTC, datetime

from rootguard.models import NotEvaluatedReason, ResourceKind, Result, ResultResource, Status

MGMT = "111122223333"
ORG = "o-abc123def4"
ORG_ARN = f"arn:aws:organizations::{MGMT}:organization/{ORG}"
RUN_AT = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def account_arn(account: str) -> str:
    return f"arn:aws:organizations::{MGMT}:account/{ORG}/{account}"


def sample_results() -> list[Result]:
    """The same Results tests/findings/make_prowler_samples.py feeds through Prowler."""
    org = ResultResource(kind=ResourceKind.ORGANIZATION, id=ORG, arn=ORG_ARN)
    return [
        Result(
            check_id="iam_org_root_sessions_enabled",
            status=Status.FAIL,
            resource=org,
            message="RootSessions is not enabled for the organization.",
            details={"enabled_features": ["RootCredentialsManagement"]},
        ),
        Result(
            check_id="organizations_iam_trusted_access_enabled",
            status=Status.PASS,
            resource=org,
            message="Trusted access for iam.amazonaws.com is enabled.",
        ),
        Result(
            check_id="iam_member_root_credentials_absent",
            status=Status.FAIL,
            resource=ResultResource(
                kind=ResourceKind.ACCOUNT, id="222233334444", arn=account_arn("222233334444"), name="dev"
            ),
            message="Root user of dev (222233334444) still has: password, 1 active access key (****WXYZ); it "
            "joined by invitation.",
            details={
                "kinds": ["password", "active access keys"],
                "access_keys": [{"id_suffix": "WXYZ", "status": "Active"}],
                "joined_method": "INVITED",
            },
        ),
        Result(
            check_id="iam_member_root_credentials_absent",
            status=Status.PASS,
            resource=ResultResource(
                kind=ResourceKind.ACCOUNT, id="333344445555", arn=account_arn("333344445555"), name="prod"
            ),
            message="Root user of prod (333344445555) has no credentials.",
            details={"kinds": []},
        ),
        Result(
            check_id="iam_member_root_credentials_absent",
            status=Status.NOT_EVALUATED,
            reason=NotEvaluatedReason.SCP_DENIED,
            resource=ResultResource(
                kind=ResourceKind.ACCOUNT, id="444455556666", arn=account_arn("444455556666"), name="sandbox"
            ),
            message="Root session denied by SCP p-deny1234 on ou-root-sandbox.",
            details={"blocking_policies": ["p-deny1234"]},
        ),
    ]
