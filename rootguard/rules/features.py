"""What the two feature checks share: iam_org_root_credentials_management_enabled and
iam_org_root_sessions_enabled judge the two features of centralized root access, read with
iam:ListOrganizationsFeatures, the same way."""

from __future__ import annotations

from dataclasses import dataclass

from rootguard.models import (
    IAM_SERVICE_PRINCIPAL,
    ROOT_CREDENTIALS_MANAGEMENT,
    ROOT_SESSIONS,
    FeaturesState,
    NotEvaluatedReason,
    OrgFacts,
    Result,
)
from rootguard.rules.common import failed, not_evaluated, organization_resource, passed, reason_for
from rootguard.rules.organizations_iam_trusted_access_enabled import ENABLE_CLI as TRUSTED_ACCESS_CLI


@dataclass(frozen=True)
class Feature:
    check_id: str
    name: str  # the EnabledFeatures value
    label: str  # how people call it
    enable_cli: str


ROOT_CREDENTIALS = Feature(
    check_id="iam_org_root_credentials_management_enabled",
    name=ROOT_CREDENTIALS_MANAGEMENT,
    label="root credentials management",
    enable_cli="aws iam enable-organizations-root-credentials-management",
)
ROOT_SESSION = Feature(
    check_id="iam_org_root_sessions_enabled",
    name=ROOT_SESSIONS,
    label="root sessions",
    enable_cli="aws iam enable-organizations-root-sessions",
)


def evaluate_feature(feature: Feature, facts: OrgFacts) -> Result:
    resource = organization_resource(facts)
    state = facts.features_state
    details: dict[str, object] = {
        "feature": feature.name,
        "features_state": state.value,
        "enabled_features": sorted(facts.enabled_features),
    }
    if facts.features_error:
        details["features_error"] = str(facts.features_error)
    org_id = facts.organization.id if facts.organization else None
    enable = f"`{feature.enable_cli}` from the management account"

    if state is FeaturesState.OK:
        if feature.name in facts.enabled_features:
            return passed(
                feature.check_id,
                resource,
                f"Centralized root access: {feature.label} ({feature.name}) is enabled"
                + (f" in organization {org_id}." if org_id else "."),
                **details,
            )
        return failed(
            feature.check_id,
            resource,
            f"Centralized root access: {feature.label} ({feature.name}) is not enabled"
            + (f" in organization {org_id}" if org_id else "")
            + f". Run {enable}.",
            **details,
        )
    if state is FeaturesState.ORGANIZATION_NOT_FOUND:
        return failed(
            feature.check_id,
            resource,
            f"Account {facts.caller.account_id} is not in an AWS organization, so {feature.label} cannot be "
            "enabled. Create an organization with all features (aws organizations create-organization "
            f"--feature-set ALL), enable trusted access for IAM, then run {enable}.",
            missing_prerequisite="organization",
            **details,
        )
    if state is FeaturesState.NOT_ALL_FEATURES:
        return failed(
            feature.check_id,
            resource,
            f"{f'Organization {org_id}' if org_id else 'The organization'} has only consolidated billing "
            f"features; {feature.label} needs all features. Enable them (aws organizations "
            f"enable-all-features), enable trusted access for IAM, then run {enable}.",
            missing_prerequisite="all_features",
            **details,
        )
    if state is FeaturesState.SERVICE_ACCESS_NOT_ENABLED:
        return failed(
            feature.check_id,
            resource,
            f"Trusted access for {IAM_SERVICE_PRINCIPAL}, a prerequisite of {feature.label}, is disabled. "
            f"Run `{TRUSTED_ACCESS_CLI}`, then {enable}.",
            missing_prerequisite="trusted_access",
            **details,
        )
    if state is FeaturesState.NOT_MANAGEMENT_OR_DELEGATED_ADMIN:
        return not_evaluated(
            feature.check_id,
            resource,
            NotEvaluatedReason.ACCESS_DENIED,
            f"Account {facts.caller.account_id} is neither the management account nor the IAM delegated "
            "administrator, so it cannot read the organization's root access features. Run rootguard from "
            "one of those accounts.",
            **details,
        )
    if state is FeaturesState.ACCESS_DENIED:
        return not_evaluated(
            feature.check_id,
            resource,
            NotEvaluatedReason.ACCESS_DENIED,
            "The caller may not call iam:ListOrganizationsFeatures. Allow it for the role rootguard runs as.",
            **details,
        )
    error = str(facts.features_error or "no answer")
    return not_evaluated(
        feature.check_id,
        resource,
        reason_for(facts.features_error),
        f"iam:ListOrganizationsFeatures failed ({error}). Re-run the scan; if it persists, check the caller's "
        "permissions and the Region's IAM endpoint.",
        **details,
    )
