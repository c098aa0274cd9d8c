"""Organization-level facts: caller, organization, trusted access, delegated admins, features, accounts.

Each reader takes a client and returns facts or a recorded error; none raises for an AWS error answer a
person should see in a finding (access denied, not in an organization, ...).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
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


# Parents listed at once during the walk; ListAccounts runs beside them, so the organization read makes at most
# ORG_READ_WORKERS + 1 requests at a time (AWS Organizations throttles early: a few at once, not dozens).
ORG_READ_WORKERS = 3
AccountsSeen = Callable[[list[Account]], None]


@dataclass(frozen=True)
class _Parent:
    id: str
    path: tuple[str, ...]  # ids from the root down to this parent
    order: tuple[int, ...]  # where a breadth-first walk reaches it: (root index, child index, ...)


@dataclass
class _Listed:
    parent: _Parent
    accounts: list[Account]
    children: list[_Parent]
    error: AwsError | None
    child_error: AwsError | None


def _list_parent(
    org: BaseClient, policy: ListingPolicy | None, parent: _Parent, on_accounts: AccountsSeen | None
) -> _Listed:
    """One parent's accounts (handed to `on_accounts` page by page) and child OUs."""
    accounts: list[Account] = []

    def page(items: list[Mapping[str, Any]]) -> None:
        found = [_account(item, parent.path) for item in items]
        accounts.extend(found)
        if on_accounts is not None:
            on_accounts(found)

    _, error = list_all(org, "list_accounts_for_parent", "Accounts", policy, on_page=page, ParentId=parent.id)
    children, child_error = list_all(
        org, "list_organizational_units_for_parent", "OrganizationalUnits", policy, ParentId=parent.id
    )
    child_parents = [
        _Parent(str(ou["Id"]), (*parent.path, str(ou["Id"])), (*parent.order, i))
        for i, ou in enumerate(children)
    ]
    return _Listed(parent, accounts, child_parents, error, child_error)


def walk_tree(
    org: BaseClient,
    policy: ListingPolicy | None = None,
    *,
    roots: tuple[list[Root], AwsError | None] | None = None,
    workers: int = ORG_READ_WORKERS,
    on_accounts: AccountsSeen | None = None,
) -> OrgTree:
    """Roots, then each parent's OUs and accounts: a few calls per OU, none per account, `workers` parents at
    a time (each parent's pages in order). `roots`: ListRoots' answer when already read. `on_accounts` sees
    each page of accounts as it arrives (from the walk's threads).

    A parent whose children cannot be listed is noted in `error` and the walk goes on with the others, so as
    many accounts as possible get their OU path; unless the listing gave up on a throttled or failing
    endpoint (`policy.exhausted`): then no further parent is listed, since every other parent would fail the
    same way. The tree is the one a breadth-first walk one parent at a time finds: parents are merged in that
    order, and `error` is the first error in it."""
    policy = policy or ListingPolicy()
    tree = OrgTree()
    found_roots, error = roots if roots is not None else read_roots(org, policy)
    tree.roots.extend(found_roots)
    if error is not None:
        tree.error = tree.roots_error = error
        return tree
    listed: list[_Listed] = []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="rootguard-org") as pool:
        pending = {
            pool.submit(_list_parent, org, policy, _Parent(r.id, (r.id,), (i,)), on_accounts)
            for i, r in enumerate(tree.roots)
        }
        skipped = 0
        failed = False
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                listed.append(result)
                failed = failed or result.error is not None or result.child_error is not None
                if failed and policy.exhausted:
                    skipped += len(result.children)  # the endpoint is saturated or down: list no more
                    continue
                pending |= {pool.submit(_list_parent, org, policy, c, on_accounts) for c in result.children}
    if skipped:
        log.warning("organization walk stopped with %d parent(s) not listed", skipped)
    listed.sort(key=lambda r: (len(r.parent.order), r.parent.order))
    for result in listed:
        for acct in result.accounts:
            tree.accounts[acct.id] = acct
        tree.error = tree.error or result.error or result.child_error
    if tree.error is not None:
        log.warning("organization tree not fully listed: %s", tree.error)
    return tree


def merge_accounts(
    tree: OrgTree, items: list[Mapping[str, Any]], error: AwsError | None
) -> tuple[tuple[Account, ...], AwsError | None]:
    """The walk's accounts and ListAccounts' `items` (read to the end unless `error`), merged by id and sorted
    by id, each with the path the walk found for it; and None when the list is complete, else the error that
    kept it from being so.

    ListAccounts is the organization's own list; the walk lists the same accounts parent by parent. The list
    is complete when either finished (an account the walk saw but ListAccounts did not, created between the
    two reads, is kept). Accounts are merged by id, so a page boundary that repeats one cannot duplicate it.
    """
    merged: dict[str, Account] = dict(tree.accounts)
    for item in items:
        walked = tree.accounts.get(str(item["Id"]))
        acct = _account(item, walked.parent_path if walked else ())
        merged[acct.id] = acct
    complete = error is None or tree.error is None
    if not complete:
        log.warning("account list incomplete: %d accounts listed; ListAccounts: %s", len(merged), error)
    return tuple(merged[k] for k in sorted(merged)), None if complete else error


def read_all_accounts(
    org: BaseClient,
    policy: ListingPolicy | None = None,
    *,
    roots: tuple[list[Root], AwsError | None] | None = None,
    workers: int = ORG_READ_WORKERS,
    on_accounts: AccountsSeen | None = None,
    on_complete: Callable[[], None] | None = None,
) -> tuple[OrgTree, tuple[Account, ...], AwsError | None]:
    """The walk and ListAccounts at the same time: the tree, every account (:func:`merge_accounts`) and the
    error when the list is incomplete. `on_accounts` sees each page of accounts of either listing as it
    arrives; `on_complete` is called as soon as one listing has finished without error (the account list is
    then complete, whatever the other finds)."""

    def listing() -> tuple[list[Mapping[str, Any]], AwsError | None]:
        def page(items: list[Mapping[str, Any]]) -> None:
            if on_accounts is not None:
                on_accounts([_account(item) for item in items])

        items, error = list_all(org, "list_accounts", "Accounts", policy, on_page=page)
        if error is None and on_complete is not None:
            on_complete()
        return items, error

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rootguard-org-list") as side:
        future = side.submit(listing)
        tree = walk_tree(org, policy, roots=roots, workers=workers, on_accounts=on_accounts)
        if tree.error is None and on_complete is not None:
            on_complete()
        items, error = future.result()
    accounts, incomplete = merge_accounts(tree, items, error)
    return tree, accounts, incomplete
