"""iam_org_root_credentials_management_enabled and iam_org_root_sessions_enabled: every features_state."""

from __future__ import annotations

import pytest
from rules_support import MGMT, ORG, aws_err, make_facts, no_org_facts, one

from rootguard.models import FeaturesState, NotEvaluatedReason, ResourceKind, Status

CREDENTIALS = "iam_org_root_credentials_management_enabled"
SESSIONS = "iam_org_root_sessions_enabled"
BOTH = pytest.mark.parametrize("check", [CREDENTIALS, SESSIONS])
COMMAND = {
    CREDENTIALS: "aws iam enable-organizations-root-credentials-management",
    SESSIONS: "aws iam enable-organizations-root-sessions",
}


@BOTH
def test_enabled_passes(check: str) -> None:
    r = one(check, make_facts())
    assert r.status is Status.PASS and r.resource.id == ORG.id
    assert r.details["features_state"] == "OK"


@BOTH
def test_not_enabled_fails_with_its_own_command(check: str) -> None:
    r = one(check, make_facts(enabled_features=frozenset()))
    assert r.status is Status.FAIL and COMMAND[check] in r.message


def test_each_feature_is_judged_on_its_own() -> None:
    f = make_facts(enabled_features=frozenset({"RootCredentialsManagement"}))
    assert one(CREDENTIALS, f).status is Status.PASS
    assert one(SESSIONS, f).status is Status.FAIL
    f = make_facts(enabled_features=frozenset({"RootSessions"}))
    assert one(CREDENTIALS, f).status is Status.FAIL
    assert one(SESSIONS, f).status is Status.PASS


@BOTH
@pytest.mark.parametrize(
    ("state", "prerequisite", "hint"),
    [
        (FeaturesState.ORGANIZATION_NOT_FOUND, "organization", "create-organization"),
        (FeaturesState.NOT_ALL_FEATURES, "all_features", "enable-all-features"),
        (FeaturesState.SERVICE_ACCESS_NOT_ENABLED, "trusted_access", "enable-aws-service-access"),
    ],
)
def test_missing_prerequisites_fail_naming_them(
    check: str, state: FeaturesState, prerequisite: str, hint: str
) -> None:
    f = make_facts(features_state=state, enabled_features=frozenset())
    if state is FeaturesState.ORGANIZATION_NOT_FOUND:
        f = no_org_facts()
    r = one(check, f)
    assert r.status is Status.FAIL
    assert r.details["missing_prerequisite"] == prerequisite
    assert hint in r.message and COMMAND[check] in r.message


@BOTH
@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (FeaturesState.NOT_MANAGEMENT_OR_DELEGATED_ADMIN, NotEvaluatedReason.ACCESS_DENIED),
        (FeaturesState.ACCESS_DENIED, NotEvaluatedReason.ACCESS_DENIED),
        (FeaturesState.ERROR, NotEvaluatedReason.ERROR),
    ],
)
def test_unreadable_states_are_not_evaluated(
    check: str, state: FeaturesState, reason: NotEvaluatedReason
) -> None:
    r = one(check, make_facts(features_state=state, enabled_features=frozenset()))
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, reason)


def test_throttled_error_is_reported_as_throttled() -> None:
    f = make_facts(
        features_state=FeaturesState.ERROR, features_error=aws_err("ThrottlingException: Rate exceeded")
    )
    r = one(SESSIONS, f)
    assert r.reason is NotEvaluatedReason.THROTTLED and "Rate exceeded" in r.message


def test_not_management_names_who_may_run_it() -> None:
    r = one(CREDENTIALS, make_facts(features_state=FeaturesState.NOT_MANAGEMENT_OR_DELEGATED_ADMIN))
    assert "management account" in r.message and "delegated" in r.message


def test_no_organization_result_is_on_the_callers_account() -> None:
    r = one(SESSIONS, no_org_facts())
    assert (r.resource.kind, r.resource.id) == (ResourceKind.ACCOUNT, MGMT)


def test_govcloud_partition_reaches_the_arn() -> None:
    f = make_facts(caller=make_facts().caller.model_copy(update={"partition": "aws-us-gov"}))
    r = one(SESSIONS, f)
    assert r.resource.arn.startswith("arn:aws-us-gov:organizations::")
