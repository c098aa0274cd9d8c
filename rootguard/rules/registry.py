"""The rule registry and the helpers every rule shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from rootguard.models import (
    NotEvaluatedReason,
    OrgFacts,
    ResourceKind,
    Result,
    ResultResource,
    Status,
)


class RuleConfig(BaseModel):
    """What a team configures about its expectations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allowed_delegated_admins: frozenset[str] = Field(default_factory=frozenset)
    excluded_accounts: frozenset[str] = Field(default_factory=frozenset)


RuleFn = Callable[[OrgFacts, RuleConfig], list[Result]]


@dataclass(frozen=True)
class Rule:
    check_id: str
    title: str
    evaluate: RuleFn


RULES: dict[str, Rule] = {}


def rule(check_id: str, title: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        if check_id in RULES:
            raise ValueError(f"rule {check_id} registered twice")
        RULES[check_id] = Rule(check_id, title, fn)
        return fn

    return register


def org_resource(facts: OrgFacts) -> ResultResource:
    """The organization, or the caller's account when there is no readable organization."""
    org = facts.organization
    if org is not None:
        return ResultResource(kind=ResourceKind.ORGANIZATION, id=org.id, arn=org.arn, name=org.id)
    acct = facts.caller.account_id
    return ResultResource(
        kind=ResourceKind.ACCOUNT, id=acct, arn=f"arn:{facts.caller.partition}:iam::{acct}:root", name=acct
    )


def account_arn(facts: OrgFacts, account_id: str) -> str:
    org = facts.organization
    if org is None:
        return f"arn:{facts.caller.partition}:iam::{account_id}:root"
    return f"arn:{facts.caller.partition}:organizations::{org.management_account_id}:account/{org.id}/{account_id}"


def result(
    facts: OrgFacts,
    check_id: str,
    status: Status,
    message: str,
    *,
    resource: ResultResource | None = None,
    reason: NotEvaluatedReason | None = None,
    details: dict | None = None,
) -> Result:
    return Result(
        check_id=check_id,
        status=status,
        reason=reason,
        resource=resource or org_resource(facts),
        message=message,
        details=details or {},
    )
