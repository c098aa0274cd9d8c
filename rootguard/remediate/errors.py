"""RemediationError: a remediation step a user can fix, in one line naming the account and what to do."""

from __future__ import annotations

import re
from enum import StrEnum


class Refusal(StrEnum):
    """Why an account (or the whole run) cannot be remediated."""

    INVALID_ACCOUNT_ID = "INVALID_ACCOUNT_ID"
    MANAGEMENT_ACCOUNT = "MANAGEMENT_ACCOUNT"
    NOT_A_MEMBER = "NOT_A_MEMBER"
    NOT_ACTIVE = "NOT_ACTIVE"
    NOT_IN_ORGANIZATION = "NOT_IN_ORGANIZATION"
    NOT_MANAGEMENT_CALLER = "NOT_MANAGEMENT_CALLER"
    NOT_ALL_FEATURES = "NOT_ALL_FEATURES"
    ROOT_SESSIONS_DISABLED = "ROOT_SESSIONS_DISABLED"
    ROOT_CREDENTIALS_MANAGEMENT_DISABLED = "ROOT_CREDENTIALS_MANAGEMENT_DISABLED"
    SCP_DENIED = "SCP_DENIED"
    ACCESS_DENIED = "ACCESS_DENIED"
    THROTTLED = "THROTTLED"
    INCOMPLETE_READ = "INCOMPLETE_READ"
    SETUP = "SETUP"
    ERROR = "ERROR"


class RemediationError(Exception):
    """An error the user can act on. ``str(err)`` is one line; ``account_id`` is set when one account is meant."""

    def __init__(
        self, message: str, *, reason: Refusal = Refusal.ERROR, account_id: str | None = None
    ) -> None:
        self.reason = reason
        self.account_id = account_id
        super().__init__(one_line(message))


# Long upper-case/digit tokens are AWS credential ids (AKIA..., ASIA...) or certificate ids; AWS error messages
# sometimes echo them ("The Access Key with id AKIA... cannot be found").
_ID_TOKEN = re.compile(r"\b[A-Z0-9]{16,}\b")


def mask(identifier: str) -> str:
    """``…`` and the last four characters of an id; the rest is never written anywhere."""
    if not identifier:
        return ""
    return "…" + identifier[-4:]


def redact(text: str) -> str:
    """Text with every credential-like id masked to its last four characters."""
    return _ID_TOKEN.sub(lambda m: mask(m.group(0)), text)


def one_line(text: str, limit: int = 400) -> str:
    flat = " ".join(redact(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
