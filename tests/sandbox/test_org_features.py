"""iam:ListOrganizationsFeatures and the Enable/Disable calls: prerequisites, callers, errors (FACTS.md)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import ADMIN, CLEAN, MEMBER, MGMT, error_code, scenario

BOTH = ["RootCredentialsManagement", "RootSessions"]


def test_management_and_delegated_admin_read_the_features(unit_sandbox) -> None:
    for account in (MGMT, ADMIN):
        out = unit_sandbox.session(account).client("iam").list_organizations_features()
        assert out["OrganizationId"] == "o-unittest001"
        assert out["EnabledFeatures"] == BOTH


def test_other_member_gets_not_management_or_delegated_admin(unit_sandbox) -> None:
    creds = (
        unit_sandbox.session()
        .client("sts")
        .assume_role(
            RoleArn=f"arn:aws:iam::{CLEAN}:role/OrganizationAccountAccessRole", RoleSessionName="audit"
        )["Credentials"]
    )
    iam = unit_sandbox.session_from(creds).client("iam")
    with pytest.raises(ClientError) as exc:
        iam.list_organizations_features()
    assert error_code(exc) == "AccountNotManagementOrDelegatedAdministratorException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_no_organization(sandbox_factory) -> None:
    sb = sandbox_factory(
        scenario(accounts=[], org={"exists": False, "delegated_administrators": {}, "scps": []})
    )
    with pytest.raises(ClientError) as exc:
        sb.session().client("iam").list_organizations_features()
    assert error_code(exc) == "OrganizationNotFoundException"


def test_consolidated_billing_only(sandbox_factory) -> None:
    sb = sandbox_factory(scenario(org={"feature_set": "CONSOLIDATED_BILLING", "scps": []}))
    for call in ("list_organizations_features", "enable_organizations_root_sessions"):
        with pytest.raises(ClientError) as exc:
            getattr(sb.session().client("iam"), call)()
        assert error_code(exc) == "OrganizationNotInAllFeaturesModeException"


def test_trusted_access_off(sandbox_factory) -> None:
    sb = sandbox_factory(scenario(org={"trusted_access": [], "delegated_administrators": {}}))
    iam = sb.session().client("iam")
    with pytest.raises(ClientError) as exc:
        iam.list_organizations_features()
    assert error_code(exc) == "ServiceAccessNotEnabledException"
    # turning trusted access on through Organizations (iam.amazonaws.com is accepted) fixes it
    sb.session().client("organizations").enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    assert iam.list_organizations_features()["EnabledFeatures"] == BOTH


def test_enable_and_disable_from_management(sandbox_factory) -> None:
    sb = sandbox_factory(scenario(org={"root_access_features": []}))
    iam = sb.session().client("iam")
    assert iam.list_organizations_features()["EnabledFeatures"] == []
    out = iam.enable_organizations_root_credentials_management()
    assert out == {**out, "OrganizationId": "o-unittest001", "EnabledFeatures": ["RootCredentialsManagement"]}
    assert iam.enable_organizations_root_sessions()["EnabledFeatures"] == BOTH
    assert iam.disable_organizations_root_credentials_management()["EnabledFeatures"] == ["RootSessions"]
    # organization state: the delegated administrator sees the same
    assert sb.session(ADMIN).client("iam").list_organizations_features()["EnabledFeatures"] == [
        "RootSessions"
    ]
    assert iam.disable_organizations_root_sessions()["EnabledFeatures"] == []


@pytest.mark.parametrize(
    "call",
    [
        "enable_organizations_root_credentials_management",
        "enable_organizations_root_sessions",
        "disable_organizations_root_credentials_management",
        "disable_organizations_root_sessions",
    ],
)
def test_enable_disable_from_delegated_admin_is_refused(unit_sandbox, call: str) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(unit_sandbox.session(ADMIN).client("iam"), call)()
    assert error_code(exc) == "CallerIsNotManagementAccountException"
    assert unit_sandbox.session().client("iam").list_organizations_features()["EnabledFeatures"] == BOTH


def test_created_accounts_have_no_root_credentials_once_management_is_on(sandbox_factory) -> None:
    sb = sandbox_factory(scenario(org={"root_access_features": []}))
    org = sb.session().client("organizations")
    before = org.create_account(AccountName="before", Email="before@example.com")["CreateAccountStatus"][
        "AccountId"
    ]
    sb.session().client("iam").enable_organizations_root_credentials_management()
    sb.session().client("iam").enable_organizations_root_sessions()
    after = org.create_account(AccountName="after", Email="after@example.com")["CreateAccountStatus"][
        "AccountId"
    ]
    assert sb.root_user(before).password is True  # AWS sets an unknown password at creation
    assert sb.root_user(after).has_credentials is False
    assert sb.root_user(MEMBER).has_credentials is True  # invited accounts keep theirs


@pytest.mark.parametrize(("partition", "region"), [("aws-us-gov", "us-gov-west-1"), ("aws-cn", "cn-north-1")])
def test_features_calls_work_in_every_partition(sandbox_factory, partition: str, region: str) -> None:
    """IAM's GovCloud and China endpoints name no Region (iam.us-gov.amazonaws.com); the features calls must
    still find the partition's organization."""
    sc = scenario(org={"scps": [], "ous": []}, partition=partition, region=region)
    sc["accounts"] = [{k: v for k, v in a.items() if k != "ou"} for a in sc["accounts"]]
    sb = sandbox_factory(sc)
    iam = sb.session().client("iam")
    assert iam.list_organizations_features()["EnabledFeatures"] == BOTH
    assert iam.disable_organizations_root_sessions()["EnabledFeatures"] == ["RootCredentialsManagement"]
    assert sb.session(ADMIN).client("iam").list_organizations_features()["EnabledFeatures"] == [
        "RootCredentialsManagement"
    ]
