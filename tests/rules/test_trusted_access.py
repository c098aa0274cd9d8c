"""organizations_iam_trusted_access_enabled."""

from __future__ import annotations

import pytest
from rules_support import MGMT, ORG, ORG_ARN, make_facts, no_org_facts, one

from rootguard.models import FeaturesState, NotEvaluatedReason, ResourceKind, Status

CHECK = "organizations_iam_trusted_access_enabled"


def test_enabled_passes_on_the_organization() -> None:
    r = one(CHECK, make_facts(trusted_access_iam=True))
    assert r.status is Status.PASS
    assert (r.resource.kind, r.resource.id, r.resource.arn) == (ResourceKind.ORGANIZATION, ORG.id, ORG_ARN)


def test_disabled_fails_with_the_command() -> None:
    r = one(CHECK, make_facts(trusted_access_iam=False))
    assert r.status is Status.FAIL
    assert "enable-aws-service-access --service-principal iam.amazonaws.com" in r.message


def test_consolidated_billing_fails_naming_all_features() -> None:
    org = ORG.model_copy(update={"feature_set": "CONSOLIDATED_BILLING"})
    r = one(CHECK, make_facts(organization=org, trusted_access_iam=False))
    assert r.status is Status.FAIL and "enable-all-features" in r.message


@pytest.mark.parametrize("state", [FeaturesState.OK, FeaturesState.ACCESS_DENIED, FeaturesState.ERROR])
def test_unreadable_is_not_evaluated(state: FeaturesState) -> None:
    r = one(CHECK, make_facts(trusted_access_iam=None, features_state=state))
    assert r.status is Status.NOT_EVALUATED
    assert r.reason is NotEvaluatedReason.PREREQUISITE_MISSING
    assert "ListAWSServiceAccessForOrganization" in r.message


def test_unreadable_list_but_features_call_names_it_missing_fails() -> None:
    r = one(
        CHECK,
        make_facts(trusted_access_iam=None, features_state=FeaturesState.SERVICE_ACCESS_NOT_ENABLED),
    )
    assert r.status is Status.FAIL and r.details["source"] == "iam:ListOrganizationsFeatures"


def test_not_in_an_organization_fails_on_the_callers_account() -> None:
    r = one(CHECK, no_org_facts())
    assert r.status is Status.FAIL and "create-organization" in r.message
    assert (r.resource.kind, r.resource.id) == (ResourceKind.ACCOUNT, MGMT)
    assert r.resource.arn == f"arn:aws:iam::{MGMT}:root"


def test_organization_access_denied_is_not_evaluated_not_a_failure() -> None:
    f = no_org_facts("AccessDeniedException: not authorized").model_copy(
        update={"features_state": FeaturesState.ACCESS_DENIED}
    )
    r = one(CHECK, f)
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.ACCESS_DENIED)
    assert "AccessDeniedException" in r.message
