"""Does a service control policy deny root sessions? A pure evaluator over the policy document.

A root session (sts:AssumeRoot credentials) runs as the member account's root user, so a deny-root SCP on
the account's path applies to it, unless the statement exempts the session with the documented
``"Null": {"aws:AssumedRoot": "true"}`` condition (Control Tower's ``ExemptAssumeRoot`` parameter adds the
same). The audit needs a handful of IAM read calls; a statement "denies root" here when:

- its Effect is Deny,
- its Action (or the complement of its NotAction) covers, or could cover, one of the audit's actions,
- its Resource (or NotResource) could cover them,
- its Condition names the principal (``aws:PrincipalArn``) in a way that is true for a root ARN, and
- no condition clause is false inside a root session (``aws:AssumedRoot`` is ``"true"`` there).

Condition keys the evaluator cannot know for a root session (tags, Regions, source IPs, ...) are taken as
"could be true": a policy that might block root sessions is reported rather than missed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

# What a root audit session calls (IAMAuditRootUserCredentials), plus the call that opens it.
AUDIT_ACTIONS: tuple[str, ...] = (
    "iam:GetAccountSummary",
    "iam:GetLoginProfile",
    "iam:ListAccessKeys",
    "iam:ListMFADevices",
    "iam:ListSigningCertificates",
    "sts:AssumeRoot",
)

_SAMPLE_ACCOUNT = "123456789012"
_ACCOUNT_IN_TEXT = re.compile(r"(?<!\d)(\d{12})(?!\d)")

_PRINCIPAL_ARN = "aws:principalarn"
_ASSUMED_ROOT = "aws:assumedroot"
_PRINCIPAL_ACCOUNT = "aws:principalaccount"


class PolicyDocumentError(ValueError):
    """The policy text is not a JSON policy document."""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@lru_cache(maxsize=1024)
def _glob(pattern: str, case_sensitive: bool = True) -> re.Pattern[str]:
    """IAM wildcard matching: ``*`` any run of characters, ``?`` one character, nothing else special."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(f"^{body}$", 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def _like(value: str, pattern: str, case_sensitive: bool = True) -> bool:
    return _glob(pattern, case_sensitive).match(value) is not None


def _load(policy_document: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(policy_document, Mapping):
        return policy_document
    try:
        doc = json.loads(policy_document)
    except (TypeError, ValueError) as exc:
        raise PolicyDocumentError(f"policy document is not JSON: {exc}") from None
    if not isinstance(doc, Mapping):
        raise PolicyDocumentError("policy document is not a JSON object")
    return doc


def _statements(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in _as_list(doc.get("Statement")) if isinstance(s, Mapping)]


def _covers_actions(statement: Mapping[str, Any]) -> bool:
    if "NotAction" in statement:
        excluded = [str(a) for a in _as_list(statement["NotAction"])]
        return any(not any(_like(act, pat, False) for pat in excluded) for act in AUDIT_ACTIONS)
    patterns = [str(a) for a in _as_list(statement.get("Action"))]
    return any(_like(act, pat, False) for act in AUDIT_ACTIONS for pat in patterns)


def _covers_resources(statement: Mapping[str, Any], root_arn: str) -> bool:
    if "NotResource" in statement:
        return not any(str(p) == "*" for p in _as_list(statement["NotResource"]))
    patterns = [str(r) for r in _as_list(statement.get("Resource", "*"))]
    # GetAccountSummary acts on "*"; the List/Get calls act on the root user's own ARN.
    return any(p == "*" or _like(root_arn, p) for p in patterns)


def _split_operator(operator: str) -> tuple[str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> (``stringlike``, if_exists=True)."""
    op = operator.split(":", 1)[-1].lower()
    if_exists = op.endswith("ifexists")
    return (op[: -len("ifexists")] if if_exists else op), if_exists


def _clause(operator: str, key: str, values: list[str], context: Mapping[str, str]) -> bool | None:
    """Three-valued: True/False when the root-session value of ``key`` is known, None when it is not."""
    op, _if_exists = _split_operator(operator)  # every key in the context is present: IfExists is moot
    actual = context.get(key.lower())
    if op == "null":
        if actual is None:
            return None
        wants_absent = any(v.lower() == "true" for v in values)
        wants_present = any(v.lower() == "false" for v in values)
        return wants_present or not wants_absent
    if actual is None:
        return None
    negated = "not" in op
    base = op.replace("not", "", 1) if negated else op
    if base in ("stringequals", "arnequals", "arnlike"):
        hit = any(_like(actual, v) for v in values) if base.startswith("arn") else actual in values
    elif base == "stringequalsignorecase":
        hit = any(actual.casefold() == v.casefold() for v in values)
    elif base == "stringlike":
        hit = any(_like(actual, v) for v in values)
    elif base == "bool":
        hit = any(actual.lower() == v.lower() for v in values)
    else:
        return None  # numeric/date/IP/binary operators on a known key: cannot say
    return not hit if negated else hit


def _applies_to_root(statement: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    """True when the statement's conditions can hold in a root session and name the principal as root."""
    condition = statement.get("Condition") or {}
    if not isinstance(condition, Mapping):
        return False
    targets_root = False
    for operator, block in condition.items():
        if not isinstance(block, Mapping):
            continue
        for key, raw in block.items():
            values = [str(v) for v in _as_list(raw)]
            verdict = _clause(str(operator), str(key), values, context)
            if verdict is False:
                return False
            if verdict is True and str(key).lower() == _PRINCIPAL_ARN:
                targets_root = True
    return targets_root


def named_accounts(policy_document: str | Mapping[str, Any]) -> list[str]:
    """The 12-digit account ids a policy mentions; without any, its verdict is the same for every account."""
    doc = _load(policy_document)
    return sorted(set(_ACCOUNT_IN_TEXT.findall(json.dumps(doc))))


def parse_policy(policy_document: str) -> Mapping[str, Any]:
    """Parse a policy once for repeated evaluation (raises PolicyDocumentError)."""
    return _load(policy_document)


def _candidate_accounts(doc: Mapping[str, Any], account_id: str | None) -> list[str]:
    if account_id is not None:
        return [account_id]
    return [_SAMPLE_ACCOUNT, *named_accounts(doc)]


def denying_statements(
    policy_document: str | Mapping[str, Any], *, account_id: str | None = None, partition: str = "aws"
) -> list[str]:
    """Sids (or ``#<index>``) of the statements that deny root sessions without the AssumedRoot exemption.

    ``account_id`` narrows the question to one member account; without it, a statement counts when it can
    deny the root of some account (for example one that names a single account's root ARN).
    """
    doc = _load(policy_document)
    hits: list[str] = []
    for index, statement in enumerate(_statements(doc)):
        if str(statement.get("Effect", "")).lower() != "deny" or not _covers_actions(statement):
            continue
        for account in _candidate_accounts(doc, account_id):
            root_arn = f"arn:{partition}:iam::{account}:root"
            context = {_PRINCIPAL_ARN: root_arn, _ASSUMED_ROOT: "true", _PRINCIPAL_ACCOUNT: account}
            if _covers_resources(statement, root_arn) and _applies_to_root(statement, context):
                hits.append(str(statement.get("Sid") or f"#{index}"))
                break
    return hits


def denies_root_without_exemption(
    policy_document: str | Mapping[str, Any], *, account_id: str | None = None, partition: str = "aws"
) -> bool:
    """True when the policy has a Deny that blocks root sessions (no ``aws:AssumedRoot`` exemption)."""
    return bool(denying_statements(policy_document, account_id=account_id, partition=partition))
