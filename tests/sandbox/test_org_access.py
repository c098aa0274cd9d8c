"""Organizations: iam.amazonaws.com as a service principal, delegated administrator reads, account data."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import ADMIN, BLOCKED, CLEAN, MEMBER, MGMT, SUSPENDED, error_code

READS = [
    ("describe_organization", {}),
    ("list_accounts", {}),
    ("list_roots", {}),
    ("list_policies", {"Filter": "SERVICE_CONTROL_POLICY"}),
    ("list_delegated_administrators", {"ServicePrincipal": "iam.amazonaws.com"}),
    ("list_aws_service_access_for_organization", {}),
]


def member_session(sb, account: str):
    creds = (
        sb.session()
        .client("sts")
        .assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="audit"
        )["Credentials"]
    )
    return sb.session_from(creds)


def test_delegated_admin_reads_the_whole_organization(unit_sandbox) -> None:
    mgmt = unit_sandbox.session().client("organizations")
    admin = unit_sandbox.session(ADMIN).client("organizations")
    for call, kwargs in READS:
        assert getattr(admin, call)(**kwargs) | {"ResponseMetadata": None} == getattr(mgmt, call)(
            **kwargs
        ) | {"ResponseMetadata": None}, call
    root = admin.list_roots()["Roots"][0]["Id"]
    ous = admin.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    assert sorted(o["Name"] for o in ous) == ["Sandbox", "Security", "Workloads"]
    sandbox = next(o["Id"] for o in ous if o["Name"] == "Sandbox")
    assert [a["Id"] for a in admin.list_accounts_for_parent(ParentId=sandbox)["Accounts"]] == [BLOCKED]
    policy = next(
        p for p in admin.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"] if p["Name"] == "DenyRoot"
    )
    assert admin.list_targets_for_policy(PolicyId=policy["Id"])["Targets"][0]["TargetId"] == sandbox
    assert '"aws:PrincipalArn"' in admin.describe_policy(PolicyId=policy["Id"])["Policy"]["Content"]
    assert [
        p["Name"]
        for p in admin.list_policies_for_target(TargetId=sandbox, Filter="SERVICE_CONTROL_POLICY")["Policies"]
    ] == ["FullAWSAccess", "DenyRoot"]


@pytest.mark.parametrize(("call", "kwargs"), READS[1:])
def test_other_members_are_denied_except_describe_organization(unit_sandbox, call: str, kwargs: dict) -> None:
    org = member_session(unit_sandbox, CLEAN).client("organizations")
    assert org.describe_organization()["Organization"]["MasterAccountId"] == MGMT
    with pytest.raises(ClientError) as exc:
        getattr(org, call)(**kwargs)
    assert error_code(exc) == "AccessDeniedException"


def test_iam_service_principal_is_accepted(sandbox_factory) -> None:
    from sandbox_helpers import scenario

    sb = sandbox_factory(scenario(org={"trusted_access": [], "delegated_administrators": {}}))
    org = sb.session().client("organizations")
    org.enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
    org.register_delegated_administrator(AccountId=ADMIN, ServicePrincipal="iam.amazonaws.com")
    admins = org.list_delegated_administrators(ServicePrincipal="iam.amazonaws.com")[
        "DelegatedAdministrators"
    ]
    assert [a["Id"] for a in admins] == [ADMIN]
    enabled = org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert [s["ServicePrincipal"] for s in enabled] == ["iam.amazonaws.com"]


def test_accounts_carry_status_joined_method_and_timestamp(unit_sandbox) -> None:
    accounts = {
        a["Id"]: a for a in unit_sandbox.session().client("organizations").list_accounts()["Accounts"]
    }
    assert accounts[SUSPENDED]["Status"] == "SUSPENDED"
    assert accounts[MEMBER]["JoinedMethod"] == "INVITED"
    assert accounts[CLEAN]["JoinedMethod"] == "CREATED"
    assert (
        accounts[MGMT]["JoinedTimestamp"]
        < accounts[ADMIN]["JoinedTimestamp"]
        < accounts[MEMBER]["JoinedTimestamp"]
    )


def test_list_accounts_paginates_every_account_once(sandbox_factory) -> None:
    from rootguard.sandbox import generate_scenario

    sb = sandbox_factory(generate_scenario("accounts=95 seed=2"))
    pages = list(
        sb.session()
        .client("organizations")
        .get_paginator("list_accounts")
        .paginate(PaginationConfig={"PageSize": 20})
    )
    ids = [a["Id"] for p in pages for a in p["Accounts"]]
    assert len(pages) == 5 and len(ids) == len(set(ids)) == 96
