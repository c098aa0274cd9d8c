"""allow_password_recovery: let a member account's root user recover its password (IAMCreateRootUserPassword).

iam:CreateLoginProfile with no UserName and no Password creates a login profile without a usable password;
the account's root email address can then run "Forgot password". A dry run reads with the audit task policy
only; a real run opens a session with ONLY IAMCreateRootUserPassword.
"""

from __future__ import annotations

import logging

import boto3
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import ALREADY_EXISTS_CODES, NO_SUCH_ENTITY_CODES, error_code, is_expired
from rootguard.remediate.audit_log import AuditLog, Change
from rootguard.remediate.errors import RemediationError
from rootguard.remediate.models import PasswordRecoveryOutcome, Step, StepStatus
from rootguard.remediate.sessions import TaskPolicy, caller_context, session_call_error, with_session
from rootguard.remediate.targets import check_target, organization_of

log = logging.getLogger("rootguard.remediate")

ACTION = "iam:CreateLoginProfile"
TARGET = "login profile (password recovery)"


def allow_password_recovery(
    session: boto3.Session, account_id: str, region: str, audit_log: AuditLog, apply: bool = False
) -> PasswordRecoveryOutcome:
    """Allow root password recovery in ``account_id`` (``apply=False``: only say whether it would be done).

    Raises RemediationError for the management account, an account outside the organization or not ACTIVE,
    root sessions that cannot be opened, and a denied or failed call; the failure is logged first.
    """
    ctx = caller_context(session, region)
    audit_log.caller = audit_log.caller or ctx.caller.arn
    org = organization_of(ctx)
    announced: list[Change] = []  # the intent line, written once right before the call

    def record(status: StepStatus, error: str = "") -> PasswordRecoveryOutcome:
        step = Step(action=ACTION, account_id=account_id, target=TARGET, status=status, error=error)
        if announced:
            audit_log.outcome(announced[0], caller=ctx.caller.arn, outcome=status.value, error=error)
        else:
            audit_log.record(
                caller=ctx.caller.arn,
                action=ACTION,
                account=account_id,
                target=TARGET,
                dry_run=not apply,
                outcome=status.value,
                error=error,
            )
        return PasswordRecoveryOutcome(account_id=account_id, dry_run=not apply, step=step)

    def create(iam: BaseClient) -> bool:
        if not announced:  # a renewed session runs this again: one intent for the one change
            announced.append(
                audit_log.intent(caller=ctx.caller.arn, action=ACTION, account=account_id, target=TARGET)
            )
        return _create(iam, account_id)

    try:
        check_target(ctx, org, account_id)
        if not apply:
            present = with_session(
                ctx, account_id, TaskPolicy.AUDIT, lambda iam: _has_password(iam, account_id)
            )
            return record(StepStatus.ALREADY_DONE if present else StepStatus.WOULD_RUN)
        created = with_session(ctx, account_id, TaskPolicy.CREATE_PASSWORD, create)
    except RemediationError as exc:
        record(StepStatus.FAILED, str(exc))
        raise
    except (ClientError, BotoCoreError) as exc:  # the session expired again after one renewal
        error = session_call_error(account_id, ACTION, exc)
        record(StepStatus.FAILED, str(error))
        raise error from None
    return record(StepStatus.DONE if created else StepStatus.ALREADY_DONE)


def _has_password(iam: BaseClient, account_id: str) -> bool:
    try:
        iam.get_login_profile()
    except ClientError as exc:
        code = error_code(exc)
        if code in NO_SUCH_ENTITY_CODES:
            return False
        if is_expired(code):
            raise
        raise session_call_error(account_id, "iam:GetLoginProfile", exc) from None
    except BotoCoreError as exc:
        raise session_call_error(account_id, "iam:GetLoginProfile", exc) from None
    return True


def _create(iam: BaseClient, account_id: str) -> bool:
    """True when a login profile was created, False when one already existed."""
    try:
        iam.create_login_profile()
    except ClientError as exc:
        code = error_code(exc)
        if code in ALREADY_EXISTS_CODES:
            return False
        if is_expired(code):
            raise
        raise session_call_error(account_id, ACTION, exc) from None
    except BotoCoreError as exc:
        raise session_call_error(account_id, ACTION, exc) from None
    log.info("account %s: root password recovery allowed", account_id)
    return True
