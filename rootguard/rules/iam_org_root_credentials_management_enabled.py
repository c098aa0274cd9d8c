"""iam_org_root_credentials_management_enabled: the RootCredentialsManagement feature of centralized root access
is enabled, with its prerequisites (an organization with all features, trusted access for IAM)."""

from __future__ import annotations

from rootguard.models import Fact, OrgFacts, Result
from rootguard.rules.features import ROOT_CREDENTIALS, evaluate_feature
from rootguard.rules.spec import CheckSpec, Remediation, Severity
from rootguard.rules.urls import ENABLE_DOCS, ROOT_ACCESS_DOCS
from rootguard.settings import RuleConfig

SPEC = CheckSpec(
    check_id=ROOT_CREDENTIALS.check_id,
    level="organization",
    position=20,
    title="Centralized root credentials management should be enabled for the organization",
    description=(
        "Checks that the **RootCredentialsManagement** organization feature is enabled (with all features and "
        "trusted access for IAM), so member accounts' root credentials can be audited and deleted centrally."
    ),
    risk=(
        "Member accounts keep or can recover long-term root credentials: a root password or key in any of them "
        "is a full takeover of that account."
    ),
    remediation=Remediation(
        text=(
            "From the management account, enable root credentials management (aws iam "
            "enable-organizations-root-credentials-management) after enabling trusted access for IAM in an "
            "organization with all features, then delete the root credentials of member accounts."
        ),
        url=ROOT_ACCESS_DOCS,
        cli=ROOT_CREDENTIALS.enable_cli,
        other="IAM console (management account) > Root access management > Enable > Root credentials management",
    ),
    urls=(ENABLE_DOCS, ROOT_ACCESS_DOCS),
    severity=Severity(fail="HIGH"),
    needs=frozenset({Fact.FEATURES}),
    uses=frozenset({Fact.ORGANIZATION}),  # the organization's id, for the message
    # Prowler's built-in for the same control (what Prowler maps to CIS v7.0 2.1.1).
    related_to=("iam_root_credentials_management_enabled",),
)


def evaluate(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    return [evaluate_feature(ROOT_CREDENTIALS, facts)]
