"""Organization-level rules: trusted access, the two root-access features, SCPs, delegated administrators."""

from __future__ import annotations

from rootguard.models import (
    IAM_SERVICE_PRINCIPAL,
    ROOT_CREDENTIALS_MANAGEMENT,
    ROOT_SESSIONS,
    FeaturesState,
    NotEvaluatedReason,
    OrgFacts,
    Result,
    Status,
)
from rootguard.rules.registry import RuleConfig, result, rule

TRUSTED = "organizations_iam_trusted_access_enabled"
CREDENTIALS = "iam_org_root_credentials_management_enabled"
SESSIONS = "iam_org_root_sessions_enabled"
SCPS = "organizations_scps_allow_root_sessions"
ADMINS = "organizations_iam_delegated_admin_allowed"

ENABLE_TRUSTED = f"aws organizations enable-aws-service-access --service-principal {IAM_SERVICE_PRINCIPAL}"
RUN_FROM = "run rootguard from the management account or the IAM delegated administrator"


def _no_org(facts: OrgFacts, check_id: str, what: str) -> Result:
    detail = f" ({facts.organization_error})" if facts.organization_error else ""
    return result(
        facts,
        check_id,
        Status.FAIL,
        f"Account {facts.caller.account_id} is not in an AWS Organization{detail}, so {what} is impossible: "
        "create an organization with all features, or " + RUN_FROM + ".",
        details={"level": "organization", "organization": None},
    )


@rule(TRUSTED, "Trusted access for IAM is enabled in the organization")
def trusted_access(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    if facts.organization is None:
        return [_no_org(facts, TRUSTED, "trusted access for IAM")]
    details = {"level": "organization", "service_principal": IAM_SERVICE_PRINCIPAL}
    if facts.organization.feature_set != "ALL":
        return [
            result(
                facts,
                TRUSTED,
                Status.FAIL,
                f"Organization {facts.organization.id} uses only consolidated billing; trusted access needs all "
                "features: enable all features in AWS Organizations, then " + ENABLE_TRUSTED + ".",
                details={**details, "feature_set": facts.organization.feature_set},
            )
        ]
    if facts.trusted_access_iam is None:
        return [
            result(
                facts,
                TRUSTED,
                Status.NOT_EVALUATED,
                "Trusted access could not be read (organizations:ListAWSServiceAccessForOrganization was refused): "
                + RUN_FROM
                + ".",
                reason=NotEvaluatedReason.ACCESS_DENIED,
                details=details,
            )
        ]
    if facts.trusted_access_iam:
        return [
            result(
                facts,
                TRUSTED,
                Status.PASS,
                "Trusted access for IAM is enabled in the organization.",
                details=details,
            )
        ]
    return [
        result(
            facts,
            TRUSTED,
            Status.FAIL,
            "Trusted access for IAM is off, so centralized root access cannot be enabled: from the management "
            f"account run `{ENABLE_TRUSTED}`.",
            details=details,
        )
    ]


_FEATURE_TEXT = {
    ROOT_CREDENTIALS_MANAGEMENT: (
        "root credentials management",
        "aws iam enable-organizations-root-credentials-management",
        "the management account can audit and delete member accounts' root credentials, and new accounts "
        "start without them",
    ),
    ROOT_SESSIONS: (
        "root sessions (privileged root actions)",
        "aws iam enable-organizations-root-sessions",
        "the management account can run short, task-scoped root sessions in member accounts instead of "
        "keeping root credentials there",
    ),
}


def _feature_rule(facts: OrgFacts, check_id: str, feature: str) -> list[Result]:
    name, command, benefit = _FEATURE_TEXT[feature]
    state = facts.features_state
    details = {"level": "organization", "feature": feature, "features_state": state.value}
    if facts.organization is None or state is FeaturesState.ORGANIZATION_NOT_FOUND:
        return [_no_org(facts, check_id, name)]
    fail_prereq = {
        FeaturesState.NOT_ALL_FEATURES: "the organization does not have all features enabled: enable all features "
        f"in AWS Organizations, then `{ENABLE_TRUSTED}` and `{command}`.",
        FeaturesState.SERVICE_ACCESS_NOT_ENABLED: "trusted access for IAM is off: from the management account run "
        f"`{ENABLE_TRUSTED}`, then `{command}`.",
    }
    if state in fail_prereq:
        return [
            result(
                facts,
                check_id,
                Status.FAIL,
                f"{name.capitalize()} is not enabled: " + fail_prereq[state],
                details=details,
            )
        ]
    if state is not FeaturesState.OK:
        reason = (
            NotEvaluatedReason.ERROR if state is FeaturesState.ERROR else NotEvaluatedReason.ACCESS_DENIED
        )
        why = facts.features_error or state.value
        return [
            result(
                facts,
                check_id,
                Status.NOT_EVALUATED,
                f"iam:ListOrganizationsFeatures could not be read ({why}): {RUN_FROM}, with permission for "
                "iam:ListOrganizationsFeatures.",
                reason=reason,
                details=details,
            )
        ]
    details["enabled_features"] = sorted(facts.enabled_features)
    if feature in facts.enabled_features:
        return [
            result(
                facts, check_id, Status.PASS, f"Centralized {name} is enabled: {benefit}.", details=details
            )
        ]
    return [
        result(
            facts,
            check_id,
            Status.FAIL,
            f"Centralized {name} is not enabled. Enable it from the management account with `{command}` so "
            f"{benefit}.",
            details=details,
        )
    ]


@rule(CREDENTIALS, "Centralized root credentials management is enabled")
def credentials_management(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    return _feature_rule(facts, CREDENTIALS, ROOT_CREDENTIALS_MANAGEMENT)


@rule(SESSIONS, "Centralized root sessions are enabled")
def root_sessions(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    return _feature_rule(facts, SESSIONS, ROOT_SESSIONS)


@rule(SCPS, "No SCP blocks centralized root sessions")
def scps_allow_root_sessions(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    if facts.organization is None:
        return [_no_org(facts, SCPS, "checking service control policies")]
    details: dict = {"level": "organization"}
    if not facts.scps_readable:
        return [
            result(
                facts,
                SCPS,
                Status.NOT_EVALUATED,
                "Service control policies could not be read: "
                + RUN_FROM
                + ", with organizations:ListPolicies, "
                "DescribePolicy and ListTargetsForPolicy.",
                reason=NotEvaluatedReason.ACCESS_DENIED,
                details=details,
            )
        ]
    if not facts.scp_blocks:
        return [
            result(
                facts,
                SCPS,
                Status.PASS,
                "No service control policy denies root actions without exempting aws:AssumedRoot; root sessions "
                "can reach every member account.",
                details=details,
            )
        ]
    by_policy: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for block in facts.scp_blocks:
        names[block.policy_id] = block.policy_name
        label = f"{block.target_kind.lower().replace('_', ' ')} {block.target_name or block.target_id}"
        by_policy.setdefault(block.policy_id, []).append(label)
    listing = "; ".join(f"{names[p]} ({p}) on {', '.join(t)}" for p, t in sorted(by_policy.items()))
    details["blocking_policies"] = [
        {"policy_id": p, "policy_name": names[p], "targets": t} for p, t in sorted(by_policy.items())
    ]
    return [
        result(
            facts,
            SCPS,
            Status.FAIL,
            f"These SCPs deny root actions without the aws:AssumedRoot exemption, so root sessions fail in the "
            f'accounts below them: {listing}. Add "Condition": {{"Null": {{"aws:AssumedRoot": "true"}}}} '
            "to the deny statement (Control Tower: set ExemptAssumeRoot).",
            details=details,
        )
    ]


@rule(ADMINS, "The IAM delegated administrator, if any, is an expected account")
def delegated_admin_allowed(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    if facts.organization is None:
        return [_no_org(facts, ADMINS, "an IAM delegated administrator")]
    if facts.delegated_admins is None:
        return [
            result(
                facts,
                ADMINS,
                Status.NOT_EVALUATED,
                "IAM delegated administrators could not be read: " + RUN_FROM + ", with "
                "organizations:ListDelegatedAdministrators.",
                reason=NotEvaluatedReason.ACCESS_DENIED,
                details={"level": "organization"},
            )
        ]
    admins = sorted(facts.delegated_admins, key=lambda a: a.account_id)
    listed = [{"account_id": a.account_id, "name": a.name} for a in admins]
    details = {
        "level": "organization",
        "delegated_admins": listed,
        "allowed": sorted(config.allowed_delegated_admins),
    }
    if not admins:
        return [
            result(
                facts,
                ADMINS,
                Status.PASS,
                "No IAM delegated administrator is registered; only the management account administers root access.",
                details=details,
            )
        ]
    unexpected = [a for a in admins if a.account_id not in config.allowed_delegated_admins]
    if not unexpected:
        names = ", ".join(f"{a.account_id} ({a.name})" if a.name else a.account_id for a in admins)
        return [
            result(
                facts,
                ADMINS,
                Status.PASS,
                f"The IAM delegated administrator {names} is on the allow-list.",
                details=details,
            )
        ]
    names = ", ".join(f"{a.account_id} ({a.name})" if a.name else a.account_id for a in unexpected)
    return [
        result(
            facts,
            ADMINS,
            Status.FAIL,
            f"IAM delegated administrator {names} is not on the allow-list; it can audit and delete root "
            "credentials of every member account. Add it to allowed_delegated_admins if expected, or "
            "deregister it with `aws organizations deregister-delegated-administrator --account-id ID "
            f"--service-principal {IAM_SERVICE_PRINCIPAL}`.",
            details={**details, "unexpected": [a.account_id for a in unexpected]},
        )
    ]
