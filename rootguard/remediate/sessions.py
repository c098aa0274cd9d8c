"""The caller's context and short AssumeRoot sessions, with AWS errors turned into RemediationErrors.

rootguard.collect opens its audit sessions inside its worker pool and exposes no helper for one session, so
this module opens its own: a Regional STS client in the home Region, the caller's partition for the task
policy ARN, a short DurationSeconds, and credentials that live only inside the IAM client they sign.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

import boto3
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import (
    ClientFactory,
    caller_from,
    describe,
    ensure_regional_sts,
    error_code,
    home_region,
    is_access_denied,
    is_expired,
    is_throttling,
)
from rootguard.collect.organization import read_features
from rootguard.errors import CollectError, UsageError
from rootguard.models import ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS, AwsError, Caller, FeaturesState
from rootguard.remediate.errors import Refusal, RemediationError

log = logging.getLogger("rootguard.remediate")

MAX_ATTEMPTS = 5
T = TypeVar("T")


class TaskPolicy(StrEnum):
    AUDIT = "IAMAuditRootUserCredentials"
    DELETE = "IAMDeleteRootUserCredentials"
    CREATE_PASSWORD = "IAMCreateRootUserPassword"

    def arn(self, partition: str) -> str:
        return f"arn:{partition}:iam::aws:policy/root-task/{self.value}"


# DurationSeconds per task: an audit makes at most six calls, a deletion a few per credential. Short enough
# that root credentials do not outlive the job, long enough for adaptive-retry back-off (AWS allows 0..900).
SESSION_SECONDS: dict[TaskPolicy, int] = {
    TaskPolicy.AUDIT: 60,
    TaskPolicy.DELETE: 300,
    TaskPolicy.CREATE_PASSWORD: 60,
}


@dataclass
class Context:
    """The caller and its clients for one remediation call."""

    session: boto3.Session
    region: str
    factory: ClientFactory
    caller: Caller
    _sts: BaseClient | None = None
    _features: tuple[FeaturesState, frozenset[str], AwsError | None] | None = field(default=None, repr=False)
    _clients: dict[str, BaseClient] = field(default_factory=dict, repr=False)

    @property
    def sts(self) -> BaseClient:
        if self._sts is None:
            self._sts = self.factory.sts()
        return self._sts

    def client(self, service: str) -> BaseClient:
        """The caller's client for `service`, made once per call (clients are thread safe; making one costs
        milliseconds, and remediation checks every target account)."""
        client = self._clients.get(service)
        if client is None:
            client = self._clients.setdefault(service, self.factory.client(service))
        return client

    def features(self) -> tuple[FeaturesState, frozenset[str], AwsError | None]:
        """iam:ListOrganizationsFeatures, read once (used to explain an AssumeRoot denial)."""
        if self._features is None:
            self._features = read_features(self.client("iam"))
        return self._features


def caller_context(session: boto3.Session, region: str | None) -> Context:
    """Identify the caller (GetCallerIdentity) on a Regional STS endpoint in the home Region."""
    try:
        home = home_region(session, region)
        factory = ClientFactory(session, home, MAX_ATTEMPTS)
        sts = factory.client("sts")
        ensure_regional_sts(sts)
        caller = caller_from(sts, home)
    except (CollectError, UsageError) as exc:
        raise RemediationError(str(exc), reason=Refusal.SETUP) from None
    except ClientError as exc:
        raise RemediationError(
            f"cannot identify the caller (sts:GetCallerIdentity): {describe(exc)}; check the AWS credentials",
            reason=Refusal.SETUP,
        ) from None
    except BotoCoreError as exc:
        raise RemediationError(
            f"cannot identify the caller: {describe(exc)}; set AWS credentials and a Region",
            reason=Refusal.SETUP,
        ) from None
    return Context(session=session, region=home, factory=factory, caller=caller, _sts=sts)


def assume_root_client(ctx: Context, account_id: str, task: TaskPolicy) -> BaseClient:
    """An IAM client acting as ``account_id``'s root user, limited by ``task``.

    The session's credentials live only inside the returned client. Raises RemediationError when AssumeRoot
    is refused, with the likely cause (root sessions or root credentials management off, the caller not
    allowed).
    """
    try:
        answer = ctx.sts.assume_root(
            TargetPrincipal=account_id,
            TaskPolicyArn={"arn": task.arn(ctx.caller.partition)},
            DurationSeconds=SESSION_SECONDS[task],
        )
    except ClientError as exc:
        raise assume_root_error(ctx, account_id, task, exc) from None
    except BotoCoreError as exc:
        raise RemediationError(
            f"account {account_id}: sts:AssumeRoot failed ({describe(exc)}); check the network and retry",
            account_id=account_id,
        ) from None
    credentials = answer["Credentials"]
    iam = ctx.factory.client(
        "iam",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    del credentials, answer
    log.debug("account %s: root session opened with %s", account_id, task.value)
    return iam


def assume_root_error(ctx: Context, account_id: str, task: TaskPolicy, exc: ClientError) -> RemediationError:
    code = error_code(exc)
    said = describe(exc)
    if is_throttling(code):
        return RemediationError(
            f"account {account_id}: sts:AssumeRoot throttled after retries ({said}); run again later",
            reason=Refusal.THROTTLED,
            account_id=account_id,
        )
    if not is_access_denied(code):
        return RemediationError(f"account {account_id}: sts:AssumeRoot failed: {said}", account_id=account_id)
    state, features, _ = ctx.features()
    if state is FeaturesState.OK and ROOT_SESSIONS not in features:
        return RemediationError(
            f"account {account_id}: sts:AssumeRoot denied because centralized root sessions (RootSessions) are "
            "not enabled; enable centralized root access from the management account first",
            reason=Refusal.ROOT_SESSIONS_DISABLED,
            account_id=account_id,
        )
    if state is FeaturesState.OK and ROOT_CREDENTIALS_MANAGEMENT not in features:
        return RemediationError(
            f"account {account_id}: sts:AssumeRoot with {task.value} denied because root credentials "
            "management (RootCredentialsManagement) is not enabled; enable centralized root access first",
            reason=Refusal.ROOT_CREDENTIALS_MANAGEMENT_DISABLED,
            account_id=account_id,
        )
    return RemediationError(
        f"account {account_id}: sts:AssumeRoot with {task.value} denied ({said}); run as the management "
        "account or the IAM delegated administrator with sts:AssumeRoot allowed for this task policy",
        reason=Refusal.ACCESS_DENIED,
        account_id=account_id,
    )


def session_call_error(account_id: str, action: str, exc: ClientError | BotoCoreError) -> RemediationError:
    """A failed IAM call inside a root session, explained."""
    said = describe(exc)
    code = error_code(exc)
    if isinstance(exc, ClientError) and is_access_denied(code):
        if "service control polic" in said.lower():
            return RemediationError(
                f"account {account_id}: {action} denied by a service control policy in the root session; add "
                '"Null": {"aws:AssumedRoot": "true"} to the deny-root SCP on its path, or move the account',
                reason=Refusal.SCP_DENIED,
                account_id=account_id,
            )
        return RemediationError(
            f"account {account_id}: {action} denied in the root session ({said}); a deny-root SCP without the "
            "aws:AssumedRoot exemption is the usual cause",
            reason=Refusal.ACCESS_DENIED,
            account_id=account_id,
        )
    if is_throttling(code):
        return RemediationError(
            f"account {account_id}: {action} throttled after retries; run again later",
            reason=Refusal.THROTTLED,
            account_id=account_id,
        )
    return RemediationError(f"account {account_id}: {action} failed: {said}", account_id=account_id)


def with_session(ctx: Context, account_id: str, task: TaskPolicy, work: Callable[[BaseClient], T]) -> T:
    """Run ``work`` in a root session; if the session expires part way, open one new session and run again.

    ``work`` must be safe to repeat (every step here checks what is still there before it changes it).
    """
    for attempt in (1, 2):
        iam = assume_root_client(ctx, account_id, task)
        try:
            return work(iam)
        except ClientError as exc:
            if attempt == 1 and is_expired(error_code(exc)):
                log.info("account %s: root session expired, opening a new one", account_id)
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover
