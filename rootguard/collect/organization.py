"""Organization-level facts: caller, organization, trusted access, delegated admins, features, accounts.

Each reader takes a client and returns facts or a recorded error; none raises for an AWS error answer a
person should see in a finding (access denied, not in an organization, ...).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import aws_error, describe, error_code, paginate
from rootguard.models import (
    IAM_SERVICE_PRINCIPAL,
    Account,
    AwsError,
    DelegatedAdmin,
    FeaturesState,
    Organization,
)

log = logging.getLogger("rootguard.collect")

# iam:ListOrganizationsFeatures. The botocore model gives these shapes no wire code (so botocore expects
# the shape name) while the AWS API reference prints them without the "Exception" suffix: accept both.
_FEATURES_ERRORS: dict[str, FeaturesState] = {
    "OrganizationNotFound": FeaturesState.ORGANIZATION_NOT_FOUND,
    "OrganizationNotInAllFeaturesMode": FeaturesState.NOT_ALL_FEATURES,
    "ServiceAccessNotEnabled": FeaturesState.SERVICE_ACCESS_NOT_ENABLED,
    "AccountNotManagementOrDelegatedAdministrator": FeaturesState.NOT_MANAGEMENT_OR_DELEGATED_ADMIN,
    "AccessDenied": FeaturesState.ACCESS_DENIED,
}


def features_state_for(code: str) -> FeaturesState:
    """The FeaturesState an error code of iam:ListOrganizationsFeatures stands for (ERROR if unknown)."""
    return _FEATURES_ERRORS.get(code.removesuffix("Exception"), FeaturesState.ERROR)


def read_organization(org: BaseClient) -> tuple[Organization | None, AwsError | None]:
    """The organization, or None and why (not in an organization, access denied, ...)."""
    try:
        data = org.describe_organization()["Organization"]
    except (ClientError, BotoCoreError) as exc:
        return None, aws_error(exc)
    return (
        Organization(
            id=str(data["Id"]),
            arn=str(data.get("Arn", "")),
            feature_set=str(data.get("FeatureSet", "")),
            management_account_id=str(data.get("MasterAccountId", "")),
        ),
        None,
    )


def read_trusted_access_iam(org: BaseClient) -> bool | None:
    """Is trusted access for iam.amazonaws.com on? None when it cannot be read."""
    try:
        principals = {
            str(item.get("ServicePrincipal"))
            for item in paginate(org, "list_aws_service_access_for_organization", "EnabledServicePrincipals")
        }
    except ClientError as exc:
        log.info("trusted access not readable: %s", describe(exc))
        return None
    return IAM_SERVICE_PRINCIPAL in principals


def read_delegated_admins(org: BaseClient) -> tuple[DelegatedAdmin, ...] | None:
    """IAM delegated administrators; None when they cannot be read."""
    try:
        admins = [
            DelegatedAdmin(account_id=str(item["Id"]), name=str(item.get("Name", "")))
            for item in paginate(
                org,
                "list_delegated_administrators",
                "DelegatedAdministrators",
                ServicePrincipal=IAM_SERVICE_PRINCIPAL,
            )
        ]
    except ClientError as exc:
        log.info("delegated administrators not readable: %s", describe(exc))
        return None
    return tuple(sorted(admins, key=lambda a: a.account_id))


def read_features(iam: BaseClient) -> tuple[FeaturesState, frozenset[str], AwsError | None]:
    """iam:ListOrganizationsFeatures -> (state, enabled features, the error when it failed)."""
    try:
        data = iam.list_organizations_features()
    except ClientError as exc:
        return features_state_for(error_code(exc)), frozenset(), aws_error(exc)
    except BotoCoreError as exc:
        return FeaturesState.ERROR, frozenset(), aws_error(exc)
    return FeaturesState.OK, frozenset(str(f) for f in data.get("EnabledFeatures", [])), None


@dataclass
class Root:
    id: str
    scp_enabled: bool


@dataclass
class OrgTree:
    """What the top-down walk found: roots, and each account with its path of parent ids."""

    roots: list[Root] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)
    error: str = ""


def _account(item: Mapping[str, Any], path: tuple[str, ...] = ()) -> Account:
    # `State` replaces `Status` (deprecated in 2026) and adds PENDING_ACTIVATION and CLOSED.
    status = str(item.get("State") or item.get("Status") or "ACTIVE")
    return Account(
        id=str(item["Id"]),
        name=str(item.get("Name", "")),
        email=str(item.get("Email", "")),
        arn=str(item.get("Arn", "")),
        status=status,
        joined_method=str(item.get("JoinedMethod", "CREATED")),
        joined_timestamp=item.get("JoinedTimestamp"),
        parent_path=path,
    )


def read_roots(org: BaseClient) -> list[Root]:
    """The organization's roots and whether SCPs are enabled on each (ListRoots); boto3 errors propagate."""
    roots: list[Root] = []
    for item in paginate(org, "list_roots", "Roots"):
        types = item.get("PolicyTypes", [])
        scp = any(t.get("Type") == "SERVICE_CONTROL_POLICY" and t.get("Status") == "ENABLED" for t in types)
        roots.append(Root(id=str(item["Id"]), scp_enabled=scp))
    return roots


def walk_tree(org: BaseClient) -> OrgTree:
    """Roots, then each parent's OUs and accounts, breadth first: a few calls per OU, none per account."""
    tree = OrgTree()
    try:
        tree.roots.extend(read_roots(org))
        queue: deque[tuple[str, tuple[str, ...]]] = deque((r.id, (r.id,)) for r in tree.roots)
        while queue:
            parent, path = queue.popleft()
            for item in paginate(org, "list_accounts_for_parent", "Accounts", ParentId=parent):
                acct = _account(item, path)
                tree.accounts[acct.id] = acct
            children = paginate(
                org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent
            )
            for ou in children:
                ou_id = str(ou["Id"])
                queue.append((ou_id, (*path, ou_id)))
    except ClientError as exc:
        tree.error = describe(exc)
        log.warning("organization tree not fully readable: %s", tree.error)
    return tree


def read_accounts(org: BaseClient, tree: OrgTree) -> tuple[tuple[Account, ...], AwsError | None]:
    """Every account (ListAccounts, paginated), with the path the walk found for it; sorted by id.

    Accounts are merged by id, so a page boundary that repeats an account cannot duplicate it, and an account
    the walk saw but ListAccounts did not (created between the two reads) is kept.
    """
    merged: dict[str, Account] = dict(tree.accounts)
    error: AwsError | None = None
    try:
        for item in paginate(org, "list_accounts", "Accounts"):
            walked = tree.accounts.get(str(item["Id"]))
            acct = _account(item, walked.parent_path if walked else ())
            merged[acct.id] = acct
    except ClientError as exc:
        error = aws_error(exc)
        log.warning("accounts not fully listed: %s", error)
    return tuple(merged[k] for k in sorted(merged)), error
