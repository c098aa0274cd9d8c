"""Hand-built facts for the rule tests: no AWS, no sandbox."""

from __future__ import annotations

from typing import Any

from rootguard.aws import classify
from rootguard.models import (
    Account,
    AuditOutcome,
    AwsError,
    Caller,
    FeaturesState,
    MemberAudit,
    NotEvaluatedReason,
    Organization,
    OrgFacts,
    Result,
    RootCredentials,
    Status,
)
from rootguard.rules import RuleConfig, evaluate

MGMT = "111111111111"
ORG_ID = "o-abc1234567"
ORG = Organization(
    id=ORG_ID,
    arn=f"arn:aws:organizations::{MGMT}:organization/{ORG_ID}",
    feature_set="ALL",
    management_account_id=MGMT,
)
CALLER = Caller(account_id=MGMT, arn=f"arn:aws:iam::{MGMT}:user/scanner")
ORG_ARN = f"arn:aws:organizations::{MGMT}:organization/{ORG_ID}"


def make_facts(**overrides: Any) -> OrgFacts:
    """A healthy organization; override what a test is about."""
    base: dict[str, Any] = {
        "caller": CALLER,
        "organization": ORG,
        "trusted_access_iam": True,
        "delegated_admins": (),
        "features_state": FeaturesState.OK,
        "enabled_features": frozenset({"RootCredentialsManagement", "RootSessions"}),
    }
    base.update(overrides)
    return OrgFacts(**base)


def aws_err(text: str) -> AwsError:
    """``Code: message`` as the collection records it, classified by rootguard.aws."""
    code, _, message = text.partition(": ")
    return AwsError(code=code, message=message, kind=classify(code))


def no_org_facts(error: str = "AWSOrganizationsNotInUseException: not in an organization") -> OrgFacts:
    return make_facts(
        organization=None,
        organization_error=aws_err(error),
        features_state=FeaturesState.ORGANIZATION_NOT_FOUND,
        trusted_access_iam=None,
        delegated_admins=None,
        enabled_features=frozenset(),
    )


def account(i: int, **kw: Any) -> Account:
    return Account(id=f"{200000000000 + i}", name=f"acct-{i}", **kw)


def audited(acct: Account, method: str = "AssumeRoot", **creds: Any) -> MemberAudit:
    return MemberAudit(
        account_id=acct.id, outcome=AuditOutcome.AUDITED, credentials=RootCredentials(**creds), method=method
    )


def skipped(acct: Account, reason: NotEvaluatedReason, **kw: Any) -> MemberAudit:
    return MemberAudit(account_id=acct.id, outcome=AuditOutcome.SKIPPED, reason=reason, **kw)


def failed_audit(acct: Account, reason: NotEvaluatedReason | None, **kw: Any) -> MemberAudit:
    return MemberAudit(account_id=acct.id, outcome=AuditOutcome.FAILED, reason=reason, **kw)


def one(check_id: str, facts: OrgFacts, config: RuleConfig | None = None) -> Result:
    """The single result of an organization-level rule, with the status/reason invariant checked."""
    results = evaluate(facts, config, [check_id])
    assert len(results) == 1, results
    (result,) = results
    assert result.check_id == check_id
    assert (result.status is Status.NOT_EVALUATED) == (result.reason is not None)
    assert result.message and len(result.message) < 700
    return result
