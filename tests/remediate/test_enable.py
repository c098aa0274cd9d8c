"""enable_centralized_root on the sandbox: everything off -> all three on; a second run does nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from remediate_helpers import ADMIN, MGMT, REGION, everything_off, scenario

from rootguard.remediate import AuditLog, RemediationError, StepStatus, enable_centralized_root
from rootguard.remediate.errors import Refusal
from rootguard.sandbox import Sandbox

Factory = Callable[[Any], Sandbox]
STEPS = [
    ("organizations:EnableAWSServiceAccess", "iam.amazonaws.com"),
    ("iam:EnableOrganizationsRootCredentialsManagement", "RootCredentialsManagement"),
    ("iam:EnableOrganizationsRootSessions", "RootSessions"),
]


def _state(sb: Sandbox) -> tuple[bool, list[str]]:
    session = sb.session()
    principals = [
        p["ServicePrincipal"]
        for p in session.client("organizations").list_aws_service_access_for_organization()[
            "EnabledServicePrincipals"
        ]
    ]
    try:
        features = sorted(session.client("iam").list_organizations_features()["EnabledFeatures"])
    except ClientError as exc:
        assert exc.response["Error"]["Code"].startswith("ServiceAccessNotEnabled")
        features = []
    return "iam.amazonaws.com" in principals, features


def test_dry_run_lists_the_three_steps_and_changes_nothing(sandbox_factory: Factory, tmp_path: Path) -> None:
    sb = sandbox_factory(everything_off())
    log = AuditLog(tmp_path / "a.jsonl")

    outcome = enable_centralized_root(sb.session(), REGION, log, apply=False)

    assert outcome.dry_run and not outcome.changed
    assert [(s.action, s.target, s.status) for s in outcome.steps] == [
        (action, target, StepStatus.WOULD_RUN) for action, target in STEPS
    ]
    assert _state(sb) == (False, [])
    assert [(r.action, r.dry_run, r.outcome) for r in log.read()] == [
        (a, True, "WOULD_RUN") for a, _ in STEPS
    ]


def test_apply_enables_all_three_and_a_second_run_does_nothing(
    sandbox_factory: Factory, tmp_path: Path
) -> None:
    sb = sandbox_factory(everything_off())
    log = AuditLog(tmp_path / "a.jsonl")

    first = enable_centralized_root(sb.session(), REGION, log, apply=True)

    assert [s.status for s in first.steps] == [StepStatus.DONE] * 3 and first.changed
    assert _state(sb) == (True, ["RootCredentialsManagement", "RootSessions"])
    assert [(r.action, r.account, r.outcome) for r in log.read()] == [
        (a, MGMT, outcome) for a, _ in STEPS for outcome in ("INTENT", "DONE")
    ]

    second = enable_centralized_root(sb.session(), REGION, log, apply=True)

    assert [s.status for s in second.steps] == [StepStatus.ALREADY_DONE] * 3 and not second.changed
    assert len(log.read()) == 6  # nothing new was done, nothing new logged


def test_only_the_missing_feature_is_enabled(sandbox_factory: Factory, tmp_path: Path) -> None:
    sb = sandbox_factory(scenario(root_access_features=["RootCredentialsManagement"]))
    log = AuditLog(tmp_path / "a.jsonl")

    outcome = enable_centralized_root(sb.session(), REGION, log, apply=True)

    assert [s.status for s in outcome.steps] == [
        StepStatus.ALREADY_DONE,
        StepStatus.ALREADY_DONE,
        StepStatus.DONE,
    ]
    assert [r.action for r in log.read()] == ["iam:EnableOrganizationsRootSessions"] * 2  # intent, outcome
    assert _state(sb)[1] == ["RootCredentialsManagement", "RootSessions"]


def test_refused_outside_the_management_account(sandbox_factory: Factory, tmp_path: Path) -> None:
    sb = sandbox_factory(scenario(root_access_features=[]))
    log = AuditLog(tmp_path / "a.jsonl")
    with pytest.raises(RemediationError) as err:
        enable_centralized_root(sb.session(ADMIN), REGION, log, apply=True)
    assert err.value.reason is Refusal.NOT_MANAGEMENT_CALLER
    assert ADMIN in str(err.value) and MGMT in str(err.value)
    assert _state(sb)[1] == []
    assert log.read() == []


def test_refused_without_all_features(sandbox_factory: Factory, tmp_path: Path) -> None:
    sb = sandbox_factory(
        scenario(
            feature_set="CONSOLIDATED_BILLING",
            trusted_access=[],
            root_access_features=[],
            delegated_administrators={},
            scps=[],
            ous=[],
        )
        | {"accounts": []}
    )
    with pytest.raises(RemediationError, match="all features") as err:
        enable_centralized_root(sb.session(), REGION, AuditLog(tmp_path / "a.jsonl"), apply=True)
    assert err.value.reason is Refusal.NOT_ALL_FEATURES


def test_denied_step_is_logged_and_raised(sandbox_factory: Factory, tmp_path: Path) -> None:
    sb = sandbox_factory(everything_off())
    sb.inject(service="iam", action="EnableOrganizationsRootSessions", code="AccessDenied", status=403)
    log = AuditLog(tmp_path / "a.jsonl")

    with pytest.raises(RemediationError) as err:
        enable_centralized_root(sb.session(), REGION, log, apply=True)

    assert err.value.reason is Refusal.ACCESS_DENIED
    assert "iam:EnableOrganizationsRootSessions" in str(err.value) and MGMT in str(err.value)
    assert [r.outcome for r in log.read()] == ["INTENT", "DONE", "INTENT", "DONE", "INTENT", "FAILED"]
    assert _state(sb) == (True, ["RootCredentialsManagement"])
