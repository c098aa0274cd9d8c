"""organizations_iam_trusted_access_enabled: trusted access for iam.amazonaws.com is on."""

from __future__ import annotations

from rootguard.models import IAM_SERVICE_PRINCIPAL, Fact, FeaturesState, NotEvaluatedReason, OrgFacts, Result
from rootguard.rules.common import (
    failed,
    not_evaluated,
    not_in_organization,
    organization_resource,
    organization_unreadable,
    passed,
)
from rootguard.rules.spec import CheckSpec, Remediation, Severity
from rootguard.rules.urls import ENABLE_DOCS, ORGANIZATIONS_IAM_DOCS, ROOT_ACCESS_DOCS
from rootguard.settings import RuleConfig

CHECK_ID = "organizations_iam_trusted_access_enabled"
ENABLE_CLI = f"aws organizations enable-aws-service-access --service-principal {IAM_SERVICE_PRINCIPAL}"

SPEC = CheckSpec(
    check_id=CHECK_ID,
    level="organization",
    position=10,
    title="AWS Organizations should have trusted access for IAM enabled",
    description=(
        "Checks that trusted access for **IAM** (`iam.amazonaws.com`) is enabled in AWS Organizations, the "
        "prerequisite for centralized root access."
    ),
    risk=(
        "Without trusted access for IAM, centralized root access cannot be enabled: every member account keeps "
        "its own root credentials and MFA device to guard."
    ),
    remediation=Remediation(
        text=(
            "From the management account, enable trusted access for AWS Identity and Access Management (aws "
            "organizations enable-aws-service-access --service-principal iam.amazonaws.com), a prerequisite of "
            "centralized root access."
        ),
        url=ORGANIZATIONS_IAM_DOCS,
        cli=ENABLE_CLI,
        other="Organizations console > Services > AWS Identity and Access Management > Enable trusted access",
    ),
    urls=(ENABLE_DOCS, ROOT_ACCESS_DOCS),
    severity=Severity(fail="HIGH"),
    needs=frozenset({Fact.ORGANIZATION, Fact.TRUSTED_ACCESS}),
    uses=frozenset({Fact.FEATURES}),  # ListOrganizationsFeatures names a missing trusted access too
)


def evaluate(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    resource = organization_resource(facts)
    if facts.organization is None:
        if not_in_organization(facts):
            return [
                failed(
                    CHECK_ID,
                    resource,
                    f"Account {facts.caller.account_id} is not in an AWS organization, so IAM cannot have "
                    "trusted access. Create an organization with all features "
                    "(aws organizations create-organization --feature-set ALL), then enable trusted access "
                    "for IAM.",
                    trusted_access_iam=False,
                    source="organizations:DescribeOrganization",
                )
            ]
        return [organization_unreadable(CHECK_ID, facts)]

    details = {"feature_set": facts.organization.feature_set, "service_principal": IAM_SERVICE_PRINCIPAL}
    trusted = facts.trusted_access_iam
    source = "organizations:ListAWSServiceAccessForOrganization"
    if trusted is None:
        # iam:ListOrganizationsFeatures names this very prerequisite when it is missing: a definite answer
        # even when the service access list itself was unreadable. Nothing short of the list proves a pass.
        if facts.features_state is FeaturesState.SERVICE_ACCESS_NOT_ENABLED:
            trusted, source = False, "iam:ListOrganizationsFeatures"
        else:
            return [
                not_evaluated(
                    CHECK_ID,
                    resource,
                    NotEvaluatedReason.PREREQUISITE_MISSING,
                    "Trusted access for IAM could not be read. Allow "
                    "organizations:ListAWSServiceAccessForOrganization for the caller (management account or "
                    "a delegated administrator for AWS Organizations).",
                    **details,
                )
            ]
    details.update(trusted_access_iam=trusted, source=source)
    if trusted:
        return [
            passed(
                CHECK_ID,
                resource,
                f"Trusted access for {IAM_SERVICE_PRINCIPAL} is enabled in organization {facts.organization.id}.",
                **details,
            )
        ]
    if facts.organization.feature_set != "ALL":
        return [
            failed(
                CHECK_ID,
                resource,
                f"Organization {facts.organization.id} has only consolidated billing features, so IAM has no "
                "trusted access. Enable all features (aws organizations enable-all-features), then run "
                f"`{ENABLE_CLI}` from the management account.",
                **details,
            )
        ]
    return [
        failed(
            CHECK_ID,
            resource,
            f"Trusted access for {IAM_SERVICE_PRINCIPAL} is disabled in organization {facts.organization.id}. "
            f"Run `{ENABLE_CLI}` from the management account (enabling centralized root access in the IAM "
            "console also turns it on).",
            **details,
        )
    ]
