"""organizations_iam_delegated_admin_allowed: no IAM delegated administrator, or only allowed ones."""

from __future__ import annotations

from rootguard.models import IAM_SERVICE_PRINCIPAL, DelegatedAdmin, Fact, NotEvaluatedReason, OrgFacts, Result
from rootguard.rules.common import (
    failed,
    not_evaluated,
    not_in_organization,
    not_in_organization_result,
    organization_resource,
    organization_unreadable,
    passed,
)
from rootguard.rules.spec import CheckSpec, Remediation, Severity
from rootguard.rules.urls import DELEGATED_ADMIN_DOCS, ORGANIZATIONS_IAM_DOCS, ROOT_ACCESS_DOCS
from rootguard.settings import RuleConfig

CHECK_ID = "organizations_iam_delegated_admin_allowed"
SPEC = CheckSpec(
    check_id=CHECK_ID,
    level="organization",
    position=60,
    title="IAM delegated administrators should be on the allow-list",
    description=(
        "Checks that any account registered as delegated administrator for IAM (which can audit and delete "
        "every member's root credentials) is on the configured allow-list."
    ),
    risk=(
        "An unexpected IAM delegated administrator can open root sessions in every member account: compromise "
        "of that account is compromise of the organization."
    ),
    remediation=Remediation(
        text=(
            "Review the accounts registered as delegated administrator for iam.amazonaws.com (aws organizations "
            "list-delegated-administrators --service-principal iam.amazonaws.com); deregister any account that "
            "should not manage root access, or add it to allowed_delegated_admins in rootguard.yaml."
        ),
        url=ORGANIZATIONS_IAM_DOCS,
        cli=(
            "aws organizations deregister-delegated-administrator --account-id ACCOUNT_ID --service-principal "
            "iam.amazonaws.com"
        ),
        other=(
            "Add the expected account to allowed_delegated_admins in the rootguard config, or deregister the "
            "unexpected one."
        ),
    ),
    urls=(DELEGATED_ADMIN_DOCS, ROOT_ACCESS_DOCS),
    severity=Severity(fail="MEDIUM"),
    needs=frozenset({Fact.ORGANIZATION, Fact.DELEGATED_ADMINS}),
)


def _label(admin: DelegatedAdmin) -> str:
    return f"{admin.account_id} ({admin.name})" if admin.name else admin.account_id


def evaluate(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    resource = organization_resource(facts)
    if facts.organization is None:
        if not_in_organization(facts):
            return [not_in_organization_result(CHECK_ID, facts, "delegated administrators")]
        return [organization_unreadable(CHECK_ID, facts)]
    admins = facts.delegated_admins
    if admins is None:
        return [
            not_evaluated(
                CHECK_ID,
                resource,
                NotEvaluatedReason.PREREQUISITE_MISSING,
                "IAM delegated administrators could not be read. Allow "
                "organizations:ListDelegatedAdministrators for the caller, then re-run the scan.",
                allowed=sorted(config.allowed_delegated_admins),
            )
        ]
    details = {
        "service_principal": IAM_SERVICE_PRINCIPAL,
        "delegated_admins": [{"account_id": a.account_id, "name": a.name} for a in admins],
        "allowed": sorted(config.allowed_delegated_admins),
    }
    if not admins:
        return [
            passed(
                CHECK_ID,
                resource,
                f"No IAM delegated administrator is registered in organization {facts.organization.id}; "
                "only the management account can manage root access.",
                unexpected=[],
                **details,
            )
        ]
    unexpected = [a for a in admins if a.account_id not in config.allowed_delegated_admins]
    if not unexpected:
        return [
            passed(
                CHECK_ID,
                resource,
                f"Every IAM delegated administrator ({', '.join(_label(a) for a in admins)}) is on the "
                "allow-list.",
                unexpected=[],
                **details,
            )
        ]
    names = ", ".join(_label(a) for a in unexpected)
    return [
        failed(
            CHECK_ID,
            resource,
            f"IAM delegated administrator {names} is not on the allow-list and can open root sessions in "
            "member accounts. Deregister it (aws organizations deregister-delegated-administrator "
            f"--service-principal {IAM_SERVICE_PRINCIPAL} --account-id <id>) or add it to "
            "allowed_delegated_admins.",
            unexpected=[a.account_id for a in unexpected],
            **details,
        )
    ]
