"""A small, pure evaluator of the Deny statements of service control policies.

SCPs never grant; the sandbox keeps FullAWSAccess attached everywhere, so only Deny statements decide. A Deny
applies when its Action (or NotAction) matches the request's action and every operator of its Condition block
holds for the request context. The context carries what matters for root sessions: `aws:PrincipalArn`
(`arn:<partition>:iam::<account>:root` in a root session), `aws:AssumedRoot` (present, "true", only for
sts:AssumeRoot credentials), `aws:PrincipalAccount` and `aws:PrincipalType`.

Resources are not evaluated (every statement is taken to cover the resource). A condition operator this
module does not know counts as holding, so an unknown construct denies rather than wrongly allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
_KNOWN = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
    "Bool",
}


@dataclass(frozen=True)
class RequestContext:
    action: str  # service:Action, e.g. iam:GetAccountSummary
    principal_arn: str
    principal_account: str
    assumed_root: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)  # more condition keys, any case

    def value(self, key: str) -> str | None:
        k = key.lower()
        if k == "aws:principalarn":
            return self.principal_arn
        if k == "aws:principalaccount":
            return self.principal_account
        if k == "aws:assumedroot":
            return "true" if self.assumed_root else None
        if k == "aws:principaltype":
            if self.principal_arn.endswith(":root"):
                return "Account"
            return "AssumedRole" if ":assumed-role/" in self.principal_arn else "User"
        for name, val in self.extra.items():
            if name.lower() == k:
                return val
        return None


@lru_cache(maxsize=4096)
def _glob(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts) + r"\Z", 0 if case_sensitive else re.IGNORECASE)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def action_matches(patterns: Iterable[str], action: str) -> bool:
    return any(_glob(p, False).match(action) for p in patterns)


def _value_matches(operator: str, actual: str, expected: str) -> bool:
    if operator in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        return actual == expected
    if operator in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return actual.lower() == expected.lower()
    if operator in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        return bool(_glob(expected, True).match(actual))
    if operator == "Bool":
        return actual.lower() == expected.lower()
    raise AssertionError(operator)


def _operator_holds(operator: str, block: Mapping[str, Any], ctx: RequestContext) -> bool:
    base = operator.split(":", 1)[1] if ":" in operator else operator  # ForAnyValue:/ForAllValues:
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in _KNOWN:
        return True  # unknown construct: assume it holds (deny rather than wrongly allow)
    for key, expected in block.items():
        actual = ctx.value(key)
        values = _as_list(expected)
        if base == "Null":
            want_absent = any(v.lower() == "true" for v in values)
            if (actual is None) != want_absent:
                return False
            continue
        if actual is None:
            if if_exists or base in _NEGATED:
                continue
            return False
        hit = any(_value_matches(base, actual, v) for v in values)
        if (not hit) if base not in _NEGATED else hit:
            return False
    return True


def statement_denies(statement: Mapping[str, Any], ctx: RequestContext) -> bool:
    """True when this statement is a Deny that applies to the request."""
    if str(statement.get("Effect", "")).lower() != "deny":
        return False
    if "Action" in statement:
        if not action_matches(_as_list(statement["Action"]), ctx.action):
            return False
    elif "NotAction" in statement:
        if action_matches(_as_list(statement["NotAction"]), ctx.action):
            return False
    else:
        return False
    condition = statement.get("Condition") or {}
    return all(_operator_holds(op, block or {}, ctx) for op, block in condition.items())


def _statements(document: Mapping[str, Any] | str) -> list[Mapping[str, Any]]:
    doc = json.loads(document) if isinstance(document, str) else document
    stmts = doc.get("Statement", [])
    return [stmts] if isinstance(stmts, dict) else list(stmts)


def denying_statements(document: Mapping[str, Any] | str, ctx: RequestContext) -> list[str]:
    """The Sids (or positions) of the statements that deny this request; empty when none does."""
    out = []
    for i, stmt in enumerate(_statements(document)):
        if statement_denies(stmt, ctx):
            out.append(str(stmt.get("Sid") or f"#{i}"))
    return out


def root_session_context(account_id: str, action: str, partition: str = "aws") -> RequestContext:
    """The context of a call made with sts:AssumeRoot credentials in `account_id`."""
    return RequestContext(
        action=action,
        principal_arn=f"arn:{partition}:iam::{account_id}:root",
        principal_account=account_id,
        assumed_root=True,
    )
