"""Severity of a Result, from its check's mapping rules and, for root credentials, from what is present."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rootguard.models import Result, Status

from .loader import CheckMapping, Credential, SeverityLabel

# Words of RootCredentials.kinds (and similar free text) -> credential tokens.
_KIND_WORDS: tuple[tuple[str, Credential], ...] = (
    ("inactive access key", "inactive_access_key"),
    ("active access key", "active_access_key"),
    ("access key", "active_access_key"),  # status unknown (summary flag only): assume the worst
    ("password", "password"),
    ("signing certificate", "signing_certificate"),
    ("mfa", "mfa_device"),
)
# Count/flag keys a rule may put in Result.details -> credential tokens.
_COUNT_KEYS: dict[str, Credential] = {
    "active_access_keys": "active_access_key",
    "inactive_access_keys": "inactive_access_key",
    "password": "password",
    "signing_certificates": "signing_certificate",
    "mfa_devices": "mfa_device",
}


def _kind_token(kind: str) -> Credential | None:
    text = kind.lower().replace("_", " ")
    for word, token in _KIND_WORDS:
        if word in text:
            return token
    return None


def credentials_present(details: Mapping[str, Any]) -> set[Credential]:
    """The credential tokens a member-account Result's details say are present.

    Reads `details["kinds"]` (the vocabulary of RootCredentials.kinds) and any count or flag keys
    (`active_access_keys`, `inactive_access_keys`, `password`, `signing_certificates`, `mfa_devices`), at the
    top level or under `details["counts"]`.
    """
    found: set[Credential] = set()
    kinds = details.get("kinds")
    if isinstance(kinds, Iterable) and not isinstance(kinds, str | bytes | Mapping):
        for kind in kinds:
            token = _kind_token(str(kind))
            if token:
                found.add(token)
    for source in (details, details.get("counts")):
        if not isinstance(source, Mapping):
            continue
        for key, token in _COUNT_KEYS.items():
            value = source.get(key)
            if isinstance(value, bool | int | list | tuple) and value:
                found.add(token)
    return found


def severity_for(result: Result, mapping: CheckMapping) -> SeverityLabel:
    rules = mapping.severity
    if result.status is Status.PASS:
        return rules.pass_
    if result.status is Status.NOT_EVALUATED:
        if result.reason is not None and result.reason in rules.not_evaluated_by_reason:
            return rules.not_evaluated_by_reason[result.reason]
        return rules.not_evaluated
    present = credentials_present(result.details)
    for rule in rules.fail_by_credential:
        if rule.credential in present:
            return rule.label
    return rules.fail
