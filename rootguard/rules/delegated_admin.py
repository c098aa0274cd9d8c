"""organizations_iam_delegated_admin_allowed: no IAM delegated administrator, or only allowed ones."""

from __future__ import annotations

from rootguard.models import IAM_SERVICE_PRINCIPAL, DelegatedAdmin, NotEvaluatedReason, OrgFacts, Result
from rootguard.rules.common import (
    Rule,
    failed,
    not_evaluated,
    not_in_organization,
    not_in_organization_result,
    organization_resource,
    organization_unreadable,
    passed,
)
from rootguard.rules.config import RuleConfig

CHECK_ID = "organizations_iam_delegated_admin_allowed"


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


RULE = Rule(
    check_id=CHECK_ID,
    level="organization",
    func=evaluate,
)
