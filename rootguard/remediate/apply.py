"""apply_plan: delete exactly the planned root credentials, then re-audit each account.

A dry run (``apply=False``) makes the same Organizations checks, opens no root session, changes nothing and
logs every step it would run. A real run opens a root session with ONLY IAMDeleteRootUserCredentials per
account, lists the credentials again and deletes each planned one whose fingerprint matches (a credential
added after planning is never touched; one already gone is ALREADY_DONE). The first failed step stops that
account, so a password is never left without its MFA device. Each account is then re-audited in a session
with the read-only audit task policy. Every deletion call has an INTENT line in the audit log before it and its
outcome line after it, before the next call, so a run killed in between leaves a trace the next run settles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import boto3
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import NO_SUCH_ENTITY_CODES, error_code, is_expired, paginate
from rootguard.collect.credentials import read_root_credentials
from rootguard.remediate.audit_log import AuditLog
from rootguard.remediate.errors import Refusal, RemediationError
from rootguard.remediate.models import (
    AccountOutcome,
    AccountPlan,
    AccountPlanStatus,
    AccountResultStatus,
    CredentialKind,
    PlannedCredential,
    RemediationOutcome,
    RemediationPlan,
    Step,
    StepStatus,
    fingerprint,
)
from rootguard.remediate.sessions import (
    Context,
    TaskPolicy,
    assume_root_client,
    caller_context,
    session_call_error,
    with_session,
)
from rootguard.remediate.targets import check_target, organization_of

log = logging.getLogger("rootguard.remediate")

SKIP_ACTION = "rootguard:SkipAccount"
VERIFY_ACTION = "rootguard:VerifyRootCredentialsDeleted"


@dataclass(frozen=True)
class Action:
    """One AWS call of a deletion: its IAM action and how to make it with the credential's full id."""

    name: str
    call: Callable[[BaseClient, str], object]


def _actions(credential: PlannedCredential) -> tuple[Action, ...]:
    match credential.kind:
        case CredentialKind.ACCESS_KEY:
            return (
                Action("iam:DeleteAccessKey", lambda iam, ident: iam.delete_access_key(AccessKeyId=ident)),
            )
        case CredentialKind.SIGNING_CERTIFICATE:
            return (
                Action(
                    "iam:DeleteSigningCertificate",
                    lambda iam, ident: iam.delete_signing_certificate(CertificateId=ident),
                ),
            )
        case CredentialKind.LOGIN_PROFILE:
            return (Action("iam:DeleteLoginProfile", lambda iam, _ident: iam.delete_login_profile()),)
        case CredentialKind.MFA_DEVICE:
            deactivate = Action(
                "iam:DeactivateMFADevice", lambda iam, ident: iam.deactivate_mfa_device(SerialNumber=ident)
            )
            if credential.mfa_type != "virtual":
                return (deactivate,)
            delete = Action(
                "iam:DeleteVirtualMFADevice",
                lambda iam, ident: iam.delete_virtual_mfa_device(SerialNumber=ident),
            )
            return (deactivate, delete)
    raise ValueError(f"unknown credential kind {credential.kind!r}")  # pragma: no cover


def planned_steps(account: AccountPlan) -> list[tuple[PlannedCredential, Action]]:
    """The calls that delete the account's planned credentials, in order."""
    return [(cred, action) for cred in account.credentials for action in _actions(cred)]


def apply_plan(
    session: boto3.Session, plan: RemediationPlan, region: str, audit_log: AuditLog, apply: bool = False
) -> RemediationOutcome:
    """Run (``apply=True``) or rehearse (``apply=False``, the default to use) a plan; one line per step logged.

    Raises RemediationError when the plan cannot be run at all (caller unknown, another organization).
    Per-account problems are recorded in the outcome and the log, and the other accounts go on.
    """
    started = datetime.now(UTC)
    ctx = caller_context(session, region or plan.region)
    audit_log.caller = audit_log.caller or ctx.caller.arn
    org = organization_of(ctx)
    if org.id != plan.organization_id:
        raise RemediationError(
            f"the plan was made for organization {plan.organization_id} but the caller is in {org.id}; plan again "
            "with these credentials",
            reason=Refusal.ERROR,
        )
    runner = _Runner(ctx, audit_log, dry_run=not apply)
    results = []
    for account in plan.accounts:
        results.append(runner.account(account, org_check=lambda a: check_target(ctx, org, a)))
    return RemediationOutcome(
        dry_run=not apply,
        caller_arn=ctx.caller.arn,
        started_at=started,
        finished_at=datetime.now(UTC),
        accounts=tuple(results),
    )


@dataclass
class _Runner:
    ctx: Context
    audit_log: AuditLog
    dry_run: bool

    def _log(self, step: Step) -> Step:
        self.audit_log.record(
            caller=self.ctx.caller.arn,
            action=step.action,
            account=step.account_id,
            target=step.target,
            dry_run=self.dry_run,
            outcome=step.status.value,
            error=step.error,
        )
        return step

    def account(self, plan: AccountPlan, org_check: Callable[[str], object]) -> AccountOutcome:
        acct = plan.account_id
        if plan.status is AccountPlanStatus.REFUSED:
            return self._refused(acct, plan.error or f"account {acct} was refused when planning")
        if plan.status is AccountPlanStatus.CLEAN or not plan.credentials:
            return AccountOutcome(account_id=acct, status=AccountResultStatus.NOTHING_TO_DO, clean=True)
        try:
            org_check(acct)  # a plan file may have been edited: the management account is refused again here
        except RemediationError as exc:
            return self._refused(acct, str(exc))
        if self.dry_run:
            steps = tuple(
                self._log(Step(action=a.name, account_id=acct, target=c.label, status=StepStatus.WOULD_RUN))
                for c, a in planned_steps(plan)
            )
            return AccountOutcome(account_id=acct, status=AccountResultStatus.DRY_RUN, steps=steps)
        steps = _Deleter(self.ctx, acct, self._log, self.audit_log).run(plan)
        failed = next((s for s in steps if s.status is StepStatus.FAILED), None)
        if failed is not None:
            return AccountOutcome(
                account_id=acct, status=AccountResultStatus.FAILED, steps=steps, error=failed.error
            )
        return self._verify(acct, steps)

    def _refused(self, acct: str, error: str) -> AccountOutcome:
        self.audit_log.record(
            caller=self.ctx.caller.arn,
            action=SKIP_ACTION,
            account=acct,
            dry_run=self.dry_run,
            outcome=AccountResultStatus.REFUSED.value,
            error=error,
        )
        return AccountOutcome(account_id=acct, status=AccountResultStatus.REFUSED, error=error)

    def _verify(self, acct: str, steps: tuple[Step, ...]) -> AccountOutcome:
        """Re-audit with the read-only task policy: is the root user now without credentials?"""
        try:
            found, note = with_session(
                self.ctx, acct, TaskPolicy.AUDIT, lambda iam: read_root_credentials(iam, details=True)
            )
        except RemediationError as exc:
            error = str(exc)
        except (ClientError, BotoCoreError) as exc:
            error = str(session_call_error(acct, "re-audit", exc))
        else:
            remaining = tuple(found.kinds)
            clean = not remaining
            self.audit_log.record(
                caller=self.ctx.caller.arn,
                action=VERIFY_ACTION,
                account=acct,
                dry_run=False,
                outcome="CLEAN" if clean else "NOT_CLEAN",
                target=", ".join(remaining),
                error=note,
            )
            left = f"account {acct}: root credentials remain after deletion: {', '.join(remaining)}"
            return AccountOutcome(
                account_id=acct,
                status=AccountResultStatus.REMEDIATED if clean else AccountResultStatus.INCOMPLETE,
                steps=steps,
                clean=clean,
                remaining=remaining,
                error="" if clean else left,
            )
        self.audit_log.record(
            caller=self.ctx.caller.arn,
            action=VERIFY_ACTION,
            account=acct,
            dry_run=False,
            outcome=StepStatus.FAILED.value,
            error=error,
        )
        return AccountOutcome(
            account_id=acct, status=AccountResultStatus.INCOMPLETE, steps=steps, error=error
        )


@dataclass
class _Deleter:
    """Deletes one account's planned credentials in a root session with IAMDeleteRootUserCredentials only."""

    ctx: Context
    account_id: str
    log_step: Callable[[Step], Step]  # a line for a step that changed nothing (ALREADY_DONE, FAILED session)
    audit_log: AuditLog  # intent and outcome lines of each change
    _iam: BaseClient | None = None
    _ids: dict[str, str] = field(default_factory=dict)  # fingerprint -> full id, held only during the run

    def run(self, plan: AccountPlan) -> tuple[Step, ...]:
        steps: list[Step] = []
        pending = planned_steps(plan)
        try:
            self._open()
        except RemediationError as exc:
            opened = Step(
                action="sts:AssumeRoot",
                account_id=self.account_id,
                target=TaskPolicy.DELETE.value,
                status=StepStatus.FAILED,
                error=str(exc),
            )
            return (self.log_step(opened), *(self._not_run(c, a) for c, a in pending))
        for index, (credential, action) in enumerate(pending):
            step = self._step(credential, action)
            steps.append(step)
            if step.status is StepStatus.FAILED:
                steps += [self._not_run(c, a) for c, a in pending[index + 1 :]]
                break
        self._ids.clear()
        self._iam = None
        return tuple(steps)

    def _not_run(self, credential: PlannedCredential, action: Action) -> Step:
        return Step(
            action=action.name, account_id=self.account_id, target=credential.label, status=StepStatus.NOT_RUN
        )

    def _open(self) -> None:
        self._iam = assume_root_client(self.ctx, self.account_id, TaskPolicy.DELETE)
        self._ids = self._current_ids(self._iam)

    def _current_ids(self, iam: BaseClient) -> dict[str, str]:
        """Fingerprint -> full id of every credential listed now (the delete task policy allows the lists)."""
        try:
            listed = {
                CredentialKind.ACCESS_KEY: [
                    str(i["AccessKeyId"]) for i in paginate(iam, "list_access_keys", "AccessKeyMetadata")
                ],
                CredentialKind.SIGNING_CERTIFICATE: [
                    str(i["CertificateId"])
                    for i in paginate(iam, "list_signing_certificates", "Certificates")
                ],
                CredentialKind.MFA_DEVICE: [
                    str(i["SerialNumber"]) for i in paginate(iam, "list_mfa_devices", "MFADevices")
                ],
            }
        except (ClientError, BotoCoreError) as exc:
            raise session_call_error(self.account_id, "listing root credentials", exc) from None
        return {fingerprint(kind, ident): ident for kind, idents in listed.items() for ident in idents}

    def _step(self, credential: PlannedCredential, action: Action) -> Step:
        """One deletion: its INTENT line, the call, and its outcome line, in that order."""
        ident = ""
        if credential.kind is not CredentialKind.LOGIN_PROFILE:
            ident = self._ids.get(credential.fingerprint, "")
            if not ident:  # nothing to change: one line, no intent
                return self.log_step(
                    Step(
                        action=action.name,
                        account_id=self.account_id,
                        target=credential.label,
                        status=StepStatus.ALREADY_DONE,
                    )
                )
        change = self.audit_log.intent(
            caller=self.ctx.caller.arn,
            action=action.name,
            account=self.account_id,
            target=credential.label,
            fingerprint=credential.fingerprint,
        )
        step = self._call(credential, action, ident)
        self.audit_log.outcome(
            change, caller=self.ctx.caller.arn, outcome=step.status.value, error=step.error
        )
        return step

    def _call(self, credential: PlannedCredential, action: Action, ident: str) -> Step:
        def result(status: StepStatus, error: str = "") -> Step:
            return Step(
                action=action.name,
                account_id=self.account_id,
                target=credential.label,
                status=status,
                error=error,
            )

        for attempt in (1, 2):
            assert self._iam is not None
            try:
                action.call(self._iam, ident)
            except ClientError as exc:
                code = error_code(exc)
                if code in NO_SUCH_ENTITY_CODES:
                    return result(StepStatus.ALREADY_DONE)
                if attempt == 1 and is_expired(code):
                    try:
                        self._open()
                    except RemediationError as renew_error:
                        return result(StepStatus.FAILED, str(renew_error))
                    continue
                return result(StepStatus.FAILED, str(session_call_error(self.account_id, action.name, exc)))
            except BotoCoreError as exc:
                return result(StepStatus.FAILED, str(session_call_error(self.account_id, action.name, exc)))
            return result(StepStatus.DONE)
        return result(
            StepStatus.FAILED, f"account {self.account_id}: {action.name}: root session expired twice"
        )
