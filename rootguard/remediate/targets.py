"""Which accounts may be remediated: ACTIVE member accounts of the caller's organization, never the management
account. Decided from Organizations before any root session is opened."""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import describe, error_code, is_access_denied
from rootguard.collect.organization import read_organization
from rootguard.models import NOT_IN_USE, Organization
from rootguard.remediate.errors import Refusal, RemediationError
from rootguard.remediate.sessions import Context

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_NOT_FOUND = frozenset({"AccountNotFoundException", "AccountNotFound"})


def organization_of(ctx: Context) -> Organization:
    """The caller's organization; RemediationError when there is none or it cannot be read."""
    org, error = read_organization(ctx.client("organizations"))
    if org is not None:
        return org
    if error is not None and error.code == NOT_IN_USE:
        raise RemediationError(
            f"account {ctx.caller.account_id} is not in an AWS organization; centralized root access needs one",
            reason=Refusal.NOT_IN_ORGANIZATION,
            account_id=ctx.caller.account_id,
        )
    raise RemediationError(
        f"cannot read the organization (organizations:DescribeOrganization): {error}; run as the management "
        "account or the IAM delegated administrator",
        reason=Refusal.ACCESS_DENIED,
    )


@dataclass(frozen=True)
class Target:
    account_id: str
    name: str


def check_target(ctx: Context, org: Organization, account_id: str) -> Target:
    """The account, if it may be remediated; otherwise RemediationError saying why and what to do."""
    if not _ACCOUNT_ID.match(account_id):
        raise RemediationError(
            f"{account_id!r} is not a 12-digit AWS account id; pass member account ids",
            reason=Refusal.INVALID_ACCOUNT_ID,
            account_id=account_id,
        )
    if account_id == org.management_account_id:
        raise RemediationError(
            f"account {account_id} is the management account: centralized root access does not cover its root "
            "user; secure it by hand (hardware MFA, no access keys) instead",
            reason=Refusal.MANAGEMENT_ACCOUNT,
            account_id=account_id,
        )
    try:
        data = ctx.client("organizations").describe_account(AccountId=account_id)["Account"]
    except ClientError as exc:
        code = error_code(exc)
        if code in _NOT_FOUND:
            raise RemediationError(
                f"account {account_id} is not a member of organization {org.id}; check the account id",
                reason=Refusal.NOT_A_MEMBER,
                account_id=account_id,
            ) from None
        reason = Refusal.ACCESS_DENIED if is_access_denied(code) else Refusal.ERROR
        raise RemediationError(
            f"account {account_id}: cannot read it from Organizations ({describe(exc)}); run as the management "
            "account or the IAM delegated administrator",
            reason=reason,
            account_id=account_id,
        ) from None
    except BotoCoreError as exc:
        raise RemediationError(
            f"account {account_id}: organizations:DescribeAccount failed ({describe(exc)})",
            account_id=account_id,
        ) from None
    state = str(data.get("State") or data.get("Status") or "").upper()
    if state != "ACTIVE":
        raise RemediationError(
            f"account {account_id} is {state or 'in an unknown state'}, not ACTIVE; only active member accounts "
            "can be remediated",
            reason=Refusal.NOT_ACTIVE,
            account_id=account_id,
        )
    return Target(account_id=account_id, name=str(data.get("Name", "")))
