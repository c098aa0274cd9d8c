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

from rootguard.aws import aws_error, error_code
from rootguard.collect.listing import ListingPolicy, list_all
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


def read_trusted_access_iam(
    org: BaseClient, policy: ListingPolicy | None = None
) -> tuple[bool | None, AwsError | None]:
    """Is trusted access for iam.amazonaws.com on? None and why when the list cannot be read to its end."""
    items, error = list_all(
        org, "list_aws_service_access_for_organization", "EnabledServicePrincipals", policy
    )
    principals = {str(item.get("ServicePrincipal")) for item in items}
    if IAM_SERVICE_PRINCIPAL in principals:
        return True, None  # seen: a partial list that names it is proof enough
    if error is not None:
        log.info("trusted access not readable: %s", error)
        return None, error
    return False, None


def read_delegated_admins(
    org: BaseClient, policy: ListingPolicy | None = None
) -> tuple[tuple[DelegatedAdmin, ...] | None, AwsError | None]:
    """IAM delegated administrators; None and why when they cannot be read to the end."""
    items, error = list_all(
        org,
        "list_delegated_administrators",
        "DelegatedAdministrators",
        policy,
        ServicePrincipal=IAM_SERVICE_PRINCIPAL,
    )
    if error is not None:
        log.info("delegated administrators not readable: %s", error)
        return None, error
    admins = [DelegatedAdmin(account_id=str(item["Id"]), name=str(item.get("Name", ""))) for item in items]
    return tuple(sorted(admins, key=lambda a: a.account_id)), None


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
    """What the top-down walk found: roots, and each account with its path of parent ids. `error` is set when
    some part of the tree could not be listed (the walk goes on with the rest)."""

    roots: list[Root] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)
    error: AwsError | None = None
    roots_error: AwsError | None = None  # ListRoots itself failed: nothing below is known


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


def read_roots(org: BaseClient, policy: ListingPolicy | None = None) -> tuple[list[Root], AwsError | None]:
    """The organization's roots and whether SCPs are enabled on each (ListRoots), or why not."""
    items, error = list_all(org, "list_roots", "Roots", policy)
    roots: list[Root] = []
    for item in items:
        types = item.get("PolicyTypes", [])
        scp = any(t.get("Type") == "SERVICE_CONTROL_POLICY" and t.get("Status") == "ENABLED" for t in types)
        roots.append(Root(id=str(item["Id"]), scp_enabled=scp))
    return roots, error


def walk_tree(org: BaseClient, policy: ListingPolicy | None = None) -> OrgTree:
    """Roots, then each parent's OUs and accounts, breadth first: a few calls per OU, none per account.

    A parent whose children cannot be listed is noted in `error` and the walk goes on with the others, so as
    many accounts as possible get their OU path; unless the listing gave up on a throttled or failing
    endpoint (`policy.exhausted`): then the walk stops, since every other parent would fail the same way."""
    policy = policy or ListingPolicy()
    tree = OrgTree()
    roots, error = read_roots(org, policy)
    tree.roots.extend(roots)
    if error is not None:
        tree.error = tree.roots_error = error
        return tree
    queue: deque[tuple[str, tuple[str, ...]]] = deque((r.id, (r.id,)) for r in tree.roots)
    while queue:
        parent, path = queue.popleft()
        accounts, error = list_all(org, "list_accounts_for_parent", "Accounts", policy, ParentId=parent)
        for item in accounts:
            acct = _account(item, path)
            tree.accounts[acct.id] = acct
        children, child_error = list_all(
            org, "list_organizational_units_for_parent", "OrganizationalUnits", policy, ParentId=parent
        )
        for ou in children:
            ou_id = str(ou["Id"])
            queue.append((ou_id, (*path, ou_id)))
        tree.error = tree.error or error or child_error
        if tree.error is not None and policy.exhausted:
            log.warning("organization walk stopped with %d parent(s) not listed", len(queue))
            break
    if tree.error is not None:
        log.warning("organization tree not fully listed: %s", tree.error)
    return tree


def read_accounts(
    org: BaseClient, tree: OrgTree, policy: ListingPolicy | None = None
) -> tuple[tuple[Account, ...], AwsError | None]:
    """Every account, with the path the walk found for it, sorted by id; and None when the list is complete,
    else the error that kept it from being so.

    ListAccounts is the organization's own list; the walk lists the same accounts parent by parent. The list
    is complete when either finished (an account the walk saw but ListAccounts did not, created between the
    two reads, is kept). Accounts are merged by id, so a page boundary that repeats one cannot duplicate it.
    """
    items, error = list_all(org, "list_accounts", "Accounts", policy)
    merged: dict[str, Account] = dict(tree.accounts)
    for item in items:
        walked = tree.accounts.get(str(item["Id"]))
        acct = _account(item, walked.parent_path if walked else ())
        merged[acct.id] = acct
    complete = error is None or tree.error is None
    if not complete:
        log.warning("account list incomplete: %d accounts listed; ListAccounts: %s", len(merged), error)
    return tuple(merged[k] for k in sorted(merged)), None if complete else error
