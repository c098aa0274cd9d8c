"""STS state: sts:AssumeRoot's rules and the root sessions it hands out.

The caller must be an IAM principal (never root) of the management account or of the IAM delegated
administrator; the target must be an ACTIVE member account; the task policy must be one of the five
`arn:<partition>:iam::aws:policy/root-task/<Name>` policies; the organization's features gate the call (the
scenario's `root_sessions`). A session is a moto temporary key in the target account, indexed as the target's
root user; what it may do is the task policy's published document (:func:`task_policy_allows`, enforced with
SCPs by rootguard.sandbox.request_pipeline). rootguard.sandbox.sts.responses puts AssumeRoot on the wire.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import cache
from typing import Any

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import iam_backends

from rootguard.models import IAM_SERVICE_PRINCIPAL, ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS
from rootguard.sandbox import ids
from rootguard.sandbox.errors import SandboxError
from rootguard.sandbox.organizations import backend as orgs
from rootguard.sandbox.scp import action_matches
from rootguard.sandbox.state import Principal, RootSession, SandboxState, now

TASK_POLICIES = (
    "IAMAuditRootUserCredentials",
    "IAMCreateRootUserPassword",
    "IAMDeleteRootUserCredentials",
    "S3UnlockBucketPolicy",
    "SQSUnlockQueuePolicy",
)
CREDENTIAL_TASKS = frozenset(
    {"IAMAuditRootUserCredentials", "IAMCreateRootUserPassword", "IAMDeleteRootUserCredentials"}
)
MAX_DURATION = 900
_TASK_ARN = re.compile(r"^arn:(?P<partition>[a-z-]+):iam::aws:policy/root-task/(?P<name>[A-Za-z0-9]+)$")
_TARGET_ARN = re.compile(r"^arn:(?P<partition>[a-z-]+):iam::(?P<account>\d{12}):root$")


@cache
def task_policy_actions(name: str) -> tuple[str, ...]:
    """The actions a task policy leaves allowed, read from AWS's published policy document (moto ships it)."""
    document = json.loads(aws_managed_policies_data)[name]["Document"]
    for stmt in document["Statement"]:
        if stmt.get("Effect") == "Deny" and "NotAction" in stmt and stmt.get("Resource") == "*":
            return tuple(stmt["NotAction"])
    raise KeyError(f"{name}: no deny-all-other-actions statement")


def task_policy_allows(name: str, action: str) -> bool:
    return action_matches(task_policy_actions(name), action)


def _validation(message: str) -> SandboxError:
    return SandboxError("ValidationError", message, 400)


def _target_account(value: str | None, partition: str) -> str:
    if not value:
        raise _validation(
            "1 validation error detected: Value null at 'targetPrincipal' failed to satisfy "
            "constraint: Member must not be null"
        )
    if re.fullmatch(r"\d{12}", value):
        return value
    match = _TARGET_ARN.match(value)
    if match is None or match["partition"] != partition:
        raise _validation(f"The target principal {value} is not a member account id or root user ARN.")
    return match["account"]


def assume_root(
    st: SandboxState,
    caller: Principal,
    partition: str,
    *,
    duration_seconds: Any,
    task_policy_arn: Any,
    target_principal: Any,
) -> dict[str, Any]:
    """A root session in the target member account for `caller`; its `Credentials`.

    The request's parameters arrive as sent and are checked here, in AWS's order: the caller, the duration,
    the task policy, the target, the organization, the features.
    """
    action_denied = f"User: {caller.arn} is not authorized to perform: sts:AssumeRoot"
    if caller.is_root:
        raise SandboxError(
            "AccessDenied", f"{action_denied}: root user credentials cannot call AssumeRoot", 403
        )

    duration = MAX_DURATION if duration_seconds is None else int(duration_seconds)
    if not 0 <= duration <= MAX_DURATION:
        raise _validation(
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_DURATION}"
        )
    task_arn = (task_policy_arn or {}).get("arn") or ""
    match = _TASK_ARN.match(task_arn)
    if match is None or match["name"] not in TASK_POLICIES or match["partition"] != st.partition:
        raise _validation(
            f"The task policy ARN {task_arn or 'null'} is not a root task policy of partition {st.partition}."
        )
    task = match["name"]
    target = _target_account(target_principal, st.partition)

    backend = orgs.management_backend(caller.account_id, partition)
    if backend is None or backend.org is None:
        raise SandboxError("AccessDenied", f"{action_denied}: the account is not in an organization", 403)
    org = backend.org
    management = org.master_account_id
    if caller.account_id != management and not orgs.is_delegated_admin(
        backend, caller.account_id, IAM_SERVICE_PRINCIPAL
    ):
        raise SandboxError(
            "AccessDenied",
            f"{action_denied}: only the management account or the delegated administrator for IAM can",
            403,
        )
    account = orgs.find_account(backend, target)
    if account is None or target == management:
        raise SandboxError("AccessDenied", f"{action_denied} on {target}: not a member account", 403)
    if account.status != "ACTIVE":
        raise SandboxError(
            "AccessDenied", f"{action_denied} on {target}: the account is {account.status}", 403
        )
    features = st.enabled_features(org.id)
    if st.gating.require_root_sessions and ROOT_SESSIONS not in features:
        raise SandboxError("AccessDenied", f"{action_denied}: centralized root sessions are not enabled", 403)
    if (
        task in CREDENTIAL_TASKS
        and st.gating.credential_tasks_require_root_credentials_management
        and ROOT_CREDENTIALS_MANAGEMENT not in features
    ):
        raise SandboxError(
            "AccessDenied", f"{action_denied}: centralized root credentials management is not enabled", 403
        )

    # A moto temporary key in the target account, so moto itself also maps these credentials to it.
    key = iam_backends[target][partition].create_temp_access_key()
    expires = now() + timedelta(seconds=duration)
    session = RootSession(target, task, expires, caller.arn, caller.account_id)
    st.register(
        Principal(
            key.access_key_id, target, f"arn:{st.partition}:iam::{target}:root", "root-session", session
        )
    )
    return {
        "AccessKeyId": key.access_key_id,
        "SecretAccessKey": key.secret_access_key,
        "SessionToken": ids.session_token(),
        "Expiration": expires,
    }
