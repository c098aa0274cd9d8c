"""STS on the wire: sts:AssumeRoot added to moto's STS response class; GetCallerIdentity for root principals.

AssumeRoot answers only on a Regional endpoint (the global one lacks it); who may call it for which target
and task is rootguard.sandbox.sts.backend's to decide.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.sts.responses import TokenResponse

from rootguard.sandbox import state as _state
from rootguard.sandbox.caller import principal_of
from rootguard.sandbox.errors import SandboxError, handles_errors
from rootguard.sandbox.patching import Patch
from rootguard.sandbox.sts import backend

GLOBAL_HOSTS = frozenset({"sts.amazonaws.com", "sts.amazonaws.com.cn"})


@handles_errors
def assume_root(self: TokenResponse) -> Any:
    st = _state.active()
    if st is None:
        raise SandboxError("InvalidAction", "AssumeRoot needs a running rootguard sandbox.", 400)
    if self.parsed_url.hostname in GLOBAL_HOSTS:
        raise SandboxError("InvalidAction", "Unknown Operation", 400)  # the global endpoint lacks AssumeRoot
    caller = principal_of(self)
    if caller is None:
        raise SandboxError(
            "InvalidClientTokenId", "The security token included in the request is invalid.", 403
        )
    credentials = backend.assume_root(
        st,
        caller,
        self.partition,
        duration_seconds=self._get_param("DurationSeconds"),
        task_policy_arn=self._get_param("TaskPolicyArn"),
        target_principal=self._get_param("TargetPrincipal"),
    )
    return ActionResult({"Credentials": credentials})


_moto_get_caller_identity = TokenResponse.get_caller_identity


def _get_caller_identity(self: TokenResponse) -> Any:
    principal = principal_of(self) if _state.active() is not None else None
    if principal is not None and principal.is_root:
        return ActionResult(
            {"UserId": principal.account_id, "Account": principal.account_id, "Arn": principal.arn}
        )
    return _moto_get_caller_identity(self)


def patches() -> list[Patch]:
    """AssumeRoot added to moto's STS response class; GetCallerIdentity answered for root principals."""
    return [
        Patch(TokenResponse, "assume_root", assume_root),
        Patch(TokenResponse, "get_caller_identity", _get_caller_identity),
    ]
