"""What every rule shares: the resources results are about, result constructors, reasons from error kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rootguard.models import (
    NOT_IN_USE,
    AwsError,
    ErrorKind,
    Fact,
    FeaturesState,
    NotEvaluatedReason,
    OrgFacts,
    ResourceKind,
    Result,
    ResultResource,
    Status,
)
from rootguard.rules.spec import CheckSpec
from rootguard.settings import RuleConfig

RuleFunction = Callable[[OrgFacts, RuleConfig], list[Result]]


@dataclass(frozen=True)
class Rule:
    """One check: its spec (id, level, text, severity, the facts it judges) and the function that judges it."""

    spec: CheckSpec
    func: RuleFunction

    @property
    def check_id(self) -> str:
        return self.spec.check_id

    @property
    def level(self) -> str:
        return self.spec.level

    def __call__(self, facts: OrgFacts, config: RuleConfig) -> list[Result]:
        return self.func(facts, config)


# --------------------------------------------------------------------------------------------- resources


def organization_resource(facts: OrgFacts) -> ResultResource:
    """The organization; the caller's account when the organization cannot be read."""
    org = facts.organization
    partition = facts.caller.partition
    if org is None:
        account = facts.caller.account_id
        return ResultResource(
            kind=ResourceKind.ACCOUNT, id=account, arn=f"arn:{partition}:iam::{account}:root"
        )
    arn = f"arn:{partition}:organizations::{org.management_account_id}:organization/{org.id}"
    return ResultResource(kind=ResourceKind.ORGANIZATION, id=org.id, arn=arn)


def account_resource(
    facts: OrgFacts, account_id: str, name: str = "", fallback_arn: str = ""
) -> ResultResource:
    """A member account of the organization."""
    org = facts.organization
    if org is not None:
        partition = facts.caller.partition
        arn = f"arn:{partition}:organizations::{org.management_account_id}:account/{org.id}/{account_id}"
    else:
        arn = fallback_arn or f"arn:{facts.caller.partition}:iam::{account_id}:root"
    return ResultResource(kind=ResourceKind.ACCOUNT, id=account_id, arn=arn, name=name)


# ----------------------------------------------------------------------------------------------- results


def passed(check_id: str, resource: ResultResource, message: str, **details: Any) -> Result:
    return Result(check_id=check_id, status=Status.PASS, resource=resource, message=message, details=details)


def failed(check_id: str, resource: ResultResource, message: str, **details: Any) -> Result:
    return Result(check_id=check_id, status=Status.FAIL, resource=resource, message=message, details=details)


def not_evaluated(
    check_id: str, resource: ResultResource, reason: NotEvaluatedReason, message: str, **details: Any
) -> Result:
    return Result(
        check_id=check_id,
        status=Status.NOT_EVALUATED,
        reason=reason,
        resource=resource,
        message=message,
        details=details,
    )


# ---------------------------------------------------------------------------------------- classification


_REASONS = {
    ErrorKind.ACCESS_DENIED: NotEvaluatedReason.ACCESS_DENIED,
    ErrorKind.THROTTLING: NotEvaluatedReason.THROTTLED,
}


def reason_for(error: AwsError | None) -> NotEvaluatedReason:
    """ACCESS_DENIED, THROTTLED or ERROR for an error the collection recorded (its kind decided once, in
    rootguard.aws.errors)."""
    return (
        _REASONS.get(error.kind, NotEvaluatedReason.ERROR) if error is not None else NotEvaluatedReason.ERROR
    )


def not_in_organization(facts: OrgFacts) -> bool:
    """True when the caller's account is known not to belong to any organization."""
    if facts.organization is not None:
        return False
    error = facts.organization_error
    return (error is not None and error.code == NOT_IN_USE) or (
        facts.features_state is FeaturesState.ORGANIZATION_NOT_FOUND
    )


def organization_unreadable(check_id: str, facts: OrgFacts) -> Result:
    """NOT_EVALUATED for a rule that needs the organization when it could not be read (not: is absent)."""
    error = str(facts.organization_error or "no answer")
    return not_evaluated(
        check_id,
        organization_resource(facts),
        reason_for(facts.organization_error),
        f"The organization could not be read ({error}). Run rootguard from the management account or the IAM "
        "delegated administrator with organizations:Describe* and List* permissions.",
        organization_error=error,
    )


def unreadable_fact(result: Result, fact: Fact, error: AwsError) -> Result:
    """A PASS that a needed fact group, read only in part or not at all, cannot support: NOT_EVALUATED, on
    the same resource, naming the group and the error."""
    what = fact.value.replace("_", " ")
    return not_evaluated(
        result.check_id,
        result.resource,
        reason_for(error),
        f"The {what} could not be read completely ({error}), so this check cannot pass. Check the caller's "
        "permissions (deploy/policies/scanner-policy.json) and re-run the scan.",
        unreadable=fact.value,
        error=str(error),
    )


def incomplete_listing(check_id: str, facts: OrgFacts, error: AwsError, listed: int) -> Result:
    """The one organization-level result of an account-level check whose account list is incomplete."""
    return not_evaluated(
        check_id,
        organization_resource(facts),
        reason_for(error),
        f"The organization's account list is incomplete ({error}): results cover only the {listed} account(s) "
        "listed, and accounts that were not listed have none. Allow organizations:ListAccounts, "
        "ListRoots, ListOrganizationalUnitsForParent and ListAccountsForParent, then re-run the scan.",
        accounts_listed=listed,
        error=str(error),
    )


def not_in_organization_result(check_id: str, facts: OrgFacts, what: str) -> Result:
    """NOT_EVALUATED for a rule whose subject only exists inside an organization."""
    return not_evaluated(
        check_id,
        organization_resource(facts),
        NotEvaluatedReason.PREREQUISITE_MISSING,
        f"Account {facts.caller.account_id} is not in an AWS organization, so there are no {what} to check. "
        "Centralized root access needs an organization with all features enabled.",
        organization_error=str(facts.organization_error or ""),
    )
