"""iam_org_root_sessions_enabled: the RootSessions feature of centralized root access (privileged root actions
in member accounts) is enabled, with its prerequisites."""

from __future__ import annotations

from rootguard.models import Fact, OrgFacts, Result
from rootguard.rules.features import ROOT_SESSION, evaluate_feature
from rootguard.rules.spec import CheckSpec, Remediation, Severity
from rootguard.rules.urls import ASSUME_ROOT_DOCS, ROOT_ACCESS_DOCS
from rootguard.settings import RuleConfig

SPEC = CheckSpec(
    check_id=ROOT_SESSION.check_id,
    level="organization",
    position=30,
    title="Centralized root sessions should be enabled for the organization",
    description=(
        "Checks that the **RootSessions** organization feature (privileged root actions in member accounts) is "
        "enabled, so root-only tasks run as short, task-scoped `sts:AssumeRoot` sessions."
    ),
    risk=(
        "Without root sessions, root-only tasks in member accounts need long-term root credentials, and member "
        "root credentials cannot be audited from the management account."
    ),
    remediation=Remediation(
        text=(
            "From the management account, enable root sessions (aws iam enable-organizations-root-sessions) so "
            "that privileged tasks in member accounts run as short, task-scoped sts:AssumeRoot sessions instead "
            "of with long-term root credentials."
        ),
        url=ROOT_ACCESS_DOCS,
        cli=ROOT_SESSION.enable_cli,
        other=(
            "IAM console (management account) > Root access management > Enable > Privileged root actions in "
            "member accounts"
        ),
    ),
    urls=(ASSUME_ROOT_DOCS, ROOT_ACCESS_DOCS),
    severity=Severity(fail="HIGH"),
    needs=frozenset({Fact.FEATURES}),
    uses=frozenset({Fact.ORGANIZATION}),  # the organization's id, for the message
)


def evaluate(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    return [evaluate_feature(ROOT_SESSION, facts)]
