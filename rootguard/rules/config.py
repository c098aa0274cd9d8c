"""Settings the rules take from the user: who may be an IAM delegated administrator, which accounts to skip."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, field_validator

_ACCOUNT_ID = re.compile(r"^\d{12}$")


def _account_ids(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, Iterable):
        raise ValueError("expected a list of 12-digit account ids")
    ids = frozenset(str(item) for item in value)
    for item in sorted(ids):
        if not _ACCOUNT_ID.match(item):
            raise ValueError(f"{item!r} is not a 12-digit account id")
    return ids


class RuleConfig(BaseModel):
    """How the rules judge an organization; the defaults are the strict reading."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # IAM delegated administrators that are expected; any other one fails
    # organizations_iam_delegated_admin_allowed.
    allowed_delegated_admins: frozenset[str] = frozenset()
    # Accounts the member rule reports as NOT_EVALUATED (EXCLUDED) whatever was collected for them.
    excluded_accounts: frozenset[str] = frozenset()

    @field_validator("allowed_delegated_admins", "excluded_accounts", mode="before")
    @classmethod
    def _ids(cls, value: object) -> frozenset[str]:
        return _account_ids(value)
