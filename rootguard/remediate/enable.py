"""enable_centralized_root: turn on centralized root access from the management account, idempotently.

Three steps, each only if it is off: trusted access for IAM (organizations:EnableAWSServiceAccess
iam.amazonaws.com), then iam:EnableOrganizationsRootCredentialsManagement and
iam:EnableOrganizationsRootSessions. A dry run lists the steps that would run. Every step that runs or would
run is written to the audit log; steps already on are not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import describe, error_code, is_access_denied
from rootguard.collect.organization import read_trusted_access_iam
from rootguard.models import IAM_SERVICE_PRINCIPAL, ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS, FeaturesState
from rootguard.remediate.audit_log import AuditLog
from rootguard.remediate.errors import Refusal, RemediationError
from rootguard.remediate.models import EnableOutcome, Step, StepStatus
from rootguard.remediate.sessions import Context, caller_context
from rootguard.remediate.targets import organization_of

log = logging.getLogger("rootguard.remediate")

TRUSTED_ACCESS = "organizations:EnableAWSServiceAccess"
ENABLE_CREDENTIALS = "iam:EnableOrganizationsRootCredentialsManagement"
ENABLE_SESSIONS = "iam:EnableOrganizationsRootSessions"


def enable_centralized_root(
    session: boto3.Session, region: str, audit_log: AuditLog, apply: bool = False
) -> EnableOutcome:
    """Enable trusted access for IAM and both centralized root access features where they are off.

    Raises RemediationError (after logging the failed step) when the caller is not the management account,
    the organization lacks all features, or a call is denied.
    """
    ctx = caller_context(session, region)
    audit_log.caller = audit_log.caller or ctx.caller.arn
    org = organization_of(ctx)
    if ctx.caller.account_id != org.management_account_id:
        raise RemediationError(
            f"account {ctx.caller.account_id} is not the management account of {org.id}: run this with "
            f"credentials of the management account {org.management_account_id}",
            reason=Refusal.NOT_MANAGEMENT_CALLER,
            account_id=ctx.caller.account_id,
        )
    if org.feature_set.upper() != "ALL":
        raise RemediationError(
            f"organization {org.id} has only {org.feature_set or 'consolidated billing'} features: enable all "
            "features in AWS Organizations first (every member account must approve)",
            reason=Refusal.NOT_ALL_FEATURES,
            account_id=org.management_account_id,
        )
    organizations = ctx.client("organizations")
    iam = ctx.client("iam")
    trusted, error = read_trusted_access_iam(organizations)
    if trusted is None:
        raise RemediationError(
            f"cannot read trusted access of {org.id} (organizations:ListAWSServiceAccessForOrganization: "
            f"{error}); grant it to the caller",
            reason=Refusal.ACCESS_DENIED,
            account_id=org.management_account_id,
        )
    features = _enabled_features(ctx, trusted)
    plan: list[tuple[str, str, bool, Callable[[], object]]] = [
        (
            TRUSTED_ACCESS,
            IAM_SERVICE_PRINCIPAL,
            trusted,
            lambda: organizations.enable_aws_service_access(ServicePrincipal=IAM_SERVICE_PRINCIPAL),
        ),
        (
            ENABLE_CREDENTIALS,
            ROOT_CREDENTIALS_MANAGEMENT,
            ROOT_CREDENTIALS_MANAGEMENT in features,
            iam.enable_organizations_root_credentials_management,
        ),
        (ENABLE_SESSIONS, ROOT_SESSIONS, ROOT_SESSIONS in features, iam.enable_organizations_root_sessions),
    ]
    steps: list[Step] = []
    for action, target, already_on, call in plan:
        acct = org.management_account_id
        if already_on:
            log.info("%s: %s is already on", action, target)
            steps.append(Step(action=action, account_id=acct, target=target, status=StepStatus.ALREADY_DONE))
            continue
        if apply:  # intent, change, outcome: a run killed in between leaves the intent open
            change = audit_log.intent(caller=ctx.caller.arn, action=action, account=acct, target=target)
            status, error = _run(call, action, target, acct)
            audit_log.outcome(change, caller=ctx.caller.arn, outcome=status.value, error=error)
        else:
            status, error = StepStatus.WOULD_RUN, ""
            audit_log.record(
                caller=ctx.caller.arn,
                action=action,
                account=acct,
                target=target,
                dry_run=True,
                outcome=status.value,
            )
        if status is StepStatus.FAILED:
            raise RemediationError(error, reason=_reason(error), account_id=acct)
        steps.append(Step(action=action, account_id=acct, target=target, status=status))
    return EnableOutcome(
        dry_run=not apply, caller_arn=ctx.caller.arn, organization_id=org.id, steps=tuple(steps)
    )


def _enabled_features(ctx: Context, trusted: bool) -> frozenset[str]:
    state, features, error = ctx.features()
    if state is FeaturesState.OK:
        return features
    if state is FeaturesState.SERVICE_ACCESS_NOT_ENABLED or not trusted:
        return frozenset()  # without trusted access no feature can be on
    raise RemediationError(
        f"cannot read the centralized root access features (iam:ListOrganizationsFeatures): {error}",
        reason=Refusal.ACCESS_DENIED if state is FeaturesState.ACCESS_DENIED else Refusal.ERROR,
        account_id=ctx.caller.account_id,
    )


def _run(call: Callable[[], object], action: str, target: str, account_id: str) -> tuple[StepStatus, str]:
    try:
        call()
    except ClientError as exc:
        if is_access_denied(error_code(exc)):
            return StepStatus.FAILED, (
                f"account {account_id}: {action} denied ({describe(exc)}); the caller needs {action} in the "
                "management account"
            )
        return StepStatus.FAILED, f"account {account_id}: {action} for {target} failed: {describe(exc)}"
    except BotoCoreError as exc:
        return StepStatus.FAILED, f"account {account_id}: {action} for {target} failed: {describe(exc)}"
    log.info("%s: %s enabled", action, target)
    return StepStatus.DONE, ""


def _reason(error: str) -> Refusal:
    return Refusal.ACCESS_DENIED if " denied (" in error else Refusal.ERROR
