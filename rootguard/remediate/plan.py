"""plan_delete_root_credentials: read what each member account's root user still holds, change nothing.

Each account is checked against Organizations first (refused: the management account, accounts outside the
organization, accounts that are not ACTIVE), then read in a root session with the read-only audit task policy
(IAMAuditRootUserCredentials). A refusal or a read failure is recorded on that account; other accounts go on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import NO_SUCH_ENTITY_CODES, error_code, is_expired, paginate
from rootguard.collect.credentials import mfa_kind, summary_flags
from rootguard.models import Organization
from rootguard.remediate.errors import Refusal, RemediationError
from rootguard.remediate.models import (
    DELETION_ORDER,
    AccountPlan,
    AccountPlanStatus,
    CredentialKind,
    PlannedCredential,
    RemediationPlan,
)
from rootguard.remediate.sessions import (
    Context,
    TaskPolicy,
    caller_context,
    session_call_error,
    with_session,
)
from rootguard.remediate.targets import check_target, organization_of

log = logging.getLogger("rootguard.remediate")


def plan_delete_root_credentials(
    session: boto3.Session, account_ids: list[str], region: str
) -> RemediationPlan:
    """A plan to delete the root credentials of ``account_ids``; reads only.

    Raises RemediationError when nothing can be planned (the caller cannot be identified, no organization).
    """
    ctx = caller_context(session, region)
    org = organization_of(ctx)
    accounts = tuple(plan_account(ctx, org, account_id) for account_id in dict.fromkeys(account_ids))
    return RemediationPlan(
        created_at=datetime.now(UTC),
        caller_arn=ctx.caller.arn,
        partition=ctx.caller.partition,
        region=ctx.region,
        organization_id=org.id,
        management_account_id=org.management_account_id,
        accounts=accounts,
    )


def plan_account(ctx: Context, org: Organization, account_id: str) -> AccountPlan:
    """One account's plan: refused with the reason, clean, or ready with what is there (also the re-audit of
    an account whose earlier run stopped half way)."""
    try:
        target = check_target(ctx, org, account_id)
        credentials = with_session(ctx, account_id, TaskPolicy.AUDIT, lambda iam: _read(iam, account_id))
    except RemediationError as exc:
        log.warning("plan: %s", exc)
        return AccountPlan(
            account_id=account_id, status=AccountPlanStatus.REFUSED, reason=exc.reason, error=str(exc)
        )
    except (ClientError, BotoCoreError) as exc:
        err = session_call_error(account_id, "reading root credentials", exc)
        log.warning("plan: %s", err)
        return AccountPlan(
            account_id=account_id, status=AccountPlanStatus.REFUSED, reason=err.reason, error=str(err)
        )
    status = AccountPlanStatus.READY if credentials else AccountPlanStatus.CLEAN
    log.info("plan: account %s %s, %d credentials to delete", account_id, status.value, len(credentials))
    return AccountPlan(account_id=account_id, name=target.name, status=status, credentials=credentials)


def _read(iam: BaseClient, account_id: str) -> tuple[PlannedCredential, ...]:
    """Every root credential of the account, with full ids reduced to masks and fingerprints at once."""
    try:
        flags = summary_flags(iam.get_account_summary().get("SummaryMap", {}))
    except ClientError as exc:
        if is_expired(error_code(exc)):
            raise
        raise session_call_error(account_id, "iam:GetAccountSummary", exc) from None
    found: list[PlannedCredential] = []
    action = ""
    try:
        if flags["AccountAccessKeysPresent"]:
            action = "iam:ListAccessKeys"
            found += access_key_items(list(paginate(iam, "list_access_keys", "AccessKeyMetadata")))
        if flags["AccountSigningCertificatesPresent"]:
            action = "iam:ListSigningCertificates"
            found += certificate_items(list(paginate(iam, "list_signing_certificates", "Certificates")))
        if flags["AccountPasswordPresent"]:
            action = "iam:GetLoginProfile"
            found += login_profile_items(iam)
        if flags["AccountMFAEnabled"]:
            action = "iam:ListMFADevices"
            found += mfa_items(list(paginate(iam, "list_mfa_devices", "MFADevices")))
    except ClientError as exc:
        if is_expired(error_code(exc)):
            raise
        raise session_call_error(account_id, action, exc) from None
    _check_complete(account_id, flags, found)
    return tuple(sorted(found, key=lambda c: DELETION_ORDER.index(c.kind)))


def access_key_items(metadata: list[dict[str, Any]]) -> list[PlannedCredential]:
    return [
        PlannedCredential.of(
            CredentialKind.ACCESS_KEY,
            str(item["AccessKeyId"]),
            status=str(item.get("Status", "")),
            created=_when(item.get("CreateDate")),
        )
        for item in metadata
    ]


def certificate_items(certificates: list[dict[str, Any]]) -> list[PlannedCredential]:
    return [
        PlannedCredential.of(
            CredentialKind.SIGNING_CERTIFICATE,
            str(item["CertificateId"]),
            status=str(item.get("Status", "")),
            created=_when(item.get("UploadDate")),
        )
        for item in certificates
    ]


def mfa_items(devices: list[dict[str, Any]]) -> list[PlannedCredential]:
    return [
        PlannedCredential.of(
            CredentialKind.MFA_DEVICE,
            str(item["SerialNumber"]),
            mfa_type=mfa_kind(str(item["SerialNumber"])),
            created=_when(item.get("EnableDate")),
        )
        for item in devices
    ]


def login_profile_items(iam: BaseClient) -> list[PlannedCredential]:
    try:
        profile = iam.get_login_profile().get("LoginProfile", {})
    except ClientError as exc:
        if error_code(exc) in NO_SUCH_ENTITY_CODES:
            return []  # the summary flag lagged; nothing to delete
        raise
    return [PlannedCredential(kind=CredentialKind.LOGIN_PROFILE, created=_when(profile.get("CreateDate")))]


def _check_complete(account_id: str, flags: dict[str, int], found: list[PlannedCredential]) -> None:
    """A flag with nothing listed means the plan would miss a credential: refuse rather than under-delete."""
    kinds = {c.kind for c in found}
    expected = {
        "AccountAccessKeysPresent": CredentialKind.ACCESS_KEY,
        "AccountSigningCertificatesPresent": CredentialKind.SIGNING_CERTIFICATE,
        "AccountMFAEnabled": CredentialKind.MFA_DEVICE,
    }
    missing = [kind.value for flag, kind in expected.items() if flags[flag] and kind not in kinds]
    if missing:
        raise RemediationError(
            f"account {account_id}: GetAccountSummary reports {', '.join(missing)} that the list calls did not "
            "return; plan again in a few minutes",
            reason=Refusal.INCOMPLETE_READ,
            account_id=account_id,
        )


def _when(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None
