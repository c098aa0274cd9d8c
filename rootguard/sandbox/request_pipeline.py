"""The request pipeline: what every request goes through, while a sandbox runs, before moto's dispatch.

Two patches on moto's ``BaseResponse`` (applied through rootguard.sandbox.moto_patches):
``get_current_account`` answers from the principal index, and ``call_action`` runs, in order:

1. who is calling: a principal index (access key -> account, ARN, kind, root session; see
   rootguard.sandbox.caller) instead of moto's scan over every account's keys, so account resolution stays
   O(1) with 10,000 accounts;
2. faults: injected latency, quotas (token buckets with each service's real throttling error), injected
   errors, and dropped connections (``ConnectionReset``, ``ConnectionRefused``: no answer at all);
3. credentials: unknown access keys fail with the service's invalid-token error (as on AWS);
4. root sessions: expiry, the task policy (AWS's published root-task policies), and the root user as the only
   resource;
5. SCPs: Deny statements attached on a member account's path (root, OUs, the account) are evaluated for every
   principal of that account; in a root session `aws:AssumedRoot` is present;
6. recording: who called which action and how it ended (rootguard.sandbox.recorder), for the policy tests.

A request still in flight while its sandbox stops (served mode) finds no active state and goes straight to
moto's behaviour.
"""

from __future__ import annotations

import json
import os
import time
from functools import lru_cache
from typing import Any

from moto.core.responses import BaseResponse

from rootguard.sandbox import state as _state
from rootguard.sandbox.caller import principal_of
from rootguard.sandbox.errors import (
    TRANSPORT_FAULTS,
    SandboxError,
    TransportFault,
    access_denied,
    error_response,
    expired_token,
    invalid_token,
    transport_fault,
)
from rootguard.sandbox.organizations.backend import management_backend
from rootguard.sandbox.patching import Patch
from rootguard.sandbox.recorder import outcome_of
from rootguard.sandbox.scp import RequestContext, denying_statements
from rootguard.sandbox.state import Principal, now
from rootguard.sandbox.sts.backend import task_policy_allows

ALWAYS_ALLOWED = frozenset({("sts", "GetCallerIdentity")})  # no policy can deny it
DECIDED = "rootguard.sandbox.decided"  # environ key: a fault decision taken before moto's path
# moto's own methods, captured before the sandbox patches them (the patches come from this module).
_moto_get_current_account = BaseResponse.get_current_account
_moto_call_action = BaseResponse.call_action


def _get_current_account(self: BaseResponse) -> str:
    if _state.active() is None or "MOTO_ACCOUNT_ID" in os.environ or "x-moto-account-id" in self.headers:
        return _moto_get_current_account(self)
    principal = principal_of(self)
    if principal is not None:
        return principal.account_id
    return _moto_get_current_account(self)


@lru_cache(maxsize=1024)
def _document(content: str) -> dict[str, Any]:
    return json.loads(content)


def scp_denial(st: _state.SandboxState, principal: Principal, action: str, partition: str) -> list[str]:
    """Names of the SCPs on the principal's account path that deny `action`; empty when none does."""
    account_id = principal.account_id
    if account_id == st.management_account_id:
        return []  # SCPs never apply to the management account
    account = st.accounts.get(account_id)
    if account is None:
        return []
    backend = management_backend(account_id, partition)
    if backend is None:
        return []
    targets: list[Any] = [account]
    parent_id = account.parent_id
    ous = {ou.id: ou for ou in backend.ou}
    while parent_id in ous:
        node = ous[parent_id]
        targets.append(node)
        parent_id = getattr(node, "parent_id", None)
        if node.type == "ROOT":
            break
    ctx = RequestContext(
        action=action,
        principal_arn=principal.arn,
        principal_account=account_id,
        assumed_root=principal.kind == "root-session",
    )
    denying: list[str] = []
    for target in targets:
        for policy in target.attached_policies:
            if policy.type != "SERVICE_CONTROL_POLICY" or policy.name in denying:
                continue
            if denying_statements(_document(policy.content), ctx):
                denying.append(policy.name)
    return denying


def _target_of(resp: BaseResponse) -> str | None:
    for name in ("TargetPrincipal", "AccountId"):
        value = resp.querystring.get(name)
        if value:
            text = str(value[0] if isinstance(value, list) else value)
            return text.rsplit(":", 2)[-2] if text.startswith("arn:") else text
    return None


def _decided(resp: BaseResponse) -> Any:
    """The fault decision the served fast path already took for this request (it then handed the request
    to moto's path), or None."""
    environ = getattr(getattr(resp, "normalized_request", None), "environ", None)
    return environ.get(DECIDED) if isinstance(environ, dict) else None


def _check(resp: BaseResponse, st: _state.SandboxState, service: str, action: str) -> None:
    principal = principal_of(resp)
    decision = _decided(resp)
    if decision is None and st.faults:
        decision = st.faults.decide(resp.current_account, resp.region, service, action, _target_of(resp))
    if decision is not None and decision.delay_s:
        time.sleep(decision.delay_s)
    if principal is None:
        if st.strict_credentials:
            raise invalid_token(service)
        return
    if decision is not None and decision.error is not None:
        err = decision.error
        if err.code in TRANSPORT_FAULTS:
            raise transport_fault(err.code, f"https://{resp.headers.get('Host', '')}/")
        raise SandboxError(err.code, err.message, err.status)
    if (service, action) in ALWAYS_ALLOWED:
        return
    iam_action = f"{service}:{action}"
    session = principal.session
    if session is not None:
        if now() >= session.expires_at:
            raise expired_token(service)
        if not task_policy_allows(session.task_policy, iam_action) or (
            service == "iam" and action != "GetAccountSummary" and resp.querystring.get("UserName")
        ):
            raise access_denied(
                service,
                f"User: {principal.arn} is not authorized to perform: {iam_action} with an explicit deny "
                f"in a session policy ({session.task_policy})",
            )
    blocked = scp_denial(st, principal, iam_action, st.partition)
    if blocked:
        raise access_denied(
            service,
            f"User: {principal.arn} is not authorized to perform: {iam_action} with an explicit deny in a "
            f"service control policy",
        )


def _call_action(self: BaseResponse) -> Any:
    st = _state.active()
    service = self.service_name or ""
    if st is None or service in ("", "moto_api"):
        return _moto_call_action(self)
    action = self._get_action()
    if not action:
        return _moto_call_action(self)
    try:
        _check(self, st, service, action)
    except SandboxError as err:
        status, headers, body = error_response(self, err)
        headers, body = self._enrich_response(headers, body)
        _record(self, st, service, action, err.code)
        return status, headers, body
    except TransportFault as fault:
        _record(self, st, service, action, type(fault).__name__)
        raise
    try:
        response = _moto_call_action(self)
    except Exception as exc:  # moto raises some errors for its dispatcher to serialize
        _record(self, st, service, action, _error_code(exc))
        raise
    if isinstance(response, tuple) and len(response) == 3:
        _record(self, st, service, action, outcome_of(response[0], response[1], response[2]))
    else:
        _record(self, st, service, action, "ok")
    return response


def _error_code(exc: Exception) -> str:
    for name in ("error_type", "code"):
        value = getattr(exc, name, None)
        if isinstance(value, str) and value:
            return value
    return type(exc).__name__


def _record(resp: BaseResponse, st: _state.SandboxState, service: str, action: str, outcome: str) -> None:
    st.recorder.record(principal_of(resp), resp.get_access_key(), service, action, resp.region, outcome)


def patches() -> list[Patch]:
    """The pipeline in front of moto's dispatch, for every service."""
    return [
        Patch(BaseResponse, "get_current_account", _get_current_account),
        Patch(BaseResponse, "call_action", _call_action),
    ]
