"""Changes an earlier run announced and never finished: find them, re-audit, and close each with what is seen.

A run killed between a change's INTENT line and its outcome line leaves the log unable to say whether the
change happened. The next run (of any remediation command) reads the log first, names every such change,
re-audits its account read-only (the audit task policy; Organizations for the enable steps) and writes an
outcome line: OBSERVED_DONE when the intended end state holds (the credential is gone, the login profile or
the feature is there), OBSERVED_NOT_DONE when it does not. An account that cannot be re-audited keeps its
intent open, and is reported again next time.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import boto3

from rootguard.collect.organization import read_trusted_access_iam
from rootguard.models import ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS, FeaturesState
from rootguard.remediate.audit_log import AuditLog, AuditRecord
from rootguard.remediate.enable import ENABLE_CREDENTIALS, ENABLE_SESSIONS, TRUSTED_ACCESS
from rootguard.remediate.errors import RemediationError
from rootguard.remediate.models import AccountPlanStatus, CredentialKind
from rootguard.remediate.password import ACTION as CREATE_LOGIN_PROFILE
from rootguard.remediate.plan import plan_account
from rootguard.remediate.sessions import Context, caller_context
from rootguard.remediate.targets import organization_of

log = logging.getLogger("rootguard.remediate")

_ENABLE_ACTIONS = frozenset({TRUSTED_ACCESS, ENABLE_CREDENTIALS, ENABLE_SESSIONS})
_LOGIN_PROFILE_DELETE = "iam:DeleteLoginProfile"


@dataclass(frozen=True)
class Unfinished:
    """An open intent of an earlier run and what the re-audit made of it."""

    intent: AuditRecord
    done: bool | None  # the intended end state holds (True) or not (False); None: it could not be re-audited
    error: str = ""

    def line(self) -> str:
        """One line for a person: which change, from which run, and what is known now."""
        r = self.intent
        what = f"{r.action} {r.target}".strip()
        head = (
            f"unfinished change from run {r.run or '(unknown)'}: {what} in {r.account} "
            f"(intent at {r.timestamp:%Y-%m-%dT%H:%M:%SZ}, no outcome recorded)"
        )
        if self.done is None:
            return f"{head}: cannot re-audit now ({self.error}); it stays open"
        return f"{head}: re-audit {'shows it done' if self.done else 'shows it NOT done'}"


def settle_open_intents(session: boto3.Session, region: str, audit_log: AuditLog) -> list[Unfinished]:
    """Re-audit every account with an open intent and close what can be observed; read-only towards AWS."""
    intents = audit_log.open_intents()
    if not intents:
        return []
    ctx = caller_context(session, region)
    audit_log.caller = audit_log.caller or ctx.caller.arn
    by_account: dict[str, list[AuditRecord]] = defaultdict(list)
    for intent in intents:
        by_account[intent.account].append(intent)
    settled: list[Unfinished] = []
    for account, records in by_account.items():
        observe = _observer(ctx, account)
        for record in records:
            try:
                done = observe(record)
            except RemediationError as exc:
                settled.append(Unfinished(record, None, str(exc)))
                continue
            audit_log.close_observed(
                record,
                caller=ctx.caller.arn,
                done=done,
                note=f"run {record.run} stopped between intent and outcome; closed by run {audit_log.run} after a "
                "read-only re-audit",
            )
            settled.append(Unfinished(record, done))
    for item in settled:
        log.warning("%s", item.line())
    return settled


def _observer(ctx: Context, account: str) -> Callable[[AuditRecord], bool]:
    """How to tell, for one account, whether each intended change's end state holds (read at most once)."""
    cache: dict[str, object] = {}

    def credentials() -> tuple[set[str], bool]:
        if "creds" not in cache:
            plan = plan_account(ctx, organization_of(ctx), account)
            if plan.status is AccountPlanStatus.REFUSED:
                raise RemediationError(
                    plan.error or f"account {account}: cannot re-audit", account_id=account
                )
            fingerprints = {c.fingerprint for c in plan.credentials if c.fingerprint}
            login = any(c.kind is CredentialKind.LOGIN_PROFILE for c in plan.credentials)
            cache["creds"] = (fingerprints, login)
        return cache["creds"]  # type: ignore[return-value]

    def enabled() -> set[str]:
        if "enabled" not in cache:
            trusted, error = read_trusted_access_iam(ctx.client("organizations"))
            if trusted is None:
                raise RemediationError(f"cannot read trusted access for IAM: {error}", account_id=account)
            state, features, ferror = ctx.features()
            if state is not FeaturesState.OK and trusted:
                raise RemediationError(f"cannot read the organization features: {ferror}", account_id=account)
            on = set(features if state is FeaturesState.OK else ())
            if trusted:
                on.add(TRUSTED_ACCESS)
            cache["enabled"] = on
        return cache["enabled"]  # type: ignore[return-value]

    def observe(record: AuditRecord) -> bool:
        if record.action in _ENABLE_ACTIONS:
            wanted = {
                TRUSTED_ACCESS: TRUSTED_ACCESS,
                ENABLE_CREDENTIALS: ROOT_CREDENTIALS_MANAGEMENT,
                ENABLE_SESSIONS: ROOT_SESSIONS,
            }[record.action]
            return wanted in enabled()
        fingerprints, login = credentials()
        if record.action == CREATE_LOGIN_PROFILE:
            return login
        if record.action == _LOGIN_PROFILE_DELETE:
            return not login
        if not record.fingerprint:
            raise RemediationError(
                f"account {account}: {record.action} {record.target}: the intent names no credential fingerprint",
                account_id=account,
            )
        return record.fingerprint not in fingerprints

    return observe
